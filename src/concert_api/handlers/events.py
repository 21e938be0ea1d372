"""API Gateway events in, proxy responses out: the translation every entry point shares.

Accepted shapes: REST API (v1 proxy) events, HTTP API (v2) events, the guide's direct invocation
(`{"body": "{\"message\": \"Hello\"}"}`), and a bare JSON payload invoked directly (`{"top_n": 5}`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from concert_api.errors import BadRequest, PayloadTooLarge, describe_validation_error
from concert_api.models import UNION_TAGS

M = TypeVar("M", bound=BaseModel)

_API_GATEWAY_KEYS = frozenset({"body", "httpMethod", "requestContext", "routeKey", "rawPath"})
"""Keys that mark an API Gateway event or the guide's `{"body": ...}` invocation; anything else is a bare payload."""


@dataclass(frozen=True)
class ApiRequest:
    """What a handler needs from an event, whatever its shape."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    request_id: str | None = None
    source: str = "direct"  # "rest" | "http" | "direct"

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object; an empty body is `{}`. Anything else that is not an object is a 400."""
        if not self.body.strip():
            return {}
        try:
            value = json.loads(self.body, parse_int=_bounded_int, parse_float=_finite_float,
                               parse_constant=_no_constant)
        except _NumberOutOfRange as exc:
            raise BadRequest(f"Request body has a number out of range: {exc}") from None
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, deep nesting
            reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise BadRequest(f"Request body is not valid JSON: {reason}") from None
        if not isinstance(value, dict):
            raise BadRequest("Request body must be a JSON object.")
        return value

    def parse(self, model: type[M]) -> M:
        """The body validated as `model`; a 400 naming each bad field otherwise."""
        try:
            return model.model_validate(self.json_body())
        except ValidationError as exc:
            raise BadRequest(describe_validation_error(exc, UNION_TAGS)) from None


MAX_NUMBER_DIGITS = 20
"""Digits a JSON integer may have: every count and id in the API fits far inside; more is a mistake or an attack
(and Python would otherwise answer a 4,300-digit number with a hint about its own interpreter settings)."""


class _NumberOutOfRange(ValueError):
    """A JSON number the API refuses before validation: too many digits, infinite, or NaN."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NumberOutOfRange(f"an integer has {len(text.lstrip('-')):,} digits; at most {MAX_NUMBER_DIGITS}")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NumberOutOfRange(f"{text[:20]}{'...' if len(text) > 20 else ''} is beyond a double's range")
    return value


def _no_constant(text: str) -> float:
    raise _NumberOutOfRange(f"{text} is not a JSON number")


def parse_event(event: Any, *, default_method: str, default_path: str, max_body_bytes: int) -> ApiRequest:
    """Turn any accepted event shape into an `ApiRequest`; malformed events are a 400, large bodies a 413."""
    if not isinstance(event, dict):
        raise BadRequest("The event must be a JSON object.")
    if not _API_GATEWAY_KEYS.intersection(event) and event:
        # A bare payload invoked directly: the event itself is the body.
        return ApiRequest(default_method, default_path, body=json.dumps(event).encode(), source="direct")

    context = _mapping(event.get("requestContext"), "requestContext")
    http = _mapping(context.get("http"), "requestContext.http")
    if http:
        method, path, source = http.get("method"), event.get("rawPath") or http.get("path"), "http"
    elif "httpMethod" in event:
        method, path, source = event.get("httpMethod"), event.get("path"), "rest"
    else:
        method, path, source = default_method, default_path, "direct"

    raw = event.get("body")
    if raw is None:
        body = b""
    elif isinstance(raw, str):
        body = _decode_body(raw, event.get("isBase64Encoded") in (True, "true", "True"))
    elif isinstance(raw, dict):
        body = json.dumps(raw).encode()  # a direct invocation that passed the body as an object
    else:
        raise BadRequest("The event's body must be a string.")
    if len(body) > max_body_bytes:
        raise PayloadTooLarge(f"The request body is {len(body)} bytes; the limit is {max_body_bytes} bytes.")

    parameters = _mapping(event.get("queryStringParameters"), "queryStringParameters")
    query = {str(k): str(v) for k, v in parameters.items() if v is not None}
    return ApiRequest(
        method=str(method or default_method).upper(),
        path=str(path or default_path),
        query=query,
        body=body,
        request_id=context.get("requestId"),
        source=source,
    )


def _mapping(value: Any, name: str) -> dict[str, Any]:
    """An event member that must be an object when present."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"The event's {name} must be an object.")
    return value


def _decode_body(raw: str, is_base64: bool) -> bytes:
    if not is_base64:
        return raw.encode("utf-8", errors="surrogatepass")  # a lone surrogate then fails as invalid JSON
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("The body is marked base64-encoded but is not valid base64.") from None


def cors_headers(allow_origin: str, methods: str, origin: str | None = None) -> dict[str, str]:
    """The CORS headers every response carries. `allow_origin` is `*` or a comma-separated list of origins: the
    request's `origin` is allowed (echoed) when listed; otherwise no `Access-Control-Allow-Origin` is sent, so a
    browser keeps other sites' pages from reading the answer."""
    allowed = _allowed_origins(allow_origin)
    headers = {
        "Access-Control-Allow-Methods": f"{methods},OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token",
    }
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*", **headers}
    headers["Vary"] = "Origin"
    if origin and origin.rstrip("/") in allowed:
        headers["Access-Control-Allow-Origin"] = origin
    return headers


@functools.lru_cache(maxsize=16)
def _allowed_origins(allow_origin: str) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/") for o in allow_origin.split(",") if o.strip())


def request_origin(event: Any) -> str | None:
    """The `Origin` header of an API Gateway event (any case), or None; never fails on a malformed event."""
    headers = event.get("headers") if isinstance(event, dict) else None
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == "origin" and isinstance(value, str):
            return value
    return None


def proxy_response(status: int, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway proxy response (valid for REST and HTTP APIs) with a JSON body: `body` is a JSON-able
    value, or a `str` that is already the JSON text."""
    if body is None:
        text = ""
    elif isinstance(body, str):
        text = body
    else:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": text,
        "isBase64Encoded": False,
    }
