// Recommendations: a user id (or none), genres, a place and how many; cards with the reasoning, sortable.

import { callApi } from "../api.js";
import { clearErrors, el, formatNumber, formatPercent, formValues, humanize, showError, withProgress } from "../ui.js";

/** The genres POST /recommendations accepts (concert_api.models.Genre). */
const GENRES = ["pop", "rock", "hip-hop", "country", "electronic", "r&b", "latin", "alternative", "indie", "metal",
  "jazz", "folk", "blues", "classical", "reggae"];

const ORDERS = {
  score: { label: "Best match", compare: (a, b) => b.score - a.score },
  date: { label: "Soonest", compare: (a, b) => a.event_date.localeCompare(b.event_date) },
  popularity: { label: "Most popular artist", compare: (a, b) => b.artist_popularity - a.artist_popularity },
  distance: { label: "Nearest", compare: (a, b) => (a.distance_km ?? Infinity) - (b.distance_km ?? Infinity) },
};

/** Set up the recommendations view; nothing runs until the form is sent. */
export function initRecommendations() {
  const form = document.getElementById("recommendations-form");
  const results = document.getElementById("recommendations-results");
  const genres = document.getElementById("recommendations-genres");
  GENRES.forEach((genre, i) => {
    const id = `recommendations-genre-${i}`;
    genres.append(el("span", { class: "checkbox" },
      el("input", { type: "checkbox", id, name: "artist_preferences", value: genre }),
      el("label", { for: id, text: genre })));
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = formValues(form);
    const chosen = [...form.querySelectorAll("input[name=artist_preferences]:checked")].map((c) => c.value);
    if (chosen.length) body.artist_preferences = chosen;
    let response;
    try {
      response = await withProgress(form, () => callApi("POST", "/recommendations", body));
    } catch (error) {
      showError(form, error);
      return;
    }
    results.replaceChildren(...render(response));
  });
  return null;
}

function render(response) {
  const items = response.recommendations;
  if (!items.length) return [el("p", { class: "empty", text: "No upcoming concert matches. Try fewer genres or another place." })];
  const list = el("ol", { class: "cards", "aria-label": "Recommended concerts" });
  const select = el("select", { id: "recommendations-order" },
    Object.entries(ORDERS).filter(([key]) => key !== "distance" || items.some((r) => r.distance_km != null))
      .map(([key, order]) => el("option", { value: key, text: order.label })));
  const draw = () => list.replaceChildren(...[...items].sort(ORDERS[select.value].compare).map(card));
  select.addEventListener("change", draw);
  draw();
  return [
    el("div", { class: "results-head" },
      el("p", { class: "summary", text: `${items.length} concerts · ${humanize(response.recommendation_type).replace("_", " ")} recommendations` }),
      el("div", { class: "field inline" }, el("label", { for: "recommendations-order", text: "Sort by" }), select)),
    list,
  ];
}

function card(item) {
  const place = `${item.venue_name}, ${item.city}, ${item.state}`;
  return el("li", { class: "card" },
    el("article", {},
      el("h2", { text: item.artist_name }),
      el("p", { class: "when", text: `${item.event_date} · ${place}` }),
      el("p", { class: "reasoning", text: item.reasoning }),
      el("dl", {},
        el("dt", { text: "Match" }), el("dd", { text: formatPercent(item.score) }),
        el("dt", { text: "Genre" }), el("dd", { text: item.genre }),
        el("dt", { text: "Artist popularity" }), el("dd", { text: `${formatNumber(item.artist_popularity)} / 100` }),
        el("dt", { text: "Capacity" }), el("dd", { text: formatNumber(item.capacity) }),
        item.distance_km != null ? [el("dt", { text: "Distance" }), el("dd", { text: `${formatNumber(item.distance_km)} km` })] : null)));
}
