"""Retrying Bedrock calls: bounded exponential backoff with jitter inside the request's deadline, and the one
mapping from a Bedrock failure to the API's errors (throttling 503, timeouts 504, anything else 502)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from concert_api.errors import DependencyError, DependencyThrottled, DependencyTimeout
from concert_api.observability import logger
from concert_api.warehouse.base import remaining_seconds

T = TypeVar("T")

THROTTLED = frozenset({"throttlingexception", "servicequotaexceededexception", "toomanyrequestsexception"})
TRANSIENT = frozenset({"internalserverexception", "badgatewayexception", "modelnotreadyexception",
                       "serviceunavailableexception", "endpointconnectionerror"}) | THROTTLED
TIMEOUTS = frozenset({"readtimeouterror", "connecttimeouterror", "modeltimeoutexception"})
MIN_ATTEMPT_SECONDS = 2.0


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` calls; waits grow from `base_delay` to `max_delay` (times 0.5-1 jitter); no retry
    starts unless `MIN_ATTEMPT_SECONDS` remain before the deadline (`deadline_seconds` when none is set)."""

    max_attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 2.0
    deadline_seconds: float = 25.0

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, *, what: str,
                      sleep: Callable[[float], None] = time.sleep) -> tuple[T, int]:
    """`fn()`'s result and the number of attempts it took; transient failures are retried, the last failure is
    raised as the API's error."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(), attempt
        except Exception as exc:
            code = error_code(exc)
            delay = policy.delay(attempt)
            retry = (code.lower() in TRANSIENT and attempt < policy.max_attempts
                     and remaining_seconds(policy.deadline_seconds) - delay > MIN_ATTEMPT_SECONDS)
            logger.warning(f"{what} failed", extra={"code": code, "attempt": attempt, "retrying": retry})
            if not retry:
                raise api_error(exc, code) from exc
            sleep(delay)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore error (also of an exception frame mid-stream), else the class name."""
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or type(exc).__name__)
    return type(exc).__name__


def api_error(exc: BaseException, code: str) -> DependencyError:
    """The API error for a Bedrock failure; the code stays in the logs (`internal`), not in the response."""
    lowered = code.lower()
    if lowered in THROTTLED:
        return DependencyThrottled("The assistant is busy; try again in a moment.", internal=code)
    if lowered in TIMEOUTS:
        return DependencyTimeout("The assistant did not answer in time.", internal=code)
    return DependencyError("The assistant could not answer.", internal=f"{code}: {exc}")
