"""The Converse backend: a Bedrock model (BEDROCK_MODEL_ID) runs the registry's tools in a tool-use loop, for
accounts that cannot create classic agents.

Each turn sends the conversation so far, the system prompt and the `toolConfig` built from the tool models.
While the model stops with `tool_use`, every requested tool runs locally and its result (or its error, with
`status: error`) goes back as a `toolResult`; at most `max_tool_rounds` rounds. The whole loop shares one time
budget (the Lambda deadline, or `retry.deadline_seconds`): before each round, and each retry, at least
`min_round_seconds` must be left, else `DependencyTimeout` (504). The session keeps the plain
question-and-answer text of recent turns and, from the last turn that ran tools, each tool's parameters and the
things it listed (`_compact`), which the next turn's system prompt carries for follow-ups ("only jazz", "the
second one", "and at $90?"), as the local assistant's dialogue state does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from concert_api.adapters.assistants.bedrock_agent import check_session_id
from concert_api.adapters.assistants.bedrock_converse import ConverseRuntime
from concert_api.adapters.assistants.retries import MIN_ATTEMPT_SECONDS
from concert_api.adapters.sessions.embedded import MemorySessionStore, SessionStore, new_session_id
from concert_api.errors import ApiError, utc_now_iso
from concert_api.models import ChatRequest, ChatResponse
from concert_api.services.chat.bedrock_agent import intent_and_confidence, suggestions_from_calls
from concert_api.services.chat.schemas import converse_tool_config
from concert_api.services.chat.tools import ToolContext, run_tool
from concert_api.settings import Settings

SYSTEM_PROMPT = (
    "You are the assistant of a concert data platform. Answer questions about artists, venues, concerts, "
    "ticket sales, ticket-sales predictions, ticket pricing and recommendations by calling the tools. Today is "
    "{today}.\n"
    "Rules:\n"
    "1. Numbers: state only numbers (counts, prices, revenues, rates, dates) that a tool returned in this "
    "conversation, as it returned them; never estimate, extrapolate or invent one. Say what a figure measures "
    "(tickets sold or revenue; 'sold the most tickets' ranks with rank_by='tickets'; an average price paid is per "
    "ticket).\n"
    "2. Things the platform cannot do: buying, booking or reserving tickets, cancelling, refunds, seat changes or "
    "upgrades, ticket transfers or resale, orders, accounts, films, restaurants, hotels, parking, travel, "
    "merchandise, streaming. For such a request do not call a tool as if it could: say plainly \"I can't do that "
    "here\" and offer the nearest thing you can do (the concert's details with concert_search, the venue's "
    "profile with venue_lookup).\n"
    "3. Follow-ups: a short message ('only jazz', 'in Denver', 'top 3', 'and at $90?', 'what about Saturday?', "
    "'by revenue') continues the last question: call the same tool with its previous parameters (listed under "
    "'Previous answer' below), changing only what the message changes. 'The first one', 'the second one', 'them', "
    "'that venue' refer to the things the previous answer listed, in that order ('which of them play in Denver?' "
    "-> concert_search with artists set to those artists). After a prediction or a price curve, 'and at $X?' "
    "predicts again at $X for the same concert.\n"
    "4. Dates: resolve relative dates ('this summer', 'next Friday', 'this weekend', 'in July') against today: "
    "forward (today or later) for upcoming concerts, recommendations, predictions and pricing; backward (the most "
    "recent such period that has begun) for ticket sales of completed concerts, and say how you read the date. "
    "Never send a date_to before date_from.\n"
    "5. Comparisons: when two artists, venues, cities or states are compared ('LA vs Phoenix', 'X or Y'), answer "
    "for both: compare_with where the tool has it, otherwise one call for each.\n"
    "6. Unknown or ambiguous names: when a tool answers that a name is unknown or matches several, say so and offer "
    "the nearest known names it gives (or look them up with artist_lookup or venue_rankings); never answer for "
    "somewhere or someone else without saying so.\n"
    "7. Predictions: quote the price the model predicted at (predicted_at_price when present, with the price asked) "
    "and every caution or warning in plain words.\n"
    "8. Pricing: for 'what price would sell out / earn the most for X at Y on D?' call price_curve, then give the "
    "best price with its expected revenue and sell-out probability, the highest price likely to sell out "
    "(sell_out_price) or that no price of the range is, and its warnings in plain words (prices outside what the "
    "model was trained on are less certain).\n"
    "9. Modifiers such as 'at least 20 shows', 'only clubs', 'under $50', 'top 3' go into the tool's parameters.\n"
    "10. If a required detail is missing, ask one short question for it. If the message is not about concerts at "
    "all, say briefly what you can help with."
)
PREVIOUS_ANSWER = "\nPrevious answer (for follow-ups): {calls}"
"""What the system prompt adds from the last turn: the tools it ran, their parameters and what they listed, so a
follow-up can keep the filters and point at "the second one" (the local assistant's dialogue state, in words)."""
MAX_LISTED = 10
MAX_HISTORY_MESSAGES = 12


class ConverseAssistant:
    """Answers with a Bedrock model and the platform's tools."""

    name = "bedrock-converse"

    def __init__(self, runtime: ConverseRuntime, *, tool_context: Callable[[], ToolContext],
                 sessions: SessionStore | None = None, max_tool_rounds: int = 4,
                 min_round_seconds: float = MIN_ATTEMPT_SECONDS) -> None:
        self.runtime = runtime
        self.tool_context = tool_context
        self.sessions = sessions or MemorySessionStore()
        self.max_tool_rounds = max_tool_rounds
        self.min_round_seconds = min_round_seconds
        self.tool_config = converse_tool_config()

    @classmethod
    def from_settings(cls, settings: Settings, *, tool_context: Callable[[], ToolContext], function_timeout: float,
                      sessions: SessionStore | None = None) -> ConverseAssistant:
        """The configured model, with a read timeout that fits the function's timeout."""
        return cls(ConverseRuntime.from_settings(settings, function_timeout=function_timeout),
                   tool_context=tool_context, sessions=sessions)

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Run the tool-use loop for one message."""
        session_id = check_session_id(request.session_id or new_session_id())
        stored = self.sessions.get(session_id) or {}
        history: list[dict[str, Any]] = stored.get("messages", [])
        previous_calls: list[dict[str, Any]] | None = stored.get("last_calls")
        context = self.tool_context()
        messages = [*history, {"role": "user", "content": [{"text": request.message}]}]
        calls: list[dict[str, Any]] = []
        attempts = 0
        stop_reason = ""
        message: dict[str, Any] = {"role": "assistant", "content": []}
        budget = self.runtime.budget()
        system = SYSTEM_PROMPT.format(today=context.today.isoformat())
        if previous_calls:
            system += PREVIOUS_ANSWER.format(calls=json.dumps(previous_calls, separators=(",", ":")))
        for round_ in range(self.max_tool_rounds + 1):
            budget.require(self.min_round_seconds, f"Bedrock converse round {round_ + 1}")
            output, tries = self.runtime.converse(messages, system=system, tool_config=self.tool_config,
                                                  budget=budget)
            attempts += tries
            message, stop_reason = output["output"]["message"], output.get("stopReason", "")
            messages.append(message)
            if stop_reason != "tool_use" or round_ == self.max_tool_rounds:
                break
            messages.append({"role": "user", "content": self._run_tools(message, context, calls, request)})
        text = "".join(block.get("text", "") for block in message.get("content", [])).strip()
        if stop_reason == "tool_use" and not text:
            text = "I could not finish that question; please ask it more simply."
        self._remember(session_id, history, request.message, text,
                       [_compact(c) for c in calls if "result" in c] or previous_calls)
        return self._response(session_id, text, calls, attempts, stop_reason)

    def _run_tools(self, message: dict[str, Any], context: ToolContext, calls: list[dict[str, Any]],
                   request: ChatRequest) -> list[dict[str, Any]]:
        results = []
        for block in message.get("content", []):
            use = block.get("toolUse")
            if not use:
                continue
            arguments = dict(use.get("input") or {})
            if use["name"] == "recommendations" and request.user_id and "user_id" not in arguments:
                arguments["user_id"] = request.user_id
            content: list[dict[str, Any]]
            try:
                result = run_tool(use["name"], arguments, context)
            except ApiError as exc:
                content, status = [{"text": f"{exc.error}: {exc.details}"}], "error"
                calls.append({"tool": use["name"], "parameters": arguments, "error": exc.details})
            else:
                content, status = [{"json": result.as_data()}], "success"
                calls.append(result.as_data())
            results.append({"toolResult": {"toolUseId": use["toolUseId"], "content": content, "status": status}})
        return results

    def _remember(self, session_id: str, history: list[dict[str, Any]], question: str, answer: str,
                  last_calls: list[dict[str, Any]] | None) -> None:
        turns = [*history, {"role": "user", "content": [{"text": question}]},
                 {"role": "assistant", "content": [{"text": answer or "..."}]}]
        kept: dict[str, Any] = {"messages": turns[-MAX_HISTORY_MESSAGES:]}
        if last_calls:
            kept["last_calls"] = last_calls
        self.sessions.put(session_id, kept)

    def _response(self, session_id: str, text: str, calls: list[dict[str, Any]], attempts: int,
                  stop_reason: str) -> ChatResponse:
        ran = [c for c in calls if "result" in c]
        intent, confidence = intent_and_confidence(calls)
        data: dict[str, Any] = {"backend": self.name, "model_id": self.runtime.model_id, "attempts": attempts,
                                "stop_reason": stop_reason, "tool_calls": calls}
        if ran:
            data.update({"tool": ran[-1]["tool"], "parameters": ran[-1]["parameters"], "result": ran[-1]["result"]})
        return ChatResponse(message=text, session_id=session_id, intent=intent, confidence=confidence, data=data,
                            suggestions=suggestions_from_calls(ran), timestamp=utc_now_iso())


def _compact(call: dict[str, Any]) -> dict[str, Any]:
    """A tool call as the next turn's system prompt carries it: the tool, its parameters, and the things its result
    listed in order (names, or "artist at venue on date" for concerts), at most `MAX_LISTED`."""
    result = call.get("result") or {}
    listed: list[str] = []
    for key in ("artists", "venues", "concerts", "recommendations", "breakdown"):
        for item in result.get(key) or []:
            if "artist_name" in item:
                listed.append(f"{item['artist_name']} at {item.get('venue_name')} on {item.get('event_date')} "
                              f"({item.get('concert_id')})")
            elif "name" in item:
                listed.append(str(item["name"]) + (f" ({item['venue_id']})" if item.get("venue_id") else ""))
    compact: dict[str, Any] = {"tool": call["tool"], "parameters": call["parameters"]}
    for key in ("artist", "venue"):  # a profile, a prediction, a price curve: the one being discussed
        if isinstance(result.get(key), dict) and result[key].get("name"):
            compact[key] = result[key]["name"]
    if listed:
        compact["listed"] = listed[:MAX_LISTED]
    return compact
