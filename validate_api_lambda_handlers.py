#!/usr/bin/env python3
"""Validate the five Lambda handlers locally, as the guide's `python validate_api_lambda_handlers.py` does.

Runs every handler in-process on valid and invalid sample events (REST API v1, HTTP API v2 and the guide's
direct invocation), checks each response against its schema (status, CORS, the response model or the one
error format naming the bad field), prints a table, and exits non-zero if anything fails.

With no warehouse in the data directory it first generates the `tiny` data set into a temporary one and trains
the ticket-sales model on it, so that every handler is checked. A valid request answered 503 "Service not
configured" is a SKIP, and fails the run unless --allow-unconfigured is given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


@dataclass
class Check:
    handler: str
    case: str
    status: int
    expected: str
    ok: bool
    note: str
    ms: float
    skipped: bool = False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Data directory with a warehouse (default: CONCERT_DATA_DIR, else a temporary tiny one)",
    )
    parser.add_argument("--json", action="store_true", help="Print the results as JSON instead of a table")
    parser.add_argument(
        "--allow-unconfigured",
        action="store_true",
        help='Pass a valid request answered 503 "Service not configured" (e.g. no trained model)',
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    with tempfile.TemporaryDirectory(prefix="concert-validate-") as scratch:
        os.environ["CONCERT_DATA_DIR"] = str(_data_dir(args.data_dir, Path(scratch)))
        from concert_api import composition

        composition.reset()
        checks = run_checks()
        composition.reset()
    for check in checks:
        if check.skipped and args.allow_unconfigured:
            check.ok = True
    if args.json:
        print(json.dumps([c.__dict__ for c in checks], indent=2))
    else:
        _print_table(checks)
    failed = [c for c in checks if not c.ok]
    skipped = sum(c.skipped for c in checks)
    print(f"\n{len(checks) - len(failed)} passed, {len(failed)} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


def _data_dir(explicit: Path | None, scratch: Path) -> Path:
    """The data dir to validate against: the given or configured one when it has a warehouse, else a tiny data set
    with a trained model, built in `scratch`."""
    chosen = explicit or Path(os.environ.get("CONCERT_DATA_DIR") or ".concert-data")
    if (chosen / "warehouse.duckdb").exists():
        return chosen
    print(f"No warehouse in {chosen}; generating the tiny data set and a model in {scratch} ...", file=sys.stderr)
    import datetime as dt

    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory
    from concert_tools.model import training

    generate("tiny", 7, scratch / "generated", as_of=dt.date.today())
    warehouse = DuckDBWarehouse(scratch / "warehouse.duckdb", read_only=False)
    try:
        load_directory(scratch / "generated", warehouse)
        training.save(training.train(warehouse), scratch / "models")
    finally:
        warehouse.close()
    return scratch


def run_checks() -> list[Check]:
    """Every handler on its valid and invalid sample events."""
    import api_lambda_handlers

    from concert_api import models
    from concert_api.examples import INVALID, VALID
    from concert_api.routes import ROUTES

    checks: list[Check] = []
    for route in ROUTES:
        handler = getattr(api_lambda_handlers, route.handler)
        response_model = getattr(models, route.response_model)
        body = VALID.get(route.key)
        valid_events = {
            "REST v1 valid": _rest(route.method, route.path, body),
            "HTTP v2 valid": _http(route.method, route.path, body),
        }
        if body is not None:
            valid_events["direct invoke (guide)"] = {"body": json.dumps(body)}
        for case, event in valid_events.items():
            checks.append(_check(route.key, case, handler, event, lambda r, m=response_model: _valid(r, m)))
        if route.key in INVALID:
            bad, field = INVALID[route.key]
            checks.append(
                _check(
                    route.key,
                    f"invalid body ({field})",
                    handler,
                    _rest(route.method, route.path, bad),
                    lambda r, f=field: _error(r, 400, f),
                )
            )
            checks.append(
                _check(route.key, "malformed JSON", handler, {"body": "{not json"}, lambda r: _error(r, 400, "JSON"))
            )
        wrong = "GET" if route.method == "POST" else "DELETE"
        checks.append(
            _check(
                route.key,
                f"{wrong} (wrong method)",
                handler,
                _rest(wrong, route.path, None),
                lambda r: _error(r, 405, ""),
            )
        )
    return checks


def _check(name: str, case: str, handler: Any, event: dict[str, Any], verify: Any) -> Check:
    class Context:
        aws_request_id = "validate-0001"
        function_name = f"concert-api-{name}"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 30_000

    started = time.perf_counter()
    response = handler(event, Context())
    ms = (time.perf_counter() - started) * 1000
    ok, expected, note = verify(response)
    skipped = note.startswith("not configured")
    if response.get("headers", {}).get("Access-Control-Allow-Origin") is None:
        ok, note = False, "no CORS header"
    return Check(name, case, response["statusCode"], expected, ok and not skipped, note, round(ms, 1), skipped)


def _valid(response: dict[str, Any], model: Any) -> tuple[bool, str, str]:
    body = json.loads(response["body"])
    if response["statusCode"] == 503 and body.get("error") == "Service not configured":
        return True, "200", f"not configured: {body['details']}"
    if response["statusCode"] != 200:
        return False, "200", f"{body.get('error')}: {body.get('details')}"
    try:
        model.model_validate(body)
    except Exception as exc:  # the schema check itself
        return False, "200", f"response does not match {model.__name__}: {exc}"
    return True, "200", f"matches {model.__name__}"


def _error(response: dict[str, Any], status: int, field: str) -> tuple[bool, str, str]:
    body = json.loads(response["body"])
    if response["statusCode"] != status:
        return False, str(status), f"got {response['statusCode']}"
    if set(body) != {"error", "details", "timestamp"}:
        return False, str(status), f"error body has keys {sorted(body)}"
    if field and field not in body["details"]:
        return False, str(status), f"details do not name {field!r}: {body['details']}"
    return True, str(status), body["details"][:60]


def _rest(method: str, path: str, body: Any) -> dict[str, Any]:
    return {
        "httpMethod": method,
        "path": path,
        "resource": path,
        "headers": {"Content-Type": "application/json"},
        "queryStringParameters": None,
        "requestContext": {"requestId": "validate", "stage": "prod"},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def _http(method: str, path: str, body: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": method, "path": path}, "requestId": "validate"},
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def _print_table(checks: list[Check]) -> None:
    header = f"{'handler':<18} {'case':<34} {'status':>6} {'want':>5} {'ms':>7}  result"
    print(header)
    print("-" * len(header) + "-" * 40)
    for c in checks:
        mark = "SKIP" if c.skipped else "PASS" if c.ok else "FAIL"
        print(f"{c.handler:<18} {c.case:<34} {c.status:>6} {c.expected:>5} {c.ms:>7.1f}  {mark}  {c.note}")


if __name__ == "__main__":
    sys.exit(main())
