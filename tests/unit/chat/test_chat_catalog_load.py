"""Loading the chat's catalog: three independent queries, run side by side under the caller's deadline."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from concert_api.adapters.warehouse.base import QueryFailed
from concert_api.adapters.warehouse.queries import chat as q
from concert_api.deadline import deadline, remaining_seconds
from concert_api.services.chat.local.catalog import Catalog


class BarrierWarehouse:
    """Answers each catalog query only once all three are running at once (a sequential load would break the
    barrier), and records the deadline each query saw."""

    def __init__(self, fail: str | None = None) -> None:
        self.barrier = threading.Barrier(3, timeout=2)
        self.seen_deadlines: list[float] = []
        self.fail = fail

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.seen_deadlines.append(remaining_seconds(float("inf")))
        self.barrier.wait()
        if sql == self.fail:
            raise QueryFailed(internal="no such table")
        if sql == q.CATALOG_ARTISTS:
            return [{"artist_id": "artist_001", "name": "Olivia Royce", "genre": "pop", "popularity": 90}]
        if sql == q.CATALOG_VENUES:
            return [{"venue_id": "venue_001", "name": "The Hall", "city": "Chicago", "state": "IL",
                     "capacity": 900, "venue_type": "theater"}]  # fmt: skip
        return [{"city": "Chicago", "state": "IL", "population": 2_700_000, "venues": 1}]


def test_the_three_catalog_queries_run_side_by_side_within_the_callers_deadline() -> None:
    warehouse = BarrierWarehouse()
    with deadline(5.0):
        catalog = Catalog.load(warehouse)  # type: ignore[arg-type]
    assert [a["name"] for a in catalog.artists] == ["Olivia Royce"]
    assert catalog.venue("venue_001") is not None
    assert [c["city"] for c in catalog.cities_with_venues()] == ["Chicago"]
    assert len(warehouse.seen_deadlines) == 3
    assert all(0 < left <= 5.0 for left in warehouse.seen_deadlines)  # the request's deadline, not none


def test_a_failing_catalog_query_fails_the_load() -> None:
    with pytest.raises(QueryFailed):
        Catalog.load(BarrierWarehouse(fail=q.CATALOG_VENUES))  # type: ignore[arg-type]
