"""The local assistant: understand a message, decide with the dialogue policy, run tools with the executor, word
the reply with the renderer, and keep the dialogue state with the session.

One turn:

1. entities are matched and the message delexicalised ("concerts in xcityx xdatex"), and the classifier names
   the likeliest intent (`understand`);
2. the dialogue policy (`policy.py`) decides from that and the `DialogueState` (`state.py`): a pending question
   answered, a near miss, a reference to the last answer's list, a comparison, a follow-up, or a new question —
   and what to ask when a name is unknown or ambiguous or a slot is missing;
3. the executor (`executor.py`) runs the tool (once per place or artist compared);
4. the renderer (`renderer.py`, with `replies.py` for tool results) words the reply from the results only;
5. the new dialogue state — filters, the listed results, the last prediction — is stored with the session.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from concert_api.adapters.sessions.embedded import NOT_KEPT_NOTE, SessionNotKept, SessionStore, new_session_id
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.errors import utc_now_iso
from concert_api.models import ChatRequest, ChatResponse
from concert_api.services.chat.local.catalog import Catalog
from concert_api.services.chat.local.classifier import IntentClassifier, Prediction
from concert_api.services.chat.local.decision import Decision
from concert_api.services.chat.local.entities import EntityMatcher, Extraction
from concert_api.services.chat.local.executor import Executor, Outcome
from concert_api.services.chat.local.policy import (
    OUT_OF_SCOPE_BELOW,
    PREDICTION_SLOTS,
    TOOL_INTENTS,
    DialoguePolicy,
    anchor_of,
)
from concert_api.services.chat.local.renderer import Renderer, Reply
from concert_api.services.chat.local.state import DialogueState, results_of
from concert_api.services.chat.tools import ToolContext

__all__ = ["OUT_OF_SCOPE_BELOW", "TOOL_INTENTS", "LocalAssistant", "Reply"]

CATALOG_TTL_SECONDS = 300.0


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
        self.executor = Executor(tool_context or (lambda today: ToolContext(warehouse, today=today)))
        self._lock = threading.Lock()
        self._matcher: EntityMatcher | None = None
        self._matcher_loaded = 0.0

    # --- public ----------------------------------------------------------------------------------------

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Answer one message in its session."""
        session_id = request.session_id or new_session_id()
        state = DialogueState.from_dict(self.sessions.get(session_id))
        if request.user_id:  # the request's user (HTTP `user_id`, `chat ask --user`), kept for the session
            state.user_id = request.user_id
        today = self.today()
        reply, state = self.turn(request.message, state, today)
        state.turns += 1
        message = reply.message
        try:
            self.sessions.put(session_id, state.to_dict())
        except SessionNotKept:  # the answer stands; the store has logged why it could not keep the session
            message = f"{message} {NOT_KEPT_NOTE}"
        return ChatResponse(message=message, session_id=session_id, intent=reply.intent,
                            confidence=round(min(1.0, max(0.0, reply.confidence)), 4), data=reply.data,
                            suggestions=reply.suggestions, timestamp=utc_now_iso())

    def turn(self, message: str, state: DialogueState, today: dt.date) -> tuple[Reply, DialogueState]:
        """One message in its dialogue state: the reply and the state after it."""
        extraction, prediction = self.understand(message, today, anchor_of(state))
        policy = DialoguePolicy(message=message, state=state, extraction=extraction, prediction=prediction,
                                catalog=self.catalog, carrier_words=self.carrier_words, today=today,
                                out_of_scope_below=self.out_of_scope_below)
        decision = policy.decide()
        outcome: Outcome | None = None
        if decision.action == "tool" or (decision.action == "near_miss" and decision.runs):
            outcome = self.executor.execute(decision.tool_intent or decision.intent,
                                            policy.arguments(decision, state.user_id), today)
        reply = Renderer(message=message, extraction=extraction, catalog=self.catalog).render(decision, outcome)
        return reply, next_state(state, decision, outcome)

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


def next_state(state: DialogueState, decision: Decision, outcome: Outcome | None) -> DialogueState:
    """The dialogue state after a turn: a question asked is pending; a tool answered becomes the last question
    (its slots, the things it listed, and, for a prediction, its slots kept apart); anything else leaves the
    last question as it was."""
    new = DialogueState.from_dict(state.to_dict())
    new.pending = None
    if decision.action == "ask":
        new.pending = decision.pending
        return new
    if outcome is not None and outcome.ambiguous is not None:
        exc = outcome.ambiguous
        new.pending = {"intent": decision.intent, "slot": exc.kind, "slots": decision.slots,
                       "options": [[c, c] for c in exc.candidates]}
        return new
    if decision.action == "near_miss" and outcome is not None and outcome.ok and decision.tool_intent:
        # the nearest question answered becomes the one being discussed ("when do they play next?")
        new.results = results_of(outcome.tool, outcome.first.result) or new.results
        new.intent, new.slots = decision.tool_intent, dict(decision.runs[0])
        return new
    if decision.action != "tool" or decision.keep_state:
        return new
    slots = dict(decision.slots)
    slots.pop("artists", None)
    slots.pop("when", None)
    if outcome is not None and outcome.unknown_user:
        slots.pop("user", None)
    if outcome is not None and outcome.ok:
        group = outcome.first.parameters.get("group_by")
        if group:
            slots["group_by"] = group
        listed = [item for r in outcome.results for item in results_of(r.tool, r.result)][:10]
        new.results = listed or new.results  # an empty answer leaves "the second one" pointing where it did
    new.intent = decision.intent
    new.slots = slots
    if decision.intent in {"ticket_prediction", "price_curve"}:  # a price curve keeps the concert, not a price
        new.prediction = {k: slots[k] for k in PREDICTION_SLOTS if k in slots}
    return new
