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


def describe_validation_error(exc: Any) -> str:
    """One line naming each bad field of a pydantic `ValidationError`: `top_n: Input should be ...; ...`.

    For a union field (`location`: a string or an object) only the errors of the branch that matches the
    input's type are shown; when no branch matches, the accepted types are listed together."""
    kept: dict[str, list[str]] = {}
    type_mismatches: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        raw_loc = err.get("loc", ())
        loc = [str(p) for p in raw_loc if not _is_branch_marker(p)]
        field = ".".join(loc) or "body"
        message = "unknown field" if err.get("type") == "extra_forbidden" else err.get("msg", "invalid")
        message = message.removeprefix("Value error, ")
        is_branch = len(loc) < len(raw_loc)
        if is_branch and str(err.get("type", "")).endswith("_type"):
            type_mismatches.setdefault(field, []).append(message)
        else:
            kept.setdefault(field, []).append(message)
    for field, messages in type_mismatches.items():
        if field not in kept:
            kept[field] = [" or ".join(messages)]
    return "; ".join(f"{field}: {m}" for field, messages in kept.items() for m in dict.fromkeys(messages))


def _is_branch_marker(part: Any) -> bool:
    """Pydantic's union-branch names in an error location ('str', 'LocationFilter', 'constrained-str')."""
    text = str(part)
    return text in {"str", "int", "float"} or text[:1].isupper() or "[" in text or "-" in text


def error_response(exc: BaseException) -> tuple[int, dict[str, str], dict[str, str]]:
    """The one mapping from an exception to (status, guide error body, extra headers).

    `ApiError`s carry their own status and safe details; a pydantic `ValidationError` is a 400 naming each bad
    field; anything else is a 500 that says nothing about its cause (the log has it)."""
    if isinstance(exc, ApiError):
        return exc.status_code, error_body(exc.error, exc.details or exc.error), exc.headers
    if type(exc).__name__ == "ValidationError" and hasattr(exc, "errors"):
        return 400, error_body(BadRequest.error, describe_validation_error(exc)), {}
    return 500, error_body(ApiError.error, "An unexpected error occurred; see the logs for this request id."), {}
