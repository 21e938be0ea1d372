"""The warehouse protocol every backend implements and its typed errors (the request deadline they honour is
`concert_api.deadline`).

SQL is written once, in the common subset of Redshift, PostgreSQL and DuckDB, with named parameters
written `:name` (the Redshift Data API's own syntax). Each backend turns them into its driver's style; values are
always bound, never formatted into the SQL. Parameters are plain str/int/float/date values; optional filters
pass `''` and the SQL tests for it. (The Redshift Data API binds neither NULL nor `''`; its adapter writes exactly
those two constants into the statement as the literals `NULL` and `''`, and binds every other value.)
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from concert_api.adapters.thread_pools import SharedPool
from concert_api.errors import DependencyError, DependencyThrottled, DependencyTimeout

Row = dict[str, Any]
Params = Mapping[str, Any]

ColumnFetch = Callable[[str, Params], Mapping[str, Sequence[Any]]]
"""Runs one statement (`:name` parameters) on the warehouse being written and returns its result as columns
(name -> values; numpy arrays on DuckDB, lists elsewhere)."""

ForecastScorer = Callable[[ColumnFetch], Sequence[tuple[Any, ...]]]
"""Batch scoring handed to a warehouse write: given a `ColumnFetch` over the data being written, the rows of
`venue_forecasts` (in its column order) computed from it. The warehouse writes them in the same swap or
transaction as the data, so forecasts and data never disagree."""

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def param_names(sql: str) -> list[str]:
    """The `:name` parameters of a statement, in order of appearance (repeats included)."""
    return _PARAM.findall(sql)


def to_driver_style(sql: str, style: str) -> str:
    """Rewrite `:name` parameters as `$name` (DuckDB) or `%(name)s` (psycopg); `::` casts are left alone."""
    if style == "dollar":
        return _PARAM.sub(r"$\1", sql)
    if style == "pyformat":
        return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
    raise ValueError(f"unknown parameter style {style!r}")


class WarehouseError(DependencyError):
    """A warehouse query failed. `statement_id` and the backend's message are logged, never returned."""

    error = "Warehouse query failed"

    def __init__(self, details: str = "", *, statement_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(details or "The warehouse could not answer; see the logs for this request id.", **kwargs)
        self.statement_id = statement_id


class QueryFailed(WarehouseError):
    """The statement ran and failed (Redshift status FAILED, an SQL error)."""


class QueryAborted(WarehouseError):
    """The statement was cancelled (Redshift status ABORTED)."""


class QueryTimeout(WarehouseError, DependencyTimeout):
    """The statement did not finish before the request's deadline."""

    error = "Warehouse query timed out"


class WarehouseThrottled(WarehouseError, DependencyThrottled):
    """The warehouse refused the call for now (ThrottlingException, too many statements)."""

    error = "Warehouse is busy"


class WarehouseAccessDenied(WarehouseError):
    """The API's role may not run this statement."""

    error = "Warehouse access denied"


class WarehouseUnavailable(WarehouseError):
    """The warehouse cannot be reached or has no data yet (e.g. the local DuckDB file does not exist)."""

    error = "Warehouse unavailable"
    status_code = 503


@runtime_checkable
class Warehouse(Protocol):
    """Read access to the concert warehouse."""

    backend: str

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run one statement with bound `:name` parameters and return its rows as dicts (column -> value)."""
        ...

    def ping(self) -> None:
        """Raise a `WarehouseError` unless the warehouse answers a trivial query."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class LoadableWarehouse(Warehouse, Protocol):
    """A warehouse that the loader can fill: all tables are replaced at once, or none is."""

    def replace_all(self, parquet_files: Mapping[str, Path]) -> dict[str, int]:
        """Atomically replace every loaded table from Parquet files (table -> path), refresh the summary
        tables, and return the row count per table. On any error the warehouse is left exactly as it was."""
        ...


# --- Decoding shared by the backends ---------------------------------------------------------------


ROUND_TRIP_BACKENDS = frozenset({"redshift-data"})
"""Backends where every statement is a network round trip of its own (the Data API: hundreds of milliseconds),
so one statement fewer in sequence is worth more than a larger statement to plan."""


def statements_are_round_trips(warehouse: Warehouse) -> bool:
    """Whether `warehouse`'s statements each cost a round trip (see `ROUND_TRIP_BACKENDS`)."""
    return warehouse.backend in ROUND_TRIP_BACKENDS


def query_side_by_side(warehouse: Warehouse, statements: Sequence[tuple[str, Params]]) -> list[list[Row]]:
    """Run independent statements at the same time and return their rows in order: on the Data API each is a
    round trip of hundreds of milliseconds, so the caller waits for one, not one per statement. Each runs in a
    copy of the caller's context, so the request's deadline bounds it; the first error is raised."""
    if len(statements) == 1:
        return [warehouse.query(*statements[0])]
    pool = _STATEMENTS.get()
    futures = [pool.submit(contextvars.copy_context().run, warehouse.query, sql, params)
               for sql, params in statements]  # fmt: skip
    return [future.result() for future in futures]


_STATEMENTS = SharedPool("warehouse-statement", 8)
"""The threads `query_side_by_side` runs statements on (apart from the adapters' own call pools, which a statement
may wait on)."""


def numeric_value(text: bytes | bytearray | memoryview | str) -> int | float:
    """A NUMERIC/DECIMAL value sent as text, as `int` when no fractional part is written (`SUM(bigint)`,
    NUMERIC(p, 0)), else `float`: the types DuckDB returns for the same expressions, so every backend gives the
    same JSON. (PostgreSQL's loader passes bytes; the Redshift Data API a `stringValue`.)"""
    raw = text if isinstance(text, str) else bytes(text).decode("ascii")
    digits = raw[1:] if raw[:1] in ("-", "+") else raw
    return int(raw) if digits.isdigit() else float(raw)


def data_generation(warehouse: Warehouse) -> Any:
    """A cheap marker of the warehouse's data version, for caches of what was read from it: the local DuckDB
    file's `generation()` (one `stat`); None for a warehouse that cannot tell (Redshift, PostgreSQL), whose
    caches then expire by time only."""
    generation = getattr(warehouse, "generation", None)
    return generation() if callable(generation) else None
