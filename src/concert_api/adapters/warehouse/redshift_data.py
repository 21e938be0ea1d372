"""The `redshift-data` warehouse backend: Amazon Redshift (provisioned or Serverless) via its Data API.

The Data API is asynchronous: `ExecuteStatement` returns a statement id, `DescribeStatement` reports its progress
(SUBMITTED, PICKED, STARTED, then FINISHED, FAILED or ABORTED) and `GetStatementResult` pages through the rows.
Both `ExecuteStatement` and `DescribeStatement` accept `WaitTimeSeconds` (1-30): the service holds the answer until
the statement ends or the wait is over, so a statement usually costs two round trips (ExecuteStatement answering
FINISHED, GetStatementResult) and no DescribeStatement at all, and finishes as soon as Redshift is done instead of
at the next poll. The wait asked for always fits the call's read timeout and the request's deadline. An endpoint
that answers an unfinished statement before the wait is over (an older endpoint, a fake) is polled on a schedule
shaped to Data API latencies: every `poll_interval` (50 ms) during the statement's first `poll_fine_seconds`
(1 s), then capped exponential backoff with jitter up to `poll_max` (1 s). The statement is cancelled when the
request's deadline (`base.remaining_seconds`) passes; the typed fields are decoded by the result's
`ColumnMetadata`, and every failure becomes a typed `WarehouseError` carrying the statement id.

The deadline bounds every HTTP call too, not only the polling: the client has short timeouts (connect 1 s,
read 3 s, 2 attempts), no call starts with less than `min_call_seconds` left, and each call is waited for at
most until the deadline (it runs on a worker of a small shared pool, `MAX_CALL_WORKERS` threads reused across
calls and requests; one still running at the deadline is abandoned and ends by its own timeouts, and a call
still queued then is never sent). A call that times out at or after the deadline is `QueryTimeout` (504), one
that times out before it `WarehouseUnavailable` (503).

Parameters are always bound (`Parameters=[{"name", "value"}]`, values sent as strings that Redshift converts).
The Data API rejects two values a query may need: an empty string (`SqlParameter.value` has a minimum length
of 1; botocore refuses it before sending) and NULL (the Data API would bind the string "NULL"). A parameter
whose value is `''` or `None` is therefore written into the statement as the constant literal `''` or `NULL`.
Those two literals are fixed text, never caller data: everything else is bound.

Import cost matters on Lambda: boto3 and botocore are imported only when the client is first needed.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from concert_api.adapters.aws_clients import deadline_client
from concert_api.adapters.thread_pools import SharedPool
from concert_api.adapters.warehouse.base import (
    _PARAM,
    Params,
    QueryAborted,
    QueryFailed,
    QueryTimeout,
    Row,
    WarehouseAccessDenied,
    WarehouseError,
    WarehouseThrottled,
    WarehouseUnavailable,
    numeric_value,
    param_names,
)
from concert_api.deadline import remaining_seconds

if TYPE_CHECKING:
    from concert_api.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Redshift's typeName values (ColumnMetadata.typeName) whose values arrive as strings but mean something else.
_DATE_TYPES = frozenset({"date"})
_TIMESTAMP_TYPES = frozenset(
    {"timestamp", "timestamptz", "timestamp without time zone", "timestamp with time zone"}
)
_NUMERIC_TYPES = frozenset({"numeric", "decimal"})

_THROTTLED_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ActiveStatementsExceededException",
        "ActiveSessionsExceededException",
        "ActiveWaitingRequestsExceededException",
    }
)
_DENIED_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
    }
)
_UNAVAILABLE_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "DatabaseConnectionException",
        "ExecuteStatementException",  # "an environmental error while running"
        "InternalServerException",
        "ServiceUnavailableException",
    }
)

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0
MAX_ATTEMPTS = 2
"""The client's defaults: a Data API call normally answers in tens of milliseconds, so a few seconds without an
answer means the endpoint is in trouble; two attempts (one retry, also of throttling) at most."""
MIN_CALL_SECONDS = 0.05
"""No call starts with less time than this left before the deadline: it could not finish in it."""
POLL_INTERVAL = 0.05
POLL_FINE_SECONDS = 1.0
POLL_MAX = 1.0
"""The polling schedule for an endpoint that does not hold its answer (`WaitTimeSeconds`): a statement on the Data
API typically takes from a hundred milliseconds to a second, so it is polled every 50 ms during its first second
(a short statement is seen within 50 ms of its end), then with exponential backoff from 100 ms, capped at 1 s
(a long one costs about one DescribeStatement a second)."""
MAX_WAIT_SECONDS = 2
WAIT_MARGIN_SECONDS = 0.5
"""`WaitTimeSeconds` asked of the service: at most 2 s, and at least `WAIT_MARGIN_SECONDS` short of the call's
read timeout (cut to the deadline), so the held answer always arrives before the client gives up on it."""
MAX_CALL_WORKERS = 16
"""Threads of the shared pool the HTTP calls run on (reused; a Lambda runs one request at a time, a local server
a few, each with one call in flight per statement)."""
CANCEL_WAIT_SECONDS = 0.3
"""How long the best-effort CancelStatement (sent at the deadline) is waited for; the Lambda entry point's
deadline leaves 0.5 s before the function's own timeout."""

_TERMINAL_FAILURES = {"FAILED": QueryFailed, "ABORTED": QueryAborted}


def encode_value(value: Any) -> str:
    """A parameter value as the string the Data API sends (Redshift converts it to the column's type)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal | str):
        return str(value)
    raise TypeError(f"cannot bind a {type(value).__name__} as a warehouse parameter")


def bind(sql: str, params: Params | None) -> tuple[str, list[dict[str, str]]]:
    """The statement and the Data API `Parameters` for it: one entry per distinct `:name` in the SQL.

    Names the SQL does not use are dropped (the Data API rejects unused parameters). `''` and `None`, which
    the Data API cannot bind, become the literals `''` and `NULL` in the statement."""
    params = params or {}
    missing = sorted({n for n in param_names(sql) if n not in params})
    if missing:
        raise ValueError(f"missing value for parameter(s): {', '.join(missing)}")

    def inline(match: Any) -> str:
        value = params[match.group(1)]
        if value is None:
            return "NULL"
        if isinstance(value, str) and value == "":
            return "''"
        return str(match.group(0))

    bound_sql = _PARAM.sub(inline, sql)
    names = list(dict.fromkeys(param_names(bound_sql)))
    return bound_sql, [{"name": n, "value": encode_value(params[n])} for n in names]


def decode_field(field: Mapping[str, Any], type_name: str) -> Any:
    """One `Field` of a `GetStatementResult` record as a Python value, guided by the column's `typeName`.

    DATE arrives as a string and becomes `datetime.date`; TIMESTAMP becomes `datetime` when it parses;
    NUMERIC/DECIMAL arrive as strings and become float, or int when no fractional part is written
    (NUMERIC(p, 0)), as on the other backends."""
    if field.get("isNull") is True:
        return None
    if "stringValue" in field:
        text: str = field["stringValue"]
        kind = type_name.lower()
        if kind in _DATE_TYPES:
            return date.fromisoformat(text)
        if kind in _NUMERIC_TYPES:
            return numeric_value(text)
        if kind in _TIMESTAMP_TYPES:
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                return text
        return text
    if "longValue" in field:
        return int(field["longValue"])
    if "doubleValue" in field:
        return float(field["doubleValue"])
    if "booleanValue" in field:
        return bool(field["booleanValue"])
    if "blobValue" in field:
        return bytes(field["blobValue"])
    if field.get("isNull") is False:  # a union with only isNull=false: an empty value
        return None
    raise ValueError(f"unknown Data API field {sorted(field)}")


def column_names(metadata: list[Mapping[str, Any]]) -> list[str]:
    """Result column names: the label (the SQL alias) when the Data API sends one, else the name."""
    return [str(c.get("label") or c.get("name") or f"column{i}") for i, c in enumerate(metadata)]


class RedshiftDataWarehouse:
    """The concert warehouse on Amazon Redshift through the Data API (`boto3.client("redshift-data")`).

    Connect to a provisioned cluster (`cluster_identifier`, authenticated with `secret_arn`, `db_user`
    (temporary credentials) or neither (the caller's IAM identity)) or to a Serverless workgroup
    (`workgroup_name`, with `secret_arn` or the IAM identity). `max_wait_seconds` is the longest
    `WaitTimeSeconds` asked of the service (0: never ask; poll only). `clock`, `sleep` and `jitter` are for
    tests."""

    backend = "redshift-data"

    def __init__(
        self,
        *,
        database: str,
        cluster_identifier: str | None = None,
        workgroup_name: str | None = None,
        db_user: str | None = None,
        secret_arn: str | None = None,
        region: str | None = None,
        default_timeout: float = 25.0,
        client: Any | None = None,
        poll_interval: float = POLL_INTERVAL,
        poll_fine_seconds: float = POLL_FINE_SECONDS,
        poll_max: float = POLL_MAX,
        max_wait_seconds: int = MAX_WAIT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        min_call_seconds: float = MIN_CALL_SECONDS,
        cancel_wait_seconds: float = CANCEL_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if not database:
            raise ValueError("the Redshift Data API needs a database name (REDSHIFT_DATABASE)")
        if bool(cluster_identifier) == bool(workgroup_name):
            raise ValueError("set exactly one of REDSHIFT_CLUSTER_ID and REDSHIFT_WORKGROUP_NAME")
        if workgroup_name and db_user:
            raise ValueError(
                "REDSHIFT_DB_USER applies to provisioned clusters only, not to a Serverless workgroup"
            )
        if db_user and secret_arn:
            raise ValueError("set REDSHIFT_DB_USER or REDSHIFT_SECRET_ARN, not both")
        self.database = database
        self.cluster_identifier = cluster_identifier
        self.workgroup_name = workgroup_name
        self.db_user = db_user
        self.secret_arn = secret_arn
        self.region = region
        self.default_timeout = default_timeout
        self.poll_interval = poll_interval
        self.poll_fine_seconds = poll_fine_seconds
        self.poll_max = poll_max
        self.max_wait_seconds = max_wait_seconds
        self.min_call_seconds = min_call_seconds
        self.cancel_wait_seconds = cancel_wait_seconds
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self._client = client
        self._client_lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RedshiftDataWarehouse:
        """Build the backend from the platform settings (the guide's REDSHIFT_* variables)."""
        kwargs: dict[str, Any] = {
            "database": settings.redshift_database or "",
            "cluster_identifier": settings.redshift_cluster_id,
            "workgroup_name": settings.redshift_workgroup_name,
            "db_user": settings.redshift_db_user,
            "secret_arn": settings.redshift_secret_arn,
            "region": settings.aws_region,
            "default_timeout": settings.query_timeout_seconds,
        }
        kwargs.update(overrides)
        return cls(**kwargs)

    # --- the client ---------------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The `redshift-data` client, created on first use (boto3 is imported only then)."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    # Timeouts and retries cut to the request's deadline; an operation is looked up (`getattr`)
                    # on the caller's thread, where the deadline is known, then run on the worker thread.
                    self._client = deadline_client(
                        "redshift-data",
                        region=self.region,
                        connect_timeout=self.connect_timeout,
                        read_timeout=self.read_timeout,
                        max_attempts=self.max_attempts,
                        default_seconds=self.default_timeout,
                    )
        return self._client

    def _target(self) -> dict[str, str]:
        target = {"Database": self.database}
        if self.cluster_identifier:
            target["ClusterIdentifier"] = self.cluster_identifier
        if self.workgroup_name:
            target["WorkgroupName"] = self.workgroup_name
        if self.db_user:
            target["DbUser"] = self.db_user
        if self.secret_arn:
            target["SecretArn"] = self.secret_arn
        return target

    # --- the Warehouse protocol ---------------------------------------------------------------------

    def query(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run one statement with bound `:name` parameters and return its rows as dicts.

        Raises `QueryTimeout` (after cancelling the statement) when the request's deadline passes,
        `QueryFailed`, `QueryAborted`, `WarehouseThrottled`, `WarehouseAccessDenied` or
        `WarehouseUnavailable` otherwise; each carries the statement id when there is one."""
        started = self._clock()
        deadline_at = started + remaining_seconds(self.default_timeout)
        bound_sql, parameters = bind(sql, params)
        request: dict[str, Any] = {"Sql": bound_sql, **self._target()}
        if parameters:
            request["Parameters"] = parameters

        statement_id, description = self._submit("ExecuteStatement", request, deadline_at)
        rows = self._fetch(statement_id, deadline_at) if description.get("HasResultSet") else []
        extra: dict[str, Any] = {
            "statement_id": statement_id,
            "rows": len(rows),
            "duration_ms": round((self._clock() - started) * 1000, 1),
        }
        if "Duration" in description:  # (an ExecuteStatement that answered FINISHED does not say)
            extra["redshift_duration_ms"] = round(description["Duration"] / 1e6, 1)
        logger.info("warehouse statement finished", extra=extra)
        return rows

    def ping(self) -> None:
        """Raise a `WarehouseError` unless Redshift answers `SELECT 1`."""
        self.query("SELECT 1 AS ok")

    def execute_in_transaction(self, statements: Sequence[str]) -> str:
        """Run `statements` (no parameters) as one BatchExecuteStatement: a single transaction, all or nothing
        (the batch scoring's load of `venue_forecasts`). Returns the statement id; errors as `query`."""
        deadline_at = self._clock() + remaining_seconds(self.default_timeout)
        request = {"Sqls": list(statements), **self._target()}
        statement_id, _ = self._submit("BatchExecuteStatement", request, deadline_at)
        return statement_id

    def close(self) -> None:
        """Close the boto3 client's connections (a new client is created on the next query)."""
        client, self._client = self._client, None
        if client is not None and hasattr(client, "close"):
            client.close()

    # --- internals ----------------------------------------------------------------------------------

    def _submit(self, operation: str, request: dict[str, Any], deadline_at: float) -> tuple[str, dict[str, Any]]:
        """Send the statement(s), asking the service to hold its answer until they end, and wait for the end.

        Returns the statement id and the description of the finished statement (the ExecuteStatement answer
        itself when that says FINISHED). A statement we stop waiting for (deadline, throttling, an endpoint
        gone) is cancelled."""
        submitted = self._clock()
        wait = self._wait_seconds(deadline_at)
        if wait:
            request = {**request, "WaitTimeSeconds": wait}
        answer = self._call(operation, None, request, deadline_at)
        statement_id: str = answer["Id"]
        status = answer.get("Status")
        if status == "FINISHED":
            return statement_id, answer
        # A failure is described once for its error; an unfinished statement the service held for the whole
        # wait is polled again at once; one answered early (no wait honoured) after the schedule's pause.
        held = status is not None and self._held(wait, submitted)
        try:
            description = self._wait(
                statement_id, deadline_at, submitted, pause_first=status not in _TERMINAL_FAILURES and not held
            )
        except (QueryTimeout, WarehouseThrottled, WarehouseUnavailable):
            self._cancel(statement_id)  # we stop watching it: do not leave it running
            raise
        return statement_id, description

    def _wait_seconds(self, deadline_at: float) -> int | None:
        """The `WaitTimeSeconds` to ask for in a call made now, or None when no whole second fits.

        The call's read timeout is cut to the deadline as `deadline.call_budget` cuts it (a quarter of the time
        left for connecting, the rest for reading); the wait stays `WAIT_MARGIN_SECONDS` short of it."""
        if self.max_wait_seconds < 1:
            return None
        left = deadline_at - self._clock()
        connect = min(self.connect_timeout, max(left / 4, 0.0))
        read = min(self.read_timeout, left - connect)
        wait = math.floor(min(float(self.max_wait_seconds), read - WAIT_MARGIN_SECONDS))
        return wait if wait >= 1 else None

    def _held(self, wait: int | None, asked_at: float) -> bool:
        """Whether the service held an unfinished answer for the whole wait asked for (then poll again at once)."""
        return wait is not None and self._clock() - asked_at >= wait * 0.9

    def _pause(self, submitted: float, delay: float) -> tuple[float, float]:
        """The pause before the next poll of an endpoint that answers at once, and the next backoff delay:
        `poll_interval` during the statement's first `poll_fine_seconds`, then "equal jitter" backoff (between
        half and all of `delay`, which doubles up to `poll_max`)."""
        if self._clock() - submitted < self.poll_fine_seconds - 1e-9:  # (sums of 50 ms pauses round)
            return self.poll_interval, delay
        return delay * (0.5 + 0.5 * self._jitter()), min(delay * 2, self.poll_max)

    def _wait(self, statement_id: str, deadline_at: float, submitted: float, *, pause_first: bool) -> dict[str, Any]:
        """Poll DescribeStatement until the statement ends: each poll asks the service to hold its answer (see
        `_wait_seconds`); an endpoint that answers at once is polled on the schedule of `_pause`."""
        delay = min(self.poll_interval * 2, self.poll_max)
        pause_next = pause_first
        status: Any = None
        while True:
            if pause_next:
                # The pause must leave time for one more poll before the deadline.
                spare = deadline_at - self._clock() - self.min_call_seconds
                if spare <= 0:
                    logger.warning(
                        "warehouse statement timed out",
                        extra={"statement_id": statement_id, "status": status},
                    )
                    raise QueryTimeout(
                        statement_id=statement_id, internal=f"deadline passed in status {status}"
                    )
                pause, delay = self._pause(submitted, delay)
                self._sleep(min(pause, spare))
            request: dict[str, Any] = {"Id": statement_id}
            wait = self._wait_seconds(deadline_at)
            if wait:
                request["WaitTimeSeconds"] = wait
            asked_at = self._clock()
            description = self._call("DescribeStatement", statement_id, request, deadline_at)
            status = description.get("Status")
            if status == "FINISHED":
                return description
            if status in _TERMINAL_FAILURES:
                logger.warning(
                    "warehouse statement failed",
                    extra={"statement_id": statement_id, "status": status, "error": description.get("Error")},
                )
                raise _TERMINAL_FAILURES[status](
                    statement_id=statement_id, internal=description.get("Error") or status
                )
            pause_next = not self._held(wait, asked_at)

    def _fetch(self, statement_id: str, deadline_at: float) -> list[Row]:
        """Page through GetStatementResult and decode every record by the column metadata."""
        rows: list[Row] = []
        names: list[str] = []
        types: list[str] = []
        request: dict[str, Any] = {"Id": statement_id}
        while True:
            page = self._call("GetStatementResult", statement_id, request, deadline_at)
            if page.get("ColumnMetadata"):
                names = column_names(page["ColumnMetadata"])
                types = [str(c.get("typeName") or "") for c in page["ColumnMetadata"]]
            for record in page.get("Records", []):
                rows.append(
                    {
                        name: decode_field(field, kind)
                        for name, kind, field in zip(names, types, record, strict=True)
                    }
                )
            token = page.get("NextToken")
            if not token:
                return rows
            request = {"Id": statement_id, "NextToken": token}

    def _cancel(self, statement_id: str) -> None:
        """Best effort: ask Redshift to stop a statement we no longer wait for (waited for briefly)."""
        cancel = self.client.cancel_statement
        try:
            _run_within(lambda: cancel(Id=statement_id), self.cancel_wait_seconds)
        except Exception:
            logger.warning(
                "could not cancel warehouse statement", extra={"statement_id": statement_id}, exc_info=True
            )

    def _call(
        self, operation: str, statement_id: str | None, request: dict[str, Any], deadline_at: float
    ) -> dict[str, Any]:
        """Call one Data API operation within the deadline, turning failures into typed warehouse errors.

        Never starts with less than `min_call_seconds` left; waits for the answer at most until the deadline."""
        left = deadline_at - self._clock()
        if left < self.min_call_seconds - 1e-6:  # (the polling pauses leave exactly min_call_seconds)
            logger.warning(
                "warehouse call not started: deadline too near",
                extra={"statement_id": statement_id, "operation": operation, "remaining_ms": round(left * 1000, 1)},
            )
            raise QueryTimeout(
                statement_id=statement_id, internal=f"{operation} not started: {max(left, 0):.3f} s left"
            )
        method = getattr(self.client, _METHODS[operation])
        try:
            response: dict[str, Any] = _run_within(lambda: method(**request), left)
            return response
        except _Overran:
            logger.warning(
                "warehouse call still running at the deadline",
                extra={"statement_id": statement_id, "operation": operation, "duration_ms": round(left * 1000, 1)},
            )
            raise QueryTimeout(
                statement_id=statement_id, internal=f"{operation}: no answer before the deadline"
            ) from None
        except Exception as exc:
            mapped = _map_error(exc, operation, statement_id, past_deadline=self._clock() >= deadline_at)
            if mapped is None:
                raise
            raise mapped from exc


_METHODS = {
    "ExecuteStatement": "execute_statement",
    "BatchExecuteStatement": "batch_execute_statement",
    "DescribeStatement": "describe_statement",
    "GetStatementResult": "get_statement_result",
}


def client_config(
    *, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT, max_attempts: int = MAX_ATTEMPTS
) -> Any:
    """The botocore `Config` of the `redshift-data` client: short timeouts, `max_attempts` attempts in all
    (botocore's standard retry mode, which also retries throttling)."""
    from botocore.config import Config

    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": int(max_attempts)},
        user_agent_extra="concert-api",
    )


class _Overran(Exception):
    """A call did not answer within the time it was given."""


_CALLS = SharedPool("redshift-data-call", MAX_CALL_WORKERS)
"""The shared pool the Data API calls run on (its threads are reused; a forked child starts its own)."""


def _run_within(fn: Callable[[], T], seconds: float) -> T:
    """`fn()` run on a worker of the shared pool and waited for at most `seconds`: its result or its exception,
    or `_Overran` if it has not ended then (a call still running is left to end by the client's own timeouts;
    one still queued, every worker being busy, is never started)."""
    future = _CALLS.get().submit(fn)
    try:
        return future.result(timeout=max(seconds, 0.0))
    except TimeoutError:
        if future.done():  # the call's own TimeoutError, not the wait's
            raise
        future.cancel()
        raise _Overran() from None


def _map_error(
    exc: Exception, operation: str, statement_id: str | None, *, past_deadline: bool = False
) -> WarehouseError | None:
    """The typed warehouse error for a botocore exception; None for anything else (raised as it is).

    A connect or read timeout that ends at or after the deadline is the deadline's doing: `QueryTimeout`."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionError,
        ConnectTimeoutError,
        HTTPClientError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    error: WarehouseError
    if past_deadline and isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        error = QueryTimeout(statement_id=statement_id, internal=f"{operation}: {exc} (at the deadline)")
    elif isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        message = str(exc.response.get("Error", {}).get("Message", ""))
        internal = f"{operation}: {code}: {message}"
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _THROTTLED_CODES:
            error = WarehouseThrottled(statement_id=statement_id, internal=internal)
        elif code in _DENIED_CODES:
            error = WarehouseAccessDenied(statement_id=statement_id, internal=internal)
        elif code in _UNAVAILABLE_CODES or status >= 500:
            error = WarehouseUnavailable(statement_id=statement_id, internal=internal)
        else:  # ValidationException, ExecuteStatementException, ...
            error = QueryFailed(statement_id=statement_id, internal=internal)
    elif isinstance(exc, NoCredentialsError | PartialCredentialsError):
        error = WarehouseAccessDenied(statement_id=statement_id, internal=f"{operation}: {exc}")
    elif isinstance(exc, ConnectionError | HTTPClientError):
        error = WarehouseUnavailable(statement_id=statement_id, internal=f"{operation}: {exc}")
    elif isinstance(exc, BotoCoreError):
        error = QueryFailed(statement_id=statement_id, internal=f"{operation}: {exc}")
    else:
        return None
    logger.warning(
        "warehouse call failed",
        extra={"statement_id": statement_id, "operation": operation, "error": error.internal},
    )
    return error
