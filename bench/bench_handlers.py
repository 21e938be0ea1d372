"""Warm handler latency per endpoint, with the warehouse's share shown apart.

    .venv/bin/python bench/bench_handlers.py [--scale small] [--requests 2000]

Each endpoint's handler is called in-process with a REST API event, as Lambda calls it, with INFO logging and
EMF metrics on (their output goes to /dev/null). Timing proxies split each invocation three ways:

* warehouse: time in warehouse queries (a proxy around the adapter);
* service: the service's own work outside the warehouse (scoring, model inference, the assistant's NLU);
* entry point: everything else — event parsing, validation, the exception mapping, serialisation, logs, metrics.

The baseline, measured in the same run and interleaved with it: a bare Powertools anchor per endpoint, an
`APIGatewayRestResolver` route that validates the same request model with pydantic, logs one line with
Powertools' Logger (Lambda context injected) and returns the endpoint's response model serialised, doing no
service work. Target (issue 15): the entry point at most 1.5x the anchor at p50 and p99 for every endpoint.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from _data import data_dir_for, use_data_dir
from _util import markdown_table, percentile

BODIES: dict[str, dict[str, Any] | None] = {
    "venue-popularity": {"top_n": 10, "min_events": 5},
    "recommendations": {
        "user_id": "user_123",
        "artist_preferences": ["rock", "alternative"],
        "location": "New York",
        "top_n": 10,
    },
    "recommendations (popular)": {"top_n": 10},
    "health-check": None,
    "ticket-prediction": {
        "artist_id": "artist_001",
        "venue_id": "venue_001",
        "event_date": "2027-03-31",
        "ticket_price": 75.0,
    },
    "chatbot": {"message": "What are the top 5 venues in Chicago?"},
}


class Stopwatch:
    """Adds up the time spent inside wrapped callables (the outermost call only: the assistant calls services)."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.depth = 0

    def wrap(self, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.depth += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.elapsed += time.perf_counter() - started

        return timed


SERVICE_CALLS = [  # (module, attribute): the one service call each handler makes
    ("concert_api.services.venue_popularity", "rank_venues"),
    ("concert_api.services.recommendations", "recommend"),
    ("concert_api.services.ticket_prediction", "predict_tickets"),
    ("concert_api.services.health_check", "check"),
]


class TimingWarehouse:
    """Delegates to a warehouse and adds up the time its queries take."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.elapsed = 0.0

    def query(self, sql: str, params: Any = None) -> Any:
        started = time.perf_counter()
        try:
            return self.inner.query(sql, params)
        finally:
            self.elapsed += time.perf_counter() - started

    def generation(self) -> Any:
        return self.inner.generation()

    def ping(self) -> None:
        self.inner.ping()

    def close(self) -> None:
        self.inner.close()


def powertools_anchor(path: str, method: str, model: Any, response: dict[str, Any]) -> Any:
    """The bare Powertools handler the entry point is measured against (see the module docstring)."""
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    logger = Logger(service="anchor", stream=open(os.devnull, "w"))  # noqa: SIM115 (open for the whole run)
    app = APIGatewayRestResolver()

    def route() -> dict[str, Any]:
        if model is not None:
            model.model_validate_json(app.current_event.body or "{}")
        logger.info("Anchor handler invoked")
        return response

    app.route(path, method=method)(route)

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    return handler


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small", help="data set scale (default small)")
    parser.add_argument("--requests", type=int, default=2000, help="timed invocations per endpoint")
    args = parser.parse_args()

    use_data_dir(data_dir_for(args.scale))
    from concert_api import composition
    from concert_api.composition import registry
    from concert_api.routes import load_handler, route
    from concert_api.server.lambda_bridge import LocalContext, rest_event

    timing = TimingWarehouse(composition.build_warehouse(composition.get_settings()))
    registry._adapters["warehouse"] = (None, timing)  # the benchmark's probes; the handlers are unchanged
    service = Stopwatch()
    for module, attribute in SERVICE_CALLS:
        target = importlib.import_module(module)
        setattr(target, attribute, service.wrap(getattr(target, attribute)))
    assistant = composition.assistant()
    assistant.reply = service.wrap(assistant.reply)  # type: ignore[method-assign]

    from concert_api import models

    rows, anchor_rows = [], []
    for name, body in BODIES.items():
        r = route(name.split(" ")[0])
        handler = load_handler(r)
        event = rest_event(
            r,
            method=r.method,
            path=r.path,
            headers={"content-type": "application/json"},
            query=[],
            body=json.dumps(body).encode() if body is not None else b"",
        )
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            first = handler(event, LocalContext.for_route(r))
            model = getattr(models, r.request_model) if r.request_model else None
            anchor = powertools_anchor(r.path, r.method, model, json.loads(first["body"]))
        totals, queries, services, anchors = [], [], [], []
        status = 0
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            for i in range(args.requests + 50):
                timing.elapsed = service.elapsed = 0.0
                started = time.perf_counter()
                response = handler(event, LocalContext.for_route(r))
                total = time.perf_counter() - started
                status = response["statusCode"]
                started = time.perf_counter()
                anchor_status = anchor(event, LocalContext.for_route(r))["statusCode"]
                anchor_total = time.perf_counter() - started
                assert anchor_status == 200, anchor_status
                if i >= 50:  # warm-up
                    totals.append(total * 1000)
                    queries.append(timing.elapsed * 1000)
                    services.append(service.elapsed * 1000)
                    anchors.append(anchor_total * 1000)
        entry = [t - s for t, s in zip(totals, services, strict=True)]
        outside = [t - q for t, q in zip(totals, queries, strict=True)]
        rows.append((name, status, _ms(totals, 50), _ms(totals, 99), _ms(queries, 50), _ms(outside, 99)))
        anchor_rows.append((
            name, _ms(entry, 50), _ms(anchors, 50), f"{percentile(entry, 50) / percentile(anchors, 50):.2f}x",
            _ms(entry, 99), _ms(anchors, 99), f"{percentile(entry, 99) / percentile(anchors, 99):.2f}x"))  # fmt: skip
    print(f"scale {args.scale}, {args.requests} warm invocations per endpoint, times in ms")
    print(markdown_table(["endpoint", "status", "total p50", "total p99", "warehouse p50", "all but warehouse p99"],
                         rows))  # fmt: skip
    print()
    print("entry point against the bare Powertools anchor, interleaved in the same run:")
    print(markdown_table(["endpoint", "entry point p50", "anchor p50", "ratio p50", "entry point p99", "anchor p99",
                          "ratio p99"], anchor_rows))  # fmt: skip


if __name__ == "__main__":
    main()
