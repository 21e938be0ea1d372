"""The result cache on the Redshift Data API path: a warm container answers repeated rankings from memory, with
the load marker (the `load_metadata` row) read in the background instead of a statement per request.

Against the loopback Data API fake (tests/fakes/data_api.py) and the real botocore client. What Redshift does that
the fake cannot: a load there is an external COPY that must also write `load_metadata`'s `loaded_at` for the
marker to change; the fake's file is read-only, so a load is not simulated here (the DuckDB path's reload is
covered in test_result_cache.py with a changing generation).
"""

from __future__ import annotations

import time
from pathlib import Path

import boto3
from tests.fakes.data_api import FakeDataApi

from concert_api.adapters.warehouse.redshift_data import RedshiftDataWarehouse
from concert_api.models import VenuePopularityRequest
from concert_api.services.result_cache import LOADED_AT_SQL, generation_of
from concert_api.services.venue_popularity import rank_venues


def test_a_warm_container_answers_repeated_rankings_without_a_data_api_round_trip(tiny_data_dir: Path) -> None:
    with FakeDataApi(tiny_data_dir / "warehouse.duckdb", latency=0.01) as api:
        client = boto3.client("redshift-data", endpoint_url=api.url, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
        warehouse = RedshiftDataWarehouse(database="concert_data", cluster_identifier="concert-warehouse-dev",
                                          region="us-east-1", client=client)  # fmt: skip
        request = VenuePopularityRequest(top_n=5, min_events=1)
        first = rank_venues(request, warehouse)  # the marker is being read meanwhile, in the background

        deadline = time.monotonic() + 10
        while not generation_of(warehouse)[1]:
            assert time.monotonic() < deadline, "the load marker was never read"
            time.sleep(0.02)
        rank_venues(request, warehouse)  # the marker arrived: one more reading under the known generation
        before = api.statements()
        answers = [rank_venues(request, warehouse) for _ in range(5)]

    assert api.statements() == before  # no round trip at all
    assert all(answer.venues == first.venues for answer in answers)
    assert LOADED_AT_SQL in {statement.sql for statement in api._statements.values()}
