"""Chat sessions in a DynamoDB table, shared by every Lambda execution environment.

The assistants that keep their own conversation state (the local assistant, the Converse backend) lose it when
the next turn lands on another container if the state lives in memory. This store keeps it in a table (the SAM
template creates it: partition key `session_id`, TTL on `expires_at`), so any container continues the
conversation. DynamoDB deletes expired items only eventually (typically within a few days), so reads ignore an
item whose `expires_at` has passed. Reads are strongly consistent: the next turn may follow within milliseconds.

Failures map to the one error format: throttling 503 (Retry-After), anything else 502; the table's name and
AWS's message stay in the log. The client's timeouts and retries fit the request's deadline (`aws_clients`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from concert_api.adapters.aws_clients import deadline_client
from concert_api.adapters.sessions.embedded import DEFAULT_TTL_SECONDS
from concert_api.errors import DependencyError, DependencyThrottled

log = logging.getLogger(__name__)

KEY = "session_id"
TTL_ATTRIBUTE = "expires_at"
STATE_ATTRIBUTE = "state"
MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's item size limit."""

_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


class DynamoDbSessionStore:
    """`SessionStore` over one DynamoDB table: `GetItem` (consistent) and `PutItem`, nothing else."""

    def __init__(self, table: str, *, region: str | None = None, ttl: float = DEFAULT_TTL_SECONDS,
                 client: Any | None = None, clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.table = table
        self.ttl = ttl
        self._clock = clock
        self.client = client or deadline_client(
            "dynamodb", region=region, connect_timeout=1.0, read_timeout=2.0, max_attempts=3, default_seconds=10.0
        )

    def get(self, session_id: str) -> dict[str, Any] | None:
        """The state of a live session, or None when unknown or expired."""
        response = self._call(
            "GetItem", Key={KEY: {"S": session_id}}, ConsistentRead=True, ProjectionExpression=f"#s, {TTL_ATTRIBUTE}",
            ExpressionAttributeNames={"#s": STATE_ATTRIBUTE},
        )  # fmt: skip
        item = response.get("Item")
        if not item or float(item[TTL_ATTRIBUTE]["N"]) <= self._clock():
            return None
        state: dict[str, Any] = json.loads(item[STATE_ATTRIBUTE]["S"])
        return state

    def put(self, session_id: str, state: dict[str, Any]) -> None:
        """Save the state and restart the session's time to live."""
        payload = json.dumps(state, separators=(",", ":"))
        if len(payload.encode()) > MAX_ITEM_BYTES - 1024:
            log.error("chat session too large to save", extra={"bytes": len(payload)})
            raise DependencyError("The conversation is too long to continue; start a new session.",
                                  internal=f"session state of {len(payload)} bytes")  # fmt: skip
        expires = int(self._clock() + self.ttl)
        self._call(
            "PutItem",
            Item={KEY: {"S": session_id}, TTL_ATTRIBUTE: {"N": str(expires)}, STATE_ATTRIBUTE: {"S": payload}},
        )

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self.client, "get_item" if operation == "GetItem" else "put_item")
        try:
            response: dict[str, Any] = method(TableName=self.table, **request)
            return response
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            log.error("chat session store %s failed", operation, extra={"table": self.table, "code": code})
            if code in _THROTTLED:
                raise DependencyThrottled("The conversation store is busy; retry shortly.", internal=code) from exc
            raise DependencyError("The conversation store could not answer.", internal=f"{code}: {exc}") from exc
        except BotoCoreError as exc:
            log.error("chat session store unreachable", extra={"table": self.table, "error": str(exc)})
            raise DependencyError("The conversation store could not be reached.", internal=str(exc)) from exc
