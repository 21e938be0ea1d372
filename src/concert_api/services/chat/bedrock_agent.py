"""The Bedrock Agent backend: a chat reply from what the agent answered and what its trace shows it did.

The agent runs in AWS and calls the platform's tools through the action-group Lambda
(`handlers.agent_action_group`); `adapters.assistants.bedrock_agent` invokes it and reads its trace. Here the
steps become the response: `intent` and `confidence` from the tool the agent chose (`intent_and_confidence`; Bedrock
reports no probability, so confidence follows a fixed rule), `data` from the tool's parameters and result, and the
suggestions by the local assistant's rules.
"""

from __future__ import annotations

from typing import Any

from concert_api.adapters.assistants.bedrock_agent import AgentRun, BedrockAgentRuntime
from concert_api.adapters.sessions.embedded import new_session_id
from concert_api.errors import utc_now_iso
from concert_api.models import ChatRequest, ChatResponse
from concert_api.services.chat.tools import TOOLS_BY_NAME
from concert_api.settings import Settings

GENERIC_SUGGESTIONS = ["Tell me about popular artists", "Most popular venues", "Recommend concerts"]
RATIONALE_MAX_CHARS = 1000

CONFIDENCE_TOOL_RESULT = 1.0
"""A tool of a known intent ran and its result came back: the answer is grounded in it."""
CONFIDENCE_REJECTED = 1.0
"""The agent's pre-processing step judged the input invalid: its own classification, intent `out_of_scope`."""
CONFIDENCE_TOOL_FAILED = 0.5
"""The agent chose a tool of a known intent, but the call failed (an error body) or returned nothing usable."""
CONFIDENCE_NO_TOOL = 0.3
"""The agent answered without a tool of this platform: a clarifying question, a refusal or its own text."""


class BedrockAgentAssistant:
    """Answers through a Bedrock agent alias."""

    name = "bedrock-agent"

    def __init__(self, agent: BedrockAgentRuntime) -> None:
        self.agent = agent

    @classmethod
    def from_settings(cls, settings: Settings, *, function_timeout: float,
                      endpoint_url: str | None = None) -> BedrockAgentAssistant:
        """The configured agent alias, with a read timeout that fits the function's timeout."""
        return cls(BedrockAgentRuntime.from_settings(settings, function_timeout=function_timeout,
                                                     endpoint_url=endpoint_url))

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Invoke the agent and build the chat response from its answer and trace."""
        session_id = request.session_id or new_session_id()
        return self._response(session_id, self.agent.invoke(session_id, request.message, user_id=request.user_id))

    def _response(self, session_id: str, run: AgentRun) -> ChatResponse:
        steps = run.steps
        calls = steps.calls
        intent, confidence = intent_and_confidence(calls, rejected=steps.rejected)
        data: dict[str, Any] = {"backend": self.name, "attempts": run.attempts, "tool_calls": calls}
        if steps.rationale:
            data["rationale"] = steps.rationale[:RATIONALE_MAX_CHARS]
        if steps.failure:
            data["failure"] = steps.failure
        grounded = [c for c in calls if "result" in c]
        if grounded:
            data.update({"tool": grounded[-1]["tool"], "parameters": grounded[-1]["parameters"],
                         "result": grounded[-1]["result"]})
        return ChatResponse(message=run.text.strip(), session_id=session_id, intent=intent, confidence=confidence,
                            data=data, suggestions=suggestions_from_calls(grounded), timestamp=utc_now_iso())


def intent_and_confidence(calls: list[dict[str, Any]], *, rejected: bool = False) -> tuple[str, float]:
    """The response's intent and confidence from the tool calls an assistant made (Bedrock reports no
    probability, so confidence follows a fixed rule; `docs/chat.md` states it):

    * the last call of a registry tool that returned a result: its intent, `CONFIDENCE_TOOL_RESULT` (1.0);
    * else the last call of a registry tool (it failed or returned nothing): its intent, `CONFIDENCE_TOOL_FAILED`;
    * else, if the agent's pre-processing rejected the input: `out_of_scope`, `CONFIDENCE_REJECTED`;
    * else (no tool of this platform): `agent`, `CONFIDENCE_NO_TOOL`.
    """
    known = [c for c in calls if c.get("tool") in TOOLS_BY_NAME]
    grounded = [c for c in known if "result" in c]
    if grounded:
        return TOOLS_BY_NAME[grounded[-1]["tool"]].intent, CONFIDENCE_TOOL_RESULT
    if known:
        return TOOLS_BY_NAME[known[-1]["tool"]].intent, CONFIDENCE_TOOL_FAILED
    if rejected:
        return "out_of_scope", CONFIDENCE_REJECTED
    return "agent", CONFIDENCE_NO_TOOL


def suggestions_from_calls(calls: list[dict[str, Any]]) -> list[str]:
    """Suggestions from the last tool result, with the local assistant's rules (no catalog needed)."""
    if calls and isinstance(calls[-1].get("result"), dict):
        from concert_api.services.chat.local.catalog import Catalog
        from concert_api.services.chat.local.replies import render

        try:
            _, suggestions = render(calls[-1]["tool"], calls[-1]["parameters"], calls[-1]["result"], {},
                                    Catalog((), (), ()))
        except (KeyError, TypeError, ValueError):
            suggestions = []
        if len(suggestions) >= 2:
            return suggestions
    return list(GENERIC_SUGGESTIONS)
