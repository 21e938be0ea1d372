"""The composition root: the one place that reads the settings to choose a backend and wires the platform.

Entry points (handlers, the local server, the CLI) ask it for what a service needs; the services and adapters
below never import it. Each adapter is built once per process, on first use (a Lambda execution environment
reuses it across invocations); an adapter that holds local data in memory is built again when the warehouse
file or the model's `current` pointer changes (one `stat` per request, see `registry`); local backends (DuckDB,
scikit-learn, ...) are imported only when chosen, so the Lambda import path never loads them.

* `warehouses`  the warehouse adapter;      * `predictors`  the ticket model and the venue forecast;
* `assistants`  the chat backend;           * `sessions`    where the chat keeps conversations;
* `health`      the backends and probes `/health` reports;  * `registry`  build-once, per process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from concert_api.composition import health as _health
from concert_api.composition.assistants import backend_name, build_assistant
from concert_api.composition.predictors import build_ticket_predictor, current_model_version, current_pointer
from concert_api.composition.registry import file_marker, forget_all, once
from concert_api.composition.sessions import build_session_store
from concert_api.composition.warehouses import build_warehouse
from concert_api.settings import Settings, get_settings

if TYPE_CHECKING:
    from concert_api.adapters.predictors.base import TicketPredictor
    from concert_api.adapters.sessions.embedded import SessionStore
    from concert_api.adapters.warehouse.base import Warehouse
    from concert_api.models import (
        PriceCurveRequest,
        PriceCurveResponse,
        TicketPredictionRequest,
        TicketPredictionResponse,
    )
    from concert_api.services.chat.assistant import Assistant
    from concert_api.services.chat.tools import ToolContext

__all__ = [
    "assistant",
    "backends",
    "build_warehouse",
    "model_generation",
    "probes",
    "reset",
    "session_store",
    "ticket_predictor",
    "tool_context",
    "warehouse",
    "warehouse_generation",
    "warm_up",
]


def warehouse_generation(settings: Settings) -> Hashable:
    """A marker of the local warehouse file's version (one `stat`), or None for a remote warehouse."""
    return file_marker(settings.duckdb_path) if settings.warehouse_backend == "duckdb" else None


def model_generation(settings: Settings) -> Hashable:
    """A marker of the local model's version (one `stat` of its `current` pointer), or None when a SageMaker
    endpoint serves."""
    if settings.sagemaker_ticket_endpoint:
        return None
    return file_marker(current_pointer(settings.model_dir))


def warehouse() -> Warehouse:
    """The process-wide warehouse adapter."""
    adapter = once("warehouse", lambda: build_warehouse(get_settings()))
    assert adapter is not None
    return adapter


def ticket_predictor() -> TicketPredictor:
    """The process-wide ticket-sales predictor, loaded again when `model train` points `current` at a new
    version (a missing model is not cached: train one and it is picked up)."""
    settings = get_settings()
    adapter = once("ticket_predictor", lambda: build_ticket_predictor(settings), key=model_generation(settings))
    assert adapter is not None
    return adapter


def predict_ticket_sales(request: TicketPredictionRequest) -> TicketPredictionResponse:
    """The ticket-prediction service over the process-wide warehouse and predictor (for the chat tools)."""
    from concert_api.services.ticket_prediction import predict_tickets

    return predict_tickets(request, warehouse=warehouse(), predictor=ticket_predictor())


def price_curve(request: PriceCurveRequest) -> PriceCurveResponse:
    """The price-curve service over the process-wide warehouse and predictor (for the chat tools)."""
    from concert_api.services.price_curve import price_curve as curve

    return curve(request, warehouse=warehouse(), predictor=ticket_predictor())


def tool_context(today: dt.date) -> ToolContext:
    """What the chat tools need for a turn on `today`: the warehouse, the prediction and price-curve services."""
    from concert_api.services.chat.tools import ToolContext

    return ToolContext(warehouse(), today=today, predict=predict_ticket_sales, price_curve=price_curve)


def assistant() -> Assistant:
    """The process-wide chat assistant: Bedrock Agent, Bedrock Converse or the local one. The local one (whose
    catalog of names comes from the warehouse) is built again when the local warehouse file changes; the
    conversations outlive it (the session store is its own adapter)."""
    settings = get_settings()

    def build() -> Assistant:
        return build_assistant(settings, warehouse=warehouse, tool_context=tool_context, sessions=session_store)

    key = warehouse_generation(settings) if backend_name(settings) == "local" else None
    adapter = once("assistant", build, key=key)
    assert adapter is not None
    return adapter


def session_store() -> SessionStore:
    """The process-wide chat session store (a SQLite file in the data dir, else memory)."""
    store = once("sessions", lambda: build_session_store(get_settings()))
    assert store is not None
    return store


def backends(settings: Settings) -> dict[str, str]:
    """The adapters in use, by role, for `/health`."""
    return _health.backends(settings)


def probes(settings: Settings) -> dict[str, Callable[[], None]]:
    """One probe per configured backend for `/health?deep=true`; each raises when its backend fails."""
    return _health.probes(settings, warehouse_ping=lambda: warehouse().ping(),
                          predictor_ping=lambda: ticket_predictor().ping(),
                          forecasts_check=lambda: _check_forecasts(settings))  # fmt: skip


def _check_forecasts(settings: Settings) -> None:
    """The venue forecasts against the served local model's version and the local data's load time (either
    unknown on AWS backends, and then not compared)."""
    from concert_api.services.health_check import check_forecasts

    adapter = warehouse()
    load_metadata = getattr(adapter, "load_metadata", None)
    loaded_at = load_metadata().get("loaded_at") if callable(load_metadata) else None
    check_forecasts(adapter, model_version=current_model_version(settings), data_loaded_at=loaded_at)


def warm_up() -> None:
    """Open the process-wide warehouse now (importing its driver, opening the file), so that a long-running
    server's first request does not pay for it; a warehouse that is not there yet is left for the first request
    to report, in the error format."""
    import contextlib

    from concert_api.errors import ApiError

    with contextlib.suppress(ApiError):
        warehouse().ping()


def reset() -> None:
    """Forget every adapter, the cached results and settings (tests, and the CLI after it changes the data dir)."""
    from concert_api.services.result_cache import results

    forget_all()
    results.clear()
    get_settings.cache_clear()
