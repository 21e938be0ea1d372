"""The Bedrock Agent action-group Lambda: runs the registry's tools for an agent.

Both event formats AWS sends are accepted:

* OpenAPI schema (`apiPath`, `httpMethod`, `parameters`, `requestBody.content."application/json".properties`):
  answered with `response.{actionGroup, apiPath, httpMethod, httpStatusCode, responseBody}`;
* function details (`function`, `parameters`): answered with
  `response.{actionGroup, function, functionResponse.{responseBody.TEXT.body, responseState}}`; a bad
  parameter (4xx) and a transient failure behind the tool (503 busy or unavailable, 504 timed out) are
  `REPROMPT`: the error body goes back to the model, which can correct the call or tell the user to try again.
  Only a genuine failure (500, or a 502 such as a failed statement) is `FAILURE`, which AWS documents as making
  the agent throw `DependencyFailedException` for the whole session.

An OpenAPI response has no `responseState` in AWS's documented format: its `httpStatusCode` (and the error body)
tell the model what happened. Transient errors' bodies carry `"retryable": true` in both formats.

Every value arrives as a string with a declared type; they are converted before the tool's model validates
them. The session attribute `user_id` (set by the chat backend) fills a recommendation's user. The body is the
tool's JSON `{tool, parameters, result}`, which the chat backend also reads back from the agent's trace.

Why not Powertools' `BedrockAgentResolver` / `BedrockAgentFunctionResolver` (checked on Powertools 3.37):
* the function resolver answers any exception, and an unknown function, with the body
  `Error: <class>: <message>` and no `responseState`, so the internal message reaches the model and nothing is
  `REPROMPT` or `FAILURE`; it passes `array` values through as strings and drops parameters its handler's Python
  signature does not name. Keeping the error mapping means wrapping every tool anyway;
* the OpenAPI resolver reads a route's path parameters from the event's `parameters`, so one route per tool is
  needed, and its generated schema says `"openapi": "3.0.3"` (AWS requires `3.0.0`) and keeps pydantic's numeric
  `exclusiveMinimum` (invalid OpenAPI 3.0): `services/chat/schemas.py` must generate the schema either way;
* both live in `aws_lambda_powertools/event_handler`, which the package builder leaves out of the zip
  (`deploy/package.py: PRUNED_DEPENDENCY_PATHS`), and importing it adds about 25 ms to the cold start.
So this module keeps its own small parser and response builders: the resolvers would be dispatch plus the
response shape, wrapped around the same error mapping.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from concert_api.deadline import deadline, request_seconds
from concert_api.errors import ApiError, error_response
from concert_api.observability import logger
from concert_api.services.chat.schemas import ACTION_GROUP_PATH_PREFIX
from concert_api.services.chat.tools import ToolContext, run_tool
from concert_api.settings import get_settings

MESSAGE_VERSION = "1.0"
TRANSIENT_STATUSES = frozenset({503, 504})
"""Busy, unavailable or timed out: worth telling the user to try again, never a reason to end the session."""


def agent_action_group_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Run the tool the agent asked for and answer in the event's format."""
    function_format = "function" in event
    tool = event["function"] if function_format else str(event.get("apiPath", "")).removeprefix(
        ACTION_GROUP_PATH_PREFIX).strip("/")
    logger.info("Agent action group invoked", extra={"action_group": event.get("actionGroup"), "tool": tool,
                                                      "format": "function" if function_format else "openapi"})
    status, body = 200, ""
    try:
        arguments = event_arguments(event)
        user_id = (event.get("sessionAttributes") or {}).get("user_id")
        if tool == "recommendations" and user_id and "user_id" not in arguments:
            arguments["user_id"] = user_id
        with deadline(request_seconds(context, get_settings().query_timeout_seconds, gateway_limit=None)):
            result = run_tool(tool, arguments, _tool_context())
        body = json.dumps(result.as_data(), separators=(",", ":"), ensure_ascii=False)
    except Exception as exc:
        status, error, _ = error_response(exc)
        payload: dict[str, Any] = dict(error)
        if status in TRANSIENT_STATUSES:
            payload["retryable"] = True
        body = json.dumps(payload, separators=(",", ":"))
        if isinstance(exc, ApiError) and status < 500:
            logger.info("Tool call rejected", extra={"status": status, "details": error["details"]})
        else:
            logger.exception("Tool call failed", extra={"status": status})
    return function_response(event, body, status) if function_format else openapi_response(event, body, status)


def event_arguments(event: dict[str, Any]) -> dict[str, Any]:
    """The tool's arguments from an event's `parameters` and (OpenAPI format) JSON request body properties."""
    items = list(event.get("parameters") or [])
    content = ((event.get("requestBody") or {}).get("content") or {})
    for media in content.values():
        items.extend(media.get("properties") or [])
    return {p["name"]: convert(p.get("value"), p.get("type", "string")) for p in items if "name" in p}


def convert(value: Any, kind: str) -> Any:
    """A parameter's value in its declared type. Values that do not convert are passed on as they are, so the
    tool's validation names the bad field."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if kind == "integer":
            return int(float(text))
        if kind == "number":
            return float(text)
        if kind == "boolean":
            return text.lower() in {"true", "1", "yes"}
        if kind == "array":
            return _array(text)
    except ValueError:
        return value
    return value


def _array(text: str) -> list[Any]:
    try:
        parsed = json.loads(text)
        return parsed if isinstance(parsed, list) else [parsed]
    except json.JSONDecodeError:
        inner = text.strip("[]")
        return [re.sub(r"^['\"]|['\"]$", "", part.strip()) for part in inner.split(",") if part.strip()]


def openapi_response(event: dict[str, Any], body: str, status: int) -> dict[str, Any]:
    """The response format for an action group defined by an OpenAPI schema."""
    return {
        "messageVersion": MESSAGE_VERSION,
        "response": {
            "actionGroup": event.get("actionGroup", ""),
            "apiPath": event.get("apiPath", ""),
            "httpMethod": event.get("httpMethod", "POST"),
            "httpStatusCode": status,
            "responseBody": {"application/json": {"body": body}},
        },
        "sessionAttributes": event.get("sessionAttributes") or {},
        "promptSessionAttributes": event.get("promptSessionAttributes") or {},
    }


def function_response(event: dict[str, Any], body: str, status: int) -> dict[str, Any]:
    """The response format for an action group defined by function details."""
    function_response_: dict[str, Any] = {"responseBody": {"TEXT": {"body": body}}}
    state = response_state(status)
    if state:
        function_response_["responseState"] = state
    return {
        "messageVersion": MESSAGE_VERSION,
        "response": {
            "actionGroup": event.get("actionGroup", ""),
            "function": event.get("function", ""),
            "functionResponse": function_response_,
        },
        "sessionAttributes": event.get("sessionAttributes") or {},
        "promptSessionAttributes": event.get("promptSessionAttributes") or {},
    }


def response_state(status: int) -> str | None:
    """The function-details `responseState` for a status: none for a success, `REPROMPT` for a bad call or a
    transient failure (the model sees the error body), `FAILURE` only for a genuine failure (500, 502)."""
    if status < 400:
        return None
    if status < 500 or status in TRANSIENT_STATUSES:
        return "REPROMPT"
    return "FAILURE"


def _tool_context() -> ToolContext:
    from concert_api import composition

    return composition.tool_context(dt.date.today())
