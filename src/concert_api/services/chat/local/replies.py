"""Replies built from the tools' results: every number in a message is a value of the result (or of the
parameters the tool ran with), and every suggestion names things that exist in the data.

Dates are written "Fri 6 Jun 2025", money "$1,234" (cents below $1,000), rates as percentages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from concert_api.services.chat.local.catalog import US_STATES, Catalog
from concert_api.services.chat.tools import read_warning

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


def plural(n: int, word: str, many: str | None = None) -> str:
    """A count with its noun in the right number: '1 concert', '2 concerts', '1,200 tickets'."""
    return f"{count(n)} {word if n == 1 else (many or word + 's')}"


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
    elif params.get("state"):  # "in Louisiana", never a bare "in LA" that reads like Los Angeles
        parts.append(f"in {US_STATES.get(str(params['state']).upper(), params['state'])}")
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
        "venue_rankings": _venues, "artist_lookup": _artist, "venue_lookup": _venue, "concert_search": _concerts,
        "ticket_prediction": _prediction, "price_curve": _price_curve, "recommendations": _recommendations,
        "sales_figures": _sales,
    }[tool]
    message, suggestions = renderer(params, result, labels, catalog)
    return message, _pick(suggestions, catalog)


def _venues(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
            catalog: Catalog) -> tuple[str, list[str]]:
    venues = result["venues"]
    scope = _where(params, labels) + (f" ({params['venue_type']}s)" if params.get("venue_type") else "")
    if not venues:
        return (f"I found no venues{scope} with enough concerts to rank.",
                ["Most popular venues", *_city_suggestions(catalog, "Most popular venues in {}")])
    lines = [f"{v['popularity_rank']}. {v['name']} ({v['city']}, {v['state']}) - {pct(v['avg_attendance_rate'])} "
             f"attendance over {plural(v['total_concerts'], 'concert')}" for v in venues[:MAX_LISTED]]
    # A count is stated only when the data holds it (the ranking's `top_n`): a list's length is not a figure.
    size = f" {count(len(venues))}" if len(venues) == params.get("top_n") and len(venues) <= MAX_LISTED else ""
    noun = "venue" if len(venues) == 1 else "venues"
    message = f"The{size if len(venues) > 1 else ''} most popular {noun}{scope}:\n" + "\n".join(lines)
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
                 f"{plural(a['upcoming_concerts'], 'upcoming concert')}" for a in artists[:MAX_LISTED]]
        genre = f" {params['genre']}" if params.get("genre") else ""
        head = (f"The {count(len(artists))} most popular{genre} artists" if len(artists) > 1
                else f"The most popular{genre} artist")
        message = head + ":\n" + "\n".join(lines)
        top = artists[0]
        return message, [f"Tell me about {top['name']}", f"When is {top['name']} playing next?",
                         f"Most popular {top['genre']} artists" if not genre else "Tell me about popular artists"]
    if result.get("compared_with"):
        return _artists_side_by_side(result["artist"], result["compared_with"])
    a = result["artist"]
    home = f" from {a['home_city']}, {a['home_state']}" if a.get("home_city") else ""
    article = "an" if a["genre"][:1] in "aeiou" else "a"
    parts = [f"{a['name']} is {article} {a['genre']} artist{home} with popularity {a['popularity']:.1f}."]
    if a["completed_concerts"]:
        attendance = f" at {a['avg_attendance_pct']:.1f}% average attendance" if a.get("avg_attendance_pct") else ""
        parts.append(f"They have played {plural(a['completed_concerts'], 'concert')}, selling "
                     f"{plural(a['tickets_sold'], 'ticket')} for {money(a['revenue'])}{attendance}.")
    upcoming = a.get("next_concerts") or []
    if upcoming:
        nxt = upcoming[0]
        parts.append(f"{plural(a['upcoming_concerts'], 'upcoming concert')}; next: {day(nxt['event_date'])} at "
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


def _artists_side_by_side(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, list[str]]:
    def home(x: dict[str, Any]) -> str:
        return f"{x['home_city']}, {x['home_state']}" if x.get("home_city") else "unknown"

    def attendance(x: dict[str, Any]) -> str:
        return f"{x['avg_attendance_pct']:.1f}%" if x.get("avg_attendance_pct") is not None else "none yet"

    rows = [
        ("Genre", a["genre"], b["genre"]),
        ("Popularity", f"{a['popularity']:.1f}", f"{b['popularity']:.1f}"),
        ("Home", home(a), home(b)),
        ("Concerts played", count(a["completed_concerts"]), count(b["completed_concerts"])),
        ("Tickets sold", count(a["tickets_sold"]), count(b["tickets_sold"])),
        ("Revenue", money(a["revenue"]), money(b["revenue"])),
        ("Average attendance", attendance(a), attendance(b)),
        ("Upcoming concerts", count(a["upcoming_concerts"]), count(b["upcoming_concerts"])),
    ]
    message = f"{a['name']} and {b['name']} side by side:\n" + "\n".join(f"- {label}: {x} vs {y}"
                                                                          for label, x, y in rows)
    if a["popularity"] != b["popularity"]:
        more = a if a["popularity"] > b["popularity"] else b
        message += f"\n{more['name']} is the more popular of the two."
    return message, [f"Tell me about {a['name']}", f"Tell me about {b['name']}",
                     f"When is {a['name']} playing next?"]


def _venue(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
           catalog: Catalog) -> tuple[str, list[str]]:
    if result.get("compared_with"):
        return _venues_side_by_side(result["venue"], result["compared_with"])
    v = result["venue"]
    article = "an" if v["venue_type"][:1] in "aeiou" else "a"
    parts = [f"{v['name']} is {article} {v['venue_type']} in {v['city']}, {v['state']} with "
             f"{plural(v['capacity'], 'seat')}."]
    if v.get("popularity_rank"):
        parts.append(f"It ranks {ordinal(v['popularity_rank'])} of {plural(v['ranked_venues'], 'venue')} by "
                     f"popularity, with {plural(v['total_concerts'], 'concert')}, "
                     f"{pct(v['avg_attendance_rate'])} average attendance and "
                     f"{money(v['revenue_per_event'])} revenue per event.")
    else:
        played = f": it has had {plural(v['total_concerts'], 'concert')}" if v.get("total_concerts") else ""
        parts.append(f"It is not in the popularity ranking, which needs {plural(v['ranking_min_events'], 'concert')} "
                     f"or more{played}.")
    upcoming = v.get("next_concerts") or []
    if upcoming:
        nxt = upcoming[0]
        parts.append(f"{plural(v['upcoming_concerts'], 'upcoming concert')}; next: {day(nxt['event_date'])}, "
                     f"{nxt['artist_name']} ({money(nxt['ticket_price'])}).")
    else:
        parts.append("No upcoming concerts are scheduled there.")
    suggestions = [f"Upcoming concerts at {v['name']}", f"Ticket sales at {v['name']}"]
    if upcoming:
        nxt = upcoming[0]
        suggestions.append(f"Predict ticket sales for {nxt['artist_name']} at {v['name']} on {nxt['event_date']} at "
                           f"{money(nxt['ticket_price'])}")
    suggestions.append(f"Most popular venues in {v['city']}")
    return " ".join(parts), suggestions


def _venues_side_by_side(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, list[str]]:
    def rank(x: dict[str, Any]) -> str:
        return f"{ordinal(x['popularity_rank'])} of {count(x['ranked_venues'])}" if x.get("popularity_rank") \
            else "not ranked"

    def rate(x: dict[str, Any]) -> str:
        return pct(x["avg_attendance_rate"]) if x.get("avg_attendance_rate") is not None else "none yet"

    def revenue(x: dict[str, Any]) -> str:
        return money(x["revenue_per_event"]) if x.get("revenue_per_event") is not None else "none yet"

    rows = [
        ("Capacity", f"{count(a['capacity'])} seats", f"{count(b['capacity'])} seats"),
        ("Type", a["venue_type"], b["venue_type"]),
        ("Place", f"{a['city']}, {a['state']}", f"{b['city']}, {b['state']}"),
        ("Popularity rank", rank(a), rank(b)),
        ("Concerts", count(a["total_concerts"]), count(b["total_concerts"])),
        ("Average attendance", rate(a), rate(b)),
        ("Revenue per event", revenue(a), revenue(b)),
        ("Upcoming concerts", count(a["upcoming_concerts"]), count(b["upcoming_concerts"])),
    ]
    message = f"{a['name']} and {b['name']} side by side:\n" + "\n".join(f"- {label}: {x} vs {y}"
                                                                          for label, x, y in rows)
    larger = None if a["capacity"] == b["capacity"] else (a if a["capacity"] > b["capacity"] else b)["name"]
    higher = None
    if a.get("popularity_rank") and b.get("popularity_rank"):
        higher = (a if a["popularity_rank"] < b["popularity_rank"] else b)["name"]
    if larger and larger == higher:
        message += f"\n{larger} is the larger of the two and ranks higher."
    elif larger or higher:
        message += "\n" + "; ".join(x for x in (larger and f"{larger} is the larger of the two",
                                                 higher and f"{higher} ranks higher") if x) + "."
    return message, [f"Tell me about {a['name']}", f"Tell me about {b['name']}", f"Upcoming concerts at {a['name']}"]


def _concerts(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
              catalog: Catalog) -> tuple[str, list[str]]:
    concerts = result["concerts"]
    kind = {"upcoming": "upcoming concert", "past": "past concert"}.get(params.get("when", ""), "concert")
    price = f" at {money(params['max_price'])} or less" if params.get("max_price") else ""
    scope = _where(params, labels) + _period(result, params) + price
    if not concerts:
        return (f"I found no {kind}s{scope}.",
                ["Upcoming concerts", *_city_suggestions(catalog, "Concerts in {}")])
    lines = []
    for c in concerts[:MAX_LISTED]:
        line = (f"- {day(c['event_date'])}: {c['artist_name']} at {c['venue_name']}, {c['city']} "
                f"({money(c['ticket_price'])})")
        if c.get("tickets_sold") is not None:
            line += f", {plural(c['tickets_sold'], 'ticket')} sold"
        lines.append(line)
    shown = min(len(concerts), MAX_LISTED)
    head = f"{plural(result['total_matches'], kind)}{scope}"
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
    at = result.get("predicted_at_price")
    if at is not None and at != result["ticket_price"]:  # the model priced it elsewhere: say at which price
        when = f"{day(result['event_date'])}, predicted at {money(at)} a ticket (you asked about " \
               f"{money(result['ticket_price'])})"
    message = (f"{artist} at {venue} ({result['venue']['city']}) on {when}: about {plural(sold, 'ticket')} "
               f"of {plural(capacity, 'seat')} (confidence {result['confidence']:.2f}).")
    interval = result.get("prediction_interval")
    if interval:
        message += (f" Likely range {count(round(interval['low']))}-{count(round(interval['high']))} "
                    f"({100 * interval['coverage']:.0f}% interval).")
    plain = [_caution(c)[0].upper() + _caution(c)[1:] for c in result.get("cautions") or []]
    plain += [f"Note: {w}" for w in result.get("warnings") or [] if read_warning(w) is None]
    if plain:
        message += " Be careful with this one: " + " ".join(plain)
    cheaper = round(result["ticket_price"] * 0.8)
    return message, [f"What about at ${cheaper}?", f"Ticket sales at {venue}", f"Tell me about {artist}"]


def _price_curve(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
                 catalog: Catalog) -> tuple[str, list[str]]:
    """The best price of a concert, its expected revenue and sell-out chance, the highest price likely to sell
    out, and the warnings in plain words (every figure from the curve the tool returned)."""
    artist, venue = result["artist"]["name"], result["venue"]["name"]
    concert = f"{artist} at {venue} ({result['venue']['city']}) on {day(result['event_date'])}"
    if not result.get("available"):
        message = (f"I can't work out the best ticket price for {concert} yet: {result['reason']} Meanwhile I can "
                   "show past sales at this venue or this artist's concerts.")
        return message, [f"Ticket sales at {venue}", f"Tell me about {artist}", f"Upcoming concerts at {venue}"]
    best, capacity = result["best_price"], result["venue"]["capacity"]
    low, high = result["lowest_price"]["ticket_price"], result["highest_price"]["ticket_price"]
    message = (f"{concert}: of the prices from {money(low)} to {money(high)}, {money(best['ticket_price'])} a ticket "
               f"earns the most, about {money(best['expected_revenue'])} from about "
               f"{plural(round(best['predicted_sales']), 'ticket')} of {plural(capacity, 'seat')}"
               f"{_sell_out_chance(best)}.")
    sell_out = result.get("sell_out_price")
    if sell_out is None:
        cheapest = result["lowest_price"]
        message += (f" No price in that range is likely to sell out: even at {money(low)} about "
                    f"{plural(round(cheapest['predicted_sales']), 'ticket')} would sell{_sell_out_chance(cheapest)}.")
    elif sell_out["ticket_price"] == best["ticket_price"]:
        message += " That is also the highest price likely to sell out."
    else:
        message += (f" The highest price likely to sell out is {money(sell_out['ticket_price'])}: about "
                    f"{plural(round(sell_out['predicted_sales']), 'ticket')}, {money(sell_out['expected_revenue'])}"
                    f"{_sell_out_chance(sell_out)}.")
    plain = _curve_cautions(result)
    if plain:
        message += " Be careful with this one: " + " ".join(plain)
    return message, [f"What about at {money(best['ticket_price'])}?", f"Ticket sales at {venue}",
                     f"Tell me about {artist}"]


def _sell_out_chance(point: dict[str, Any]) -> str:
    probability = point.get("sell_out_probability")
    return "" if probability is None else f" (sell-out chance {pct(probability)})"


def _curve_cautions(result: dict[str, Any]) -> list[str]:
    """A price curve's warnings in plain words: which prices lie outside what the model learned from, and the
    best price's own warnings."""
    plain: list[str] = []
    curve = result.get("curve") or []
    inside = [p["ticket_price"] for p in curve if not p.get("extrapolated")]
    if len(inside) < len(curve):
        where = (f"outside {money(min(inside))}-{money(max(inside))}" if inside else "in this whole range")
        plain.append(f"The model learned from no prices {where} for this concert, so there it follows the price "
                     "response it fitted to the history, with wider ranges and less confidence.")
        if result["best_price"].get("extrapolated"):
            plain.append("The best price is one of those, so treat it as a direction, not a figure.")
    plain += [_caution(c)[0].upper() + _caution(c)[1:] for c in result.get("cautions") or []]
    plain += [f"Note: {w}" for w in result.get("other_warnings") or []]
    return plain


def _caution(c: dict[str, Any]) -> str:
    """A prediction warning in plain words, from its numbers (`tools.read_warning`)."""
    kind = c["kind"]
    if kind == "price_above":
        return (f"{money(c['ticket_price'])} is above the prices the model learned from for {c['venue_type']} "
                f"({money(c['known_low'])}-{money(c['known_high'])}), so this is what it predicts at "
                f"{money(c['predicted_at'])}; fewer tickets may sell at {money(c['ticket_price'])}.")
    if kind == "price_below":
        return (f"{money(c['ticket_price'])} is below the prices the model learned from for {c['venue_type']} "
                f"({money(c['known_low'])}-{money(c['known_high'])}), so this is what it predicts at "
                f"{money(c['predicted_at'])}; more tickets may sell at {money(c['ticket_price'])}.")
    if kind == "price_outside":
        return (f"{money(c['ticket_price'])} is {c['direction']} the prices the model learned from for "
                f"{c['venue_type']} ({money(c['known_low'])}-{money(c['known_high'])}), so there it follows the price "
                "response it fitted to the history, with a wider range.")
    if kind == "unseen_venue_type":
        return f"the model has never seen a {c['venue_type']} concert, so this is borrowed from other venue types."
    if kind == "unusual_price":
        return (f"the price is {c['ratio']:.2f} times the {c['whose']}'s usual price ({money(c['usual_price'])}), "
                "further than the model has seen, so treat the number as a rough guess.")
    if kind == "date_before":
        return (f"the date is before the first concert the model learned from ({day(c['first_date'])}), so treat "
                "the number as a rough guess.")
    return (f"the date is long after the last concert the model learned from ({day(c['last_date'])}); the number "
            "assumes nothing changes in between.")


def _recommendations(params: dict[str, Any], result: dict[str, Any], labels: dict[str, str],
                     catalog: Catalog) -> tuple[str, list[str]]:
    recs = result["recommendations"]
    if not recs:
        return "I found no upcoming concerts to recommend for that.", ["Recommend concerts", "Upcoming concerts"]
    lines = [f"- {r['artist_name']} ({r['genre']}) at {r['venue_name']}, {r['city']} on {day(r['event_date'])} - "
             f"{r['reasoning'].rstrip('.')}." for r in recs[:MAX_LISTED]]
    head = f"{plural(len(recs), 'concert')} I'd recommend"
    if params.get("user_id") and result.get("recommendation_type") == "personalized":
        head += f" for {params['user_id']}, from their history"
    elif params.get("user_id"):
        head += f" for {params['user_id']} (who has no history to go on yet)"
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
    message = (f"Completed concerts{scope}: {plural(t['concerts'], 'concert')}, {plural(t['tickets_sold'], 'ticket')} "
               f"sold, {money(t['revenue'])} revenue")
    if t.get("avg_price_paid") is not None:
        message += f", {money(t['avg_price_paid'])} average price paid per ticket"
    if t.get("avg_attendance_pct") is not None:
        message += f", {t['avg_attendance_pct']:.1f}% average attendance"
    message += "."
    suggestions: list[str] = []
    breakdown = result.get("breakdown") or []
    if breakdown:
        if result.get("rank_by") == "tickets":
            lines = [f"{b['rank']}. {b['name']} - {plural(b['tickets_sold'], 'ticket')} sold "
                     f"({plural(b['concerts'], 'concert')}, {money(b['revenue'])} revenue)"
                     for b in breakdown[:MAX_LISTED]]
            message += f"\nBy {result['group_by']}, ranked by tickets sold:\n" + "\n".join(lines)
        else:
            lines = [f"{b['rank']}. {b['name']} - {money(b['revenue'])} from {plural(b['tickets_sold'], 'ticket')} "
                     f"({plural(b['concerts'], 'concert')})" for b in breakdown[:MAX_LISTED]]
            message += f"\nBy {result['group_by']}, ranked by revenue:\n" + "\n".join(lines)
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
    "look up and compare venues",
    "rank venues by popularity",
    "find concerts by artist, venue, place, genre, date or price",
    "predict ticket sales for a concert",
    "find the ticket price that earns the most or sells out",
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
