"""Exceptions the services raise, and their one mapping to an HTTP status and the guide's error body.

Every error response has the guide's shape `{"error", "details", "timestamp"}`. `details` never carries a
stack trace, SQL, a statement id or any other internal detail: those go to the logs, keyed by request id.
"""

from __future__ import annotations

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
