"""The questions the dialogue policy asks back: which of several names, a name the data lacks with the nearest
known ones, a missing slot (a prediction's venue from the place named), and a follow-up naming what the last
question cannot take."""

from __future__ import annotations

from typing import Any

from concert_api.services.chat.local.catalog import US_STATES as US_STATE_NAMES
from concert_api.services.chat.local.catalog import Catalog
from concert_api.services.chat.local.decision import Decision
from concert_api.services.chat.local.entities import Entity
from concert_api.services.chat.local.references import UnknownName
from concert_api.services.chat.local.slots import Slots, inapplicable, merge
from concert_api.services.chat.local.state import DialogueState


class QuestionsBack:
    """The dialogue policy's questions back (a mixin of `policy.DialoguePolicy`, which provides the state and
    `_tool`/`_decision`)."""

    message: str
    state: DialogueState
    catalog: Catalog
    notes: list[str]
    extra: dict[str, Any]
    new_slots: Slots

    def _tool(self, intent: str, confidence: float, slots: Slots) -> Decision:
        raise NotImplementedError

    def _decision(self, action: str, intent: str, confidence: float, **fields: Any) -> Decision:
        raise NotImplementedError

    def _clarify_ambiguous(self, intent: str, confidence: float, slots: Slots, entity: Entity) -> Decision:
        options = [[value, label] for value, label in entity.candidates]
        pending = {"intent": intent, "slot": entity.type, "slots": slots, "options": options}
        labels = [label for _, label in entity.candidates]
        question = {"type": "ambiguous", "slot": entity.type, "said": self.message[entity.start:entity.end],
                    "labels": labels}
        return self._decision("ask", intent, confidence, slots=slots, pending=pending, question=question)

    def _ask_unknown(self, intent: str, confidence: float, slots: Slots, unknown: UnknownName) -> Decision:
        """"Springfield is not a city I know; did you mean ...?" The next message can pick one."""
        slot = unknown.kind
        states = {}
        if slot == "city":
            for name in unknown.nearest:
                row = next((c for c in self.catalog.cities_with_venues() if c["city"] == name), None)
                if row is not None:
                    states[name] = row["state"]
        options = [[n, n] for n in unknown.nearest]
        if slot == "venue":
            ids = {str(v["name"]): v["venue_id"] for v in self.catalog.venues}
            options = [[ids[n], n] for n in unknown.nearest]
        pending = {"intent": intent, "slot": slot, "slots": slots, "options": options, "states": states}
        question = {"type": "unknown", "slot": slot, "said": unknown.said, "nearest": list(unknown.nearest)}
        self.extra["unknown_name"] = {"said": unknown.said, "kind": unknown.kind, "nearest": list(unknown.nearest)}
        return self._decision("ask", intent, confidence, slots=slots, pending=pending, question=question)

    def _ask_for(self, intent: str, confidence: float, slots: Slots, lacking: list[str]) -> Decision:
        slot = lacking[0]
        options: list[list[Any]] = []
        if slot == "artist":
            options = [[a["name"], a["name"]] for a in self.catalog.artists[:3]]
        elif slot == "venue":
            return self._ask_for_venue(intent, confidence, slots, lacking)
        pending = {"intent": intent, "slot": slot, "slots": slots, "options": options}
        question = {"type": "slot", "slot": slot, "missing": lacking, "options": options}
        return self._decision("ask", intent, confidence, slots=slots, pending=pending, question=question)

    def _ask_for_venue(self, intent: str, confidence: float, slots: Slots, lacking: list[str]) -> Decision:
        """Which venue? When the message (or the question) names a place, that place's venues, largest first
        (its only venue is taken); otherwise the largest venues."""
        city, state = slots.get("city"), slots.get("state")
        place = city or (US_STATE_NAMES.get(str(state), str(state)) if state else None)
        venues = self._venues_in(city, state)
        note = ""
        if place and len(venues) == 1:
            slots = {**slots, "venue": venues[0]["venue_id"], "venue_label": venues[0]["name"]}
            self.notes.append(f"{venues[0]['name']} is the only venue in {place} in the data.")
            return self._tool(intent, confidence, slots)
        if place and not venues:
            note = f"I have no venues in {place} in the data. "
            place = None
        if not place:
            venues = sorted(self.catalog.venues, key=lambda v: (-int(v["capacity"] or 0), v["name"]))
        options = [[v["venue_id"], v["name"]] for v in venues]
        pending = {"intent": intent, "slot": "venue", "slots": slots, "options": options}
        question = {"type": "venue", "slot": "venue", "missing": lacking, "options": options, "place": place,
                    "note": note}
        return self._decision("ask", intent, confidence, slots=slots, pending=pending, question=question)

    def _not_applicable(self, intent: str, confidence: float) -> Decision:
        """A follow-up naming a slot the last question cannot take: a place for a prediction asks which venue
        there is meant; anything else is said plainly, and the slots that do apply are still used."""
        new, previous = self.new_slots, self.state.slots
        wrong = inapplicable(intent, new)
        usable = {k: v for k, v in new.items() if k not in wrong and not (k == "venue_label" and "venue" in wrong)}
        if intent == "ticket_prediction" and {"city", "state"} & set(wrong) and "venue" not in new:
            return self._venue_in_place(intent, confidence, merge(previous, usable))
        ignored = {k: new[k] for k in wrong}
        self.extra["not_applied"] = ignored
        if usable:
            self.notes.append(f"{_not_applicable_note(intent, wrong, new)}, so I left that out.")
            return self._tool(intent, confidence, merge(previous, usable))
        return self._decision("stand", intent, confidence, keep_state=True,
                              question={"wrong": wrong, "new": new, "previous": previous,
                                        "note": _not_applicable_note(intent, wrong, new)})

    def _venue_in_place(self, intent: str, confidence: float, slots: Slots) -> Decision:
        """A prediction is for one venue: "what about Chicago?" asks which venue in Chicago (or says there is
        none in the data; one venue is taken as meant)."""
        city, state = self.new_slots.get("city"), self.new_slots.get("state")
        place = city or US_STATE_NAMES.get(str(state), str(state))
        venues = self._venues_in(city, state)
        if not venues:
            self.extra["not_applied"] = {"city": city, "state": state}
            return self._decision("stand", intent, confidence, keep_state=True,
                                  question={"type": "no_venue", "place": place})
        if len(venues) == 1:
            self.notes.append(f"{venues[0]['name']} is the only venue in {place} in the data.")
            return self._tool(intent, confidence, {**slots, "venue": venues[0]["venue_id"],
                                                   "venue_label": venues[0]["name"]})
        options = [[v["venue_id"], v["name"]] for v in venues]
        pending = {"intent": intent, "slot": "venue", "slots": slots, "options": options}
        question = {"type": "venue_in_place", "slot": "venue", "options": options, "place": place}
        return self._decision("ask", intent, confidence, slots=slots, pending=pending, question=question)

    def _venues_in(self, city: Any, state: Any) -> list[Any]:
        venues = [v for v in self.catalog.venues
                  if (city is None or v["city"] == city) and (state is None or v["state"] == state)]
        venues.sort(key=lambda v: (-int(v["capacity"] or 0), v["name"]))
        return venues


def _not_applicable_note(intent: str, wrong: list[str], new: Slots) -> str:
    from concert_api.services.chat.local.renderer import INTENT_NOUNS, either, slot_said

    return f"{INTENT_NOUNS[intent]} can't be narrowed by {either([slot_said(k, new) for k in wrong])}"
