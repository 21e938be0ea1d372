// Chat: a conversation with the assistant that keeps its session_id, shows intent and confidence discreetly,
// renders a reply's tabular data as a table and offers its suggestions as buttons.

import { callApi } from "../api.js";
import { barChart } from "../charts.js";
import { clearErrors, el, formatPercent, formatterFor, humanize, showError, sortableTable, withProgress } from "../ui.js";

const MAX_ROWS = 50;

/** Set up the chat view (nothing to load when it is first shown). */
export function initChat() {
  const form = document.getElementById("chat-form");
  const log = document.getElementById("chat-log");
  const sessionLabel = document.getElementById("chat-session");
  const input = form.elements.message;
  let sessionId = null;

  const send = async (message) => {
    clearErrors(form);
    const body = { message };
    if (sessionId) body.session_id = sessionId;
    const userId = form.elements.user_id.value.trim();
    if (userId) body.user_id = userId;
    const asked = el("li", { class: "turn user" }, el("p", { class: "bubble", text: message }));
    log.append(asked);
    let reply;
    try {
      reply = await withProgress(form, () => callApi("POST", "/chat", body));
    } catch (error) {
      asked.remove();
      showError(form, error);
      return;
    }
    sessionId = reply.session_id;
    sessionLabel.textContent = sessionId;
    log.append(renderReply(reply, send));
    input.value = "";
    input.focus();
    log.lastElementChild.scrollIntoView({ block: "nearest" });
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(input.value.trim());
  });
  document.getElementById("chat-reset").addEventListener("click", () => {
    sessionId = null;
    sessionLabel.textContent = "new";
    log.replaceChildren();
    clearErrors(form);
    input.focus();
  });
  return null;
}

function renderReply(reply, send) {
  const item = el("li", { class: "turn assistant" });
  item.append(el("p", { class: "bubble", text: reply.message }));
  item.append(el("p", { class: "meta" },
    el("span", { class: "intent", text: `${humanize(reply.intent)}` }), " · ",
    el("span", { class: "confidence", title: "The assistant's confidence in the intent", text: `${formatPercent(reply.confidence)} sure` })));
  for (const table of tablesOf(reply.data)) item.append(table);
  if (reply.data && Object.keys(reply.data).length) {
    item.append(el("details", { class: "raw" }, el("summary", { text: "Data (JSON)" }),
      el("pre", { text: JSON.stringify(reply.data, null, 2) })));
  }
  if (reply.suggestions && reply.suggestions.length) {
    item.append(el("ul", { class: "suggestions", "aria-label": "Suggestions" },
      reply.suggestions.map((s) => el("li", {}, el("button", { type: "button", class: "suggestion", onclick: () => send(s), text: s })))));
  }
  return item;
}

/** Tables for a reply's data: each list of records in `data.result` (venues, artists, concerts, groups), with a
 * bar chart when the records are a ranking of named things by a measure, and a record such as an artist's or a
 * venue's profile as a one-row table. */
function tablesOf(data) {
  const result = data && data.result;
  if (!result || typeof result !== "object") return [];
  const tables = [];
  for (const [key, value] of Object.entries(result)) {
    if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
      const rows = value.slice(0, MAX_ROWS);
      tables.push(sortableTable(rows, scalarColumns(rows), humanize(key)));
      const chart = chartOf(rows, humanize(key));
      if (chart) tables.push(chart);
    } else if (value && typeof value === "object" && !Array.isArray(value) && scalarColumns([value]).length > 2) {
      tables.push(sortableTable([value], scalarColumns([value]), humanize(key)));
      tables.push(...tablesOf({ result: value }));  // its lists, such as a profile's next concerts
    }
  }
  return tables;
}

function scalarColumns(rows) {
  const keys = [];
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (value !== null && typeof value !== "object" && !keys.includes(key)) keys.push(key);
    }
  }
  return keys.map((key) => ({ key }));
}

/** Measures worth a chart, most telling first; a ranking of named records by one of them is drawn as bars. */
const MEASURES = ["revenue", "tickets_sold", "popularity_score", "avg_attendance_rate", "popularity", "score",
  "concerts", "upcoming_concerts"];

function chartOf(rows, title) {
  if (rows.length < 2 || rows.length > 20 || !rows.every((r) => typeof r.name === "string")) return null;
  const measure = MEASURES.find((m) => rows.every((r) => typeof r[m] === "number"));
  if (!measure) return null;
  return barChart(rows, { label: (r) => r.name, value: (r) => r[measure], format: formatterFor(measure),
    title: `${title}: ${humanize(measure).toLowerCase()}` });
}
