"""The embedded warehouse: one DuckDB file, read by many threads, replaced atomically by a load.

Reading. Each query stats the file (one cheap `os.stat`); the file's identity (device, inode, modification
time, size: `generation()`) names a *generation*: an in-memory DuckDB that ATTACHes the file. Every thread
queries through its own cursor of the current generation (DuckDB connections are not shared across threads).
When a load has swapped the file, the next query opens a new generation; the old one is closed once its last
running query finishes.

Writing. `replace_all` never touches the live file: it builds a complete new database in a temporary file
next to it (tables from `schema.ddl("duckdb")`, rows from Parquet, summary tables refreshed,
checkpointed), then `os.replace`s it over the old one. Readers see the old data or the new data, never a
mix; a failed load leaves the old file exactly as it was. The new file also holds `load_metadata` (where the
data came from, when it was loaded, the generator's settings): not part of the API's schema, read by
`concert-api data info`.

This is the only module that imports `duckdb`: the Lambda import path never loads it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.base import (
    ColumnFetch,
    ForecastScorer,
    Params,
    QueryFailed,
    QueryTimeout,
    Row,
    WarehouseUnavailable,
    param_names,
    to_driver_style,
)
from concert_api.adapters.warehouse.queries.refresh import REFRESH_STATEMENTS
from concert_api.deadline import cancel_at_deadline, remaining_seconds

log = logging.getLogger(__name__)
T = TypeVar("T")

DuckDBError = duckdb.Error
"""The base class of DuckDB's exceptions, for modules that use `scratch_connection`."""

_ALIAS = "warehouse"
NO_DATA_HINT = "run `concert-api data generate` (or `concert-api data load DIR` with your own files)"
LOAD_METADATA_TABLE = "load_metadata"
"""Key/value (JSON) facts about the load that built the file; outside `schema.TABLES`, so not in the API."""


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB, e.g. for checking files before a load."""
    return duckdb.connect(":memory:")


def sql_literal(value: str) -> str:
    """`value` as a single-quoted SQL string literal (for file paths in table functions, never for user input
    in queries: those are bound)."""
    return "'" + value.replace("'", "''") + "'"


@lru_cache(maxsize=256)
def _driver_sql(sql: str) -> tuple[str, tuple[str, ...]]:
    return to_driver_style(sql, "dollar"), tuple(dict.fromkeys(param_names(sql)))


Generation = tuple[int, int, int, int]
"""(device, inode, modification time in ns, size) of the warehouse file: new after every load."""


def _file_generation(path: Path) -> Generation:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class _Generation:
    """One opened version of the warehouse file, with a count of the queries running on it."""

    def __init__(self, path: Path, identity: Generation, read_only: bool) -> None:
        self.identity = identity
        self.lock = threading.Lock()
        self.active = 0
        self.retired = False
        self.closed = False
        self.conn = duckdb.connect(":memory:")
        try:
            mode = " (READ_ONLY)" if read_only else ""
            self.conn.execute(f"ATTACH {sql_literal(str(path))} AS {_ALIAS}{mode}")
            self.conn.execute(f"USE {_ALIAS}")
        except duckdb.Error:
            self.conn.close()
            raise

    def acquire(self) -> bool:
        with self.lock:
            if self.closed:
                return False
            self.active += 1
            return True

    def release(self) -> None:
        with self.lock:
            self.active -= 1
            if self.retired and self.active == 0:
                self._close()

    def retire(self) -> None:
        with self.lock:
            self.retired = True
            if self.active == 0:
                self._close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self.lock:
            cur = self.conn.cursor()
        cur.execute(f"USE {_ALIAS}")
        return cur

    def _close(self) -> None:
        if not self.closed:
            self.closed = True
            self.conn.close()  # also closes the threads' cursors on it


class DuckDBWarehouse:
    """The `Warehouse` and `LoadableWarehouse` on a local DuckDB file; safe for concurrent reader threads.

    `read_only` (the default) attaches the file read-only, so several processes (the local server, the CLI)
    can read it at once. `replace_all` works in either mode: it never writes into the file being read."""

    backend = "duckdb"

    def __init__(self, path: Path | str, *, read_only: bool = True) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.Lock()
        self._generation: _Generation | None = None
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"DuckDBWarehouse({str(self.path)!r}, read_only={self.read_only})"

    # --- Warehouse ----------------------------------------------------------------------------------

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run one statement with bound `:name` parameters; rows as dicts. Errors: `WarehouseUnavailable` (no
        file yet), `QueryTimeout` (past the request's deadline), `QueryFailed` (anything else; logged)."""
        driver_sql, names = _driver_sql(sql)
        params = params or {}
        missing = [n for n in names if n not in params]
        if missing:
            log.error("query parameters missing", extra={"missing": missing})
            raise QueryFailed(internal=f"missing parameters {missing}")
        bound = {n: params[n] for n in names}
        left = remaining_seconds(float("inf"))
        if left <= 0:
            raise QueryTimeout()
        generation = self._acquire()
        started = time.monotonic()
        try:
            cur = self._thread_cursor(generation)
            with cancel_at_deadline(cur.interrupt):
                cur.execute(driver_sql, bound or None)
                columns = [d[0] for d in cur.description or ()]
                rows = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        except duckdb.InterruptException as exc:
            log.warning(
                "duckdb query interrupted at the deadline", extra={"error": str(exc), "duration_ms": _ms_since(started)}
            )
            raise QueryTimeout(internal=str(exc)) from exc
        except duckdb.Error as exc:
            log.warning("duckdb query failed", extra={"error": str(exc), "sql": sql, "duration_ms": _ms_since(started)})
            raise QueryFailed(internal=str(exc)) from exc
        finally:
            generation.release()
        log.debug("warehouse statement finished", extra={"rows": len(rows), "duration_ms": _ms_since(started)})
        return rows

    def generation(self) -> Generation | None:
        """The warehouse file's version (one `os.stat`, no read), or None when there is no file: caches of what
        was read from the warehouse compare it to know that a load has replaced the data."""
        try:
            return _file_generation(self.path)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def ping(self) -> None:
        """Raise a `WarehouseError` unless the file exists and answers."""
        self.query("SELECT COUNT(*) AS n FROM venue_metrics")

    def close(self) -> None:
        """Close the open generation (queries still running on it finish first)."""
        with self._lock:
            if self._generation is not None:
                self._generation.retire()
                self._generation = None

    def table_counts(self) -> dict[str, int]:
        """Rows per table, every table of the schema (summary tables included)."""
        union = " UNION ALL ".join(f"SELECT '{t.name}' AS t, COUNT(*) AS n FROM {t.name}" for t in schema.TABLES)
        return {r["t"]: int(r["n"]) for r in self.query(union)}

    def load_metadata(self) -> dict[str, Any]:
        """What the load that built this file recorded (`replace_all(metadata=...)` plus `loaded_at`); empty
        for a file without a `load_metadata` table (built by an older version)."""
        exists = self.query(
            "SELECT COUNT(*) AS n FROM duckdb_tables() WHERE database_name = :db AND table_name = :name",
            {"db": _ALIAS, "name": LOAD_METADATA_TABLE},
        )
        if not exists[0]["n"]:
            return {}
        rows = self.query(f"SELECT key, value FROM {LOAD_METADATA_TABLE} ORDER BY key")
        return {r["key"]: json.loads(r["value"]) for r in rows}

    def _acquire(self) -> _Generation:
        while True:
            try:
                identity = _file_generation(self.path)
            except FileNotFoundError:
                # The path stays out of the message (it reaches API clients): it is in `internal`, i.e. the log.
                raise WarehouseUnavailable(
                    f"No local warehouse yet: {NO_DATA_HINT}.", internal=f"no file at {self.path}"
                ) from None
            generation = self._generation
            if generation is None or generation.identity != identity:
                generation = self._open(identity)
            if generation.acquire():
                return generation

    def _open(self, identity: Generation) -> _Generation:
        with self._lock:
            current = self._generation
            if current is not None and current.identity == identity and not current.closed:
                return current
            try:
                fresh = _Generation(self.path, identity, self.read_only)
            except duckdb.Error as exc:
                log.error("cannot open the duckdb warehouse", extra={"path": str(self.path), "error": str(exc)})
                raise WarehouseUnavailable(
                    f"The local warehouse cannot be opened; {NO_DATA_HINT} to rebuild it.",
                    internal=f"{self.path}: {exc}",
                ) from exc
            if current is not None:
                current.retire()
            self._generation = fresh
            log.info("opened duckdb warehouse", extra={"path": str(self.path), "inode": identity[1]})
            return fresh

    def _thread_cursor(self, generation: _Generation) -> duckdb.DuckDBPyConnection:
        local = self._local
        if getattr(local, "generation", None) is not generation:
            local.cursor = generation.cursor()
            local.generation = generation
        cursor: duckdb.DuckDBPyConnection = local.cursor
        return cursor

    # --- LoadableWarehouse --------------------------------------------------------------------------

    def replace_all(
        self,
        parquet_files: Mapping[str, Path],
        *,
        metadata: Mapping[str, Any] | None = None,
        forecasts: ForecastScorer | None = None,
    ) -> dict[str, int]:
        """Build a new database from Parquet files (table -> file; absent tables load empty) in a temporary
        file next to the warehouse, refresh the summary tables, score `forecasts` over the new data (when given:
        `venue_forecasts` is otherwise empty), then swap it in with `os.replace`. Returns the rows per table.
        `metadata` (JSON-serialisable values, e.g. the data's source) is stored with `loaded_at` in the new
        file's `load_metadata` table.

        On any error the old warehouse is untouched and `QueryFailed` is raised: a DuckDB error, an OSError
        (e.g. the directory is not writable or full), or a write-ahead log next to the live file (someone else
        has written to it: the swap would lose or replay their changes, so nothing is done)."""
        unknown = set(parquet_files) - {t.name for t in schema.LOADED_TABLES}
        if unknown:
            raise ValueError(f"not loaded tables: {', '.join(sorted(unknown))}")
        record = {**(metadata or {}), "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        started = time.monotonic()
        counts = self._swap_in(lambda tmp: _build(tmp, parquet_files, record, forecasts), "Loading the warehouse")
        log.info(
            "loaded duckdb warehouse", extra={"path": str(self.path), "rows": counts, "duration_ms": _ms_since(started)}
        )
        return counts

    def replace_forecasts(self, forecasts: ForecastScorer) -> int:
        """Replace `venue_forecasts` with what `forecasts` scores over the current data, in a copy of the file
        swapped in like a load (readers see the old forecasts or the new ones). Returns the rows written.
        Errors as `replace_all`; with no warehouse file, `WarehouseUnavailable`."""
        if not self.path.is_file():
            raise WarehouseUnavailable(f"No local warehouse yet: {NO_DATA_HINT}.", internal=f"no file at {self.path}")
        started = time.monotonic()

        def rebuild(tmp: Path) -> int:
            shutil.copyfile(self.path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                con.execute(schema.create_table_sql(schema.VENUE_FORECASTS, "duckdb"))
                con.execute("BEGIN TRANSACTION")
                con.execute(f"DELETE FROM {schema.VENUE_FORECASTS.name}")
                written = _write_forecasts(con, forecasts)
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
                return written
            finally:
                con.close()

        written = self._swap_in(rebuild, "Writing the venue forecasts")
        log.info("replaced venue forecasts", extra={"rows": written, "duration_ms": _ms_since(started)})
        return written

    def outdated_summaries(self) -> list[str]:
        """The summary tables whose columns are not the schema's (a file written by an older version): the
        queries that read them would fail until `refresh_summaries` or a load rebuilds them."""
        rows = self.query("SELECT table_name, column_name FROM duckdb_columns() ORDER BY table_name, column_index")
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row["table_name"], []).append(row["column_name"])
        return [t.name for t in schema.SUMMARY_TABLES if found.get(t.name) != list(t.column_names)]

    def refresh_summaries(self) -> dict[str, int]:
        """Recreate the summary tables in the schema's shape and refill them from the loaded tables, in a copy of
        the file swapped in like a load (the loaded tables and the forecasts are kept). Returns their row counts.
        Errors as `replace_all`; with no warehouse file, `WarehouseUnavailable`."""
        if not self.path.is_file():
            raise WarehouseUnavailable(f"No local warehouse yet: {NO_DATA_HINT}.", internal=f"no file at {self.path}")

        def rebuild(tmp: Path) -> dict[str, int]:
            shutil.copyfile(self.path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                con.execute("BEGIN TRANSACTION")
                for statement in [*schema.recreate_summaries_sql("duckdb"), *REFRESH_STATEMENTS]:
                    con.execute(statement)
                counts = {t.name: _count(con, t.name) for t in schema.SUMMARY_TABLES}
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
                return counts
            finally:
                con.close()

        return self._swap_in(rebuild, "Rebuilding the summary tables")

    def _swap_in(self, build: Callable[[Path], T], what: str) -> T:
        """Run `build(tmp)` to write a complete database file next to the warehouse, then `os.replace` it over
        the live file. Any failure leaves the live file untouched and raises `QueryFailed` saying `what`
        failed and what to do."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            result = build(tmp)
            _fsync(tmp)
            wal = Path(f"{self.path}.wal")
            if wal.exists():
                raise _LiveWriteAheadLog(str(wal))
            os.replace(tmp, self.path)
            _fsync(self.path.parent)
        except _LiveWriteAheadLog as exc:
            log.error("duckdb write refused: the live file has a write-ahead log", extra={"wal": str(exc)})
            raise QueryFailed(
                f"{what} failed: the warehouse file has a write-ahead log (.wal), so another "
                "program has written to it. Close that program (or open the file in duckdb and run CHECKPOINT), "
                "then try again; the previous data is unchanged.",
                internal=f"write-ahead log {exc}",
            ) from None
        except duckdb.Error as exc:
            log.error("duckdb write failed, warehouse unchanged", extra={"path": str(self.path), "error": str(exc)})
            raise QueryFailed(f"{what} failed; the previous data is unchanged.", internal=str(exc)) from exc
        except OSError as exc:
            log.error("duckdb write failed, warehouse unchanged", extra={"path": str(self.path), "error": str(exc)})
            reason = exc.strerror or type(exc).__name__
            raise QueryFailed(
                f"Writing the new warehouse file failed ({reason}); the previous data is unchanged. Check that "
                "the warehouse's directory is writable and has free space, then try again.",
                internal=f"{self.path}: {exc}",
            ) from exc
        finally:
            for leftover in (tmp, Path(f"{tmp}.wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        return result


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # table names from `schema`, never callers'
    return int(row[0]) if row else 0


class _LiveWriteAheadLog(Exception):
    """The live file has a `.wal`: someone wrote to it, so it must not be swapped."""


def _build(target: Path, parquet_files: Mapping[str, Path], metadata: Mapping[str, Any],
           forecasts: ForecastScorer | None = None) -> dict[str, int]:  # fmt: skip
    """Create every table in a new database file, fill it in one transaction, refresh, score the forecasts,
    checkpoint."""
    con = duckdb.connect(str(target))
    try:
        for statement in schema.ddl("duckdb"):
            con.execute(statement)
        con.execute(f"CREATE TABLE {LOAD_METADATA_TABLE} (key VARCHAR NOT NULL, value VARCHAR NOT NULL)")
        con.execute("BEGIN TRANSACTION")
        con.executemany(
            f"INSERT INTO {LOAD_METADATA_TABLE} VALUES (?, ?)",
            [[key, json.dumps(value, default=str)] for key, value in metadata.items()],
        )
        for spec in schema.LOADED_TABLES:
            path = parquet_files.get(spec.name)
            if path is not None:
                cols = ", ".join(spec.column_names)
                source = f"read_parquet({sql_literal(str(path))})"
                con.execute(f"INSERT INTO {spec.name} ({cols}) SELECT {cols} FROM {source}")
        for statement in REFRESH_STATEMENTS:
            con.execute(statement)
        if forecasts is not None:
            _write_forecasts(con, forecasts)
        counts: dict[str, Any] = {spec.name: _count(con, spec.name) for spec in schema.TABLES}
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        return counts
    finally:
        con.close()


def _write_forecasts(con: duckdb.DuckDBPyConnection, forecasts: ForecastScorer) -> int:
    """Insert what `forecasts` scores over `con`'s data into `venue_forecasts`; the rows written."""
    rows = forecasts(_column_fetch(con))
    if rows:
        spec = schema.VENUE_FORECASTS
        marks = ", ".join("?" for _ in spec.columns)
        con.executemany(f"INSERT INTO {spec.name} ({', '.join(spec.column_names)}) VALUES ({marks})",
                        [list(r) for r in rows])  # fmt: skip
    return len(rows)


def _column_fetch(con: duckdb.DuckDBPyConnection) -> ColumnFetch:
    """A `ColumnFetch` over `con`: numpy columns (NULLs masked), without building a Python row per result row."""

    def fetch(sql: str, params: Params) -> Mapping[str, Sequence[Any]]:
        driver_sql, names = _driver_sql(sql)
        columns: Mapping[str, Any] = con.execute(driver_sql, {n: params[n] for n in names} or None).fetchnumpy()
        return columns

    return fetch


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
