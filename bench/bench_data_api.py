"""Each endpoint on the AWS path, with a latency per Redshift Data API statement: how many statements a request
costs and what that does to its latency.

    .venv/bin/python bench/bench_data_api.py [--scale small] [--latency 0.2] [--requests 15] [--answer-at-once]

The handlers run in-process as on Lambda, with the real botocore clients talking to loopback fakes that speak the
services' wire formats (tests/fakes/): a Data API that runs the statements on the scale's DuckDB warehouse and
answers `FINISHED` only `--latency` seconds after each submission, and a SageMaker runtime serving the project's
inference script with the trained model. The fake holds its answers for `WaitTimeSeconds` as the service does
(`--answer-at-once`: it ignores the parameter, as an endpoint predating it, and the adapter polls). The
baselines, measured in the same run, are one bare statement (`SELECT 1`) through the same adapter, held and
answered at once: the floor any endpoint pays per sequential statement. Warm requests are answered from the
result cache (the Data API then sees only the background load marker, one statement every few seconds); the
uncached columns repeat them with the cache emptied before each, and count the DescribeStatement polls per
statement they cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _data import data_dir_for
from _util import ROOT, LambdaContext, markdown_table, percentile

sys.path.insert(0, str(ROOT))
from tests.fakes.data_api import FakeDataApi
from tests.fakes.sagemaker_runtime import FakeSageMakerRuntime

EVENT_DATE = (dt.date.today() + dt.timedelta(days=60)).isoformat()
CASES = [
    ("GET /health", "health_check_handler", None),
    ("POST /venues/popularity", "venue_popularity_handler", {"top_n": 10, "min_events": 5}),
    ("POST /recommendations", "recommendations_handler",
     {"user_id": "user_123", "artist_preferences": ["rock", "alternative"], "location": "New York", "top_n": 10}),
    ("POST /recommendations (user, around home)", "recommendations_handler", {"user_id": "user_123", "top_n": 10}),
    ("POST /tickets/predict", "ticket_prediction_handler",
     {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": EVENT_DATE, "ticket_price": 75.0}),
    ("POST /chat", "chatbot_handler", {"message": "What are the top 5 venues in Chicago?"}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds until a statement finishes")
    parser.add_argument("--requests", type=int, default=15, help="warm requests per endpoint")
    parser.add_argument("--answer-at-once", action="store_true",
                        help="the fake ignores WaitTimeSeconds (the adapter polls) for the endpoints too")
    args = parser.parse_args()

    from concert_api.ml import artefacts

    data_dir = data_dir_for(args.scale)
    version_dir = artefacts.current_version_dir(data_dir / "models")
    assert version_dir is not None
    with FakeDataApi(data_dir / "warehouse.duckdb", latency=args.latency) as api, \
            FakeSageMakerRuntime(version_dir) as sagemaker:
        os.environ.update({
            "CONCERT_ENV_FILE": "", "CONCERT_DATA_DIR": str(data_dir), "CONCERT_WAREHOUSE": "redshift-data",
            "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev", "REDSHIFT_DATABASE": "concert_data",
            "SAGEMAKER_TICKET_ENDPOINT": "ticket-sales-endpoint", "AWS_ENDPOINT_URL_REDSHIFT_DATA": api.url,
            "SAGEMAKER_VENUE_ENDPOINT": "venue-popularity-endpoint",
            "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": sagemaker.url, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "LOG_LEVEL": "ERROR",
            "POWERTOOLS_METRICS_DISABLED": "true",
        })
        import api_lambda_handlers

        from concert_api import composition
        from concert_api.services.result_cache import results

        composition.reset()
        rows = []
        for held in (True, False):
            api.honour_wait = held
            baseline = []
            polls = api.count("DescribeStatement")
            for _ in range(args.requests):
                started = time.perf_counter()
                composition.warehouse().query("SELECT 1 AS one")
                baseline.append((time.perf_counter() - started) * 1000)
            polls = (api.count("DescribeStatement") - polls) / args.requests
            how = "held (WaitTimeSeconds)" if held else "answered at once (polled)"
            rows.append((f"baseline: one statement (SELECT 1), {how}", "1", "-", f"{percentile(baseline, 50):.0f}",
                         f"{percentile(baseline, 99):.0f}", "-", f"{polls:g}", "0"))
        api.honour_wait = not args.answer_at_once
        for label, handler, body in CASES:
            composition.reset()
            event = {"body": json.dumps(body)} if body is not None else {}
            fn = getattr(api_lambda_handlers, handler)
            before, invocations = api.statements(), sagemaker.invocations
            started = time.perf_counter()
            first = fn(event, LambdaContext())
            cold_ms = (time.perf_counter() - started) * 1000
            cold_statements = api.statements() - before
            if first["statusCode"] >= 400:
                print(f"{label}: {first['statusCode']} {first['body']}", file=sys.stderr)
            times = []
            before = api.statements()
            for _ in range(args.requests):
                started = time.perf_counter()
                fn(event, LambdaContext())
                times.append((time.perf_counter() - started) * 1000)
            per_request = (api.statements() - before) / args.requests
            calls = (sagemaker.invocations - invocations) / (args.requests + 1)
            uncached = []
            statements, polls = api.statements(), api.count("DescribeStatement")
            for _ in range(args.requests):  # the same requests with the result cache emptied before each
                results.clear()
                started = time.perf_counter()
                fn(event, LambdaContext())
                uncached.append((time.perf_counter() - started) * 1000)
            statements, polls = api.statements() - statements, api.count("DescribeStatement") - polls
            rows.append((label, f"{cold_statements} first, {per_request:.2g} warm, "
                         f"{statements / args.requests:.3g} uncached", f"{cold_ms:.0f}",
                         f"{percentile(times, 50):.0f}", f"{percentile(times, 99):.0f}",
                         f"{percentile(uncached, 50):.0f}", f"{polls / statements:.1f}" if statements else "-",
                         f"{calls:g}"))
    answers = "answering at once" if args.answer_at_once else "holding its answers (WaitTimeSeconds)"
    print(f"Data API latency {args.latency * 1000:.0f} ms per statement, {args.scale} data, "
          f"{args.requests} warm requests per endpoint, the service {answers}")
    print(markdown_table(["endpoint", "statements per request", "first request after a cold start (ms)",
                          "warm p50 (ms)", "warm p99 (ms)", "warm p50, result cache emptied (ms)",
                          "DescribeStatement polls per statement, uncached", "SageMaker calls per request"], rows))


if __name__ == "__main__":
    main()
