"""The request deadline: how long the current request may still take, shared by every outbound call.

The Lambda entry point sets it from the context's remaining time (`deadline(seconds)`), and every adapter that
waits on an outside system reads it (`remaining_seconds(default)`), so a slow dependency becomes a clean 504 before
Lambda kills the function. It travels in a context variable, so services stay free of Lambda types and
concurrent requests (threads of the local server) never see each other's deadline.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("request_deadline", default=None)


@contextmanager
def deadline(seconds_from_now: float | None) -> Iterator[None]:
    """Bound every outbound call made inside the block by an overall deadline (monotonic clock)."""
    token = _deadline.set(None if seconds_from_now is None else time.monotonic() + seconds_from_now)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining_seconds(default: float) -> float:
    """Seconds left before the current deadline, or `default` when no deadline is set."""
    at = _deadline.get()
    return default if at is None else at - time.monotonic()
