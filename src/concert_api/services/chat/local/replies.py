"""Replies built from the tools' results: every number in a message is a value of the result (or of the
parameters the tool ran with), and every suggestion names things that exist in the data.

Dates are written "Fri 6 Jun 2025", money "$1,234" (cents below $1,000), rates as percentages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from concert_api.services.chat.local.catalog import Catalog

MAX_LISTED = 10
"""Lines a list reply shows at most (the local assistant asks the tools for 5 unless told "top N")."""


# --- formatting ------------------------------------------------------------------------------------------


def day(iso: str) -> str:
    """'2025-06-06' -> 'Fri 6 Jun 2025'."""
    d = dt.date.fromisoformat(iso[:10])
    return f"{d:%a} {d.day} {d:%b %Y}"


def money(value: float) -> str:
    """Dollars: whole above $1,000, with cents below when there are any."""
    if abs(value) >= 1000 or float(value).is_integer():
        return f"${value:,.0f}"
    return f"${value:,.2f}"


def count(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,}"


def pct(rate_0_to_1: float) -> str:
    """0.8538 -> '85.4%'."""
    return f"{100 * rate_0_to_1:.1f}%"


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _where(params: dict[str, Any], labels: dict[str, str]) -> str:
    parts = []
    if params.get("artist"):
        parts.append(f"by {labels.get('artist', params['artist'])}")
    if params.get("venue"):
        parts.append(f"at {labels.get('venue', params['venue'])}")
    if params.get("city"):
        parts.append(f"in {params['city']}")
    elif params.get("state"):
        parts.append(f"in {params['state']}")
    if params.get("genre"):
        parts.append(f"({params['genre']})")
    return (" " + " ".join(parts)) if parts else ""


def _period(result: dict[str, Any], params: dict[str, Any]) -> str:
    if params.get("date_from") or params.get("date_to"):
        if result["date_from"] == result["date_to"]:
            return f" on {day(result['date_from'])}"
        return f" from {day(result['date_from'])} to {day(result['date_to'])}"
    return ""


# --- one renderer per tool -------------------------------------------------------------------------------


def render(tool: str, params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
           catalog: Catalog) -> tuple[str, list[str]]:
    """The message and the suggestions for one tool result."""
    renderer = {
        "venue_rankings": _venues, "artist_lookup": _artist, "concert_search": _concerts,
        "ticket_prediction": _prediction, "recommendations": _recommendations, "sales_figures": _sales,
    }[tool]
    message, suggestions = renderer(params, result, labels, catalog)
    return message, _pick(suggestions, catalog)


def _venues(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
            catalog: Catalog) -> tuple[str, list[str]]:
    venues = result["venues"]
    wanted = labels.get("venue_id")
    if wanted:
        venue = next((v for v in venues if v["venue_id"] == wanted), None)
        if venue is None:
            return (f"{labels.get('venue', wanted)} has no completed concerts yet, so it is not ranked.",
                    ["Most popular venues"])
        message = (f"{venue['name']} ({venue['city']}, {venue['state']}) ranks {ordinal(venue['popularity_rank'])} "
                   f"of {count(result['total_venues'])} venues: {count(venue['total_concerts'])} concerts, "
                   f"{pct(venue['avg_attendance_rate'])} average attendance, {money(venue['revenue_per_event'])} "
                   "revenue per event.")
        return message, [f"Upcoming concerts at {venue['name']}", f"Ticket sales at {venue['name']}",
                         f"Most popular venues in {venue['city']}"]
    scope = _where(params, labels) + (f" ({params['venue_type']}s)" if params.get("venue_type") else "")
    if not venues:
        return (f"I found no venues{scope} with enough concerts to rank.",
                ["Most popular venues", *_city_suggestions(catalog, "Most popular venues in {}")])
    lines = [f"{v['popularity_rank']}. {v['name']} ({v['city']}, {v['state']}) - {pct(v['avg_attendance_rate'])} "
             f"attendance over {count(v['total_concerts'])} concerts" for v in venues[:MAX_LISTED]]
    # A count is stated only when the data holds it (the ranking's `top_n`): a list's length is not a figure.
    size = f" {count(len(venues))}" if len(venues) == params.get("top_n") and len(venues) <= MAX_LISTED else ""
    message = f"The{size} most popular venues{scope}:\n" + "\n".join(lines)
    top = venues[0]
    other = [c for c in _city_suggestions(catalog, "What about {}?") if top["city"] not in c]
    return message, [f"Upcoming concerts at {top['name']}", f"Ticket sales at {top['name']}", *other[:1]]


def _artist(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
            catalog: Catalog) -> tuple[str, list[str]]:
    if "artists" in result:
        artists = result["artists"]
        if not artists:
            return "I found no artists for that genre.", ["Tell me about popular artists"]
        lines = [f"{a['rank']}. {a['name']} ({a['genre']}) - popularity {a['popularity']:.1f}, "
                 f"{count(a['upcoming_concerts'])} upcoming concerts" for a in artists[:MAX_LISTED]]
        genre = f" {params['genre']}" if params.get("genre") else ""
        message = f"The {count(len(artists))} most popular{genre} artists:\n" + "\n".join(lines)
        top = artists[0]
        return message, [f"Tell me about {top['name']}", f"When is {top['name']} playing next?",
                         f"Most popular {top['genre']} artists" if not genre else "Tell me about popular artists"]
    a = result["artist"]
    home = f" from {a['home_city']}, {a['home_state']}" if a.get("home_city") else ""
    article = "an" if a["genre"][:1] in "aeiou" else "a"
    parts = [f"{a['name']} is {article} {a['genre']} artist{home} with popularity {a['popularity']:.1f}."]
    if a["completed_concerts"]:
        attendance = f" at {a['avg_attendance_pct']:.1f}% average attendance" if a.get("avg_attendance_pct") else ""
        parts.append(f"They have played {count(a['completed_concerts'])} concerts, selling "
                     f"{count(a['tickets_sold'])} tickets for {money(a['revenue'])}{attendance}.")
    upcoming = a.get("next_concerts") or []
    if upcoming:
        nxt = upcoming[0]
        parts.append(f"{count(a['upcoming_concerts'])} upcoming concerts; next: {day(nxt['event_date'])} at "
                     f"{nxt['venue_name']}, {nxt['city']} ({money(nxt['ticket_price'])}).")
    else:
        parts.append("No upcoming concerts are scheduled.")
    suggestions = [f"How many tickets did {a['name']} sell?", f"When is {a['name']} playing next?"]
    if upcoming:
        nxt = upcoming[0]
        suggestions.append(f"Predict ticket sales for {a['name']} at {nxt['venue_name']} on "
                           f"{nxt['event_date']} at {money(nxt['ticket_price'])}")
    suggestions.append(f"Most popular {a['genre']} artists")
    return " ".join(parts), suggestions


def _concerts(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
              catalog: Catalog) -> tuple[str, list[str]]:
    concerts = result["concerts"]
    kind = {"upcoming": "upcoming concerts", "past": "past concerts"}.get(params.get("when", ""), "concerts")
    price = f" at {money(params['max_price'])} or less" if params.get("max_price") else ""
    scope = _where(params, labels) + _period(result, params) + price
    if not concerts:
        return (f"I found no {kind}{scope}.",
                ["Upcoming concerts", *_city_suggestions(catalog, "Concerts in {}")])
    lines = []
    for c in concerts[:MAX_LISTED]:
        line = (f"- {day(c['event_date'])}: {c['artist_name']} at {c['venue_name']}, {c['city']} "
                f"({money(c['ticket_price'])})")
        if c.get("tickets_sold") is not None:
            line += f", {count(c['tickets_sold'])} tickets sold"
        lines.append(line)
    shown = min(len(concerts), MAX_LISTED)
    head = f"{count(result['total_matches'])} {kind}{scope}"
    if result["total_matches"] > shown:
        head += f"; the first {count(shown)}:" if shown == params.get("limit") else "; the first few:"
    else:
        head += ":"
    first = concerts[0]
    suggestions = [f"Tell me about {first['artist_name']}"]
    if params.get("when") != "past":
        suggestions.append(f"Predict ticket sales for {first['artist_name']} at {first['venue_name']} on "
                           f"{first['event_date']} at {money(first['ticket_price'])}")
    suggestions.append(f"Most popular venues in {first['city']}")
    return head + "\n" + "\n".join(lines), suggestions


def _prediction(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
                catalog: Catalog) -> tuple[str, list[str]]:
    artist, venue = result["artist"]["name"], result["venue"]["name"]
    when = f"{day(result['event_date'])} at {money(result['ticket_price'])} a ticket"
    if not result.get("available"):
        message = (f"I can't predict ticket sales for {artist} at {venue} on {when} yet: {result['reason']} "
                   "Meanwhile I can show past sales at this venue or this artist's concerts.")
        return message, [f"Ticket sales at {venue}", f"Tell me about {artist}", f"Upcoming concerts at {venue}"]
    sold = round(result["predicted_sales"])
    capacity = result["venue"]["capacity"]
    message = (f"{artist} at {venue} ({result['venue']['city']}) on {when}: about {count(sold)} tickets "
               f"of {count(capacity)} seats (confidence {result['confidence']:.2f}).")
    interval = result.get("prediction_interval")
    if interval:
        message += (f" Likely range {count(round(interval['low']))}-{count(round(interval['high']))} "
                    f"({100 * interval['coverage']:.0f}% interval).")
    cheaper = round(result["ticket_price"] * 0.8)
    return message, [f"What about at ${cheaper}?", f"Ticket sales at {venue}", f"Tell me about {artist}"]


def _recommendations(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
                     catalog: Catalog) -> tuple[str, list[str]]:
    recs = result["recommendations"]
    if not recs:
        return "I found no upcoming concerts to recommend for that.", ["Recommend concerts", "Upcoming concerts"]
    lines = [f"- {r['artist_name']} ({r['genre']}) at {r['venue_name']}, {r['city']} on {day(r['event_date'])} - "
             f"{r['reasoning'].rstrip('.')}." for r in recs[:MAX_LISTED]]
    head = f"{count(len(recs))} concerts I'd recommend"
    if params.get("genres"):
        head += f" for {' and '.join(params['genres'])}"
    if params.get("location"):
        head += f" near {params['location']}"
    first = recs[0]
    return head + ":\n" + "\n".join(lines), [f"Tell me about {first['artist_name']}",
                                              f"Upcoming concerts at {first['venue_name']}",
                                              f"Most popular venues in {first['city']}"]


def _sales(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
           catalog: Catalog) -> tuple[str, list[str]]:
    t = result["totals"]
    scope = _where(params, labels) + _period(result, params)
    if not t["concerts"]:
        return f"I found no completed concerts{scope}.", ["Total ticket sales", "Which artist sold the most tickets?"]
    message = (f"Completed concerts{scope}: {count(t['concerts'])} concerts, {count(t['tickets_sold'])} tickets sold, "
               f"{money(t['revenue'])} revenue")
    if t.get("avg_price_paid") is not None:
        message += f", {money(t['avg_price_paid'])} average price paid"
    if t.get("avg_attendance_pct") is not None:
        message += f", {t['avg_attendance_pct']:.1f}% average attendance"
    message += "."
    suggestions: list[str] = []
    breakdown = result.get("breakdown") or []
    if breakdown:
        lines = [f"{b['rank']}. {b['name']} - {money(b['revenue'])} from {count(b['tickets_sold'])} tickets "
                 f"({count(b['concerts'])} concerts)" for b in breakdown[:MAX_LISTED]]
        message += f"\nBy {result['group_by']}:\n" + "\n".join(lines)
        if result["group_by"] == "artist":
            suggestions.append(f"Tell me about {breakdown[0]['name']}")
    if not params.get("group_by"):
        suggestions.append("Which artist sold the most tickets" + (f" in {params['city']}?" if params.get("city")
                                                                    else "?"))
    if params.get("city"):
        suggestions.append(f"Most popular venues in {params['city']}")
    if params.get("artist"):
        suggestions.append(f"When is {labels.get('artist', params['artist'])} playing next?")
    suggestions.append("Ticket sales by genre" if result.get("group_by") != "genre" else "Ticket sales by city")
    return message, suggestions


# --- messages without a tool ----------------------------------------------------------------------------

CAPABILITIES = (
    "look up artists and the most popular ones",
    "rank venues by popularity",
    "find concerts by artist, venue, place, genre, date or price",
    "predict ticket sales for a concert",
    "recommend concerts",
    "report ticket sales and revenue",
)


def examples(catalog: Catalog) -> list[str]:
    """Questions the assistant can answer, built from names in the warehouse."""
    artist = catalog.artists[0]["name"] if catalog.artists else None
    cities = catalog.cities_with_venues()
    city = cities[0]["city"] if cities else None
    out = []
    if artist:
        out.append(f"Tell me about {artist}")
    if city:
        out.append(f"Most popular venues in {city}")
        out.append(f"Concerts in {city} next month")
    out.append("Which artist sold the most tickets?")
    return out


def greeting(catalog: Catalog, farewell: bool) -> tuple[str, list[str]]:
    """A greeting, or a reply to thanks and goodbyes."""
    if farewell:
        return "You're welcome! Ask me about concerts any time.", _pick(examples(catalog), catalog)
    return ("Hi! I'm the concert assistant. I can " + ", ".join(CAPABILITIES[:3]) + ", and more.",
            _pick(examples(catalog), catalog))


def help_message(catalog: Catalog) -> tuple[str, list[str]]:
    """What the assistant can do."""
    return ("I answer questions from the concert data: I can " + "; ".join(CAPABILITIES) + ". Try one of the "
            "suggestions.", _pick(examples(catalog), catalog))


def out_of_scope(catalog: Catalog) -> tuple[str, list[str]]:
    """The capabilities answer for a question outside the platform."""
    return ("Sorry, I can only help with concerts: I can " + "; ".join(CAPABILITIES) + ".",
            _pick(examples(catalog), catalog))


def _city_suggestions(catalog: Catalog, template: str) -> list[str]:
    return [template.format(c["city"]) for c in catalog.cities_with_venues()[:2]]


def _pick(suggestions: Sequence[str], catalog: Catalog) -> list[str]:
    unique = list(dict.fromkeys(s for s in suggestions if s))
    for extra in examples(catalog):
        if len(unique) >= 2:
            break
        if extra not in unique:
            unique.append(extra)
    return unique[:4]
