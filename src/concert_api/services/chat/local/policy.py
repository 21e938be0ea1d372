"""The dialogue policy: given a message (its entities and the classifier's prediction) and the dialogue state,
decide what to do — which intent, with which slots, what to carry over from before, what to ask back.

It runs nothing and words nothing: its `Decision` goes to the executor (which runs the tools) and to the
renderer (which words the reply). In order, a message is:

1. the answer to a pending question ("Which venue?" -> "the second one", "Otis", "$80");
2. a near miss: a request the platform cannot serve although it mentions concerts (buy, cancel, refund, seats,
   transfers, films, restaurants near a venue) -> "I can't do that here" and the nearest thing it can do;
3. a reference to the last answer's list: "tell me about the second one", "which of them play in Denver?";
4. a comparison: two artists or venues side by side (`compare_with`), or two places (or artists) answered both;
5. a follow-up ("what about Chicago?", "only jazz", "and at $90?" — also after another question, from the last
   prediction kept in the state), or a new question that carries what it points back at ("did they sell?");
6. otherwise what the classifier says, out of scope when unsure and naming nothing in the catalog.

Before a tool runs, a name the catalog lacks is said with the nearest known names, and a missing or ambiguous
slot is asked for.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rapidfuzz import fuzz, process

from concert_api.services.chat.local import dates as date_parser
from concert_api.services.chat.local.catalog import Catalog
from concert_api.services.chat.local.classifier import FOLLOW_UP, Prediction
from concert_api.services.chat.local.decision import Decision
from concert_api.services.chat.local.entities import Extraction
from concert_api.services.chat.local.near_miss import NearMiss, near_miss
from concert_api.services.chat.local.questions import QuestionsBack
from concert_api.services.chat.local.references import (
    UnknownName,
    definite_kind,
    group_kind,
    ordinal_index,
    unknown_names,
    wants_more,
)
from concert_api.services.chat.local.replies import MAX_LISTED
from concert_api.services.chat.local.slots import (
    ACCEPTS,
    DEFAULT_COUNT,
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
from concert_api.services.chat.local.state import DialogueState, ResultItem

TOOL_INTENTS = ("artist_lookup", "venue_popularity", "venue_lookup", "concert_search", "ticket_prediction",
                "price_curve", "recommendations", "sales_query")
OUT_OF_SCOPE_BELOW = 0.40
"""A message whose best intent is less likely than this, and that names nothing in the catalog, is out of scope."""
CATALOG_NAMES = frozenset({"artist", "venue"})
"""Entities only the platform's data knows: a message naming one is out of scope only when it is a near miss or
the classifier is sure (a city can be named off-topic any time)."""
OUT_OF_SCOPE_DESPITE_NAMES = 0.70
"""The out-of-scope probability above which a message naming an artist or a venue is still out of scope ("help
me pay for my X tickets"); the classifier learns such messages from the near-miss hard negatives."""

FOLLOW_UP_OPENERS = re.compile(r"^\s*(and|what about|how about|what if|same|now|then|ok(ay)?|instead|also|try|"
                               r"switch|make it|just|only|but|with|without|except|for|in|at)\b", re.IGNORECASE)
COMPARE = re.compile(r"\b(compare[sd]?|comparing|comparison|vs\.?|versus|side by side|differences? between|differ|"
                     r"which (one )?is (bigger|larger|better|more popular))\b", re.IGNORECASE)
"""Words that, with two artists or two venues named, ask for the two side by side."""
WHOLE_YEAR = re.compile(r"\b(all|whole|entire|full|complete)\b", re.IGNORECASE)
ORDINALS = {"first": 0, "1st": 0, "one": 0, "1": 0, "second": 1, "2nd": 1, "two": 1, "2": 1, "third": 2,
            "3rd": 2, "three": 2, "3": 2, "last": -1}
ENTITY_INTENTS = (("artist", "artist_lookup"), ("venue", "concert_search"), ("city", "concert_search"),
                  ("state", "concert_search"), ("genre", "concert_search"), ("date", "concert_search"),
                  ("user", "recommendations"))
AT_PRICE = re.compile(r"\b(at|for|priced at|if tickets (cost|are))\s+\$?\d", re.IGNORECASE)
"""A price said as the price of a ticket ("and at $90?"): after a prediction, a new price for it."""
TICKETS_MEASURE = re.compile(r"\b(tickets?|seats?|sold|sell|sells|selling|seller|attendance|crowds?|fans|"
                             r"head ?count|turnout)\b", re.IGNORECASE)
REVENUE_MEASURE = re.compile(r"\b(revenue|gross\w*|earn\w*|money|takings|brought in|lucrative|income|dollars|"
                             r"box office|made|make)\b", re.IGNORECASE)
RANK_BY_FOLLOW_UP = re.compile(r"^\W*(and |now |ok |okay |then |what about |how about |rank(ed)? |sort(ed)? |"
                               r"order(ed)? )*(it |them )?by (revenue|money|gross|earnings|tickets( sold)?|sales "
                               r"volume|attendance)\W*$", re.IGNORECASE)
"""A sales follow-up that only changes what the ranking orders by: "what about by revenue?", "by tickets"."""
FOLLOW_UP_CONFIDENCE = 0.6
COMPARE_AS_QUESTION = 0.5
"""A comparison of two artists or venues that the classifier reads as a sales, search or recommendation question
this surely asks that question of both; otherwise the two are looked up side by side."""
REFERENCE_INTENT_CONFIDENCE = 0.5
PREDICTION_SLOTS = ("artist", "venue", "venue_label", "date", "price")
PRICING = re.compile(
    r"\b(what|which) (ticket )?price (would|will|should|could|can|might|to|that|makes?|lets?|maximi\w*|gets?|earns?|"
    r"brings?|sells?|fills?)\b|"
    r"\bat what (ticket )?price\b(?!s? (are|is)\b)|"
    r"\b(best|optimal|optimum|ideal|right|smartest|revenue[- ]maximi\w+|profit[- ]maximi\w+) (ticket )?price\b|"
    r"\bmaximi[sz]e (the )?(revenue|takings|gross|earnings|income)\b|"
    r"\b(earn|make|gross|bring in|generate) the most\b|"
    r"\bprice (it )?to (sell out|earn|maximi\w+|fill)\b|"
    r"\bhow (should|would|do) (we|i|you|they) price\b|"
    r"\b(what|how much) should (we|i|they|you) charge\b|"
    r"\bhow (high|much) can (we|i|they) (price|charge|go)\b|"
    r"\b(price|demand|revenue) curve\b|\bsell[- ]?out price\b",
    re.IGNORECASE)
"""A question about which price to set ("what price would sell out X at Y?", "the best price", "earn the most"),
answered by the price curve — not a question about what tickets cost ("at what price are tickets?")."""
PRICING_SLOTS = ("artist", "venue", "venue_label", "date")
TICKET_COST = re.compile(r"\b(at )?what (ticket )?prices? (are|is)\b|\bhow much (are|is|do|does|will|would) "
                         r"(the )?(tickets?|seats?)\b|\bwhat do (the )?tickets? cost\b|\bprices? of (the )?tickets?\b",
                         re.IGNORECASE)
"""A question about what tickets cost: a concert search (the concerts list their prices), never a price curve."""


class DialoguePolicy(QuestionsBack):
    """Decides one message in its dialogue state (the questions it asks back: `questions.QuestionsBack`)."""

    def __init__(self, *, message: str, state: DialogueState, extraction: Extraction, prediction: Prediction,
                 catalog: Catalog, carrier_words: frozenset[str], today: dt.date,
                 out_of_scope_below: float = OUT_OF_SCOPE_BELOW) -> None:
        self.message = message
        self.state = state
        self.extraction = extraction
        self.prediction = prediction
        self.catalog = catalog
        self.carrier_words = carrier_words
        self.today = today
        self.out_of_scope_below = out_of_scope_below
        self.previous: Slots = (state.pending or {}).get("slots") or state.slots or {}
        self.follow_up = False
        self.new_slots: Slots = {}
        self.notes: list[str] = []
        self.extra: dict[str, Any] = {}

    # --- the decision ------------------------------------------------------------------------------------

    def decide(self) -> Decision:
        """What to do with the message."""
        pending = self.state.pending
        if pending:
            answered = self._answers_pending(pending)
            if answered is not None:
                self.follow_up = True
                return self._tool(pending["intent"], self.prediction.confidence, answered)
        near = near_miss(self.extraction.delexicalised)
        if near is not None:
            return self._near_miss(near)
        pricing = self._pricing()
        if pricing is not None:
            return pricing
        referred = self._reference()
        if referred is not None:
            return referred
        intent, confidence, slots = self._intent()
        if intent not in TOOL_INTENTS:
            return self._decision("chat", intent, confidence, kind=intent)
        if self.follow_up and inapplicable(intent, self.new_slots):
            return self._not_applicable(intent, confidence)
        return self._tool(intent, confidence, slots)

    def _near_miss(self, near: NearMiss) -> Decision:
        """A request the platform cannot serve; when it names an artist or a venue, the nearest thing the
        assistant can do runs too: that artist's or venue's upcoming concerts, or the venue's profile."""
        slots = slots_from(self.extraction)
        confidence = self.prediction.probabilities.get("out_of_scope", 0.0) or self.prediction.confidence
        nearest: str | None = None
        runs: list[Slots] = []
        if near.kind == "food" and slots.get("venue"):
            nearest, runs = "venue_lookup", [{"venue": slots["venue"], "venue_label": slots.get("venue_label")}]
        elif near.kind not in {"film", "account", "person", "listen"} and (
                slots.get("artist") or slots.get("venue") or slots.get("city")):
            search = {k: v for k, v in slots.items() if k in {"artist", "venue", "venue_label", "city", "state",
                                                              "date"}}
            nearest, runs = "concert_search", [search]
        return self._decision("near_miss", "out_of_scope", confidence, slots=slots, near=near, runs=runs,
                              tool_intent=nearest)

    def _pricing(self) -> Decision | None:
        """"What price would sell out X at Y on D?", "and at what price would it earn the most?": the price curve
        of the concert named, else of the one listed ("the second one") or being discussed (the last question's,
        else the last prediction's artist, venue and date)."""
        p = self.prediction
        if TICKET_COST.search(self.message) or not (PRICING.search(self.message) or (
                p.intent == "price_curve" and p.confidence >= self.out_of_scope_below)):
            return None
        new = {k: v for k, v in slots_from(self.extraction).items() if k in PRICING_SLOTS}
        previous: Slots = {k: v for k, v in {**(self.state.prediction or {}), **self.state.slots}.items()
                           if k in PRICING_SLOTS}
        index = ordinal_index(self.message)
        if index is not None and -len(self.state.results) <= index < len(self.state.results):
            item = self.state.results[index]
            previous = {**previous, **_item_slots(item)}
            self.extra["refers_to"] = {"position": index + 1 if index >= 0 else len(self.state.results),
                                       "kind": item.kind, "label": item.label}
        if "venue" in new:
            previous.pop("venue_label", None)
        slots = {**previous, **new} if previous else new
        self.follow_up = any(k not in new for k in slots)
        confidence = max(p.probabilities.get("price_curve", 0.0), FOLLOW_UP_CONFIDENCE)
        return self._tool("price_curve", confidence, slots)

    def _intent(self) -> tuple[str, float, Slots]:
        p = self.prediction
        last = self.state.intent
        comparison = self._comparison()
        if comparison is not None:
            return comparison, max(p.probabilities.get(comparison, 0.0),
                                   p.confidence if p.intent == comparison else 0.0), slots_from(self.extraction)
        names_something = any(e.type in {"artist", "venue", "city", "state", "genre", "date", "price", "count",
                                         "user", "vtype", "min_events"} for e in self.extraction.entities)
        prediction_follow_up = self._prediction_follow_up()
        if prediction_follow_up is not None:
            return prediction_follow_up
        looks_like_follow_up = p.intent == FOLLOW_UP or (
            FOLLOW_UP_OPENERS.match(self.message) is not None and names_something
            and (p.intent not in TOOL_INTENTS or p.confidence < FOLLOW_UP_CONFIDENCE))
        if last and (looks_like_follow_up or only_modifiers(self.message, self.extraction)
                     or (last == "sales_query" and RANK_BY_FOLLOW_UP.match(self.message))):
            return self._follow_up(last)
        if p.intent == "out_of_scope" and p.confidence < OUT_OF_SCOPE_DESPITE_NAMES and any(
                e.type in CATALOG_NAMES for e in self.extraction.entities):
            # An artist or a venue of the catalog is named: the question is about the data, whatever its wording.
            # The likeliest tool's intent answers it.
            best = max(TOOL_INTENTS, key=lambda intent: p.probabilities.get(intent, 0.0))
            return best, p.probabilities.get(best, 0.0), carried(self.state.slots, slots_from(self.extraction),
                                                                 best, self.message)
        if p.intent in TOOL_INTENTS and p.confidence < self.out_of_scope_below and any(
                e.type in CATALOG_NAMES for e in self.extraction.entities):
            slots = carried(self.state.slots, slots_from(self.extraction), p.intent, self.message)
            return p.intent, p.confidence, slots  # unsure, but about a name of the data: the likeliest tool
        if p.intent == FOLLOW_UP or (p.confidence < self.out_of_scope_below and p.intent != "greeting"):
            kind = next((intent for kind, intent in ENTITY_INTENTS if self.extraction.first(kind)), None)
            if kind is None:
                return (("out_of_scope", p.probabilities.get("out_of_scope", 0.0), {}) if p.intent != FOLLOW_UP
                        else ("help", p.confidence, {}))
            return kind, p.probabilities.get(kind, 0.0), slots_from(self.extraction)
        slots = slots_from(self.extraction)
        intent = "concert_search" if p.intent == "price_curve" and TICKET_COST.search(self.message) else p.intent
        if intent in TOOL_INTENTS:
            slots = carried(self.state.slots, slots, intent, self.message)
        return intent, p.confidence, slots

    def _follow_up(self, last: str) -> tuple[str, float, Slots]:
        """The last question again, with what the message changes."""
        p = self.prediction
        self.follow_up = True
        self.new_slots = slots_from(self.extraction)
        dimension = group_by(self.message)
        if dimension:
            self.new_slots["group_by"] = dimension
        self._keep_the_month()
        self._weekday_in_the_week_discussed()
        if "venue" in self.new_slots and not inapplicable(last, {"venue": 1}):
            for place in ("city", "state"):  # "at X in Chicago": the venue says where
                if inapplicable(last, {place: 1}):
                    self.new_slots.pop(place, None)
        return last, p.probabilities.get(FOLLOW_UP, 0.0) + p.probabilities.get(last, 0.0), \
            merge(self.state.slots, self.new_slots)

    def _prediction_follow_up(self) -> tuple[str, float, Slots] | None:
        """"And at $90?", "what about Saturday?" after a prediction — even with another question in between —
        predict again with that price or date."""
        kept = self.state.prediction
        if not kept or self.state.intent == "ticket_prediction":
            return None  # right after a prediction, the ordinary follow-up keeps it
        types = {e.type for e in self.extraction.entities}
        if not types or not types <= {"price", "date"} or len(self.message.split()) > 8:
            return None
        if "price" in types and not AT_PRICE.search(self.message):
            return None  # "under $50" narrows a search; "at $90" prices a ticket
        if "price" not in types and ("date" in ACCEPTS.get(self.state.intent or "", frozenset({"date"})) or any(
                self.state.slots.get(k) not in (None, kept.get(k)) for k in ("artist", "venue"))):
            return None  # "what about Saturday?" after a search narrows it; after another artist, it is not sure
        self.follow_up = True
        self.new_slots = slots_from(self.extraction)
        self.previous = kept
        self._weekday_in_the_week_discussed()
        p = self.prediction
        return "ticket_prediction", max(p.probabilities.get(FOLLOW_UP, 0.0), p.confidence), merge(kept,
                                                                                                self.new_slots)

    def _comparison(self) -> str | None:
        """"Compare X and Y", "X vs Y": two artists (or two venues) named with a comparing word are looked up
        side by side."""
        p = self.prediction
        if not COMPARE.search(self.message) or (p.intent in {"sales_query", "concert_search", "recommendations"}
                                                and p.confidence >= COMPARE_AS_QUESTION):
            return None  # "compare sales of X and Y": the sales question, asked of both
        for kind, intent in (("venue", "venue_lookup"), ("artist", "artist_lookup")):
            named = {e.value for e in self.extraction.of(kind) if not e.ambiguous}
            if len(named) >= 2:
                return intent
        return None

    def _weekday_in_the_week_discussed(self) -> None:
        """A bare weekday in a follow-up about a date weeks ahead ("what about Saturday?" after a prediction for
        Friday 12 December) is that weekday of the week being discussed (Saturday 13 December), and the reply
        says so; near today, it is the next one, as said alone."""
        entity = self.extraction.first("date")
        previous = _span(self.previous.get("date"))
        if (entity is None or entity.mention is None or entity.mention.kind != "weekday" or previous is None
                or "date" not in self.new_slots or (previous[1] - previous[0]).days > 6
                or (entity.mention.match.group("dir") or "").lower() not in {"", "on"}):
            return  # only a day or a week being discussed has a week
        monday = previous[0] - dt.timedelta(days=previous[0].weekday())
        if monday <= self.today + dt.timedelta(days=6 - self.today.weekday()):
            return  # the week being discussed is this week: "Saturday" means the coming one anyway
        target = date_parser.WEEKDAYS[entity.mention.match.group("weekday").lower()[:3]]
        day = monday + dt.timedelta(days=target)
        if day.isoformat() == entity.value["date_from"]:
            return
        self.new_slots["date"] = {"date_from": day.isoformat(), "date_to": day.isoformat(), "text": entity.label}
        self.extra["date_reading"] = {"said": entity.label, "date_from": day.isoformat(), "date_to": day.isoformat(),
                                      "week_of": previous[0].isoformat()}
        self.notes.append(f"I read \"{entity.label}\" as {_said_range(self.new_slots['date'])}, in the week being "
                          "discussed.")

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

    # --- references to the last answer --------------------------------------------------------------------

    def _reference(self) -> Decision | None:
        """"Tell me about the second one", "which of them play in Denver?": the message is about things the last
        answer listed."""
        results = self.state.results
        p = self.prediction
        if any(e.type in CATALOG_NAMES for e in self.extraction.entities):
            return None
        if not results:
            artist = self.state.slots.get("artist")
            if artist and group_kind(self.message) == "" and p.intent not in TOOL_INTENTS:
                # "when do they play next?" after a question about one artist, however unsure the classifier is
                self.follow_up = True
                intent = self.state.intent if self.state.intent in TOOL_INTENTS else "concert_search"
                return self._tool(intent, max(p.confidence, REFERENCE_INTENT_CONFIDENCE),
                                  {**slots_from(self.extraction), "artist": artist})
            return None
        if wants_more(self.message) and self.state.intent in TOOL_INTENTS and "count" in ACCEPTS.get(
                self.state.intent, frozenset()):
            shown = int(self.state.slots.get("count") or DEFAULT_COUNT)  # the same question, a longer list
            self.follow_up = True
            self.new_slots = {"count": min(MAX_LISTED, shown + DEFAULT_COUNT)}
            return self._tool(self.state.intent, max(p.confidence, REFERENCE_INTENT_CONFIDENCE),
                              merge(self.state.slots, self.new_slots))
        definite = definite_kind(self.message)
        if definite is not None and ordinal_index(self.message) is None:
            of_kind = list({r.value: r for r in results if r.kind == definite}.values())
            if not of_kind:  # "and the artist?" after the venue of a prediction: the one being discussed
                for known in (self.state.slots, self.state.prediction or {}):
                    if known.get(definite):
                        of_kind = [ResultItem(definite, str(known[definite]),
                                              str(known.get("venue_label") or known[definite]))]
                        break
            if len(of_kind) == 1 and not self.extraction.first(definite):
                item = of_kind[0]
                intent = {"artist": "artist_lookup", "venue": "venue_lookup"}[definite]
                if p.intent in TOOL_INTENTS and p.confidence >= REFERENCE_INTENT_CONFIDENCE and p.intent not in {
                        "artist_lookup", "venue_lookup", "venue_popularity"}:
                    intent = p.intent
                self.follow_up = True
                slots = {**carried(self.state.slots, slots_from(self.extraction), intent, self.message),
                         **_item_slots(item)}
                return self._tool(intent, max(p.confidence, REFERENCE_INTENT_CONFIDENCE), slots)
        index = ordinal_index(self.message)
        if index is not None and -len(results) <= index < len(results):
            item = results[index]
            slots = {**_item_slots(item), **{k: v for k, v in slots_from(self.extraction).items()
                                             if k not in {"count"}}}
            intent = {"artist": "artist_lookup", "venue": "venue_lookup", "concert": "concert_search"}[item.kind]
            if p.intent in TOOL_INTENTS and p.confidence >= REFERENCE_INTENT_CONFIDENCE and len(
                    self.message.split()) > 5 and p.intent not in {"artist_lookup", "venue_lookup"}:
                intent = p.intent
            if intent == "concert_search" and item.kind == "concert":
                slots["when"] = "any"
            self.follow_up = True
            self.extra["refers_to"] = {"position": index + 1 if index >= 0 else len(results), "kind": item.kind,
                                       "label": item.label}
            return self._tool(intent, max(p.confidence, REFERENCE_INTENT_CONFIDENCE), slots)
        if index is not None and (p.intent not in TOOL_INTENTS or p.confidence < REFERENCE_INTENT_CONFIDENCE):
            labels = [r.label for r in results]  # "the third one" of a list of two: say what there is
            self.extra["listed"] = {"count": len(labels), "labels": labels}
            return self._decision("stand", self.state.intent or "help", p.confidence, keep_state=True,
                                  question={"type": "out_of_range", "labels": labels})
        kind = group_kind(self.message)
        if kind is None:
            return None
        artists = list(dict.fromkeys([r.value for r in results if r.kind == "artist"]
                                     + [str(r.details["artist"]) for r in results if r.kind == "concert"]))
        venues = [r for r in results if r.kind == "venue"]
        if kind in {"", "artist"} and len(artists) == 1 and not self.extraction.first("artist"):
            # "when do they play next?" after concerts of one artist: that artist
            intent = p.intent if p.intent in TOOL_INTENTS else "concert_search"
            slots = {**slots_from(self.extraction), "artist": artists[0]}
            self.follow_up = True
            return self._tool(intent, max(p.confidence, REFERENCE_INTENT_CONFIDENCE), slots)
        if kind in {"", "artist"} and len(artists) >= 2 and not self.extraction.first("artist"):
            slots = slots_from(self.extraction)
            slots["artists"] = artists
            self.follow_up = True
            self.extra["refers_to"] = {"kind": "artist", "labels": artists}
            return self._tool("concert_search", max(p.confidence, REFERENCE_INTENT_CONFIDENCE), slots)
        if kind == "venue" and len(venues) == 1 and not self.extraction.first("venue"):
            return self._tool("venue_lookup", p.confidence, _item_slots(venues[0]))
        return None

    # --- pending questions --------------------------------------------------------------------------------

    def _answers_pending(self, pending: dict[str, Any]) -> Slots | None:
        """The slots the pending question's intent runs with when the message answers it, else None."""
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
            return None
        if ordinal_index(self.message) is not None:
            new.pop("count", None)  # "the first one" picks an option; it is not "top 1"
        slots = merge(pending.get("slots") or {}, {k: v for k, v in new.items() if k != slot})
        slots[slot] = value
        if slot == "venue":
            slots["venue_label"] = label or value
        if slot == "city" and (state := pending.get("states", {}).get(str(value))):
            slots["state"] = state
        return slots

    def _option_in_message(self, options: list[list[Any]]) -> tuple[Any, str | None]:
        words = self.message.lower().strip(" ?.!").split()
        index = ordinal_index(self.message)
        if index is not None and -len(options) <= index < len(options):
            return options[index][0], options[index][1]
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

    # --- before a tool runs -----------------------------------------------------------------------------------

    def _tool(self, intent: str, confidence: float, slots: Slots) -> Decision:
        """Run the intent's tool, unless a name is unknown or ambiguous or a required slot is missing."""
        ambiguous = [e for e in self.extraction.entities if e.ambiguous and e.type not in slots]
        if ambiguous:
            return self._clarify_ambiguous(intent, confidence, slots, ambiguous[0])
        unknown = self._unknown(intent, slots)
        if unknown is not None:
            return self._ask_unknown(intent, confidence, slots, unknown)
        lacking = missing(intent, slots)
        if lacking:
            return self._ask_for(intent, confidence, slots, lacking)
        if intent == "sales_query":
            slots = self._looking_back(slots)
            measure = said_rank_by(self.message)
            if measure:
                slots = {**slots, "rank_by": measure}
        runs = self._runs(intent, slots)
        return self._decision("tool", intent, confidence, slots=slots, runs=runs)

    def _runs(self, intent: str, slots: Slots) -> list[Slots]:
        """One slot set per thing compared: "LA vs Phoenix" asks the same question of both places, "X or Y" of
        both artists when the tool takes one artist and has no side-by-side form."""
        if self.state.pending and self.follow_up and not self.extraction.entities:
            return [slots]
        for kind, key in (("city", "city"), ("state", "state"), ("artist", "artist"), ("venue", "venue"),
                          ("genre", "genres")):
            if key not in ACCEPTS.get(intent, frozenset()) or (kind in {"artist", "venue"} and intent in {
                    "artist_lookup", "venue_lookup"}) or (intent == "venue_popularity" and kind == "venue") or (
                    intent == "recommendations" and kind == "genre"):  # recommendations take several genres
                continue
            named = list(dict.fromkeys(e for e in self.extraction.of(kind) if not e.ambiguous))
            values = list(dict.fromkeys(e.value for e in named))
            if len(values) < 2 or intent == "ticket_prediction":
                continue
            runs = []
            for value in values[:3]:
                one = {k: v for k, v in slots.items() if k not in {"compare", "artists"}}
                if kind == "city":
                    one.pop("state", None)
                if kind == "state":
                    one.pop("city", None)
                one[key] = [value] if key == "genres" else value
                if kind == "venue":
                    one["venue_label"] = next(e.label for e in named if e.value == value)
                runs.append(one)
            self.extra["compared"] = {"kind": kind, "values": [str(v) for v in values[:3]]}
            return runs
        return [slots]

    def _unknown(self, intent: str, slots: Slots) -> UnknownName | None:
        """A place or an artist the message names that the catalog lacks (and nothing known of its kind)."""
        if self.follow_up and self.state.pending:
            return None
        for unknown in unknown_names(self.message, self.extraction, self.catalog, self.carrier_words):
            accepts = ACCEPTS.get(intent, frozenset())
            if unknown.kind in {"city", "venue"} and unknown.kind in accepts and not any(
                    self.extraction.first(k) for k in ("city", "state", "venue")):
                return unknown
            if unknown.kind == "artist" and "artist" in accepts and not self.extraction.first("artist") \
                    and not slots.get("artist"):
                return unknown
        return None

    def _looking_back(self, slots: Slots) -> Slots:
        """Sales are of completed concerts: a date the message says is read looking back ("in July" is the last
        July), and one that would lie wholly ahead ("next Saturday", "this summer" in March) is moved back to
        the last one that has begun, and the reply says so — never a range that runs backwards."""
        entity = self.extraction.first("date")
        if (entity is None or entity.mention is None or slots.get("date") != entity.value
                or entity.mention.kind in date_parser.ANCHORED_KINDS):  # "the year before": read from the last date
            return slots
        back = date_parser.looking_back(entity.mention, self.today)
        if back is None:
            return slots
        span, moved = back
        slots = {**slots, "date": span.as_dict()}
        if moved:
            self.notes.append(f"Ticket sales are for completed concerts, so I read \"{entity.label}\" as "
                              f"{_said_range(span.as_dict())}, looking back.")
            self.extra["date_reading"] = {"said": entity.label, "looking_back": True, **span.as_dict()}
        return slots

    def _decision(self, action: str, intent: str, confidence: float, **fields: Any) -> Decision:
        decision = Decision(action, intent, confidence, notes=list(self.notes), extra=dict(self.extra),
                            follow_up=self.follow_up, **fields)
        if action == "tool" and not decision.runs:
            decision.runs = [decision.slots]
        return decision

    def arguments(self, decision: Decision, user_id: str | None) -> list[dict[str, Any]]:
        """The tool arguments of each run of a tool decision (or of a near miss's nearest tool)."""
        intent = decision.tool_intent or decision.intent
        args = []
        for slots in decision.runs or [decision.slots]:
            one = arguments_for(intent, slots, message=self.message, extraction=self.extraction,
                                today=self.today, user_id=user_id)
            if intent == "sales_query" and one.get("group_by"):
                one["rank_by"] = rank_by(self.message, slots)
            args.append(one)
        return args


def said_rank_by(message: str) -> str | None:
    """What a sales question says to rank by: tickets when it is about tickets sold ("which artist sold the most
    tickets"), revenue when it is about money; None when it says neither (or both)."""
    tickets, revenue = TICKETS_MEASURE.search(message), REVENUE_MEASURE.search(message)
    if tickets and not revenue:
        return "tickets"
    if revenue and not tickets:
        return "revenue"
    return None


def rank_by(message: str, slots: Slots) -> str:
    """What a sales ranking orders by: what the message says, else what the conversation said, else revenue."""
    return said_rank_by(message) or str(slots.get("rank_by") or "revenue")


def _item_slots(item: ResultItem) -> Slots:
    if item.kind == "artist":
        return {"artist": item.value}
    if item.kind == "venue":
        return {"venue": item.value, "venue_label": item.label}
    d = item.details
    day = d.get("event_date")
    slots: Slots = {"artist": d.get("artist"), "venue": d.get("venue"), "venue_label": d.get("venue_label")}
    if day:
        slots["date"] = {"date_from": day, "date_to": day, "text": day}
    return {k: v for k, v in slots.items() if v}


def _said_range(date: dict[str, str]) -> str:
    from concert_api.services.chat.local.replies import day

    if date["date_from"] == date["date_to"]:
        return day(date["date_from"])
    return f"{day(date['date_from'])} to {day(date['date_to'])}"


def _span(date: Any) -> tuple[dt.date, dt.date] | None:
    """A date slot's range."""
    if not isinstance(date, dict) or not date.get("date_from"):
        return None
    start = dt.date.fromisoformat(str(date["date_from"])[:10])
    return start, dt.date.fromisoformat(str(date.get("date_to") or date["date_from"])[:10])


def anchor_of(state: DialogueState) -> tuple[dt.date, dt.date] | None:
    """The date being discussed (for "2 weeks later"): the pending question's, else the last question's."""
    previous = (state.pending or {}).get("slots") or state.slots or {}
    return _span(previous.get("date"))
