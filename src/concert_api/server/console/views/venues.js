// Venues: the popularity ranking with the filters POST /venues/popularity accepts, as a sortable table, a bar
// chart and a map of the venues (a scatter by longitude and latitude: no tiles, so no network).

import { callApi } from "../api.js";
import { barChart, placeScatter } from "../charts.js";
import { clearErrors, el, formatMoney, formatNumber, formatPercent, formValues, showError, sortableTable, withProgress } from "../ui.js";

const COLUMNS = [
  { key: "popularity_rank", label: "Rank", format: formatNumber },
  { key: "name", label: "Venue" },
  { key: "city", label: "City" },
  { key: "state", label: "State" },
  { key: "venue_type", label: "Type" },
  { key: "capacity", label: "Capacity", format: formatNumber },
  { key: "total_concerts", label: "Concerts", format: formatNumber },
  { key: "avg_attendance_rate", label: "Attendance", format: formatPercent },
  { key: "popularity_score", label: "Popularity", format: formatPercent },
  { key: "revenue_per_event", label: "Revenue / event", format: formatMoney },
  { key: "tickets_per_event", label: "Tickets / event", format: formatNumber },
  { key: "booking_frequency", label: "Concerts / month", format: formatNumber },
  { key: "forecast_attendance_rate", label: "Forecast attendance", format: formatPercent },
];

/** Set up the venues view; returns what to run when the view is first shown (the default ranking). */
export function initVenues() {
  const form = document.getElementById("venues-form");
  const results = document.getElementById("venues-results");

  const rank = async () => {
    clearErrors(form);
    let response;
    try {
      response = await withProgress(form, () => callApi("POST", "/venues/popularity", formValues(form)));
    } catch (error) {
      showError(form, error);
      return;
    }
    results.replaceChildren(...render(response));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    rank();
  });
  return rank;
}

function render(response) {
  const venues = response.venues;
  if (!venues.length) {
    return [el("p", { class: "empty", text: "No venue matches these filters. Lower the number of past concerts or widen the place." })];
  }
  const columns = COLUMNS.filter((c) => venues.some((v) => v[c.key] !== undefined && v[c.key] !== null));
  const summary = el("p", { class: "summary", text: `${venues.length} of ${formatNumber(response.total_venues)} matching venues.` });
  const scored = venues.some((v) => typeof v.popularity_score === "number");
  const chart = barChart(venues, {
    label: (v) => v.name,
    value: (v) => (scored ? v.popularity_score ?? 0 : v.avg_attendance_rate),
    format: formatPercent,
    title: scored ? "Popularity score by venue" : "Average attendance rate by venue",
  });
  const map = placeScatter(venues, {
    label: (v) => `${v.popularity_rank}. ${v.name}, ${v.city}, ${v.state}`,
    size: (v) => v.capacity || 0,
    title: "Where the ranked venues are",
  });
  return [summary, sortableTable(venues, columns, "Venues by popularity"), chart, ...(map ? [map] : [])];
}
