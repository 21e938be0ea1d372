"""`bedrock-agent-runtime:InvokeAgent`: one call, its event stream, retries, and what the trace says the agent did.

* The session id is checked against Bedrock's rule (2-100 characters of `[0-9a-zA-Z._:-]`); `user_id` travels as
  a session attribute, which the action-group Lambda receives.
* The answer arrives as `chunk` events: their bytes are assembled and decoded once, so a multi-byte character
  split across two chunks decodes correctly.
* Errors can arrive before the stream (HTTP 429/5xx) or in the middle of it (an `exception` frame such as
  `throttlingException`). Both are retried from the start, with exponential backoff and jitter, while the
  request's deadline leaves room; then they map to the one error format: throttling 503, timeouts 504, the
  rest 502. No attempt starts with less than `retries.MIN_ATTEMPT_SECONDS` left (504 `DependencyTimeout`).
  botocore's own retries are off so that one policy governs every attempt.
* The client's read timeout fits inside the function's timeout, and is cut to the request's deadline; the stream
  is closed when the deadline passes while it is read (504).
* The trace is always requested (`enableTrace`: it travels in the same stream, no extra call); `AgentSteps` reads
  from it the action-group calls (the tool, its parameters, and the action-group Lambda's JSON that came back),
  the last rationale, a pre-processing rejection and a failure code. The full trace (with the model's prompts) is
  logged only at DEBUG (`LOG_LEVEL=DEBUG`, or `log_traces=True`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from concert_api.adapters.assistants.retries import Budget, RetryPolicy, call_with_retries
from concert_api.deadline import remaining_seconds
from concert_api.errors import BadRequest
from concert_api.observability import logger
from concert_api.settings import Settings

SESSION_ID_PATTERN = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")
READ_TIMEOUT_MARGIN_SECONDS = 5.0

Sleep = Callable[[float], None]


def check_session_id(session_id: str) -> str:
    """The session id, if Bedrock accepts it; a 400 naming the rule otherwise."""
    if not SESSION_ID_PATTERN.match(session_id):
        raise BadRequest("session_id: 2 to 100 characters of letters, digits, '.', '_', ':' or '-'.")
    return session_id


def runtime_client(service: str, settings: Settings, *, function_timeout: float,
                   endpoint_url: str | None = None) -> tuple[Any, float]:
    """A Bedrock runtime client whose read timeout fits the function's timeout, with botocore's retries off (one
    policy, `retries`, governs every attempt); and that read timeout. Its connect and read timeouts are cut to
    the request's deadline at each call (`aws_clients.deadline_client`)."""
    from concert_api.adapters.aws_clients import deadline_client

    read_timeout = max(1.0, function_timeout - READ_TIMEOUT_MARGIN_SECONDS)
    client = deadline_client(service, region=settings.aws_region, endpoint_url=endpoint_url, connect_timeout=3,
                             read_timeout=read_timeout, max_attempts=1, default_seconds=read_timeout + 3)
    return client, read_timeout


@dataclass(frozen=True)
class AgentRun:
    """What one InvokeAgent call gave: the answer's text, the steps the trace showed, and the attempts it took."""

    text: str
    steps: AgentSteps
    attempts: int


class BedrockAgentRuntime:
    """Invokes one Bedrock agent alias."""

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
                      endpoint_url: str | None = None) -> BedrockAgentRuntime:
        """The configured agent alias, traces logged at DEBUG."""
        client, read_timeout = runtime_client("bedrock-agent-runtime", settings, function_timeout=function_timeout,
                                              endpoint_url=endpoint_url)
        return cls(client, agent_id=str(settings.bedrock_agent_id), agent_alias_id=str(settings.bedrock_agent_alias_id),
                   log_traces=settings.log_level.upper() == "DEBUG", retry=RetryPolicy(deadline_seconds=read_timeout))

    def invoke(self, session_id: str, text: str, *, user_id: str | None = None) -> AgentRun:
        """Ask the agent, retrying transient errors inside the deadline."""
        kwargs: dict[str, Any] = {
            "agentId": self.agent_id, "agentAliasId": self.agent_alias_id, "sessionId": check_session_id(session_id),
            "inputText": text, "enableTrace": True,
        }
        if user_id:
            kwargs["sessionState"] = {"sessionAttributes": {"user_id": user_id}}
        budget = Budget(self.retry.deadline_seconds, self.clock)
        (answer, steps), attempts = call_with_retries(lambda: self._invoke_once(kwargs), self.retry,
                                                      what="Bedrock agent call", sleep=self.sleep, budget=budget)
        return AgentRun(answer, steps, attempts)

    def _invoke_once(self, kwargs: dict[str, Any]) -> tuple[str, AgentSteps]:
        response = self.client.invoke_agent(**kwargs)
        body = bytearray()
        steps = AgentSteps()
        for event in response["completion"]:
            _stop_at_deadline(response["completion"])
            if "chunk" in event:
                body.extend(event["chunk"].get("bytes", b""))
            elif "trace" in event:
                trace = event["trace"].get("trace", {})
                if self.log_traces:
                    logger.debug("Bedrock agent trace", extra={"trace": trace})
                steps.add(trace)
        return body.decode("utf-8", errors="replace"), steps


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


def _stop_at_deadline(stream: Any) -> None:
    """Past the request's deadline, close the agent's event stream and time out (a 504): each read has its own
    timeout, but a stream that keeps trickling events would otherwise outlast the deadline."""
    if remaining_seconds(float("inf")) <= 0:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
        from botocore.exceptions import ReadTimeoutError  # mapped to our 504 and never retried (retries.py)

        raise ReadTimeoutError(endpoint_url="bedrock-agent-runtime InvokeAgent stream, at the request's deadline")
