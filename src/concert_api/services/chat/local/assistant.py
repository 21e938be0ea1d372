"""The local assistant: classify, match entities, keep the dialogue state, run a tool, reply from its result.

One turn:

1. entities are matched and the message delexicalised ("concerts in xcityx xdatex");
2. a pending clarifying question is answered first ("Which artist: Olivia Royce or Otis Royce?" -> "Otis");
3. otherwise the classifier names the intent. A follow-up ("what about Chicago?", "and at $60?") keeps the last
   intent and updates its slots; a low-confidence message that names something in the catalog is about that
   thing; a low-confidence message that names nothing is out of scope;
4. an ambiguous name or a missing required slot gets a clarifying question, kept as pending in the session;
5. the tool runs, and the reply and suggestions are built from its result only.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from rapidfuzz import fuzz, process

from concert_api.adapters.sessions.embedded import NOT_KEPT_NOTE, SessionNotKept, SessionStore, new_session_id
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.errors import BadRequest, NotFound, utc_now_iso
from concert_api.models import ChatRequest, ChatResponse
from concert_api.services.chat.local import dates as date_parser
from concert_api.services.chat.local import replies
from concert_api.services.chat.local.catalog import US_STATES as US_STATE_NAMES
from concert_api.services.chat.local.catalog import Catalog
from concert_api.services.chat.local.classifier import FOLLOW_UP, IntentClassifier, Prediction
from concert_api.services.chat.local.entities import Entity, EntityMatcher, Extraction
from concert_api.services.chat.local.slots import (
    Slots,
    arguments_for,
    carried,
    group_by,
    inapplicable,
    merge,
    missing,
    only_modifiers,
    slots_from,
)
from concert_api.services.chat.tools import TOOL_FOR_INTENT, AmbiguousName, ToolContext, run_tool

TOOL_INTENTS = ("artist_lookup", "venue_popularity", "venue_lookup", "concert_search", "ticket_prediction",
                "recommendations", "sales_query")
OUT_OF_SCOPE_BELOW = 0.40
"""A message whose best intent is less likely than this, and that names nothing in the catalog, is out of scope."""
CATALOG_TTL_SECONDS = 300.0
CATALOG_NAMES = frozenset({"artist", "venue"})
"""Entities only the platform's data knows: a message naming one is never out of scope (a city can be)."""

FOLLOW_UP_OPENERS = re.compile(r"^\s*(and|what about|how about|what if|same|now|then|ok(ay)?|instead|also|try|"
                               r"switch|make it|just)\b", re.IGNORECASE)
COMPARE = re.compile(r"\b(compare[sd]?|comparing|comparison|vs|versus|side by side|differences? between|differ|"
                     r"which (one )?is (bigger|larger|better|more popular))\b", re.IGNORECASE)
"""Words that, with two artists or two venues named, ask for the two side by side."""
WHOLE_YEAR = re.compile(r"\b(all|whole|entire|full|complete)\b", re.IGNORECASE)
FAREWELL = re.compile(r"\b(thanks?|thank you|cheers|bye|goodbye|see you)\b", re.IGNORECASE)
ORDINALS = {"first": 0, "1st": 0, "one": 0, "1": 0, "second": 1, "2nd": 1, "two": 1, "2": 1, "third": 2,
            "3rd": 2, "three": 2, "3": 2, "last": -1}
ENTITY_INTENTS = (("artist", "artist_lookup"), ("venue", "concert_search"), ("city", "concert_search"),
                  ("state", "concert_search"), ("genre", "concert_search"), ("date", "concert_search"),
                  ("user", "recommendations"))
EXAMPLE_PRICES = (50.0, 75.0)
MAX_VENUE_OPTIONS = 4
INTENT_NOUNS = {
    "artist_lookup": "An artist lookup", "venue_popularity": "A venue ranking", "venue_lookup": "A venue lookup",
    "concert_search": "A concert search",
    "ticket_prediction": "A ticket-sales prediction", "recommendations": "A recommendation",
    "sales_query": "A sales report",
}  # fmt: skip
SLOT_NOUNS = {
    "artist": "artist", "venue": "venue", "city": "city", "state": "state", "genres": "genre", "vtype": "venue type",
    "date": "a date", "price": "a ticket price", "count": "a number of results", "user": "a user",
    "compare": "a comparison",
}  # fmt: skip
SLOT_QUESTIONS = {
    "artist": "Which artist should I predict ticket sales for?",
    "venue": "Which venue?",
    "date": "On what date?",
    "price": "At what ticket price?",
}


class LocalAssistant:
    """The default chat backend: answers from the warehouse through the tool registry, without any cloud
    service. Thread-safe; build once per process."""

    name = "local"

    def __init__(self, *, warehouse: Warehouse, classifier: IntentClassifier, carrier_words: frozenset[str],
                 sessions: SessionStore, today: Callable[[], dt.date] = dt.date.today,
                 tool_context: Callable[[dt.date], ToolContext] | None = None,
                 out_of_scope_below: float = OUT_OF_SCOPE_BELOW) -> None:
        self.warehouse = warehouse
        self.classifier = classifier
        self.carrier_words = carrier_words
        self.sessions = sessions
        self.today = today
        self.out_of_scope_below = out_of_scope_below
        self._tool_context = tool_context or (lambda today: ToolContext(warehouse, today=today))
        self._lock = threading.Lock()
        self._matcher: EntityMatcher | None = None
        self._matcher_loaded = 0.0

    # --- public ----------------------------------------------------------------------------------------

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Answer one message in its session."""
        session_id = request.session_id or new_session_id()
        state = self.sessions.get(session_id) or {}
        if request.user_id:  # the request's user (HTTP `user_id`, `chat ask --user`), kept for the session
            state["user_id"] = request.user_id
        turn = Turn(self, request.message, state, self.today())
        response = turn.run()
        state = turn.next_state()
        state["turns"] = int(state.get("turns", 0)) + 1
        message = response.message
        try:
            self.sessions.put(session_id, state)
        except SessionNotKept:  # the answer stands; the store has logged why it could not keep the session
            message = f"{message} {NOT_KEPT_NOTE}"
        return ChatResponse(message=message, session_id=session_id, intent=response.intent,
                            confidence=round(min(1.0, max(0.0, response.confidence)), 4), data=response.data,
                            suggestions=response.suggestions, timestamp=utc_now_iso())

    def understand(self, message: str, today: dt.date | None = None,
                   anchor: tuple[dt.date, dt.date] | None = None) -> tuple[Extraction, Prediction]:
        """The entities and the classifier's prediction for one message (`anchor`: the date being discussed, for
        "2 weeks later" and the like)."""
        extraction = self.matcher().extract(message, today=today or self.today(), anchor=anchor)
        return extraction, self.classifier.predict(extraction.delexicalised)

    def matcher(self) -> EntityMatcher:
        """The entity matcher over the current catalog, rebuilt every few minutes to follow data loads."""
        now = time.monotonic()
        if self._matcher is None or now - self._matcher_loaded > CATALOG_TTL_SECONDS:
            with self._lock:
                if self._matcher is None or now - self._matcher_loaded > CATALOG_TTL_SECONDS:
                    self._matcher = EntityMatcher(Catalog.load(self.warehouse), self.carrier_words)
                    self._matcher_loaded = now
        return self._matcher

    @property
    def catalog(self) -> Catalog:
        return self.matcher().catalog


class Reply:
    """What a turn answers, before it becomes a `ChatResponse`."""

    def __init__(self, message: str, intent: str, confidence: float, data: dict[str, Any],
                 suggestions: list[str]) -> None:
        self.message = message
        self.intent = intent
        self.confidence = confidence
        self.data = data
        self.suggestions = suggestions


class Turn:
    """One message in its dialogue state."""

    def __init__(self, assistant: LocalAssistant, message: str, state: dict[str, Any], today: dt.date) -> None:
        self.assistant = assistant
        self.message = message
        self.state = state
        self.today = today
        self.catalog = assistant.catalog
        self.previous: Slots = (state.get("pending") or {}).get("slots") or state.get("slots") or {}
        self.anchor = _span(self.previous.get("date"))
        self.extraction, self.prediction = assistant.understand(message, today, self.anchor)
        self.user_id: str | None = state.get("user_id")
        self.intent: str | None = None
        self.slots: Slots = {}
        self.pending: dict[str, Any] | None = None
        self.follow_up = False
        self.new_slots: Slots = {}
        self.notes: list[str] = []
        self.extra: dict[str, Any] = {}

    # --- the decision ------------------------------------------------------------------------------------

    def run(self) -> Reply:
        """Decide what the message asks and answer it."""
        pending = self.state.get("pending")
        if pending and self._answers_pending(pending):
            return self._execute(pending["intent"], self.prediction.confidence)
        intent, confidence = self._intent()
        if intent in TOOL_INTENTS:
            if self.follow_up and inapplicable(intent, self.new_slots):
                return self._not_applicable(intent, confidence)
            return self._execute(intent, confidence)
        return self._without_tool(intent, confidence)

    def _intent(self) -> tuple[str, float]:
        p = self.prediction
        last = self.state.get("intent")
        comparison = self._comparison()
        if comparison is not None:
            self.slots = slots_from(self.extraction)
            return comparison, max(p.probabilities.get(comparison, 0.0), p.confidence if p.intent == comparison
                                   else 0.0)
        names_something = any(e.type in {"artist", "venue", "city", "state", "genre", "date", "price", "count",
                                         "user", "vtype"} for e in self.extraction.entities)
        looks_like_follow_up = p.intent == FOLLOW_UP or (
            FOLLOW_UP_OPENERS.match(self.message) is not None and names_something
            and (p.intent not in TOOL_INTENTS or p.confidence < 0.6))
        if last and (looks_like_follow_up or only_modifiers(self.message, self.extraction)):
            self.follow_up = True
            self.new_slots = slots_from(self.extraction)
            dimension = group_by(self.message)
            if dimension:
                self.new_slots["group_by"] = dimension
            self._keep_the_month()
            if "venue" in self.new_slots and not inapplicable(last, {"venue": 1}):
                for place in ("city", "state"):  # "at X in Chicago": the venue says where
                    if inapplicable(last, {place: 1}):
                        self.new_slots.pop(place, None)
            self.slots = merge(self.state.get("slots") or {}, self.new_slots)
            return last, p.probabilities.get(FOLLOW_UP, 0.0) + p.probabilities.get(last, 0.0)
        if p.intent == "out_of_scope" and any(e.type in CATALOG_NAMES for e in self.extraction.entities):
            # An artist or a venue of the catalog is named: the question is about the data, whatever its wording
            # (the training data has no off-topic utterance naming one). The likeliest tool's intent answers it.
            best = max(TOOL_INTENTS, key=lambda intent: p.probabilities.get(intent, 0.0))
            self.slots = carried(self.state.get("slots") or {}, slots_from(self.extraction), best, self.message)
            return best, p.probabilities.get(best, 0.0)
        if p.intent == FOLLOW_UP or (p.confidence < self.assistant.out_of_scope_below and p.intent != "greeting"):
            kind = next((intent for kind, intent in ENTITY_INTENTS if self.extraction.first(kind)), None)
            if kind is None:
                return ("out_of_scope", p.probabilities.get("out_of_scope", 0.0)) if p.intent != FOLLOW_UP \
                    else ("help", p.confidence)
            self.slots = slots_from(self.extraction)
            return kind, p.probabilities.get(kind, 0.0)
        self.slots = slots_from(self.extraction)
        if p.intent in TOOL_INTENTS:
            self.slots = carried(self.state.get("slots") or {}, self.slots, p.intent, self.message)
        return p.intent, p.confidence

    def _comparison(self) -> str | None:
        """"Compare X and Y", "X vs Y": two artists (or two venues) named with a comparing word are looked up
        side by side."""
        if not COMPARE.search(self.message):
            return None
        for kind, intent in (("venue", "venue_lookup"), ("artist", "artist_lookup")):
            named = {e.value for e in self.extraction.of(kind) if not e.ambiguous}
            if len(named) >= 2:
                return intent
        return None

    def _keep_the_month(self) -> None:
        """A follow-up naming only a year ("and 2024?") after a month, a season or a day keeps that part of the
        calendar in the new year (December 2025 -> December 2024) and says so; "all of 2024" is the year."""
        entity = self.extraction.first("date")
        previous = _span(self.previous.get("date"))
        if (entity is None or entity.mention is None or entity.mention.kind not in date_parser.YEAR_KINDS
                or previous is None or date_parser.whole_year(previous) or WHOLE_YEAR.search(self.message)
                or "date" not in self.new_slots):
            return
        year = int(entity.mention.match.group("year"))
        start, end = date_parser.with_year(previous, year)
        whole_month = start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and start.month == end.month
        kept = f"{start:%B}" if whole_month else "the same dates"
        said = f"{start:%B} {year}" if whole_month else "the same dates that year"
        self.new_slots["date"] = {"date_from": start.isoformat(), "date_to": end.isoformat(),
                                  "text": f"{entity.label} ({kept})"}
        self.extra["date_reading"] = {"said": entity.label, "year": year, "kept": kept,
                                      "date_from": start.isoformat(), "date_to": end.isoformat()}
        what = "month" if whole_month else "dates"
        self.notes.append(f"I read \"{entity.label}\" as {said}, keeping the {what} of the last question "
                          f"(ask for \"all of {year}\" for the whole year).")

    def _answers_pending(self, pending: dict[str, Any]) -> bool:
        slot, options = pending["slot"], pending.get("options") or []
        new = slots_from(self.extraction)
        value: Any = None
        label: str | None = None
        entity = self.extraction.first(slot)
        if entity is not None and entity.ambiguous and options:
            narrowed = [o for o in options if o[0] in {c[0] for c in entity.candidates}]
            if len(narrowed) == 1:
                value, label = narrowed[0]
        elif slot in new:
            value = new[slot]
            label = new.get("venue_label") if slot == "venue" else None
        elif options:
            value, label = self._option_in_message(options)
        if value is None:
            return False
        self.slots = merge(pending.get("slots") or {}, {k: v for k, v in new.items() if k != slot})
        self.slots[slot] = value
        if slot == "venue":
            self.slots["venue_label"] = label or value
        self.follow_up = True
        return True

    def _option_in_message(self, options: list[list[Any]]) -> tuple[Any, str | None]:
        words = self.message.lower().strip(" ?.!").split()
        for word in words:
            if word in ORDINALS and len(words) <= 4:
                index = ORDINALS[word]
                if -len(options) <= index < len(options):
                    return options[index][0], options[index][1]
        labels = [str(o[1]) for o in options]
        best = process.extractOne(self.message, labels, scorer=fuzz.partial_ratio, score_cutoff=80)
        if best is None:
            return None, None
        return options[best[2]][0], options[best[2]][1]

    # --- answering ---------------------------------------------------------------------------------------

    def _execute(self, intent: str, confidence: float) -> Reply:
        self.intent = intent
        ambiguous = [e for e in self.extraction.entities if e.ambiguous and e.type not in self.slots]
        if ambiguous:
            return self._clarify_ambiguous(intent, confidence, ambiguous[0])
        lacking = missing(intent, self.slots)
        if lacking:
            return self._ask_for(intent, confidence, lacking)
        arguments = arguments_for(intent, self.slots, message=self.message, extraction=self.extraction,
                                  today=self.today, user_id=self.user_id)
        # A ranking question about one venue ("how does X rank?") is answered by its profile, which holds its rank.
        tool = "venue_lookup" if intent == "venue_popularity" and "venue" in arguments else TOOL_FOR_INTENT[intent].name
        context = self.assistant._tool_context(self.today)
        try:
            result = run_tool(tool, arguments, context)
        except AmbiguousName as exc:
            self.pending = {"intent": intent, "slot": exc.kind, "slots": self.slots,
                            "options": [[c, c] for c in exc.candidates]}
            message = f"Which {exc.kind} do you mean: {_either(exc.candidates)}?"
            return Reply(message, intent, confidence, self._data(clarification=self.pending), exc.candidates[:4])
        except NotFound as exc:
            if tool == "recommendations" and arguments.get("user_id") and str(exc.details).startswith("user_id"):
                return self._unknown_user(intent, confidence, arguments)
            return self._failed(intent, confidence, tool, arguments, exc)
        except BadRequest as exc:
            return self._failed(intent, confidence, tool, arguments, exc)
        if result.parameters.get("group_by"):
            self.slots["group_by"] = result.parameters["group_by"]
        labels = self._labels(result.parameters)
        message, suggestions = replies.render(tool, result.parameters, result.result, labels, self.catalog)
        message = " ".join([*self.notes, message])
        return Reply(message, intent, confidence, self._data(**result.as_data()), suggestions)

    def _failed(self, intent: str, confidence: float, tool: str, arguments: dict[str, Any],
                exc: NotFound | BadRequest) -> Reply:
        return Reply(f"{exc.details} Try one of the suggestions.", intent, confidence,
                     self._data(tool=tool, parameters=arguments, error=exc.details), replies._pick([], self.catalog))

    def _unknown_user(self, intent: str, confidence: float, arguments: dict[str, Any]) -> Reply:
        """Personal recommendations for a user the data does not have: say so, and recommend without a
        history."""
        user = str(arguments["user_id"])
        self.slots.pop("user", None)
        self.user_id = None
        self.notes.append(f"I don't know user {user}, so these recommendations don't use a listening history.")
        reply = self._execute(intent, confidence)
        reply.data["unknown_user"] = user
        return reply

    def _clarify_ambiguous(self, intent: str, confidence: float, entity: Entity) -> Reply:
        options = [[value, label] for value, label in entity.candidates]
        self.pending = {"intent": intent, "slot": entity.type, "slots": self.slots, "options": options}
        labels = [label for _, label in entity.candidates]
        message = f"Which {entity.type} do you mean by \"{_said(self.message, entity)}\": {_either(labels)}?"
        return Reply(message, intent, confidence, self._data(clarification=self.pending), labels[:4])

    def _ask_for(self, intent: str, confidence: float, lacking: list[str]) -> Reply:
        slot = lacking[0]
        options: list[list[Any]] = []
        examples: list[str] = []
        if slot == "artist":
            options = [[a["name"], a["name"]] for a in self.catalog.artists[:3]]
        elif slot == "venue":
            return self._ask_for_venue(intent, confidence, lacking)
        elif slot == "date":
            examples = ["next Friday", "Dec 31"]
        elif slot == "price":
            examples = [replies.money(p) for p in EXAMPLE_PRICES]
        self.pending = {"intent": intent, "slot": slot, "slots": self.slots, "options": options}
        known = ", ".join(f"{k}: {self._show(k)}" for k in ("artist", "venue", "date", "price") if k in self.slots)
        message = SLOT_QUESTIONS[slot]
        shown = [o[1] for o in options] or examples
        message += f" For example {_either(shown)}." if shown else ""
        if known:
            message = f"I have {known}. " + message
        clarification = {**self.pending, "missing": lacking, "examples": shown}
        if slot == "price":
            clarification["example_prices"] = list(EXAMPLE_PRICES)
        return Reply(message, intent, confidence, self._data(clarification=clarification), shown[:4])

    def _ask_for_venue(self, intent: str, confidence: float, lacking: list[str]) -> Reply:
        """Which venue? When the message (or the question) names a place, that place's venues, largest first
        (its only venue is taken); otherwise the largest venues."""
        city, state = self.slots.get("city"), self.slots.get("state")
        place = city or (US_STATE_NAMES.get(str(state), str(state)) if state else None)
        venues = [v for v in self.catalog.venues
                  if (city is None or v["city"] == city) and (state is None or v["state"] == state)]
        venues.sort(key=lambda v: (-int(v["capacity"] or 0), v["name"]))
        note = ""
        if place and len(venues) == 1:
            self.slots.update(venue=venues[0]["venue_id"], venue_label=venues[0]["name"])
            reply = self._execute(intent, confidence)
            reply.message = f"{venues[0]['name']} is the only venue in {place} in the data. {reply.message}"
            return reply
        if place and not venues:
            note = f"I have no venues in {place} in the data. "
            place = None
        if not place:
            venues = sorted(self.catalog.venues, key=lambda v: (-int(v["capacity"] or 0), v["name"]))
        options = [[v["venue_id"], v["name"]] for v in venues]
        self.pending = {"intent": intent, "slot": "venue", "slots": self.slots, "options": options}
        shown = [str(o[1]) for o in options[:3]]
        known = ", ".join(f"{k}: {self._show(k)}" for k in ("artist", "date", "price") if k in self.slots)
        message = (f"I have {known}. " if known else "") + note
        if place:
            choices = shown + (["another one there"] if len(options) > len(shown) else [])
            message += f"Which venue in {place}? For example {_either(choices)}."
        else:
            message += f"Which venue? For example {_either(shown)}."
        clarification = {**self.pending, "missing": lacking, "examples": shown, "place": place}
        return Reply(message, intent, confidence, self._data(clarification=clarification), shown)

    def _not_applicable(self, intent: str, confidence: float) -> Reply:
        """A follow-up naming a slot the last question cannot take: a place for a prediction asks which venue
        there is meant; anything else is said plainly, and the slots that do apply are still used."""
        new, previous = self.new_slots, self.state.get("slots") or {}
        wrong = inapplicable(intent, new)
        usable = {k: v for k, v in new.items() if k not in wrong and not (k == "venue_label" and "venue" in wrong)}
        if intent == "ticket_prediction" and {"city", "state"} & set(wrong) and "venue" not in new:
            return self._venue_in_place(intent, confidence, merge(previous, usable))
        ignored = {k: new[k] for k in wrong}
        note = f"{INTENT_NOUNS[intent]} can't be narrowed by {_either([self._slot_said(k, new) for k in wrong])}"
        hints = _hints(wrong, new, previous)
        if usable:
            self.slots = merge(previous, usable)
            reply = self._execute(intent, confidence)
            reply.message = f"{note}, so I left that out. {reply.message}"
            reply.data["not_applied"] = ignored
            return reply
        self.intent = None  # nothing changed: the session keeps the last question as it was
        message = f"{note}, so the last answer stands." + (" Try one of the suggestions." if hints else "")
        return Reply(message, intent, confidence, self._data(not_applied=ignored),
                     replies._pick(hints, self.catalog))

    def _venue_in_place(self, intent: str, confidence: float, slots: Slots) -> Reply:
        """A prediction is for one venue: "what about Chicago?" asks which venue in Chicago (or says there is
        none in the data; one venue is taken as meant)."""
        city, state = self.new_slots.get("city"), self.new_slots.get("state")
        place = city or US_STATE_NAMES.get(str(state), str(state))
        venues = [v for v in self.catalog.venues
                  if (city is None or v["city"] == city) and (state is None or v["state"] == state)]
        venues.sort(key=lambda v: (-int(v["capacity"] or 0), v["name"]))
        if not venues:
            self.intent = None
            message = (f"A ticket-sales prediction is for one venue, and I have no venues in {place} in the data, "
                       "so the last answer stands.")
            return Reply(message, intent, confidence, self._data(not_applied={"city": city, "state": state}),
                         replies._pick(["Most popular venues"], self.catalog))
        if len(venues) == 1:
            self.slots = {**slots, "venue": venues[0]["venue_id"], "venue_label": venues[0]["name"]}
            reply = self._execute(intent, confidence)
            reply.message = f"{venues[0]['name']} is the only venue in {place} in the data. {reply.message}"
            return reply
        options = [[v["venue_id"], v["name"]] for v in venues]
        self.slots = slots
        self.pending = {"intent": intent, "slot": "venue", "slots": slots, "options": options}
        shown = [str(o[1]) for o in options[:MAX_VENUE_OPTIONS]]
        choices = shown + (["another one there"] if len(options) > len(shown) else [])
        message = f"A ticket-sales prediction is for one venue. Which venue in {place} do you mean: {_either(choices)}?"
        return Reply(message, intent, confidence, self._data(clarification=self.pending), shown[:4])

    def _slot_said(self, key: str, slots: Slots) -> str:
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

    def _without_tool(self, intent: str, confidence: float) -> Reply:
        self.intent = None
        if intent == "greeting":
            message, suggestions = replies.greeting(self.catalog, bool(FAREWELL.search(self.message)))
        elif intent == "help":
            message, suggestions = replies.help_message(self.catalog)
        else:
            intent = "out_of_scope"
            message, suggestions = replies.out_of_scope(self.catalog)
        return Reply(message, intent, confidence, self._data(capabilities=list(replies.CAPABILITIES)), suggestions)

    # --- state and data ----------------------------------------------------------------------------------

    def next_state(self) -> dict[str, Any]:
        """The session state after this turn."""
        state = dict(self.state)
        state["pending"] = self.pending
        if self.intent is not None and self.pending is None:
            state["intent"] = self.intent
            state["slots"] = self.slots
        return state

    def _data(self, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"backend": "local", **self.extra, **extra}
        data["entities"] = [{"type": e.type, "text": e.label if e.type in {"date", "price", "count"} else
                             _said(self.message, e), "value": e.value,
                             **({"candidates": [c[1] for c in e.candidates]} if e.ambiguous else {})}
                            for e in self.extraction.entities]
        data["follow_up"] = self.follow_up
        return data

    def _labels(self, parameters: dict[str, Any]) -> dict[str, str]:
        labels: dict[str, str] = {}
        if self.slots.get("venue"):
            labels["venue"] = str(self.slots.get("venue_label") or self.slots["venue"])
        if parameters.get("artist"):
            labels["artist"] = str(parameters["artist"])
        return labels

    def _show(self, slot: str) -> str:
        value = self.slots[slot]
        if slot == "venue":
            return str(self.slots.get("venue_label") or value)
        if slot == "date":
            return replies.day(value["date_from"])
        if slot == "price":
            return replies.money(float(value))
        return str(value)


def _span(date: Any) -> tuple[dt.date, dt.date] | None:
    """A date slot's range."""
    if not isinstance(date, dict) or not date.get("date_from"):
        return None
    start = dt.date.fromisoformat(str(date["date_from"])[:10])
    return start, dt.date.fromisoformat(str(date.get("date_to") or date["date_from"])[:10])


def _either(options: list[str]) -> str:
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


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
    return hints


def _said(message: str, entity: Entity) -> str:
    return message[entity.start:entity.end]
