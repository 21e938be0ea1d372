"""The request deadline: how long the current request may still take, shared by every outbound call.

The entry point sets it once (`deadline(request_seconds(...))`): the smallest of the Lambda's remaining time
minus a margin, the API Gateway integration limit minus a margin (29 s on a REST API, 30 s on an HTTP API: the
smaller is used, so one figure fits both) and the configured `CONCERT_QUERY_TIMEOUT_SECONDS`. Every adapter that
waits on an outside system reads it (`remaining_seconds(default)`) and sizes its client's timeouts and retries
from what is left (`call_budget`), so a slow dependency becomes our clean 504 before API Gateway gives up with its
bare error or Lambda kills the function; a call that cannot be given a timeout (a DuckDB query) is interrupted at
the deadline by one watchdog thread (`cancel_at_deadline`). It travels in a context variable, so services stay
free of Lambda types and concurrent requests (threads of the local server) never see each other's deadline.
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("request_deadline", default=None)

DEADLINE_MARGIN_SECONDS = 0.5
"""Time kept back from each limit to turn a slow dependency into our own clean 504 response."""
API_GATEWAY_LIMIT_SECONDS = 29.0
"""API Gateway's integration timeout: 29 s on a REST API, 30 s on an HTTP API; the smaller fits both."""
MIN_REQUEST_SECONDS = 0.05
"""The shortest deadline ever set: a request always gets a chance to answer (with a 504) itself."""


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


def request_seconds(
    context: Any,
    configured: float,
    *,
    gateway_limit: float | None = API_GATEWAY_LIMIT_SECONDS,
    margin: float = DEADLINE_MARGIN_SECONDS,
) -> float:
    """The seconds one request may take: min(Lambda time left - margin, gateway limit - margin, configured).

    `context` is the Lambda context (anything with `get_remaining_time_in_millis`, or None off Lambda);
    `gateway_limit` is None for a function API Gateway does not front (the Bedrock agent's action group)."""
    bounds = [configured]
    if gateway_limit is not None:
        bounds.append(gateway_limit - margin)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        bounds.append(remaining() / 1000 - margin)
    return max(MIN_REQUEST_SECONDS, min(bounds))


@dataclass(frozen=True)
class CallBudget:
    """Timeouts and attempts for one outbound call, sized to fit the time left."""

    connect_timeout: float
    read_timeout: float
    max_attempts: int


def call_budget(connect_timeout: float, read_timeout: float, max_attempts: int, *, default: float) -> CallBudget:
    """The client settings for a call made now: the preferred ones when they fit the time left, else smaller.

    Every attempt is allowed its full connect + read time only while `max_attempts` of them fit before the
    deadline; otherwise fewer attempts, and the last one's timeouts are cut to what remains. Timeouts are
    rounded down to 0.25 s so that clients can be reused between requests (`aws_clients`). With no deadline
    set, `default` seconds are assumed."""
    left = remaining_seconds(default)
    per_attempt = connect_timeout + read_timeout
    attempts = max(1, min(max_attempts, math.floor(left / per_attempt))) if per_attempt > 0 else max_attempts
    connect = min(connect_timeout, max(left / 4, 0.0))  # connecting is quick when the service is there
    read = min(read_timeout, max(left - connect, 0.0))

    def quarter(seconds: float) -> float:
        return max(0.25, math.floor(seconds * 4) / 4)

    return CallBudget(quarter(connect), quarter(read), attempts)


class _Watchdog:
    """One daemon thread that calls each registered callback when its time comes, so bounding a call by the
    deadline costs a heap push, not a thread per call."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._pending: set[int] = set()
        self._wake = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, at: float, callback: Callable[[], None]) -> int:
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadline-watchdog", daemon=True)
                self._thread.start()
            token = next(self._ids)
            self._pending.add(token)
            heapq.heappush(self._heap, (at, token, callback))
            self._wake.notify()
            return token

    def cancel(self, token: int) -> None:
        with self._wake:
            self._pending.discard(token)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and self._heap[0][1] not in self._pending:
                    heapq.heappop(self._heap)  # cancelled: the call ended in time
                if not self._heap:
                    self._wake.wait()
                    continue
                at, token, callback = self._heap[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._pending.discard(token)
            try:
                callback()
            except Exception:  # a callback that fails must not stop the watchdog for everyone else
                logging.getLogger(__name__).exception("deadline callback failed")


_watchdog = _Watchdog()


@contextmanager
def cancel_at_deadline(cancel: Callable[[], None]) -> Iterator[None]:
    """Call `cancel` (e.g. a database cursor's `interrupt`) if the block is still running when the request's
    deadline passes; nothing is scheduled when no deadline is set."""
    at = _deadline.get()
    if at is None:
        yield
        return
    token = _watchdog.schedule(at, cancel)
    try:
        yield
    finally:
        _watchdog.cancel(token)
