"""The Converse backend: a Bedrock model (BEDROCK_MODEL_ID) runs the registry's tools in a tool-use loop, for
accounts that cannot create classic agents.

Each turn sends the conversation so far, the system prompt and the `toolConfig` built from the tool models.
While the model stops with `tool_use`, every requested tool runs locally and its result (or its error, with
`status: error`) goes back as a `toolResult`; at most `max_tool_rounds` rounds. The whole loop shares one time
budget (the Lambda deadline, or `retry.deadline_seconds`): before each round, and each retry, at least
`min_round_seconds` must be left, else `DependencyTimeout` (504). The session keeps the plain
question-and-answer text of recent turns, not the tool traffic.
"""

from __future__ import annotations

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
    "ticket sales, sales predictions and recommendations by calling the tools; state only numbers that a tool "
    "returned. If a name is ambiguous or a required detail is missing, ask one short question. If the question "
    "is not about concerts, say briefly what you can help with. Today is {today}."
)
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
        history: list[dict[str, Any]] = (self.sessions.get(session_id) or {}).get("messages", [])
        context = self.tool_context()
        messages = [*history, {"role": "user", "content": [{"text": request.message}]}]
        calls: list[dict[str, Any]] = []
        attempts = 0
        stop_reason = ""
        message: dict[str, Any] = {"role": "assistant", "content": []}
        budget = self.runtime.budget()
        system = SYSTEM_PROMPT.format(today=context.today.isoformat())
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
        self._remember(session_id, history, request.message, text)
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

    def _remember(self, session_id: str, history: list[dict[str, Any]], question: str, answer: str) -> None:
        turns = [*history, {"role": "user", "content": [{"text": question}]},
                 {"role": "assistant", "content": [{"text": answer or "..."}]}]
        self.sessions.put(session_id, {"messages": turns[-MAX_HISTORY_MESSAGES:]})

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
