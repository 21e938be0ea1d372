// The console's only way to the platform: the public API, at the base URL and with the key kept in localStorage.

const SETTINGS_KEY = "concert-console.settings";

/** The saved API base URL ("" = the origin serving this page) and API key. */
export function loadSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}");
    return { baseUrl: String(saved.baseUrl || ""), apiKey: String(saved.apiKey || "") };
  } catch {
    return { baseUrl: "", apiKey: "" };
  }
}

export function saveSettings({ baseUrl, apiKey }) {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify({ baseUrl: baseUrl.trim(), apiKey: apiKey.trim() }));
}

/** An error answered by the API in its one format {error, details, timestamp}, or a network failure. */
export class ApiError extends Error {
  constructor(status, error, details) {
    super(details ? `${error}: ${details}` : error);
    this.status = status;
    this.error = error;
    this.details = details || "";
  }

  /** The request field the API names at the start of `details` ("top_n: Input should be ..."), if any. */
  get fieldPath() {
    const match = /^([A-Za-z_][\w.[\]]*):\s/.exec(this.details);
    return match ? match[1] : null;
  }
}

export function apiUrl(path) {
  const base = loadSettings().baseUrl.replace(/\/+$/, "");
  return base + path;
}

/** Call the API; resolve with the JSON body of a 2xx, reject with an ApiError worded by the API otherwise. */
export async function callApi(method, path, body) {
  const { apiKey } = loadSettings();
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (apiKey) headers["x-api-key"] = apiKey;
  const url = apiUrl(path);
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "API unreachable",
      `No answer from ${url}. Check the API base URL in API settings, and that the API allows this page's origin (CORS).`);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    if (payload && typeof payload.error === "string") throw new ApiError(response.status, payload.error, payload.details);
    const hint = response.status === 403 ? "Check the API key in API settings." : "The API answered without an error body.";
    throw new ApiError(response.status, `HTTP ${response.status}`, (payload && payload.message) || hint);
  }
  return payload;
}
