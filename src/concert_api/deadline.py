"""The request deadline: how long the current request may still take, shared by every outbound call.

The Lambda entry point sets it from the context's remaining time (`deadline(seconds)`), and every adapter that
waits on an outside system reads it (`remaining_seconds(default)`), so a slow dependency becomes a clean 504 before
Lambda kills the function. It travels in a context variable, so services stay free of Lambda types and
concurrent requests (threads of the local server) never see each other's deadline.
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
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
