"""The web console at `/`, in a real headless Chromium against the local server with the tiny data set.

Each test drives the console as a person would (links, forms, buttons, the keyboard) and checks what it shows
against the API's own answers; the `console` fixture fails the test on any console error, page error, failed
request or unexpected HTTP error. The screenshots in docs/console/ are written here (see `SCREENSHOTS`).
"""

from __future__ import annotations

import re

import httpx
import pytest
from tests.browser.conftest import PHONE, Console

VIEWS = ["chat", "venues", "predict", "recommendations", "health"]


def _column(console: Console, table: str, index: int) -> list[str]:
    return console.page.eval_on_selector_all(
        f"{table} tbody tr", f"rows => rows.map(r => r.children[{index}].textContent)"
    )


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def test_the_root_serves_the_console_and_docs_stay_at_docs(live_server: str) -> None:
    page = httpx.get(f"{live_server}/")
    assert page.status_code == 200
    assert "Concert Data Platform console" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("app.js", "api.js", "ui.js", "charts.js", "console.css", "favicon.svg", "views/chat.js"):
        assert httpx.get(f"{live_server}/console/{asset}").status_code == 200, asset
    docs = httpx.get(f"{live_server}/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
    missing = httpx.get(f"{live_server}/console/nothing.js")
    assert missing.status_code == 404
    assert set(missing.json()) == {"error", "details", "timestamp"}


def test_each_view_opens_from_the_navigation(console: Console) -> None:
    for view in VIEWS:
        console.open(view)
        visible = console.page.eval_on_selector_all(".view", "views => views.filter(v => !v.hidden).map(v => v.id)")
        assert visible == [f"view-{view}"]
        assert console.page.get_attribute(f"nav a[data-view={view}]", "aria-current") == "page"


def test_a_three_turn_chat_keeps_its_session_and_shows_data_and_suggestions(console: Console) -> None:
    sent: list[dict] = []
    console.page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/chat") else None)
    page = console.page

    page.fill("#chat-message", "Top 5 venues in Chicago")
    page.press("#chat-message", "Enter")
    page.wait_for_selector(".turn.assistant >> nth=0")
    first = page.text_content("#chat-session")
    assert first and first != "new"
    assert "Venue popularity" in page.text_content(".turn.assistant .intent")
    assert re.search(r"\d+(\.\d+)?% sure", page.text_content(".turn.assistant .confidence") or "")
    rows = page.locator(".turn.assistant table.data tbody tr").count()
    assert rows >= 1
    assert "Chicago" in (page.text_content(".turn.assistant table.data tbody") or "")
    assert page.locator(".turn.assistant .bars li").count() == (rows if rows >= 2 else 0)  # a ranking is charted

    page.fill("#chat-message", "what about New York?")
    page.press("#chat-message", "Enter")
    page.wait_for_selector(".turn.assistant >> nth=1")
    assert "New York" in (page.locator(".turn.assistant").nth(1).locator("table.data tbody").text_content() or "")

    suggestion = page.locator(".turn.assistant").nth(1).locator("button.suggestion").first
    suggestion_text = suggestion.text_content()
    suggestion.click()
    page.wait_for_selector(".turn.assistant >> nth=2")
    assert page.locator(".turn.user .bubble").nth(2).text_content() == suggestion_text

    assert [body["message"] for body in sent] == ["Top 5 venues in Chicago", "what about New York?", suggestion_text]
    assert "session_id" not in sent[0]
    assert sent[1]["session_id"] == sent[2]["session_id"] == first
    assert page.text_content("#chat-session") == first
    console.screenshot("chat")


def test_the_venue_table_sorts_by_a_column_both_ways(console: Console) -> None:
    console.open("venues")
    console.wait_idle("venues-form")
    console.page.fill("#venues-top-n", "15")
    console.page.fill("#venues-min-events", "0")
    console.page.click("#venues-form button[type=submit]")
    console.wait_idle("venues-form")
    headers = console.page.eval_on_selector_all("#venues-results thead th", "ths => ths.map(th => th.textContent)")
    capacity = headers.index("Capacity")
    ranked = [_number(t) for t in _column(console, "#venues-results", capacity)]
    assert len(ranked) == 15
    assert ranked != sorted(ranked)  # the ranking is not by capacity, so sorting is visible

    console.page.click("#venues-results th[data-key=capacity] button")
    assert [_number(t) for t in _column(console, "#venues-results", capacity)] == sorted(ranked)
    assert console.page.get_attribute("#venues-results th[data-key=capacity]", "aria-sort") == "ascending"
    console.page.click("#venues-results th[data-key=capacity] button")
    assert [_number(t) for t in _column(console, "#venues-results", capacity)] == sorted(ranked, reverse=True)
    assert console.page.get_attribute("#venues-results th[data-key=capacity]", "aria-sort") == "descending"
    assert console.page.locator("#venues-results .bars .bar").count() == 15
    # and a map of the ranked venues: one dot per venue, placed by its coordinates
    assert console.page.locator("#venues-results svg.place-scatter circle.place").count() == 15
    console.screenshot("venues")


def test_the_venues_rank_by_the_measure_chosen(console: Console) -> None:
    # Given the venues view, when the ranking is asked by revenue per event,
    console.open("venues")
    console.wait_idle("venues-form")
    console.page.fill("#venues-min-events", "0")
    console.page.select_option("#venues-rank-by", "revenue")
    console.page.click("#venues-form button[type=submit]")
    console.wait_idle("venues-form")
    # then the table is in descending order of that measure.
    headers = console.page.eval_on_selector_all("#venues-results thead th", "ths => ths.map(th => th.textContent)")
    revenue = [_number(t) for t in _column(console, "#venues-results", headers.index("Revenue / event"))]
    assert len(revenue) > 1 and revenue == sorted(revenue, reverse=True)


def test_a_prediction_shows_the_api_figures_interval_and_warnings(console: Console) -> None:
    page = console.page
    console.open("predict")
    page.wait_for_selector("#predict-venue-options option", state="attached")
    page.wait_for_selector("#predict-artist-options option", state="attached")
    labels = page.eval_on_selector_all("#predict-artist-options option", "os => os.map(o => o.value)")
    name = max((label.rsplit(" (", 1)[0] for label in labels), key=len)
    typo = name[: len(name) // 2] + name[len(name) // 2 + 1 :]

    page.fill("#predict-artist", typo)  # a name the list does not hold: the assistant's lookup finds the artist
    page.wait_for_selector("#predict-artist-status:has-text('Found')")
    assert name in (page.text_content("#predict-artist-status") or "")
    artist = next(label for label in labels if label.startswith(f"{name} ("))
    venue = page.get_attribute("#predict-venue-options option >> nth=0", "value")
    assert artist and venue
    page.fill("#predict-artist", artist)
    page.fill("#predict-venue", venue)
    page.fill("#predict-date", "2027-06-19")
    page.fill("#predict-price", "75")
    page.click("#predict-form button[type=submit]")
    page.wait_for_selector(".prediction")

    artist_id = re.search(r"\((.+)\)$", artist).group(1)  # type: ignore[union-attr]
    venue_id = re.search(r"\((.+)\)$", venue).group(1)  # type: ignore[union-attr]
    expected = httpx.post(f"{console.base_url}/tickets/predict", json={
        "artist_id": artist_id, "venue_id": venue_id, "event_date": "2027-06-19", "ticket_price": 75}).json()
    shown = page.text_content(".prediction .big") or ""
    assert _number(shown) == round(expected["predicted_sales"])
    interval = page.text_content(".prediction .interval") or ""
    assert f"{round(expected['prediction_interval']['low']):,}" in interval
    assert f"{round(expected['prediction_interval']['high']):,}" in interval
    warnings = page.eval_on_selector_all(".prediction .warnings li", "items => items.map(i => i.textContent)")
    assert warnings == (expected.get("warnings") or [])
    console.screenshot("predict")


def test_a_prediction_shows_the_demand_and_revenue_curve_with_the_best_price_marked(console: Console) -> None:
    # given the prediction view with an artist and a venue picked from the lists the API filled
    page = console.page
    console.open("predict")
    page.wait_for_selector("#predict-venue-options option", state="attached")
    page.wait_for_selector("#predict-artist-options option", state="attached")
    artist = page.get_attribute("#predict-artist-options option >> nth=0", "value") or ""
    venue = page.get_attribute("#predict-venue-options option >> nth=0", "value") or ""
    page.fill("#predict-artist", artist)
    page.fill("#predict-venue", venue)
    page.fill("#predict-date", "2027-06-19")
    page.fill("#predict-price", "75")
    # when the prediction runs
    page.click("#predict-form button[type=submit]")
    # then the curve is drawn, the best price the API gives is marked on it and said in words
    page.wait_for_selector(".price-curve-section svg.price-curve .best-price")
    artist_id = re.search(r"\((.+)\)$", artist).group(1)  # type: ignore[union-attr]
    venue_id = re.search(r"\((.+)\)$", venue).group(1)  # type: ignore[union-attr]
    expected = httpx.post(f"{console.base_url}/tickets/price-curve", json={
        "artist_id": artist_id, "venue_id": venue_id, "event_date": "2027-06-19"}).json()
    best = expected["best_price"]
    assert best["expected_revenue"] == max(p["expected_revenue"] for p in expected["curve"])
    marked = page.get_attribute(".price-curve .best-price", "data-price")
    assert float(marked or "nan") == best["ticket_price"]
    assert f"Best price ${best['ticket_price']:,.2f}" in (page.text_content(".price-curve .best-price text") or "")
    summary = page.text_content(".best-price-summary") or ""
    assert f"${best['ticket_price']:,.2f}" in summary and f"${round(best['expected_revenue']):,}" in summary
    # one point per price on both lines, the revenue line peaking at the marked price
    for line in ("sales-line", "revenue-line"):
        points = page.get_attribute(f".price-curve .{line}", "points") or ""
        assert len(points.split()) == len(expected["curve"])
    revenue = [[float(v) for v in p.split(",")] for p in (page.get_attribute(".price-curve .revenue-line", "points")
                                                           or "").split()]
    highest = min(revenue, key=lambda xy: xy[1])  # SVG y grows downwards
    marker_x = float(page.get_attribute(".price-curve .best-price line", "x1") or "nan")
    assert abs(highest[0] - marker_x) < 0.2
    rows = page.locator(".curve-table tbody tr").count()
    assert rows == len(expected["curve"])
    assert page.locator(".curve-table tbody tr.best").count() == 1
    console.screenshot("predict-curve")


def test_recommendations_come_as_cards_with_reasoning_that_sort(console: Console) -> None:
    page = console.page
    console.open("recommendations")
    page.check("label:has-text('rock') >> xpath=preceding-sibling::input")
    page.fill("#recommendations-top-n", "6")
    page.click("#recommendations-form button[type=submit]")
    page.wait_for_selector(".cards .card")
    assert page.locator(".cards .card").count() == 6
    reasons = page.eval_on_selector_all(".card .reasoning", "ps => ps.map(p => p.textContent)")
    assert all("rock" in reason for reason in reasons)
    page.select_option("#recommendations-order", "date")
    dates = page.eval_on_selector_all(".card .when", "ps => ps.map(p => p.textContent.slice(0, 10))")
    assert dates == sorted(dates)
    console.screenshot("recommendations")


def test_health_shows_backends_and_runs_the_deep_probes_on_demand(console: Console) -> None:
    page = console.page
    console.open("health")
    page.wait_for_selector("#health-results table")
    assert "Duckdb" not in (page.text_content("#health-results") or "")  # values are shown as the API gives them
    assert "duckdb" in (page.text_content("#health-results") or "")
    assert page.locator("#health-results caption:has-text('Deep probes')").count() == 0
    page.click("#health-form button[type=submit]")
    page.wait_for_selector("#health-results caption:has-text('Deep probes')")
    assert "ok" in (page.text_content("#health-results .probe") or "")
    console.screenshot("health")


@pytest.mark.parametrize(
    ("view", "fields", "status", "field", "words"),
    [
        ("venues", {"#venues-top-n": "500"}, 400, "top_n", "top_n: Input should be less than or equal to 100"),
        ("predict", {"#predict-artist": "artist_404", "#predict-venue": "venue_001"}, 404, "artist_id",
         "Unknown artist_id 'artist_404'."),
    ],
)
def test_an_api_error_is_shown_as_worded_next_to_its_field(
    console: Console, view: str, fields: dict[str, str], status: int, field: str, words: str
) -> None:
    console.expected_statuses.add(status)
    console.open(view)
    console.wait_idle(f"{view}-form")
    for selector, value in fields.items():
        console.page.fill(selector, value)
    console.page.click(f"#{view}-form button[type=submit]")
    slot = f"#{view}-form-{field}-error"
    console.page.wait_for_selector(f"{slot}:not(:empty)")
    assert (console.page.text_content(slot) or "").strip() in words
    assert words.endswith((console.page.text_content(slot) or "").strip())
    control = console.page.locator(f"#{view}-form [name={field}]")
    assert control.get_attribute("aria-invalid") == "true"
    assert control.evaluate("c => c === document.activeElement")
    assert slot[1:] in (control.get_attribute("aria-describedby") or "")
    if view == "venues":
        console.screenshot("validation-error")


def test_the_console_works_by_keyboard(console: Console) -> None:
    page = console.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the brand has no stop; Chat, then Venues
    assert page.evaluate("document.activeElement.dataset.view") == "venues"
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-venues:not([hidden])")
    console.wait_idle("venues-form")
    page.focus("#venues-results th[data-key=name] button")
    page.keyboard.press("Enter")
    names = _column(console, "#venues-results", 1)
    assert names == sorted(names, key=str.lower) or names == sorted(names)


def test_settings_keep_the_api_base_url_and_send_the_api_key(console: Console) -> None:
    page = console.page
    headers: list[dict[str, str]] = []
    page.on("request", lambda r: headers.append(r.headers) if r.url.endswith("/health") else None)
    page.click(".settings summary")
    page.fill("#settings-base-url", console.base_url)
    page.fill("#settings-api-key", "demo-key-123")
    page.click("#settings-form button[type=submit]")
    assert "Saved" in (page.text_content("#settings-status") or "")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.input_value("#settings-base-url") == console.base_url
    console.open("health")
    page.wait_for_selector("#health-results table")
    assert headers and headers[-1].get("x-api-key") == "demo-key-123"


def test_no_serious_accessibility_violations_in_any_view(console: Console) -> None:
    page = console.page
    page.fill("#chat-message", "Top 3 venues in Chicago")
    page.press("#chat-message", "Enter")
    page.wait_for_selector(".turn.assistant")
    found = {}
    for view in VIEWS:
        console.open(view)
        console.wait_idle(f"{view}-form")
        if view == "recommendations":
            page.click("#recommendations-form button[type=submit]")
            page.wait_for_selector(".cards .card")
        found[view] = [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in console.axe_violations()]
    assert found == {view: [] for view in VIEWS}


def test_every_view_fits_a_phone_width(console: Console) -> None:
    page = console.page
    page.set_viewport_size(PHONE)
    for view in VIEWS:
        console.open(view)
        console.wait_idle(f"{view}-form")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{view} is {overflow}px wider than the phone"
    console.open("venues")
    console.wait_idle("venues-form")
    console.screenshot("venues-phone")


def test_the_first_load_is_under_500_kb(console: Console) -> None:
    sizes = console.page.evaluate(
        """() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
                 .map(e => ({name: e.name, bytes: e.transferSize}))"""
    )
    total = sum(entry["bytes"] for entry in sizes)
    assert len(sizes) >= 8  # the page, its stylesheet, its icon and its scripts were all counted
    assert 0 < total < 500_000, sizes


def test_the_accessibility_check_catches_a_violation_when_there_is_one(console: Console) -> None:
    # Guards the check above: an unlabeled field added to the page must be reported.
    console.page.evaluate("document.getElementById('chat-form').append(document.createElement('input'))")
    assert "label" in {violation["id"] for violation in console.axe_violations()}
