"""The Bedrock Agent backend: `bedrock-agent-runtime:InvokeAgent`, its event stream, retries and traces.

* The session id is the request's (checked against the API's rule: 2-100 characters of `[0-9a-zA-Z._:-]`) or a
  new one; `user_id` travels as a session attribute, which the action-group Lambda receives.
* The answer arrives as `chunk` events: their bytes are assembled and decoded once, so a multi-byte character
  split across two chunks decodes correctly.
* Errors can arrive before the stream (HTTP 429/5xx) or in the middle of it (an `exception` frame such as
  `throttlingException`). Both are retried from the start, with exponential backoff and jitter, while the
  request's deadline leaves room; then they map to the one error format: throttling 503, timeouts 504, the
  rest 502. No attempt starts with less than `retries.MIN_ATTEMPT_SECONDS` left (504 `DependencyTimeout`).
  botocore's own retries are off so that one policy governs every attempt.
* The client's read timeout fits inside the function's timeout.
* With traces on (`LOG_LEVEL=DEBUG`, or `enable_trace=True`), the trace's action-group invocations give the
  response's `intent` (the tool the agent called) and `data` (the tool's parameters and result). Without traces
  the intent is `agent` and `confidence` 0: the agent reports no intent of its own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from concert_api.adapters.sessions.embedded import new_session_id
from concert_api.deadline import remaining_seconds
from concert_api.errors import BadRequest, utc_now_iso
from concert_api.models import ChatRequest, ChatResponse
from concert_api.observability import logger
from concert_api.services.chat.retries import Budget, RetryPolicy, call_with_retries
from concert_api.services.chat.tools import TOOLS_BY_NAME
from concert_api.settings import Settings

SESSION_ID_PATTERN = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")
READ_TIMEOUT_MARGIN_SECONDS = 5.0
GENERIC_SUGGESTIONS = ["Tell me about popular artists", "Most popular venues", "Recommend concerts"]

Sleep = Callable[[float], None]


def check_session_id(session_id: str) -> str:
    """The session id, if Bedrock accepts it; a 400 naming the rule otherwise."""
    if not SESSION_ID_PATTERN.match(session_id):
        raise BadRequest("session_id: 2 to 100 characters of letters, digits, '.', '_', ':' or '-'.")
    return session_id


class BedrockAgentAssistant:
    """Answers through a Bedrock agent alias."""

    name = "bedrock-agent"

    def __init__(self, client: Any, *, agent_id: str, agent_alias_id: str, enable_trace: bool = False,
                 retry: RetryPolicy | None = None, sleep: Sleep = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.agent_id = agent_id
        self.agent_alias_id = agent_alias_id
        self.enable_trace = enable_trace
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, function_timeout: float,
                      endpoint_url: str | None = None) -> BedrockAgentAssistant:
        """A client whose read timeout fits the function's timeout, with botocore's retries off."""
        from concert_api.adapters.aws_clients import deadline_client

        read_timeout = max(1.0, function_timeout - READ_TIMEOUT_MARGIN_SECONDS)
        client = deadline_client("bedrock-agent-runtime", region=settings.aws_region, endpoint_url=endpoint_url,
                                 connect_timeout=3, read_timeout=read_timeout, max_attempts=1,
                                 default_seconds=read_timeout + 3)  # timeouts cut to the request's deadline
        return cls(client, agent_id=str(settings.bedrock_agent_id), agent_alias_id=str(settings.bedrock_agent_alias_id),
                   enable_trace=settings.log_level.upper() == "DEBUG",
                   retry=RetryPolicy(deadline_seconds=read_timeout))

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Invoke the agent, retrying transient errors, and build the chat response from its stream."""
        session_id = check_session_id(request.session_id or new_session_id())
        kwargs: dict[str, Any] = {
            "agentId": self.agent_id, "agentAliasId": self.agent_alias_id, "sessionId": session_id,
            "inputText": request.message, "enableTrace": self.enable_trace,
        }
        if request.user_id:
            kwargs["sessionState"] = {"sessionAttributes": {"user_id": request.user_id}}
        budget = Budget(self.retry.deadline_seconds, self.clock)
        (text, calls), attempts = call_with_retries(lambda: self._invoke_once(kwargs), self.retry,
                                                    what="Bedrock agent call", sleep=self.sleep, budget=budget)
        return self._response(session_id, text, calls, attempts)

    # --- invoking --------------------------------------------------------------------------------------

    def _invoke_once(self, kwargs: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        response = self.client.invoke_agent(**kwargs)
        body = bytearray()
        inputs: list[dict[str, Any]] = []
        outputs: list[str] = []
        for event in response["completion"]:
            _stop_at_deadline(response["completion"])
            if "chunk" in event:
                body.extend(event["chunk"].get("bytes", b""))
            elif "trace" in event:
                trace = event["trace"].get("trace", {})
                if self.enable_trace:
                    logger.debug("Bedrock agent trace", extra={"trace_keys": sorted(trace)})
                orchestration = trace.get("orchestrationTrace", {})
                invocation = orchestration.get("invocationInput", {}).get("actionGroupInvocationInput")
                if invocation:
                    inputs.append(invocation)
                output = orchestration.get("observation", {}).get("actionGroupInvocationOutput")
                if output and "text" in output:
                    outputs.append(output["text"])
        calls = [_tool_call(invocation, outputs[i] if i < len(outputs) else None)
                 for i, invocation in enumerate(inputs)]
        return body.decode("utf-8", errors="replace"), calls

    # --- the response ----------------------------------------------------------------------------------

    def _response(self, session_id: str, text: str, calls: list[dict[str, Any]], attempts: int) -> ChatResponse:
        intent, confidence = "agent", 0.0
        if calls:
            last = calls[-1]
            tool = TOOLS_BY_NAME.get(last["tool"])
            intent, confidence = (tool.intent, 1.0) if tool else ("agent", 0.0)
        data: dict[str, Any] = {"backend": self.name, "attempts": attempts, "tool_calls": calls}
        if calls:
            data.update({"tool": calls[-1]["tool"], "parameters": calls[-1]["parameters"],
                         "result": calls[-1].get("result")})
        return ChatResponse(message=text.strip(), session_id=session_id, intent=intent, confidence=confidence,
                            data=data, suggestions=suggestions_from_calls(calls), timestamp=utc_now_iso())


def _stop_at_deadline(stream: Any) -> None:
    """Past the request's deadline, close the agent's event stream and time out (a 504): each read has its own
    timeout, but a stream that keeps trickling events would otherwise outlast the deadline."""
    if remaining_seconds(float("inf")) <= 0:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
        from botocore.exceptions import ReadTimeoutError  # mapped to our 504 and never retried (retries.py)

        raise ReadTimeoutError(endpoint_url="bedrock-agent-runtime InvokeAgent stream, at the request's deadline")


def _tool_call(invocation: dict[str, Any], output_text: str | None) -> dict[str, Any]:
    """One action-group invocation from the trace: the tool, its parameters, and its result when the
    action-group Lambda returned this platform's JSON."""
    name = invocation.get("function") or str(invocation.get("apiPath", "")).rstrip("/").rsplit("/", 1)[-1]
    parameters: dict[str, Any] = {p["name"]: p.get("value") for p in invocation.get("parameters", [])}
    for properties in (invocation.get("requestBody") or {}).get("content", {}).values():
        parameters.update({p["name"]: p.get("value") for p in properties})
    call: dict[str, Any] = {"tool": name, "action_group": invocation.get("actionGroupName"),
                            "parameters": parameters}
    if output_text:
        try:
            payload = json.loads(output_text)
        except json.JSONDecodeError:
            call["output"] = output_text[:2000]
        else:
            if isinstance(payload, dict) and "result" in payload:
                call["parameters"] = payload.get("parameters", parameters)
                call["result"] = payload["result"]
            else:
                call["output"] = payload
    return call


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
