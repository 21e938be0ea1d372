"""Which warehouse serves: DuckDB (the embedded default), the Redshift Data API or PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concert_api.composition.local_backends import WAREHOUSE_HINT, local_backend
from concert_api.errors import ServiceNotConfigured
from concert_api.settings import Settings

if TYPE_CHECKING:
    from concert_api.adapters.warehouse.base import Warehouse


def build_warehouse(settings: Settings) -> Warehouse:
    """A new warehouse adapter for the configured backend."""
    backend = settings.warehouse_backend
    if backend == "duckdb":
        with local_backend("warehouse", WAREHOUSE_HINT):
            from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(settings.duckdb_path, read_only=True)
    if backend == "redshift-data":
        if not settings.redshift_configured:
            raise ServiceNotConfigured(
                "Set REDSHIFT_DATABASE and REDSHIFT_CLUSTER_ID (or REDSHIFT_WORKGROUP_NAME) to use Redshift."
            )
        from concert_api.adapters.warehouse.redshift_data import RedshiftDataWarehouse

        return RedshiftDataWarehouse.from_settings(settings)
    if not settings.postgres_dsn:
        raise ServiceNotConfigured("Set CONCERT_POSTGRES_DSN to use the postgres warehouse backend.")
    from concert_api.adapters.warehouse.postgres import PostgresWarehouse

    return PostgresWarehouse.from_settings(settings)
