"""The `postgres` warehouse backend: PostgreSQL, or Amazon Redshift over its PostgreSQL wire protocol.

Queries run on a `psycopg_pool.ConnectionPool`, one short transaction each, with `SET LOCAL statement_timeout`
taken from the request's deadline, so a slow query is cancelled by the server and surfaces as `QueryTimeout`.
Parameters are bound by psycopg (`:name` becomes `%(name)s`); rows come back as dicts, NUMERIC as a number.

The same class reaches Redshift: point the DSN at the cluster endpoint (port 5439, `sslmode=require`).
Redshift is detected from the host name (`*.redshift.amazonaws.com`, `*.redshift-serverless.amazonaws.com`)
or set with `redshift=True`; it then avoids what Redshift lacks: prepared statements (and the `DEALLOCATE ALL`
psycopg issues), `TRUNCATE` inside a transaction (Redshift commits it at once) and `COPY FROM STDIN`.

psycopg, psycopg_pool and pyarrow are imported only when first needed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import (
    ForecastScorer,
    Params,
    QueryFailed,
    QueryTimeout,
    Row,
    WarehouseAccessDenied,
    WarehouseError,
    WarehouseUnavailable,
    numeric_value,
    param_names,
    to_driver_style,
)
from concert_api.adapters.warehouse.queries.refresh import REFRESH_STATEMENTS
from concert_api.deadline import remaining_seconds

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

    from concert_api.settings import Settings

logger = logging.getLogger(__name__)

_REDSHIFT_HOST_SUFFIXES = (".redshift.amazonaws.com", ".redshift-serverless.amazonaws.com")
_INSERT_MAX_PARAMS = 30_000
"""Rows per multi-row INSERT on Redshift are bounded by its 32,767 bind parameters per statement."""
_BATCH_ROWS = 50_000


def _looks_like_redshift(dsn: str) -> bool:
    from psycopg.conninfo import conninfo_to_dict

    try:
        host = str(conninfo_to_dict(dsn).get("host") or "")
    except Exception:
        return False
    return any(h.strip().lower().endswith(_REDSHIFT_HOST_SUFFIXES) for h in host.split(","))


class PostgresWarehouse:
    """The concert warehouse on PostgreSQL (or Redshift over the wire), with a psycopg 3 connection pool.

    `dsn` is a libpq connection string or URL. The pool opens on first use and holds up to `max_size`
    connections. `redshift` forces (True) or disables (False) the Redshift dialect; by default it is detected
    from the host name."""

    backend = "postgres"

    def __init__(
        self,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 4,
        default_timeout: float = 25.0,
        connect_timeout: float = 5.0,
        redshift: bool | None = None,
        application_name: str = "concert-api",
    ) -> None:
        if not dsn:
            raise ValueError("the postgres backend needs a DSN (CONCERT_POSTGRES_DSN)")
        self.dsn = dsn
        self.min_size = min_size
        self.max_size = max_size
        self.default_timeout = default_timeout
        self.connect_timeout = connect_timeout
        self.application_name = application_name
        self.redshift = _looks_like_redshift(dsn) if redshift is None else redshift
        self._pool: ConnectionPool[Any] | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> PostgresWarehouse:
        """Build the backend from the settings (CONCERT_POSTGRES_DSN, CONCERT_QUERY_TIMEOUT_SECONDS)."""
        kwargs: dict[str, Any] = {
            "dsn": settings.postgres_dsn or "",
            "default_timeout": settings.query_timeout_seconds,
        }
        kwargs.update(overrides)
        return cls(**kwargs)

    @property
    def dialect(self) -> schema.Dialect:
        """The DDL dialect of the server behind the DSN."""
        return "redshift" if self.redshift else "postgres"

    # --- the pool -----------------------------------------------------------------------------------

    @property
    def pool(self) -> ConnectionPool[Any]:
        """The connection pool, opened on first use."""
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    from psycopg_pool import ConnectionPool

                    self._pool = ConnectionPool(
                        self.dsn,
                        min_size=self.min_size,
                        max_size=self.max_size,
                        kwargs={
                            "autocommit": False,
                            "connect_timeout": max(1, round(self.connect_timeout)),
                            "application_name": self.application_name,
                            # Redshift has no server-side prepared statements to reuse (nor DEALLOCATE ALL).
                            "prepare_threshold": None if self.redshift else 5,
                        },
                        configure=_configure_connection,
                        # One empty round trip per checkout: a connection the server dropped (restart,
                        # idle timeout) is replaced instead of failing the request.
                        check=ConnectionPool.check_connection,
                        timeout=self.connect_timeout,
                        name="concert-warehouse",
                        open=True,
                    )
        return self._pool

    def close(self) -> None:
        """Close the pool and its connections (a new pool opens on the next query)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # --- the Warehouse protocol ---------------------------------------------------------------------

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run one statement with bound `:name` parameters in its own transaction and return rows as dicts.

        The server cancels it when the request's deadline passes (`QueryTimeout`); a connection failure is
        `WarehouseUnavailable`, any other database error `QueryFailed`."""
        budget = remaining_seconds(self.default_timeout)
        if budget <= 0:
            raise QueryTimeout(internal="no time left before the request's deadline")
        bound = _bound_params(sql, params)
        statement = to_driver_style(sql, "pyformat")
        started = time.monotonic()
        try:
            from psycopg.rows import dict_row

            with self.pool.connection(timeout=min(budget, self.connect_timeout)) as conn, conn.transaction():
                _set_statement_timeout(conn, budget)
                with conn.cursor(row_factory=dict_row) as cur:
                    cur.execute(statement, bound)
                    rows: list[Row] = cur.fetchall() if cur.description else []
        except Exception as exc:
            mapped = _map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        logger.info("warehouse statement finished", extra={"rows": len(rows), "duration_ms": _ms_since(started)})
        return rows

    def ping(self) -> None:
        """Raise a `WarehouseError` unless the server answers `SELECT 1`."""
        self.query("SELECT 1 AS ok")

    # --- the LoadableWarehouse protocol -------------------------------------------------------------

    def replace_all(
        self, parquet_files: Mapping[str, Path], *, forecasts: ForecastScorer | None = None
    ) -> dict[str, int]:
        """Replace every loaded table from Parquet files (table -> path; absent tables load empty) in ONE
        transaction, refresh the summary tables, score `forecasts` over the new data into `venue_forecasts`
        (when given), and return the rows per table (summary tables included).

        Creates missing tables, empties every table (TRUNCATE on PostgreSQL, DELETE on Redshift), streams
        the rows in (COPY on PostgreSQL, multi-row INSERT on Redshift), runs `REFRESH_STATEMENTS`, `ANALYZE`s
        the tables (PostgreSQL) and commits. Any error rolls everything back, leaving the database exactly as
        it was, and raises `QueryFailed` (or `WarehouseUnavailable`). No deadline: loading is not a request. On
        PostgreSQL, readers wait on the TRUNCATE's lock until the commit."""
        plan = _load_plan(parquet_files)
        counts: dict[str, int] = {}
        started = time.monotonic()
        try:
            with self._write_transaction() as cur:
                for create in schema.ddl(self.dialect):
                    cur.execute(create)
                names = [t.name for t in schema.TABLES]
                if self.redshift:  # Redshift's TRUNCATE commits the transaction: DELETE stays atomic
                    for name in reversed(names):
                        cur.execute(f"DELETE FROM {name}")  # names from schema, not from callers
                else:
                    cur.execute(f"TRUNCATE {', '.join(names)}")
                for spec, path in plan:
                    if path is not None:
                        (_insert_table if self.redshift else _copy_table)(cur, spec, path)
                for refresh in [*schema.recreate_summaries_sql(self.dialect), *REFRESH_STATEMENTS]:
                    cur.execute(refresh)
                if forecasts is not None:
                    _write_forecasts(cur, forecasts)
                if not self.redshift:
                    # Fresh planner statistics, inside the transaction: they commit with the data, and
                    # a failure here rolls everything back like any other (Redshift analyzes by itself).
                    cur.execute(_analyze_sql(names))
                for name in names:
                    row = cur.execute(f"SELECT COUNT(*) FROM {name}").fetchone()
                    counts[name] = int(row[0]) if row else 0
        except Exception as exc:
            mapped = _map_error(exc)
            if mapped is None:
                raise
            logger.error(
                "warehouse load rolled back, previous data unchanged",
                extra={"error": mapped.internal, "duration_ms": _ms_since(started)},
            )
            if isinstance(mapped, QueryFailed):
                mapped = QueryFailed(
                    "Loading the warehouse failed; the previous data is unchanged.", internal=mapped.internal
                )
            raise mapped from exc
        logger.info("warehouse loaded", extra={"rows": counts, "duration_ms": _ms_since(started)})
        return counts


    @contextlib.contextmanager
    def _write_transaction(self) -> Iterator[Any]:
        """A cursor in one transaction with no statement timeout (loading and scoring are not requests): all of
        it commits, or none of it."""
        with (
            self.pool.connection(timeout=max(self.connect_timeout, 30.0)) as conn,
            conn.transaction(),
            conn.cursor() as cur,
        ):
            cur.execute("SET LOCAL statement_timeout = 0")
            yield cur

    def replace_forecasts(self, forecasts: ForecastScorer) -> int:
        """Replace `venue_forecasts` with what `forecasts` scores over the current data, in one transaction
        (readers see the old forecasts or the new ones). Returns the rows written; errors as `replace_all`."""
        started = time.monotonic()
        try:
            with self._write_transaction() as cur:
                cur.execute(schema.create_table_sql(schema.VENUE_FORECASTS, self.dialect))
                cur.execute(f"DELETE FROM {schema.VENUE_FORECASTS.name}")
                written = _write_forecasts(cur, forecasts)
        except Exception as exc:
            mapped = _map_error(exc)
            if mapped is None:
                raise
            logger.error("venue forecasts rolled back, previous forecasts unchanged", extra={"error": mapped.internal})
            raise mapped from exc
        logger.info("venue forecasts replaced", extra={"rows": written, "duration_ms": _ms_since(started)})
        return written


# --- helpers -----------------------------------------------------------------------------------------


def _write_forecasts(cur: Any, forecasts: ForecastScorer) -> int:
    """Insert what `forecasts` scores over the cursor's transaction into `venue_forecasts`; the rows written."""

    def fetch(sql_text: str, params: Params) -> dict[str, list[Any]]:
        cur.execute(to_driver_style(sql_text, "pyformat"), _bound_params(sql_text, params))
        names = [d.name for d in cur.description or ()]
        rows = cur.fetchall()
        return {name: [row[i] for row in rows] for i, name in enumerate(names)}

    rows = forecasts(fetch)
    if rows:
        spec = schema.VENUE_FORECASTS
        marks = ", ".join("%s" for _ in spec.columns)
        cur.executemany(f"INSERT INTO {spec.name} ({', '.join(spec.column_names)}) VALUES ({marks})",
                        [tuple(r) for r in rows])  # fmt: skip
    return len(rows)


def _configure_connection(conn: Connection[Any]) -> None:
    """Per-connection setup: NUMERIC loads as int or float like on the other backends (`numeric_value`)."""
    conn.adapters.register_loader("numeric", _numeric_loader())


@functools.cache
def _numeric_loader() -> type:
    from psycopg.adapt import Loader

    class NumericAsNumberLoader(Loader):
        def load(self, data: Any) -> int | float:
            return numeric_value(data)

    return NumericAsNumberLoader


def _analyze_sql(tables: list[str]) -> str:
    """`ANALYZE` of the warehouse's own tables only (a bare ANALYZE would scan every table of the database)."""
    return f"ANALYZE {', '.join(tables)}"  # names from schema, not from callers


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _set_statement_timeout(conn: Connection[Any], seconds: float) -> None:
    """`SET LOCAL statement_timeout` for this transaction (an integer we computed, never caller data)."""
    from psycopg import sql

    ms = max(1, int(seconds * 1000))
    conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(ms)))


def _bound_params(sql_text: str, params: Params | None) -> dict[str, Any]:
    """Exactly the parameters the statement uses; a missing one is a programming error."""
    params = params or {}
    names = set(param_names(sql_text))
    missing = sorted(n for n in names if n not in params)
    if missing:
        raise ValueError(f"missing value for parameter(s): {', '.join(missing)}")
    return {n: params[n] for n in names}


def _load_plan(parquet_files: Mapping[str, Path]) -> list[tuple[schema.Table, Path | None]]:
    """The loaded tables in load order with their files (None: load it empty); unknown tables are refused."""
    unknown = set(parquet_files) - {t.name for t in schema.LOADED_TABLES}
    if unknown:
        raise ValueError(f"not loaded tables: {', '.join(sorted(unknown))}")
    return [
        (t, Path(parquet_files[t.name]) if parquet_files.get(t.name) is not None else None)
        for t in schema.LOADED_TABLES
    ]


def _parquet_rows(spec: schema.Table, path: Path) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of row tuples in the table's column order, read from a Parquet file with pyarrow."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path)
    available = set(file.schema_arrow.names)
    absent = [c for c in spec.column_names if c not in available]
    if absent:
        raise ValueError(f"{path}: no column(s) {', '.join(absent)} for table {spec.name}")
    dates = [i for i, c in enumerate(spec.columns) if c.type == "date"]
    for batch in file.iter_batches(batch_size=_BATCH_ROWS, columns=spec.column_names):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for i in dates:  # a date stored as a timestamp keeps only its date
            columns[i] = [v.date() if isinstance(v, datetime) else v for v in columns[i]]
        yield list(zip(*columns, strict=True))


def _copy_table(cur: Any, spec: schema.Table, path: Path) -> int:
    """Stream one table in with `COPY ... FROM STDIN` (PostgreSQL)."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(spec.name), sql.SQL(", ").join(sql.Identifier(c) for c in spec.column_names)
    )
    count = 0
    with cur.copy(statement) as copy:
        for rows in _parquet_rows(spec, path):
            for row in rows:
                copy.write_row(row)
            count += len(rows)
    return count


def _insert_table(cur: Any, spec: schema.Table, path: Path) -> int:
    """Insert one table with bound multi-row INSERTs (Redshift over the wire: no COPY FROM STDIN).

    Fine for the small data sets a wire-protocol load is meant for; at scale, load Redshift with `COPY`
    from S3 instead."""
    from psycopg import sql

    width = len(spec.columns)
    per_statement = max(1, min(1000, _INSERT_MAX_PARAMS // width))
    row_sql = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * width))
    head = sql.SQL("INSERT INTO {} ({}) VALUES ").format(
        sql.Identifier(spec.name), sql.SQL(", ").join(sql.Identifier(c) for c in spec.column_names)
    )
    count = 0
    for rows in _parquet_rows(spec, path):
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cur.execute(head + sql.SQL(", ").join([row_sql] * len(chunk)), [v for row in chunk for v in row])
        count += len(rows)
    return count


def _map_error(exc: Exception) -> WarehouseError | None:
    """The typed warehouse error for a psycopg exception; None for anything else (raised as it is)."""
    import psycopg
    from psycopg import errors

    if not isinstance(exc, psycopg.Error):
        return None
    sqlstate = getattr(exc, "sqlstate", None)
    internal = f"{type(exc).__name__}({sqlstate}): {exc}".strip()
    error: WarehouseError
    if isinstance(exc, errors.QueryCanceled):
        error = QueryTimeout(internal=internal)
    elif isinstance(exc, errors.InsufficientPrivilege | errors.InvalidAuthorizationSpecification):
        error = WarehouseAccessDenied(internal=internal)
    elif isinstance(exc, psycopg.OperationalError):  # connection refused or lost, pool timeout, shutdown
        error = WarehouseUnavailable(internal=internal)
    else:
        error = QueryFailed(internal=internal)
    logger.warning("warehouse call failed", extra={"error": internal, "sqlstate": sqlstate})
    return error


__all__ = ["PostgresWarehouse", "numeric_value"]
