"""Turning HTTP requests into API Gateway REST (v1 proxy) events and a Lambda context, and back.

The local server calls the handlers exactly as Lambda behind API Gateway does, so local and Lambda behave
alike by construction.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from concert_api.routes import Route


@dataclass
class LocalContext:
    """The attributes of a Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self._started)) * 1000))

    @classmethod
    def for_route(cls, route: Route, request_id: str | None = None) -> LocalContext:
        """The context Lambda would give `route`'s function; `request_id`, when given, is the event's (Lambda
        and API Gateway each have their own id; locally one id serves both, so a log line and the event agree)."""
        if request_id is None:
            return cls(route.function_name, route.memory_mb, route.timeout_s)
        return cls(route.function_name, route.memory_mb, route.timeout_s, aws_request_id=request_id)


def rest_event(
    route: Route,
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: list[tuple[str, str]],
    body: bytes,
    source_ip: str = "127.0.0.1",
    request_id: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API (v1) proxy event, as API Gateway sends it to a Lambda proxy integration."""
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    multi_query: dict[str, list[str]] = {}
    for key, value in query:
        multi_query.setdefault(key, []).append(value)
    request_id = request_id or str(uuid.uuid4())
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "resourcePath": route.path,
            "httpMethod": method,
            "path": f"/local{path}",
            "stage": "local",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip},
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


def response_body(response: Mapping[str, Any]) -> bytes:
    """The bytes of a proxy response's body."""
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return str(body).encode("utf-8")
