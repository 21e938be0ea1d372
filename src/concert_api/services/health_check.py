"""Health of the API and of the services behind it.

A shallow check reports configuration, and whether the local platform's files exist (one `stat` each: cheap,
safe for load balancers to poll): on the embedded DuckDB backend, a missing warehouse file or an untrained local
model (with no SageMaker endpoint) makes it `degraded`, answered with 503 and `missing` saying what to run.
`deep=True` also probes each configured backend, with its latency: the warehouse with a trivial query, the others
through the probes that their adapters register. Status: `unhealthy` when the warehouse fails (every data
endpoint needs it), `degraded` when another configured service fails or a local file is missing, `healthy`
otherwise. `status_code` gives the HTTP status: 503 when unhealthy or when something is missing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping

from concert_api import __version__
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.adapters.warehouse.queries import venues as venue_queries
from concert_api.deadline import remaining_seconds
from concert_api.errors import utc_now_iso
from concert_api.models import HealthResponse, ProbeResult
from concert_api.settings import Settings

Probe = Callable[[], None]
"""Raises when its backend does not answer."""

ESSENTIAL = frozenset({"warehouse"})

PROBE_BUDGET_SECONDS = 8.0
"""The deep check's time for all probes together, within the health function's 10 s timeout (the Lambda
deadline, when shorter, wins)."""


def configured_services(settings: Settings) -> dict[str, str]:
    """The guide's `services` map: configured / not_configured for each AWS service."""

    def state(ok: bool) -> str:
        return "configured" if ok else "not_configured"

    return {
        "redshift": state(settings.redshift_configured),
        "bedrock_agent": state(settings.bedrock_agent_configured),
        "sagemaker_venue": state(bool(settings.sagemaker_venue_endpoint)),
        "sagemaker_ticket": state(bool(settings.sagemaker_ticket_endpoint)),
    }


def check(settings: Settings, backends: Mapping[str, str], probes: Mapping[str, Probe] | None = None) -> HealthResponse:
    """Report configuration, and run `probes` (name -> probe) when given: the `?deep=true` check."""
    results: dict[str, ProbeResult] | None = None
    missing = missing_local_parts(settings, backends)
    status = "degraded" if missing else "healthy"
    if probes is not None:
        results = run_probes(probes, remaining_seconds(PROBE_BUDGET_SECONDS))
        failed = {name for name, result in results.items() if result.status == "error"}
        if failed & ESSENTIAL:
            status = "unhealthy"
        elif failed:
            status = "degraded"
    return HealthResponse(
        status=status,
        timestamp=utc_now_iso(),
        version=__version__,
        services=configured_services(settings),
        backends=dict(backends),
        probes=results,
        missing=missing or None,
    )


def missing_local_parts(settings: Settings, backends: Mapping[str, str]) -> list[str]:
    """What the embedded platform needs and does not have yet, each with the command that makes it: the DuckDB
    file, and the local model when no SageMaker endpoint serves predictions. Empty on AWS backends."""
    if backends.get("warehouse") != "duckdb":
        return []
    missing = []
    if not settings.duckdb_path.is_file():
        missing.append("warehouse: no local warehouse file; run `concert-api data generate`")
    if backends.get("predictor") == "not_configured":
        missing.append("predictor: no ticket-sales model trained; run `concert-api model train`")
    return missing


class StaleForecasts(Exception):
    """The venue forecasts are older than the model or the data they should come from (`error` says which)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


SCORE_HINT = "run `concert-api model score`"


def check_forecasts(warehouse: Warehouse, *, model_version: str | None, data_loaded_at: str | None) -> None:
    """The deep check's `venue_forecasts` probe: raise `StaleForecasts` when the batch-scored forecasts are
    missing while a model is served, were scored by another model than `model_version`, or before the data was
    loaded (`data_loaded_at`, ISO 8601). A None argument is not checked (a remote model or warehouse that
    cannot tell)."""
    row = warehouse.query(venue_queries.FORECAST_FRESHNESS)[0]
    if not row["venues"]:
        if model_version is not None:
            raise StaleForecasts(f"no venue forecasts scored for model {model_version}; {SCORE_HINT}")
        return
    if model_version is not None and {row["oldest_model"], row["newest_model"]} != {model_version}:
        raise StaleForecasts(
            f"venue forecasts scored by model {row['oldest_model']}, not the current model {model_version}; "
            f"{SCORE_HINT}"
        )
    if data_loaded_at and _instant(row["oldest_scored_at"]) < _instant(data_loaded_at):
        raise StaleForecasts(
            f"venue forecasts scored at {row['oldest_scored_at']}, before the data loaded at {data_loaded_at}; "
            f"{SCORE_HINT}"
        )


def _instant(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def status_code(report: HealthResponse) -> int:
    """The HTTP status of a health report: 503 when unhealthy or when a local part is missing (so a load
    balancer or `curl --fail` notices), else 200."""
    return 503 if report.status == "unhealthy" or report.missing else 200


def run_probes(probes: Mapping[str, Probe], budget_seconds: float) -> dict[str, ProbeResult]:
    """Run the probes concurrently; one that has not answered within the budget is reported as timed out, so the
    deep check answers within the health function's own timeout."""
    from concurrent.futures import ThreadPoolExecutor, wait

    if not probes:
        return {}
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="health-probe")
    futures = {name: pool.submit(_run, probe) for name, probe in probes.items()}
    wait(futures.values(), timeout=max(0.0, budget_seconds))
    pool.shutdown(wait=False, cancel_futures=True)
    return {
        name: future.result()
        if future.done()
        else ProbeResult(status="error", latency_ms=_ms(started), details="timed out")
        for name, future in futures.items()
    }


def _run(probe: Probe) -> ProbeResult:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:
        error = getattr(exc, "error", None) or type(exc).__name__
        return ProbeResult(status="error", latency_ms=_ms(started), details=str(error))
    return ProbeResult(status="ok", latency_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
