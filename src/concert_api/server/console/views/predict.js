// Ticket prediction: artist and venue pickers that search by name through the API, a date and a price; the
// prediction with its interval and its warnings, then the concert's demand and revenue curve across prices
// (`POST /tickets/price-curve`) with the best price marked.
//
// The API has no search endpoint, so the pickers use what it offers: the venue ranking (every venue, min_events 0)
// and the chat assistant's lookups ("Tell me about the artist X"), which match names, typos and parts of names
// against the warehouse and answer with ids.

import { callApi } from "../api.js";
import { priceCurveChart } from "../charts.js";
import {
  clearErrors, el, formatMoney, formatNumber, formatPercent, formatPrice, formValues, showError, withProgress,
} from "../ui.js";

const SEARCH_DELAY_MS = 350;

/** Set up the prediction view; returns what to run when the view is first shown (load the pickers' lists). */
export function initPredict() {
  const form = document.getElementById("predict-form");
  const results = document.getElementById("predict-results");
  const date = form.elements.event_date;
  const inAMonth = new Date(Date.now() + 30 * 86400000);
  date.value = inAMonth.toISOString().slice(0, 10);

  const artists = new Picker(form.elements.artist_id, "artist");
  const venues = new Picker(form.elements.venue_id, "venue");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = formValues(form);
    if (body.artist_id) body.artist_id = artists.idOf(body.artist_id);
    if (body.venue_id) body.venue_id = venues.idOf(body.venue_id);
    let prediction;
    try {
      prediction = await withProgress(form, () => callApi("POST", "/tickets/predict", body));
    } catch (error) {
      showError(form, error);
      return;
    }
    results.replaceChildren(render(prediction, artists.nameOf(body.artist_id), venues.nameOf(body.venue_id)));
    const curve = el("section", { class: "price-curve-section", "aria-live": "polite" },
      el("p", { class: "meta", text: "Working out the demand and revenue across prices…" }));
    results.append(curve);
    try {
      const answer = await callApi("POST", "/tickets/price-curve",
        { artist_id: body.artist_id, venue_id: body.venue_id, event_date: body.event_date });
      curve.replaceChildren(...renderCurve(answer, Number(body.ticket_price)));
    } catch (error) {
      curve.replaceChildren(el("p", { class: "error", role: "alert",
        text: `The price curve is not available: ${error.details || error.message}` }));
    }
  });

  return () => {
    artists.load(async () => {
      const reply = await callApi("POST", "/chat", { message: "Top 50 artists" });
      return ((reply.data.result || {}).artists || []).map((a) => ({ id: a.artist_id, name: a.name, note: a.genre }));
    });
    venues.load(async () => {
      const ranking = await callApi("POST", "/venues/popularity", { top_n: 100, min_events: 0 });
      return ranking.venues.map((v) => ({ id: v.venue_id, name: v.name, note: `${v.city}, ${v.state}` }));
    });
  };
}

/** A text input with a datalist of "Name (id)" entries, filled from the API and extended by name searches. */
class Picker {
  constructor(input, kind) {
    this.input = input;
    this.kind = kind;
    this.list = document.getElementById(input.getAttribute("list"));
    this.status = document.getElementById(`${input.id}-status`);
    this.entries = new Map(); // id -> {id, name, note}
    this.searched = new Set();
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.search(input.value.trim()), SEARCH_DELAY_MS);
    });
  }

  async load(fetchEntries) {
    try {
      this.add(await fetchEntries());
      this.status.textContent = `${this.entries.size} ${this.kind}s to pick from; type to search for others.`;
    } catch (error) {
      this.status.textContent = `Could not load ${this.kind}s: ${error.details || error.message}`;
    }
  }

  add(entries) {
    for (const entry of entries) this.entries.set(entry.id, entry);
    this.list.replaceChildren(...[...this.entries.values()].map((e) =>
      el("option", { value: label(e), label: e.note ? `${label(e)} · ${e.note}` : undefined })));
  }

  /** The id for what the input holds: a picked "Name (id)", a name known to the picker, or the text as typed. */
  idOf(text) {
    const picked = /\(([A-Za-z0-9_.:-]+)\)\s*$/.exec(text);
    if (picked) return picked[1];
    const lower = text.toLowerCase();
    const byName = [...this.entries.values()].find((e) => e.name.toLowerCase() === lower);
    return byName ? byName.id : text;
  }

  nameOf(id) {
    const entry = this.entries.get(id);
    return entry ? entry.name : id;
  }

  /** Ask the assistant about a name the list does not hold yet; add what it finds (or the candidates it offers). */
  async search(text) {
    const lower = text.toLowerCase();
    if (text.length < 3 || /\(.+\)\s*$/.test(text) || this.searched.has(lower)) return;
    if ([...this.entries.values()].some((e) => `${e.name} ${e.note || ""} ${e.id}`.toLowerCase().includes(lower))) return;
    this.searched.add(lower);
    this.status.textContent = `Searching the API for ${this.kind}s matching “${text}”…`;
    try {
      const found = await this.lookup(text);
      const candidates = await Promise.all(found.slice(0, 4).map((c) => (c.id ? c : this.lookup(c.name).then((r) => r[0]))));
      const entries = candidates.filter((c) => c && c.id);
      this.add(entries);
      this.status.textContent = entries.length
        ? `Found ${entries.map((e) => e.name).join(", ")}: pick from the list.`
        : `No ${this.kind} matches “${text}”.`;
    } catch (error) {
      this.status.textContent = `Search failed: ${error.details || error.message}`;
    }
  }

  async lookup(name) {
    const reply = await callApi("POST", "/chat", { message: `Tell me about the ${this.kind} ${name}` });
    const record = (reply.data.result || {})[this.kind];
    if (record && record[`${this.kind}_id`]) {
      const note = this.kind === "venue" ? `${record.city}, ${record.state}` : record.genre;
      return [{ id: record[`${this.kind}_id`], name: record.name, note }];
    }
    const options = (reply.data.clarification || {}).options || [];
    return options.map(([value, text]) => (value !== text ? { id: value, name: text } : { name: text }));
  }
}

function label(entry) {
  return `${entry.name} (${entry.id})`;
}

function render(prediction, artistName, venueName) {
  const features = prediction.features_used || {};
  const interval = prediction.prediction_interval;
  const capacity = features.venue_capacity;
  const parts = [
    el("h2", { text: `${artistName} at ${venueName}` }),
    el("p", { class: "headline" },
      el("strong", { class: "big", text: formatNumber(Math.round(prediction.predicted_sales)) }),
      ` tickets expected${typeof capacity === "number" ? ` of ${formatNumber(capacity)} seats` : ""}.`),
  ];
  if (interval) {
    parts.push(el("p", { class: "interval", text: `In ${formatPercent(interval.coverage)} of cases like this one, sales fall between ` +
      `${formatNumber(Math.round(interval.low))} and ${formatNumber(Math.round(interval.high))} tickets.` }));
    parts.push(intervalBar(interval, prediction.predicted_sales, capacity));
  }
  parts.push(el("p", { class: "meta", text: `Confidence ${formatPercent(prediction.confidence)}` +
    (prediction.model_version ? ` · model ${prediction.model_version}` : "") }));
  if (prediction.warnings && prediction.warnings.length) {
    parts.push(el("div", { class: "warnings", role: "note" },
      el("h3", { text: "Read this prediction with care" }),
      el("ul", {}, prediction.warnings.map((w) => el("li", { text: w })))));
  }
  parts.push(el("details", { class: "raw" }, el("summary", { text: "What the model used" }),
    el("dl", {}, Object.entries(features).flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })]))));
  return el("article", { class: "prediction" }, parts);
}

/** The interval as a band on a 0..capacity scale, the prediction as a mark in it. */
function intervalBar(interval, predicted, capacity) {
  const max = Math.max(capacity || 0, interval.high, predicted) || 1;
  const pct = (v) => `${Math.max(0, Math.min(100, (v / max) * 100)).toFixed(2)}%`;
  const band = el("span", { class: "band" });
  band.style.left = pct(interval.low);
  band.style.width = `calc(${pct(interval.high)} - ${pct(interval.low)})`;
  const mark = el("span", { class: "mark" });
  mark.style.left = pct(predicted);
  return el("div", { class: "interval-bar", "aria-hidden": "true" }, band, mark);
}

/** The price curve: a sentence with the best price's figures, the chart, its warnings, and the points as a table. */
function renderCurve(answer, asked) {
  const best = answer.best_price;
  const chance = typeof best.sell_out_probability === "number"
    ? `, a ${formatPercent(best.sell_out_probability)} chance of selling out` : "";
  const parts = [
    el("h3", { text: "Demand and revenue across prices" }),
    el("p", { class: "best-price-summary", text: `Best price ${formatPrice(best.ticket_price)}: about ` +
      `${formatMoney(best.expected_revenue)} expected revenue from ${formatNumber(Math.round(best.predicted_sales))} ` +
      `tickets${chance}.` }),
    priceCurveChart(answer.curve, {
      best, asked: asked > 0 ? asked : undefined, capacity: answer.capacity,
      title: `Tickets and revenue by price (${answer.curve.length} prices)`, money: formatMoney, price: formatPrice,
      number: formatNumber,
    }),
  ];
  if (answer.warnings && answer.warnings.length) {
    parts.push(el("div", { class: "warnings", role: "note" },
      el("h3", { text: "Read this curve with care" }),
      el("ul", {}, answer.warnings.map((w) => el("li", { text: w })))));
  }
  parts.push(el("details", { class: "raw" }, el("summary", { text: "The curve as a table" }),
    el("table", { class: "data curve-table" },
      el("thead", {}, el("tr", {}, ["Price", "Tickets", "Likely range", "Revenue", "Sell-out chance"].map((h) =>
        el("th", { scope: "col", text: h })))),
      el("tbody", {}, answer.curve.map((p) => el("tr", { class: p.ticket_price === best.ticket_price ? "best" : undefined },
        el("td", { text: formatPrice(p.ticket_price) }),
        el("td", { text: formatNumber(Math.round(p.predicted_sales)) }),
        el("td", { text: `${formatNumber(Math.round(p.prediction_interval.low))}–` +
          `${formatNumber(Math.round(p.prediction_interval.high))}` }),
        el("td", { text: formatMoney(p.expected_revenue) }),
        el("td", { text: typeof p.sell_out_probability === "number" ? formatPercent(p.sell_out_probability) : "–" })))))));
  return parts;
}
