"""Exceptions the services raise, and their one mapping to an HTTP status and the guide's error body.

Every error response has the guide's shape `{"error", "details", "timestamp"}`. `details` never carries a
stack trace, SQL, a statement id or any other internal detail: those go to the logs, keyed by request id.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC with a `Z` suffix, as the guide writes timestamps."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ApiError(Exception):
    """An error with a status code and a message that is safe to show to the caller."""

    status_code: int = 500
    error: str = "Internal server error"

    def __init__(self, details: str = "", *, headers: dict[str, str] | None = None) -> None:
        super().__init__(details or self.error)
        self.details = details
        self.headers = headers or {}


class BadRequest(ApiError):
    status_code = 400
    error = "Invalid request"


class NotFound(ApiError):
    status_code = 404
    error = "Not found"


class MethodNotAllowed(ApiError):
    status_code = 405
    error = "Method not allowed"


class PayloadTooLarge(ApiError):
    status_code = 413
    error = "Payload too large"


class ServiceNotConfigured(ApiError):
    status_code = 503
    error = "Service not configured"


class DependencyError(ApiError):
    """A service behind the API failed. Subclasses say how; the statement or request id stays in the logs."""

    status_code = 502
    error = "Upstream service error"

    def __init__(self, details: str = "", *, internal: str | None = None, **kwargs: Any) -> None:
        super().__init__(details, **kwargs)
        self.internal = internal


class DependencyTimeout(DependencyError):
    status_code = 504
    error = "Upstream service timed out"


class DependencyThrottled(DependencyError):
    status_code = 503
    error = "Upstream service is busy"

    def __init__(self, details: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": "1"})
        super().__init__(details, **kwargs)


def error_body(error: str, details: str) -> dict[str, str]:
    """The guide's error body."""
    return {"error": error, "details": details, "timestamp": utc_now_iso()}


def describe_validation_error(exc: Any, union_tags: frozenset[str] = frozenset({"text", "object"})) -> str:
    """One line naming each bad field of a pydantic `ValidationError`: `top_n: Input should be ...; ...`.

    The tags of tagged unions (`models.UNION_TAGS`) are left out of the field's path."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err.get("loc", ()) if p not in union_tags]
        field = ".".join(loc) or "body"
        message = "unknown field" if err.get("type") == "extra_forbidden" else str(err.get("msg", "invalid"))
        message = re.sub(r" or instance of \w+$", "", message.removeprefix("Value error, "))
        parts.append(f"{field}: {message}")
    return "; ".join(dict.fromkeys(parts))


def error_response(exc: BaseException) -> tuple[int, dict[str, str], dict[str, str]]:
    """The one mapping from an exception to (status, guide error body, extra headers).

    `ApiError`s carry their own status and safe details (a request that fails validation arrives here as a
    `BadRequest`); anything else — a response model that rejects warehouse data included — is a 500 that says
    nothing about its cause (the log has it)."""
    if isinstance(exc, ApiError):
        return exc.status_code, error_body(exc.error, exc.details or exc.error), exc.headers
    return 500, error_body(ApiError.error, "An unexpected error occurred; see the logs for this request id."), {}
