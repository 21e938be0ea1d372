"""Adapters for the concert warehouse: DuckDB (embedded default), the Redshift Data API and PostgreSQL."""

from concert_api.adapters.warehouse.base import (
    LoadableWarehouse,
    QueryAborted,
    QueryFailed,
    QueryTimeout,
    Row,
    Warehouse,
    WarehouseAccessDenied,
    WarehouseError,
    WarehouseThrottled,
    WarehouseUnavailable,
)

__all__ = [
    "LoadableWarehouse",
    "QueryAborted",
    "QueryFailed",
    "QueryTimeout",
    "Row",
    "Warehouse",
    "WarehouseAccessDenied",
    "WarehouseError",
    "WarehouseThrottled",
    "WarehouseUnavailable",
]
