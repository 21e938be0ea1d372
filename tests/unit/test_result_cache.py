"""The result cache: answers from memory until the data changes, bounded, counted; the background load marker."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from concert_api.models import VenuePopularityRequest
from concert_api.services import result_cache
from concert_api.services.result_cache import LoadMarker, ResultCache
from concert_api.services.venue_popularity import rank_venues


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_result_is_computed_once_per_generation_and_counted() -> None:
    cache, calls = ResultCache(), []

    def compute() -> str:
        calls.append(1)
        return f"answer {len(calls)}"

    assert cache.get_or_compute("ns", "gen1", "k", compute) == "answer 1"
    assert cache.get_or_compute("ns", "gen1", "k", compute) == "answer 1"
    assert cache.get_or_compute("ns", "gen2", "k", compute) == "answer 2"  # the data changed
    assert cache.stats() == {"ns": {"hits": 1, "misses": 2, "entries": 2}}


def test_the_cache_keeps_at_most_max_entries_dropping_the_least_recently_used() -> None:
    cache = ResultCache(max_entries=2)
    for key in ("a", "b"):
        cache.get_or_compute("ns", 1, key, lambda k=key: k)
    cache.get_or_compute("ns", 1, "a", lambda: "recomputed")  # a is now the most recently used
    cache.get_or_compute("ns", 1, "c", lambda: "c")
    assert len(cache) == 2
    assert cache.get_or_compute("ns", 1, "a", lambda: "recomputed") == "a"
    assert cache.get_or_compute("ns", 1, "b", lambda: "b again") == "b again"


def test_a_result_with_max_age_is_computed_again_once_it_is_older() -> None:
    clock = FakeClock()
    cache = ResultCache(clock=clock)
    assert cache.get_or_compute("ns", None, "k", lambda: 1, max_age=30) == 1
    clock.now = 29
    assert cache.get_or_compute("ns", None, "k", lambda: 2, max_age=30) == 1
    clock.now = 31
    assert cache.get_or_compute("ns", None, "k", lambda: 3, max_age=30) == 3


def test_a_failure_is_not_kept() -> None:
    cache = ResultCache()

    def fail() -> str:
        raise RuntimeError("warehouse down")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("ns", 1, "k", fail)
    assert cache.get_or_compute("ns", 1, "k", lambda: "ok") == "ok"


def test_the_load_marker_is_read_in_the_background_at_most_once_per_interval() -> None:
    clock, reads, release = FakeClock(), [], threading.Event()

    def read() -> str:
        release.wait(5)
        reads.append(clock.now)
        return f"loaded {len(reads)}"

    marker = LoadMarker(read, interval=5, clock=clock)
    assert marker() is None  # the first reading runs in the background: no request waits for it
    release.set()
    _until(lambda: marker() == "loaded 1")
    clock.now = 4
    assert marker() == "loaded 1" and len(reads) == 1
    clock.now = 6
    marker()
    _until(lambda: marker() == "loaded 2")


def test_a_load_marker_that_cannot_be_read_is_none() -> None:
    def read() -> str:
        raise RuntimeError("no load_metadata table")

    marker = LoadMarker(read, interval=5)
    marker()
    time.sleep(0.05)
    assert marker() is None


class CountingWarehouse:
    """A DuckDB-like warehouse whose data generation the test sets, counting statements."""

    backend = "duckdb"

    def __init__(self) -> None:
        self.current = 1
        self.statements = 0

    def generation(self) -> int:
        return self.current

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.statements += 1
        return [{"venue_id": "venue_001", "name": f"Hall v{self.current}", "city": "Chicago", "state": "IL",
                 "capacity": 1000, "venue_type": "arena", "total_concerts": 10, "avg_attendance_rate": 0.8,
                 "revenue_per_event": 1.0, "tickets_per_event": 800.0, "booking_frequency": 1.0,
                 "popularity_rank": 1, "popularity_score": 0.9}]  # fmt: skip


def test_a_venue_ranking_is_answered_from_memory_until_the_warehouse_data_changes() -> None:
    warehouse, request = CountingWarehouse(), VenuePopularityRequest(top_n=5, min_events=1)
    first = rank_venues(request, warehouse)
    second = rank_venues(request, warehouse)
    assert warehouse.statements == 1
    assert second.venues == first.venues
    warehouse.current = 2  # a load replaced the data
    third = rank_venues(request, warehouse)
    assert warehouse.statements == 2
    assert third.venues[0].name == "Hall v2"
    assert result_cache.results.stats()["venue_popularity"]["hits"] >= 1


def test_two_warehouses_without_a_generation_never_share_results() -> None:
    class NoGeneration(CountingWarehouse):
        backend = "postgres"
        generation = None  # type: ignore[assignment]

    a, b = NoGeneration(), NoGeneration()
    b.current = 7
    request = VenuePopularityRequest(top_n=5, min_events=1)
    assert rank_venues(request, a).venues[0].name == "Hall v1"
    assert rank_venues(request, b).venues[0].name == "Hall v7"


def _until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_each_request_publishes_its_cache_hits_and_misses_as_metrics(capsys, monkeypatch) -> None:
    import json

    from concert_api.handlers.runtime import api_endpoint
    from concert_api.models import HealthResponse

    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    cache = ResultCache()

    @api_endpoint(name="cached", method="GET", path="/cached", event="Cached handler invoked")
    def handler(request: Any) -> HealthResponse:
        for _ in range(3):  # one miss, then two hits
            cache.get_or_compute("ns", 1, "k", lambda: "answer")
        return HealthResponse(status="healthy", timestamp="now", version="1", services={}, backends={})

    assert handler({}, None)["statusCode"] == 200
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert documents[-1]["CacheHits"] in (2, [2]) and documents[-1]["CacheMisses"] in (1, [1])
