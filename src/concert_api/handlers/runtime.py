"""The decorator that makes a plain function a Lambda handler behind API Gateway.

It does for every endpoint what an entry point must do and nothing more: parse the event, answer CORS
preflights, 405 and 413, bound the request by one deadline (`deadline.request_seconds`: the Lambda's time
left, API Gateway's integration limit and the configured timeout, whichever ends first), log and count the call, map
exceptions to the one error format, and serialise the response model.

Logging. The request's keys (request id, function name, ...) are Powertools' thread-safe keys (a context
variable), so the local server's worker threads never lend each other theirs. An unexpected failure is one
ERROR line with its traceback; an expected outage of a dependency (a 503 or 504: not configured, no warehouse,
throttled, timed out) is a WARNING without a traceback, at most one per cause every few seconds
(`observability.outages`), so an outage under load does not flood the log. The adapters log what only they know
(the failed statement, its id, the service's message) as a WARNING beside it, so an alarm on ERROR lines counts
failed requests once.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from pydantic import BaseModel

from concert_api.deadline import deadline, request_seconds
from concert_api.errors import ApiError, DependencyError, MethodNotAllowed, error_response
from concert_api.handlers.events import ApiRequest, cors_headers, parse_event, proxy_response, request_origin
from concert_api.observability import logger, metrics, outages, set_level
from concert_api.services.result_cache import count_for_request
from concert_api.settings import get_settings
from concert_api.tracing import traced

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Endpoint = Callable[[ApiRequest], BaseModel | tuple[int, BaseModel]]

_cold_start = True
_metrics_lock = threading.Lock()  # Powertools' Metrics object is one per process: one request's set at a time


def api_endpoint(*, name: str, method: str, path: str, event: str) -> Callable[[Endpoint], LambdaHandler]:
    """Wrap `fn(request) -> response model` as the Lambda handler of `method path`.

    `name` is the function's short name (metric dimension), `event` the log line written per invocation
    (the guide's "Chatbot handler invoked")."""

    def decorate(fn: Endpoint) -> LambdaHandler:
        @functools.wraps(fn)
        def handler(event_: dict[str, Any], context: Any = None) -> dict[str, Any]:
            return _handle(fn, event_, context, name=name, method=method, path=path, log_event=event)

        return handler

    return decorate


def _handle(
    fn: Endpoint, event: Any, context: Any, *, name: str, method: str, path: str, log_event: str
) -> dict[str, Any]:
    global _cold_start
    started = time.perf_counter()
    settings = get_settings()
    cold_start, _cold_start = _cold_start, False
    if cold_start:
        set_level(settings.log_level)  # LOG_LEVEL from the environment or .env
    request_id = _request_id(context)
    logger.thread_safe_clear_keys()
    logger.thread_safe_append_keys(
        request_id=request_id,
        cold_start=cold_start,
        function_name=getattr(context, "function_name", None) or f"concert-api-{name}",
        api_request_id=None,
    )
    cache = count_for_request()  # [hits, misses] of the result cache during this request
    cors = cors_headers(settings.cors_allow_origin, method, request_origin(event))
    status, headers = 200, dict(cors)
    body: str | dict[str, Any] | None = None
    logger.info(log_event)
    try:
        request = parse_event(event, default_method=method, default_path=path, max_body_bytes=settings.max_body_bytes)
        # API Gateway's id, to follow a request across logs
        logger.thread_safe_append_keys(api_request_id=request.request_id)
        logger.debug(
            "Request",
            extra={
                "http_method": request.method,
                "path": request.path,
                "source": request.source,
                "body_bytes": len(request.body),
                "query_keys": sorted(request.query),
            },
        )
        if request.method == "OPTIONS":
            status = 204
        elif request.method != method:
            headers["Allow"] = f"{method},OPTIONS"
            raise MethodNotAllowed(f"{path} accepts {method}; got {request.method}.")
        else:
            with deadline(request_seconds(context, settings.query_timeout_seconds)), traced(name):
                result = fn(request)
            if isinstance(result, tuple):
                status, result = result
            # straight to JSON in pydantic's Rust serialiser (a dict, then `json.dumps`, costs twice as much)
            body = result.model_dump_json(exclude_none=True)
    except Exception as exc:  # the one place every exception becomes a response
        status, error, extra = error_response(exc)
        body = error
        headers.update(extra)
        _log_failure(exc, status, error["details"])
    elapsed_ms = (time.perf_counter() - started) * 1000
    _record_metrics(name, status, elapsed_ms, cold_start, cache)
    logger.debug(
        "Response",
        extra={
            "status": status,
            "duration_ms": round(elapsed_ms, 3),
            "body_bytes": len(body) if isinstance(body, str) else None,
        },
    )
    return proxy_response(status, body, headers)


def _log_failure(exc: Exception, status: int, details: str) -> None:
    """One line per failed request, at the level its cause deserves (see the module's docstring)."""
    if status in (503, 504) and isinstance(exc, ApiError):
        suppressed = outages.admit((type(exc).__name__, status))
        if suppressed is not None:
            logger.warning("Dependency unavailable", extra={
                "status": status, "error": type(exc).__name__, "details": details,
                "internal": getattr(exc, "internal", None), "suppressed": suppressed})  # fmt: skip
    elif isinstance(exc, DependencyError) or not isinstance(exc, ApiError):
        logger.exception("Request failed", extra={
            "status": status, "internal": getattr(exc, "internal", None),
            "statement_id": getattr(exc, "statement_id", None)})  # fmt: skip
    elif status >= 500:
        logger.warning("Request not served", extra={"status": status, "details": details})
    else:
        logger.info("Request rejected", extra={"status": status, "details": details})


def _request_id(context: Any) -> str:
    for attribute in ("aws_request_id", "request_id"):
        value = getattr(context, attribute, None)
        if value:
            return str(value)
    return str(uuid.uuid4())


def _record_metrics(name: str, status: int, elapsed_ms: float, cold_start: bool, cache: list[int]) -> None:
    if is_metrics_disabled():  # e.g. `concert-api serve` without --metrics: no lock, no document
        return
    with _metrics_lock:
        _record_metrics_locked(name, status, elapsed_ms, cold_start, cache)


def _record_metrics_locked(name: str, status: int, elapsed_ms: float, cold_start: bool, cache: list[int]) -> None:
    metrics.add_dimension(name="function", value=name)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=round(elapsed_ms, 3))
    if status >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    elif status >= 400:
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
    if cold_start:
        metrics.add_metric(name="ColdStart", unit=MetricUnit.Count, value=1)
    if cache[0] or cache[1]:  # answers from memory (see services/result_cache.py)
        metrics.add_metric(name="CacheHits", unit=MetricUnit.Count, value=cache[0])
        metrics.add_metric(name="CacheMisses", unit=MetricUnit.Count, value=cache[1])
    metrics.flush_metrics()
    metrics.clear_metrics()  # also when POWERTOOLS_METRICS_DISABLED skips the flush
