"""The reply renderer: words a decision of the dialogue policy and the executor's outcome as the reply's message,
data and suggestions. Tool results are worded by `replies.render` (every number from the result); this module
adds the questions back, the near-miss answers, comparisons, notes and the response's `data`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from concert_api.services.chat.local import replies
from concert_api.services.chat.local.catalog import US_STATES as US_STATE_NAMES
from concert_api.services.chat.local.catalog import Catalog
from concert_api.services.chat.local.classifier import FAREWELL
from concert_api.services.chat.local.decision import Decision
from concert_api.services.chat.local.entities import Entity, Extraction
from concert_api.services.chat.local.executor import Outcome
from concert_api.services.chat.local.slots import Slots
from concert_api.services.chat.tools import ToolResult

EXAMPLE_PRICES = (50.0, 75.0)
MAX_VENUE_OPTIONS = 4
INTENT_NOUNS = {
    "artist_lookup": "An artist lookup", "venue_popularity": "A venue ranking", "venue_lookup": "A venue lookup",
    "concert_search": "A concert search",
    "ticket_prediction": "A ticket-sales prediction", "price_curve": "A price curve",
    "recommendations": "A recommendation",
    "sales_query": "A sales report",
}  # fmt: skip
SLOT_NOUNS = {
    "artist": "artist", "venue": "venue", "city": "city", "state": "state", "genres": "genre", "vtype": "venue type",
    "date": "a date", "price": "a ticket price", "count": "a number of results", "user": "a user",
    "compare": "a comparison", "min_events": "a minimum number of concerts",
}  # fmt: skip
SLOT_QUESTIONS = {
    "artist": "Which artist should I predict ticket sales for?",
    "venue": "Which venue?",
    "date": "On what date?",
    "price": "At what ticket price?",
}


@dataclass
class Reply:
    """What a turn answers, before it becomes a `ChatResponse`."""

    message: str
    intent: str
    confidence: float
    data: dict[str, Any]
    suggestions: list[str]


class Renderer:
    """Words one turn's decision and outcome."""

    def __init__(self, *, message: str, extraction: Extraction, catalog: Catalog) -> None:
        self.message = message
        self.extraction = extraction
        self.catalog = catalog

    def render(self, decision: Decision, outcome: Outcome | None) -> Reply:
        """The reply to a decision (and the outcome of its tool, when one ran)."""
        if decision.action == "near_miss":
            return self._near_miss(decision, outcome)
        if decision.action == "chat":
            return self._chat(decision)
        if decision.action == "ask":
            return self._ask(decision)
        if decision.action == "stand":
            return self._stand(decision)
        assert outcome is not None
        return self._tool(decision, outcome)

    # --- tool answers -------------------------------------------------------------------------------------

    def _tool(self, decision: Decision, outcome: Outcome) -> Reply:
        intent, confidence = decision.intent, decision.confidence
        notes = list(decision.notes)
        if outcome.ambiguous is not None:
            exc = outcome.ambiguous
            clarification = {"intent": intent, "slot": exc.kind, "slots": decision.slots,
                             "options": [[c, c] for c in exc.candidates]}
            message = f"Which {exc.kind} do you mean: {either(exc.candidates)}?"
            return Reply(message, intent, confidence, self.data(decision, clarification=clarification),
                         exc.candidates[:4])
        if outcome.error is not None:
            return Reply(f"{outcome.error.details} Try one of the suggestions.", intent, confidence,
                         self.data(decision, tool=outcome.tool, parameters=outcome.arguments[0],
                                   error=outcome.error.details), replies._pick([], self.catalog))
        extra: dict[str, Any] = {}
        if outcome.unknown_user:
            notes.append(f"I don't know user {outcome.unknown_user}, so these recommendations don't use a listening "
                         "history.")
            extra["unknown_user"] = outcome.unknown_user
        messages, suggestions = [], []
        for slots, result in zip(decision.runs or [decision.slots], outcome.results, strict=False):
            message, more = replies.render(result.tool, result.parameters, result.result,
                                           self._labels(slots, result), self.catalog)
            messages.append(message)
            suggestions += more
        data = dict(outcome.first.as_data())
        if len(outcome.results) > 1:
            data["comparison"] = [r.as_data() for r in outcome.results]
        message = "\n\n".join(messages)
        return Reply(" ".join([*notes, message]), intent, confidence, self.data(decision, **data, **extra),
                     replies._pick(suggestions, self.catalog))

    def _labels(self, slots: Slots, result: ToolResult) -> dict[str, str]:
        labels: dict[str, str] = {}
        if slots.get("venue"):
            labels["venue"] = str(slots.get("venue_label") or slots["venue"])
        if result.parameters.get("artist"):
            labels["artist"] = str(result.parameters["artist"])
        return labels

    # --- no tool -----------------------------------------------------------------------------------------

    def _chat(self, decision: Decision) -> Reply:
        intent = decision.kind
        if intent == "greeting":
            message, suggestions = replies.greeting(self.catalog, bool(FAREWELL.search(self.message)))
        elif intent == "help":
            message, suggestions = replies.help_message(self.catalog)
        else:
            intent = "out_of_scope"
            message, suggestions = replies.out_of_scope(self.catalog)
        return Reply(message, intent, decision.confidence,
                     self.data(decision, capabilities=list(replies.CAPABILITIES)), suggestions)

    def _near_miss(self, decision: Decision, outcome: Outcome | None) -> Reply:
        """"I can't do that here" and the nearest thing the assistant can do, with the concerts or the venue the
        message names when there are any."""
        near = decision.near
        assert near is not None
        message = f"I can't {near.cannot} here: I only answer questions about the concert data. I can {near.instead}."
        suggestions = self._near_suggestions(decision.slots)
        data: dict[str, Any] = {"near_miss": near.kind, "capabilities": list(replies.CAPABILITIES)}
        if outcome is not None and outcome.ok:
            result = outcome.first
            shown, more = replies.render(result.tool, result.parameters, result.result,
                                         self._labels(decision.slots, result), self.catalog)
            message += "\n" + shown
            suggestions = more + suggestions
            data.update(result.as_data())
        return Reply(message, "out_of_scope", decision.confidence, self.data(decision, **data),
                     replies._pick(suggestions, self.catalog))

    def _near_suggestions(self, slots: Slots) -> list[str]:
        out = []
        if slots.get("artist"):
            out.append(f"When is {slots['artist']} playing next?")
        if slots.get("venue"):
            label = slots.get("venue_label") or slots["venue"]
            out += [f"Upcoming concerts at {label}", f"Tell me about {label}"]
        if slots.get("city"):
            out.append(f"Concerts in {slots['city']}")
        return out

    def _ask(self, decision: Decision) -> Reply:
        q, pending = decision.question, decision.pending or {}
        intent, confidence = decision.intent, decision.confidence
        kind = q.get("type")
        if kind == "ambiguous":
            labels = q["labels"]
            message = f"Which {q['slot']} do you mean by \"{q['said']}\": {either(labels)}?"
            return Reply(message, intent, confidence, self.data(decision, clarification=pending), labels[:4])
        if kind == "unknown":
            nearest = q["nearest"]
            noun = {"city": "a city", "venue": "a venue"}.get(q["slot"], "an artist")
            message = f"{q['said']} is not {noun} I know in the data"
            message += f"; did you mean {either(nearest)}?" if nearest else "."
            return Reply(message, intent, confidence, self.data(decision, clarification=pending), nearest[:4])
        if kind == "venue_in_place":
            shown = [str(o[1]) for o in q["options"][:MAX_VENUE_OPTIONS]]
            choices = shown + (["another one there"] if len(q["options"]) > len(shown) else [])
            message = (f"A ticket-sales prediction is for one venue. Which venue in {q['place']} do you mean: "
                       f"{either(choices)}?")
            return Reply(" ".join([*decision.notes, message]), intent, confidence,
                         self.data(decision, clarification=pending), shown[:4])
        if kind == "venue":
            return self._ask_venue(decision)
        slot = q["slot"]
        examples: list[str] = []
        if slot == "date":
            examples = ["next Friday", "Dec 31"]
        elif slot == "price":
            examples = [replies.money(p) for p in EXAMPLE_PRICES]
        known = ", ".join(f"{k}: {_show(decision.slots, k)}" for k in ("artist", "venue", "date", "price")
                          if k in decision.slots)
        message = SLOT_QUESTIONS[slot]
        shown = [o[1] for o in q["options"]] or examples
        message += f" For example {either(shown)}." if shown else ""
        if known:
            message = f"I have {known}. " + message
        clarification = {**pending, "missing": q["missing"], "examples": shown}
        if slot == "price":
            clarification["example_prices"] = list(EXAMPLE_PRICES)
        return Reply(" ".join([*decision.notes, message]), intent, confidence,
                     self.data(decision, clarification=clarification), shown[:4])

    def _ask_venue(self, decision: Decision) -> Reply:
        q, pending = decision.question, decision.pending or {}
        shown = [str(o[1]) for o in q["options"][:3]]
        known = ", ".join(f"{k}: {_show(decision.slots, k)}" for k in ("artist", "date", "price")
                          if k in decision.slots)
        message = (f"I have {known}. " if known else "") + q["note"]
        place = q["place"]
        if place:
            choices = shown + (["another one there"] if len(q["options"]) > len(shown) else [])
            message += f"Which venue in {place}? For example {either(choices)}."
        else:
            message += f"Which venue? For example {either(shown)}."
        clarification = {**pending, "missing": q["missing"], "examples": shown, "place": place}
        return Reply(" ".join([*decision.notes, message]), decision.intent, decision.confidence,
                     self.data(decision, clarification=clarification), shown)

    def _stand(self, decision: Decision) -> Reply:
        q = decision.question
        if q.get("type") == "out_of_range":
            labels = q["labels"]
            message = (f"The last list I gave had only {replies.plural(len(labels), 'item')}: {either(labels)}. "
                       "Which one do you mean?")
            return Reply(message, decision.intent, decision.confidence, self.data(decision), labels[:4])
        if q.get("type") == "no_venue":
            message = (f"A ticket-sales prediction is for one venue, and I have no venues in {q['place']} in the "
                       "data, so the last answer stands.")
            return Reply(message, decision.intent, decision.confidence, self.data(decision),
                         replies._pick(["Most popular venues"], self.catalog))
        hints = _hints(q["wrong"], q["new"], q["previous"])
        message = f"{q['note']}, so the last answer stands." + (" Try one of the suggestions." if hints else "")
        return Reply(message, decision.intent, decision.confidence, self.data(decision),
                     replies._pick(hints, self.catalog))

    # --- data ------------------------------------------------------------------------------------------------

    def data(self, decision: Decision, **extra: Any) -> dict[str, Any]:
        """The response's `data`: the backend, what the policy noted, what ran, and the entities recognised."""
        data: dict[str, Any] = {"backend": "local", **decision.extra, **extra}
        data["entities"] = [{"type": e.type, "text": e.label if e.type in {"date", "price", "count"} else
                             _said(self.message, e), "value": e.value,
                             **({"candidates": [c[1] for c in e.candidates]} if e.ambiguous else {})}
                            for e in self.extraction.entities]
        data["follow_up"] = decision.follow_up
        return data


def either(options: list[str]) -> str:
    """"A", "A or B", "A, B or C"."""
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


def slot_said(key: str, slots: Slots) -> str:
    """How a slot a question cannot take is named in the reply ("genre (jazz)", "a ticket price")."""
    value = slots[key]
    if key == "genres":
        return f"genre ({', '.join(value)})"
    if key in {"city", "artist", "vtype"}:
        return f"{SLOT_NOUNS[key]} ({value})"
    if key == "state":
        return f"state ({US_STATE_NAMES.get(str(value), value)})"
    if key == "venue":
        return f"venue ({slots.get('venue_label') or value})"
    if key == "group_by":
        return f"a breakdown by {value}"
    return SLOT_NOUNS.get(key, key)


def _show(slots: Slots, slot: str) -> str:
    value = slots[slot]
    if slot == "venue":
        return str(slots.get("venue_label") or value)
    if slot == "date":
        return replies.day(value["date_from"])
    if slot == "price":
        return replies.money(float(value))
    return str(value)


def _hints(wrong: list[str], new: Slots, previous: Slots) -> list[str]:
    """Questions that can take what a follow-up named but the last question could not."""
    place = new.get("city") or previous.get("city")
    where = f" in {place}" if place else ""
    hints: list[str] = []
    for key in wrong:
        value = new[key]
        if key == "genres":
            hints.append(f"{value[0].capitalize()} concerts{where}")
        elif key == "price":
            hints.append(f"Concerts{where} under {replies.money(float(value))}")
        elif key == "date" and value.get("text"):
            hints.append(f"Concerts{where} {value['text']}")
        elif key == "group_by":
            hints.append(f"Ticket sales{where} by {value}")
        elif key == "vtype":
            hints.append(f"Most popular {value}s{where}")
        elif key in {"city", "state"}:
            label = US_STATE_NAMES.get(str(value), value) if key == "state" else value
            hints += [f"Concerts in {label}", f"Most popular venues in {label}"]
        elif key == "venue":
            hints.append(f"Upcoming concerts at {new.get('venue_label') or value}")
        elif key == "artist":
            hints.append(f"Tell me about {value}")
        elif key == "min_events":
            hints.append(f"Most popular venues with at least {value} concerts")
    return hints


def _said(message: str, entity: Entity) -> str:
    return message[entity.start:entity.end]
