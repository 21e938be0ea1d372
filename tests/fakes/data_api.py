"""A Redshift Data API on loopback that runs the statements on a DuckDB warehouse, with a latency per statement.

It speaks the service's wire protocol (JSON 1.1, `X-Amz-Target: RedshiftData.<Operation>`), so the real botocore
client and the project's `RedshiftDataWarehouse` adapter talk to it unchanged (point them at it with
`AWS_ENDPOINT_URL_REDSHIFT_DATA`). A statement is executed when it is submitted and reported `STARTED` by
`DescribeStatement` until `latency` seconds have passed, then `FINISHED` (or `FAILED` with DuckDB's message);
`WaitTimeSeconds` on ExecuteStatement and DescribeStatement holds the answer until the statement ends or the wait
is over, as the service does (`honour_wait=False` answers at once, without a `Status` from ExecuteStatement, as
an endpoint predating the parameter would). `calls` records every operation, so a benchmark or a test can count
statements, polls (`count("DescribeStatement")`) and round trips; `sqls` (and
`batches`, per BatchExecuteStatement) record the statements' text. With `execute=False` it only records: each
statement finishes without running (for UNLOAD and COPY, which read and write S3 and exist only on Redshift).

What Redshift does that this fake cannot: it runs DuckDB's SQL dialect, not Redshift's (the project's SQL is the
common subset, checked on PostgreSQL too); parameter values arrive as strings and are typed here by their look
(integer, decimal, ISO date), where Redshift types them by the SQL's context; results come back in one page unless
they exceed `page_rows`; there is no queueing, no concurrency limit and no statement timeout.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import duckdb
from tests.fakes.loopback import LoopbackHandler, LoopbackService

_INTEGER = re.compile(r"^-?\d{1,18}$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TYPE_NAMES = {"INTEGER": "int4", "BIGINT": "int8", "SMALLINT": "int2", "HUGEINT": "numeric", "DOUBLE": "float8",
               "FLOAT": "float4", "VARCHAR": "varchar", "DATE": "date", "BOOLEAN": "bool", "TIMESTAMP": "timestamp"}


@dataclass
class _Statement:
    id: str
    sql: str
    submitted: float
    ready_at: float
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    has_result_set: bool = False


def _typed(value: str) -> Any:
    if _INTEGER.match(value):
        return int(value)
    if _DECIMAL.match(value):
        return float(value)
    if _DATE.match(value):
        return dt.date.fromisoformat(value)
    return value


def _field(value: Any) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, decimal.Decimal):
        return {"stringValue": str(value)}
    if isinstance(value, dt.date | dt.datetime):
        return {"stringValue": value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()}
    return {"stringValue": str(value)}


class FakeDataApi(LoopbackService):
    """The fake service: `start()` it, use `url`, read `calls`, `stop()` it (or use it as a context manager)."""

    def __init__(self, duckdb_path: Path, *, latency: float = 0.2, page_rows: int = 10_000,
                 execute: bool = True, honour_wait: bool = True) -> None:  # fmt: skip
        self.duckdb_path = Path(duckdb_path)
        self.latency = latency
        self.honour_wait = honour_wait
        """False: ignore `WaitTimeSeconds` (answer at once), as an endpoint predating the parameter."""
        self.page_rows = page_rows
        self.execute = execute
        """False: record the statements (`sqls`) and finish them without running them (UNLOAD, COPY...)."""
        self.calls: list[str] = []
        self.sqls: list[str] = []
        self.batches: list[list[str]] = []
        self._statements: dict[str, _Statement] = {}
        self._lock = threading.Lock()
        self._db = duckdb.connect(str(self.duckdb_path), read_only=True)
        super().__init__()

    def statements(self) -> int:
        """How many statements were submitted (ExecuteStatement and each SQL of a BatchExecuteStatement)."""
        return len(self._statements)

    def count(self, operation: str) -> int:
        """How many calls of `operation` (e.g. "DescribeStatement") were received."""
        return self.calls.count(operation)

    def stop(self) -> None:
        super().stop()
        self._db.close()

    # --- operations ----------------------------------------------------------------------------------

    def _submit(self, sql: str, parameters: list[dict[str, str]]) -> _Statement:
        now = time.monotonic()
        statement = _Statement(id=str(uuid.uuid4()), sql=sql, submitted=now, ready_at=now + self.latency)
        self.sqls.append(sql)
        if not self.execute:
            with self._lock:
                self._statements[statement.id] = statement
            return statement
        params = {p["name"]: _typed(p["value"]) for p in parameters}
        duck_sql = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"$\1", sql)
        try:
            with self._lock:
                cursor = self._db.cursor()
            result = cursor.execute(duck_sql, params) if params else cursor.execute(duck_sql)
            if result.description:
                statement.has_result_set = True
                statement.columns = [{"name": d[0], "label": d[0], "typeName": _TYPE_NAMES.get(str(d[1]).split("(")[0],
                                      "numeric" if str(d[1]).startswith("DECIMAL") else "varchar")}
                                     for d in result.description]
                statement.rows = result.fetchall()
            cursor.close()
        except duckdb.Error as exc:
            statement.error = str(exc).splitlines()[0]
        with self._lock:
            self._statements[statement.id] = statement
        return statement

    def _hold(self, statement: _Statement, body: dict[str, Any]) -> bool:
        """Hold the answer for `WaitTimeSeconds` or until the statement ends; whether a wait was asked and honoured."""
        wait = body.get("WaitTimeSeconds")
        if not wait or not self.honour_wait:
            return False
        time.sleep(max(0.0, min(statement.ready_at, time.monotonic() + float(wait)) - time.monotonic()))
        return True

    def _status(self, statement: _Statement) -> str:
        if time.monotonic() < statement.ready_at:
            return "STARTED"
        return "FAILED" if statement.error else "FINISHED"

    def _execute_statement(self, body: dict[str, Any]) -> dict[str, Any]:
        statement = self._submit(body["Sql"], body.get("Parameters") or [])
        reply: dict[str, Any] = {"Id": statement.id, "CreatedAt": time.time(), "Database": body.get("Database")}
        if self._hold(statement, body):
            reply.update(Status=self._status(statement), HasResultSet=statement.has_result_set)
        return reply

    def _batch_execute_statement(self, body: dict[str, Any]) -> dict[str, Any]:
        self.batches.append(list(body["Sqls"]))
        ids = [self._submit(sql, []).id for sql in body["Sqls"]]
        return {"Id": ids[-1], "CreatedAt": time.time(), "Database": body.get("Database")}

    def _describe_statement(self, body: dict[str, Any]) -> dict[str, Any]:
        statement = self._statements[body["Id"]]
        self._hold(statement, body)
        status = self._status(statement)
        reply: dict[str, Any] = {"Id": statement.id, "Status": status, "HasResultSet": statement.has_result_set,
                                 "QueryString": statement.sql, "ResultRows": len(statement.rows)}
        if status == "FAILED":
            reply["Error"] = statement.error
        return reply

    def _get_statement_result(self, body: dict[str, Any]) -> dict[str, Any]:
        statement = self._statements[body["Id"]]
        start = int(body.get("NextToken") or 0)
        page = statement.rows[start:start + self.page_rows]
        reply: dict[str, Any] = {"Records": [[_field(v) for v in row] for row in page],
                                 "ColumnMetadata": statement.columns, "TotalNumRows": len(statement.rows)}
        if start + self.page_rows < len(statement.rows):
            reply["NextToken"] = str(start + self.page_rows)
        return reply

    def _cancel_statement(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Status": body["Id"] in self._statements}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self
        operations = {
            "ExecuteStatement": api._execute_statement, "BatchExecuteStatement": api._batch_execute_statement,
            "DescribeStatement": api._describe_statement, "GetStatementResult": api._get_statement_result,
            "CancelStatement": api._cancel_statement,
        }

        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                api.calls.append(operation)
                try:
                    status, reply = 200, operations[operation](body)
                except KeyError:
                    status, reply = 400, {"__type": "ResourceNotFoundException", "Message": "no such statement"}
                self.send_body(status, "application/x-amz-json-1.1", json.dumps(reply, default=str).encode())

        return Handler


@contextmanager
def fake_data_api(duckdb_path: Path, *, latency: float = 0.2, honour_wait: bool = True) -> Iterator[FakeDataApi]:
    """A running fake on loopback for the duration of the block."""
    with FakeDataApi(duckdb_path, latency=latency, honour_wait=honour_wait) as api:
        yield api
