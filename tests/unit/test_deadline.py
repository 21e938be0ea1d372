"""The request deadline: how long is left, and cancelling a call that outlives it without a thread per call."""

from __future__ import annotations

import threading
import time

from concert_api.deadline import cancel_at_deadline, deadline, remaining_seconds


def test_remaining_seconds_counts_down_inside_a_deadline_and_defaults_outside():
    assert remaining_seconds(7.0) == 7.0
    with deadline(2.0):
        assert 1.5 < remaining_seconds(7.0) <= 2.0
    assert remaining_seconds(7.0) == 7.0


def test_a_call_still_running_at_the_deadline_is_cancelled():
    # Given a deadline 50 ms away and a call that would take 2 s unless cancelled,
    cancelled = threading.Event()
    started = time.monotonic()
    with deadline(0.05), cancel_at_deadline(cancelled.set):
        cancelled.wait(2.0)
    # then the cancel callback ran at the deadline, not after the call would have ended.
    assert cancelled.is_set() and time.monotonic() - started < 1.0


def test_a_call_that_ends_in_time_is_never_cancelled_and_no_thread_per_call_is_started():
    calls: list[str] = []
    threads_before = threading.active_count()
    for _ in range(50):
        with deadline(0.2), cancel_at_deadline(lambda: calls.append("cancelled")):
            pass
    time.sleep(0.3)
    assert calls == []
    assert threading.active_count() <= threads_before + 1  # at most the one watchdog thread


def test_without_a_deadline_nothing_is_scheduled():
    calls: list[str] = []
    with cancel_at_deadline(lambda: calls.append("cancelled")):
        pass
    assert calls == []
