"""The one place that turns settings into adapters: which warehouse, predictor and assistant serve.

Adapters are built on first use and kept for the life of the process (a Lambda execution environment reuses
them across invocations). Local backends (DuckDB, scikit-learn, ...) are imported here, inside the function
that builds them, so the Lambda import path never loads them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from concert_api.errors import ServiceNotConfigured
from concert_api.settings import Settings, get_settings

if TYPE_CHECKING:
    from concert_api.warehouse.base import Warehouse

_lock = threading.Lock()
_warehouse: Warehouse | None = None


def build_warehouse(settings: Settings) -> Warehouse:
    """A new warehouse adapter for the configured backend."""
    backend = settings.warehouse_backend
    if backend == "duckdb":
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


def warehouse() -> Warehouse:
    """The process-wide warehouse adapter."""
    global _warehouse
    if _warehouse is None:
        with _lock:
            if _warehouse is None:
                _warehouse = build_warehouse(get_settings())
    return _warehouse


def reset() -> None:
    """Forget every adapter and the cached settings (tests, and the CLI after it changes the data dir)."""
    global _warehouse
    with _lock:
        if _warehouse is not None:
            _warehouse.close()
        _warehouse = None
    get_settings.cache_clear()


def backends(settings: Settings) -> dict[str, str]:
    """The adapters in use, by role, for `/health`."""
    return {"warehouse": settings.warehouse_backend}


def probes(settings: Settings) -> dict[str, Callable[[], None]]:
    """One probe per configured backend for `/health?deep=true`; each raises when its backend fails."""
    return {"warehouse": lambda: warehouse().ping()}
