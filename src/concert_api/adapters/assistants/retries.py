"""Retrying Bedrock calls: bounded exponential backoff with jitter inside the request's deadline, and the one
mapping from a Bedrock failure to the API's errors (throttling 503, timeouts 504, anything else 502).

`Budget` is the request's time: the Lambda deadline (`concert_api.deadline`, set by the entry point from the
context) or the policy's `deadline_seconds`, whichever ends first. No attempt, retry or tool-use round starts
unless `MIN_ATTEMPT_SECONDS` remain; otherwise `DependencyTimeout` (504) is raised before Lambda kills the
function."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from concert_api.deadline import remaining_seconds
from concert_api.errors import DependencyError, DependencyThrottled, DependencyTimeout
from concert_api.observability import logger

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


class Budget:
    """The time one request has left, read with `clock` (monotonic seconds; injectable for tests)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.ends = clock() + min(seconds, remaining_seconds(seconds))

    def left(self) -> float:
        """Seconds before the deadline (negative once past it)."""
        return self.ends - self.clock()

    def require(self, seconds: float, what: str) -> None:
        """Raise `DependencyTimeout` unless at least `seconds` are left for `what`."""
        left = self.left()
        if left < seconds:
            logger.warning("Out of time", extra={"what": what, "seconds_left": round(left, 3), "needed": seconds})
            raise DependencyTimeout("The assistant did not answer in time.",
                                    internal=f"{what}: {left:.2f} s left, {seconds:.2f} s needed")


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, *, what: str,
                      sleep: Callable[[float], None] = time.sleep, budget: Budget | None = None,
                      ) -> tuple[T, int]:
    """`fn()`'s result and the number of attempts it took; transient failures are retried, the last failure is
    raised as the API's error. No attempt starts unless `MIN_ATTEMPT_SECONDS` of the budget are left (default:
    a budget of `policy.deadline_seconds` from now, or less under a request deadline): `DependencyTimeout`
    then, also when a retry is due but its wait would leave too little time."""
    budget = budget or Budget(policy.deadline_seconds)
    attempt = 0
    while True:
        attempt += 1
        budget.require(MIN_ATTEMPT_SECONDS, f"{what} (attempt {attempt})")
        try:
            return fn(), attempt
        except Exception as exc:
            code = error_code(exc)
            delay = policy.delay(attempt)
            retry = code.lower() in TRANSIENT and attempt < policy.max_attempts
            logger.warning(f"{what} failed", extra={"code": code, "attempt": attempt, "retrying": retry})
            if not retry:
                raise api_error(exc, code) from exc
            if budget.left() - delay < MIN_ATTEMPT_SECONDS:
                raise DependencyTimeout("The assistant did not answer in time.",
                                        internal=f"{what}: no time left to retry {code}") from exc
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
