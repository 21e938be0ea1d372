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
* The trace is always requested (`enableTrace`: it travels in the same stream, no extra call). Its orchestration
  steps give the response's `intent`, `confidence` and `data` (see `intent_and_confidence`): the action group and
  function (or API path) the agent invoked name the registry's tool, hence its intent; the observation that
  follows carries the action-group Lambda's JSON (the tool's parameters and result, or its error). The full trace
  (with the model's prompts) is logged only at DEBUG (`LOG_LEVEL=DEBUG`, or `log_traces=True`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from concert_api.adapters.sessions.embedded import new_session_id
from concert_api.errors import BadRequest, utc_now_iso
from concert_api.models import ChatRequest, ChatResponse
from concert_api.observability import logger
from concert_api.services.chat.retries import Budget, RetryPolicy, call_with_retries
from concert_api.services.chat.tools import TOOLS_BY_NAME
from concert_api.settings import Settings

SESSION_ID_PATTERN = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")
READ_TIMEOUT_MARGIN_SECONDS = 5.0
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

Sleep = Callable[[float], None]


def check_session_id(session_id: str) -> str:
    """The session id, if Bedrock accepts it; a 400 naming the rule otherwise."""
    if not SESSION_ID_PATTERN.match(session_id):
        raise BadRequest("session_id: 2 to 100 characters of letters, digits, '.', '_', ':' or '-'.")
    return session_id


class BedrockAgentAssistant:
    """Answers through a Bedrock agent alias."""

    name = "bedrock-agent"

    def __init__(self, client: Any, *, agent_id: str, agent_alias_id: str, log_traces: bool = False,
                 retry: RetryPolicy | None = None, sleep: Sleep = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.agent_id = agent_id
        self.agent_alias_id = agent_alias_id
        self.log_traces = log_traces
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, function_timeout: float,
                      endpoint_url: str | None = None) -> BedrockAgentAssistant:
        """A client whose read timeout fits the function's timeout, with botocore's retries off."""
        import boto3
        from botocore.config import Config

        read_timeout = max(1.0, function_timeout - READ_TIMEOUT_MARGIN_SECONDS)
        client = boto3.client(
            "bedrock-agent-runtime", region_name=settings.aws_region, endpoint_url=endpoint_url,
            config=Config(read_timeout=read_timeout, connect_timeout=3, retries={"total_max_attempts": 1}),
        )
        return cls(client, agent_id=str(settings.bedrock_agent_id), agent_alias_id=str(settings.bedrock_agent_alias_id),
                   log_traces=settings.log_level.upper() == "DEBUG",
                   retry=RetryPolicy(deadline_seconds=read_timeout))

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Invoke the agent, retrying transient errors, and build the chat response from its stream."""
        session_id = check_session_id(request.session_id or new_session_id())
        kwargs: dict[str, Any] = {
            "agentId": self.agent_id, "agentAliasId": self.agent_alias_id, "sessionId": session_id,
            "inputText": request.message, "enableTrace": True,
        }
        if request.user_id:
            kwargs["sessionState"] = {"sessionAttributes": {"user_id": request.user_id}}
        budget = Budget(self.retry.deadline_seconds, self.clock)
        (text, steps), attempts = call_with_retries(lambda: self._invoke_once(kwargs), self.retry,
                                                    what="Bedrock agent call", sleep=self.sleep, budget=budget)
        return self._response(session_id, text, steps, attempts)

    # --- invoking --------------------------------------------------------------------------------------

    def _invoke_once(self, kwargs: dict[str, Any]) -> tuple[str, AgentSteps]:
        response = self.client.invoke_agent(**kwargs)
        body = bytearray()
        steps = AgentSteps()
        for event in response["completion"]:
            if "chunk" in event:
                body.extend(event["chunk"].get("bytes", b""))
            elif "trace" in event:
                trace = event["trace"].get("trace", {})
                if self.log_traces:
                    logger.debug("Bedrock agent trace", extra={"trace": trace})
                steps.add(trace)
        return body.decode("utf-8", errors="replace"), steps

    # --- the response ----------------------------------------------------------------------------------

    def _response(self, session_id: str, text: str, steps: AgentSteps, attempts: int) -> ChatResponse:
        calls = steps.calls
        intent, confidence = intent_and_confidence(calls, rejected=steps.rejected)
        data: dict[str, Any] = {"backend": self.name, "attempts": attempts, "tool_calls": calls}
        if steps.rationale:
            data["rationale"] = steps.rationale[:RATIONALE_MAX_CHARS]
        if steps.failure:
            data["failure"] = steps.failure
        grounded = [c for c in calls if "result" in c]
        if grounded:
            data.update({"tool": grounded[-1]["tool"], "parameters": grounded[-1]["parameters"],
                         "result": grounded[-1]["result"]})
        return ChatResponse(message=text.strip(), session_id=session_id, intent=intent, confidence=confidence,
                            data=data, suggestions=suggestions_from_calls(grounded), timestamp=utc_now_iso())


class AgentSteps:
    """What an agent's trace says it did, step by step: the action-group calls with their outputs, the last
    rationale, whether pre-processing rejected the input, and a failure's code."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._awaiting_output: list[dict[str, Any]] = []
        self.rationale = ""
        self.rejected = False
        self.failure: str | None = None

    def add(self, trace: dict[str, Any]) -> None:
        """Take in one trace part (the `trace` member of a `TracePart` event)."""
        orchestration = trace.get("orchestrationTrace") or {}
        invocation = (orchestration.get("invocationInput") or {}).get("actionGroupInvocationInput")
        if invocation:
            self.calls.append(_tool_call(invocation))
            self._awaiting_output.append(self.calls[-1])
        output = (orchestration.get("observation") or {}).get("actionGroupInvocationOutput")
        if output is not None and self._awaiting_output:
            _read_output(self._awaiting_output.pop(0), output.get("text"))
        rationale = (orchestration.get("rationale") or {}).get("text")
        if rationale:
            self.rationale = str(rationale)
        parsed = ((trace.get("preProcessingTrace") or {}).get("modelInvocationOutput") or {}).get("parsedResponse")
        if parsed and parsed.get("isValid") is False:
            self.rejected = True
        failure = trace.get("failureTrace")
        if failure:
            self.failure = str(failure.get("failureCode") or "failure")
            logger.warning("Bedrock agent failure trace", extra={"failure_code": failure.get("failureCode"),
                                                                 "failure_reason": failure.get("failureReason")})


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


def _tool_call(invocation: dict[str, Any]) -> dict[str, Any]:
    """One action-group invocation from the trace: the tool (the function, or the API path's last segment),
    its action group and the parameters the agent passed."""
    name = invocation.get("function") or str(invocation.get("apiPath", "")).rstrip("/").rsplit("/", 1)[-1]
    parameters: dict[str, Any] = {p["name"]: p.get("value") for p in invocation.get("parameters") or []}
    for properties in ((invocation.get("requestBody") or {}).get("content") or {}).values():
        parameters.update({p["name"]: p.get("value") for p in properties})
    return {"tool": name, "action_group": invocation.get("actionGroupName"), "parameters": parameters}


def _read_output(call: dict[str, Any], output_text: str | None) -> None:
    """The action-group Lambda's answer into the call: this platform's `{tool, parameters, result}` gives the
    validated parameters and the result; its error body `{error, details}` gives the error."""
    if not output_text:
        return
    try:
        payload = json.loads(output_text)
    except json.JSONDecodeError:
        call["output"] = output_text[:2000]
        return
    if isinstance(payload, dict) and "result" in payload:
        call["parameters"] = payload.get("parameters", call["parameters"])
        call["result"] = payload["result"]
    elif isinstance(payload, dict) and "error" in payload:
        call["error"] = str(payload.get("details") or payload["error"])
    else:
        call["output"] = payload


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
