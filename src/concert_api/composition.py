"""The one place that turns settings into adapters: which warehouse, predictor and assistant serve.

Adapters are built on first use and kept for the life of the process (a Lambda execution environment reuses
them across invocations). Local backends (DuckDB, scikit-learn, ...) are imported here, inside the function
that builds them, so the Lambda import path never loads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from concert_api.errors import ServiceNotConfigured
from concert_api.settings import Settings, get_settings

if TYPE_CHECKING:
    from concert_api.ml.predictor import TicketPredictor, VenueForecaster
    from concert_api.services.chat.assistant import Assistant
    from concert_api.warehouse.base import Warehouse

_lock = threading.RLock()  # re-entrant: building the assistant builds the warehouse
_adapters: dict[str, Any] = {}
"""The process-wide adapters by role: warehouse, ticket_predictor, venue_forecaster, assistant."""
T = TypeVar("T")


LOCAL_ONLY_LIBRARIES = frozenset({"duckdb", "numpy", "sklearn", "lightgbm", "rapidfuzz", "pyarrow", "scipy"})
"""What the Lambda package leaves out (with the modules that import them): see `deploy.package`."""

WAREHOUSE_HINT = "set REDSHIFT_DATABASE and REDSHIFT_CLUSTER_ID (or REDSHIFT_WORKGROUP_NAME)"
ASSISTANT_HINT = "set BEDROCK_AGENT_ID and BEDROCK_AGENT_ALIAS_ID, or BEDROCK_MODEL_ID"


@contextmanager
def _local_backend(what: str, hint: str) -> Iterator[None]:
    """Turn a local backend missing from the deployment package into a 503 that says what to configure.

    On Lambda the package carries no DuckDB, local model or local assistant, so an unconfigured service must
    answer "Service not configured", not a 500 about a missing module."""
    try:
        yield
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in LOCAL_ONLY_LIBRARIES and not (exc.name or "").startswith("concert_api."):
            raise
        raise ServiceNotConfigured(f"No {what} is configured for this deployment: {hint}.") from None


def build_warehouse(settings: Settings) -> Warehouse:
    """A new warehouse adapter for the configured backend."""
    backend = settings.warehouse_backend
    if backend == "duckdb":
        with _local_backend("warehouse", WAREHOUSE_HINT):
            from concert_api.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(settings.duckdb_path, read_only=True)
    if backend == "redshift-data":
        if not settings.redshift_configured:
            raise ServiceNotConfigured(
                "Set REDSHIFT_DATABASE and REDSHIFT_CLUSTER_ID (or REDSHIFT_WORKGROUP_NAME) to use Redshift."
            )
        from concert_api.warehouse.redshift_data import RedshiftDataWarehouse

        return RedshiftDataWarehouse.from_settings(settings)
    if not settings.postgres_dsn:
        raise ServiceNotConfigured("Set CONCERT_POSTGRES_DSN to use the postgres warehouse backend.")
    from concert_api.warehouse.postgres import PostgresWarehouse

    return PostgresWarehouse.from_settings(settings)


def _once(role: str, build: Callable[[], T | None]) -> T | None:
    """The process-wide adapter for `role`, built on first use; a `None` result is not kept (built again next
    time, so a model trained meanwhile is picked up)."""
    adapter = _adapters.get(role)
    if adapter is None:
        with _lock:
            adapter = _adapters.get(role)
            if adapter is None:
                adapter = build()
                if adapter is not None:
                    _adapters[role] = adapter
    return cast("T | None", adapter)


def warehouse() -> Warehouse:
    """The process-wide warehouse adapter."""
    adapter = _once("warehouse", lambda: build_warehouse(get_settings()))
    assert adapter is not None
    return adapter


def build_ticket_predictor(settings: Settings) -> TicketPredictor:
    """The SageMaker endpoint's predictor when SAGEMAKER_TICKET_ENDPOINT is set, else the local model under
    `settings.model_dir` (ServiceNotConfigured, telling how to train one, when there is none)."""
    if settings.sagemaker_ticket_endpoint:
        from concert_api.ml.sagemaker_predictor import SageMakerTicketPredictor

        return SageMakerTicketPredictor(settings.sagemaker_ticket_endpoint, region=settings.aws_region)
    from concert_api.ml import artefacts  # standard library only: no numpy unless a model exists

    if artefacts.current_version_dir(settings.model_dir) is None:
        raise ServiceNotConfigured(
            f"No ticket-sales model has been trained: {artefacts.TRAIN_HINT}, or set SAGEMAKER_TICKET_ENDPOINT."
        )
    from concert_api.ml.local_predictor import LocalTicketPredictor

    return LocalTicketPredictor.from_model_dir(settings.model_dir)


def ticket_predictor() -> TicketPredictor:
    """The process-wide ticket-sales predictor (a missing model is not cached: train one and it is picked up)."""
    adapter = _once("ticket_predictor", lambda: build_ticket_predictor(get_settings()))
    assert adapter is not None
    return adapter


def build_venue_forecaster(settings: Settings) -> VenueForecaster | None:
    """The venue model: the SageMaker venue endpoint when SAGEMAKER_VENUE_ENDPOINT is set, else the local
    ticket-sales model when one is trained, else None (the venue ranking then omits the forecast)."""
    from concert_api.ml.venue_forecast import ScheduledConcertForecaster

    if settings.sagemaker_venue_endpoint:
        from concert_api.ml.sagemaker_predictor import SageMakerTicketPredictor

        endpoint = SageMakerTicketPredictor(settings.sagemaker_venue_endpoint, region=settings.aws_region)
        return ScheduledConcertForecaster(endpoint.predict, backend="sagemaker", cache_all=False)
    from concert_api.ml import artefacts

    if settings.sagemaker_ticket_endpoint or artefacts.current_version_dir(settings.model_dir) is None:
        return None
    try:
        local = ticket_predictor()
    except ServiceNotConfigured:  # a model that cannot be loaded: the ranking goes on without forecasts
        return None
    return ScheduledConcertForecaster(local.predict, backend="local", cache_all=True)


def venue_forecaster() -> VenueForecaster | None:
    """The process-wide venue forecaster, or None when no venue model is available (not cached)."""
    return _once("venue_forecaster", lambda: build_venue_forecaster(get_settings()))


def assistant() -> Assistant:
    """The process-wide chat assistant: Bedrock Agent, Bedrock Converse or the local one (see
    `services.chat.factory`). The local assistant's session store lives in the data dir."""

    def build() -> Assistant:
        from concert_api.services.chat.factory import build_assistant

        with _local_backend("chat assistant", ASSISTANT_HINT):
            return build_assistant(get_settings())

    adapter = _once("assistant", build)
    assert adapter is not None
    return adapter


def reset() -> None:
    """Forget every adapter and the cached settings (tests, and the CLI after it changes the data dir)."""
    with _lock:
        if "warehouse" in _adapters:
            _adapters["warehouse"].close()
        _adapters.clear()
    get_settings.cache_clear()


def backends(settings: Settings) -> dict[str, str]:
    """The adapters in use, by role, for `/health`."""
    from concert_api.services.chat.factory import backend_name

    return {
        "warehouse": settings.warehouse_backend,
        "predictor": _predictor_backend(settings),
        "assistant": backend_name(settings),
    }


def probes(settings: Settings) -> dict[str, Callable[[], None]]:
    """One probe per configured backend for `/health?deep=true`; each raises when its backend fails."""
    from concert_api import probes as aws

    checks: dict[str, Callable[[], None]] = {"warehouse": lambda: warehouse().ping()}
    if _predictor_configured(settings):
        checks["predictor"] = lambda: ticket_predictor().ping()
    region = settings.aws_region
    if settings.sagemaker_ticket_endpoint:
        checks["sagemaker_ticket"] = aws.sagemaker_endpoint(settings.sagemaker_ticket_endpoint, region)
    if settings.sagemaker_venue_endpoint:
        checks["sagemaker_venue"] = aws.sagemaker_endpoint(settings.sagemaker_venue_endpoint, region)
    if settings.bedrock_agent_id and settings.bedrock_agent_alias_id:  # bedrock_agent_configured, for mypy
        checks["bedrock_agent"] = aws.bedrock_agent_alias(
            settings.bedrock_agent_id, settings.bedrock_agent_alias_id, region
        )
    return checks


def _predictor_backend(settings: Settings) -> str:
    if settings.sagemaker_ticket_endpoint:
        return "sagemaker"
    return "local" if _predictor_configured(settings) else "not_configured"


def _predictor_configured(settings: Settings) -> bool:
    """A SageMaker endpoint is named, or a local model has been trained (an untrained one is not probed)."""
    from concert_api.ml import artefacts

    return bool(settings.sagemaker_ticket_endpoint) or artefacts.current_version_dir(settings.model_dir) is not None
