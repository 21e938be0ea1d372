// Health: the services the API is configured with, the backends it uses, and the deep probes on demand.

import { callApi } from "../api.js";
import { clearErrors, el, formatNumber, humanize, showError, withProgress } from "../ui.js";

/** Set up the health view; returns what to run when the view is first shown (the shallow check). */
export function initHealth() {
  const form = document.getElementById("health-form");
  const results = document.getElementById("health-results");

  const check = async (deep) => {
    clearErrors(form);
    let health;
    try {
      health = await withProgress(form, () => callApi("GET", deep ? "/health?deep=true" : "/health"));
    } catch (error) {
      showError(form, error);
      return;
    }
    results.replaceChildren(...render(health));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check(true);
  });
  document.getElementById("health-refresh").addEventListener("click", () => check(false));
  return () => check(false);
}

function render(health) {
  const parts = [
    el("p", { class: `status status-${health.status}` },
      el("strong", { text: humanize(health.status) }), ` · version ${health.version} · checked ${health.timestamp}`),
    keyValueTable("Services", health.services, (v) => (v === "configured" ? "Configured" : "Not configured")),
  ];
  if (health.backends) parts.push(keyValueTable("Backends in use", health.backends, (v) => v));
  if (health.probes) {
    const rows = Object.entries(health.probes).map(([name, probe]) => el("tr", {},
      el("th", { scope: "row", text: humanize(name) }),
      el("td", { class: `probe probe-${probe.status}`, text: probe.status }),
      el("td", { class: "num", text: probe.latency_ms == null ? "" : `${formatNumber(probe.latency_ms)} ms` }),
      el("td", { text: probe.details || "" })));
    parts.push(el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Deep probes" },
      el("table", { class: "data" }, el("caption", { text: "Deep probes" }),
        el("thead", {}, el("tr", {}, ["Backend", "Status", "Latency", "Details"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, rows))));
  }
  return parts;
}

function keyValueTable(caption, record, format) {
  return el("table", { class: "data kv" }, el("caption", { text: caption }),
    el("tbody", {}, Object.entries(record || {}).map(([key, value]) =>
      el("tr", {}, el("th", { scope: "row", text: humanize(key) }), el("td", { text: format(value) })))));
}
