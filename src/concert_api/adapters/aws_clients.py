"""boto3 clients whose connect/read timeouts and retries come from the request's deadline.

A botocore client fixes its timeouts when it is built, and a Lambda reuses its clients across requests that have
different amounts of time left. `deadline_client(service, ...)` therefore returns a small proxy: each operation
called on it is sent by a client built for what the current request has left (`deadline.call_budget`), so a
call made with 3 s left waits at most about 3 s, never the preferred 2 + 8 s twice. Each proxy keeps its clients
per rounded budget, so a warm function builds only a handful of them.

boto3 is imported on first use, keeping it off the import path of code that never calls AWS.
"""

from __future__ import annotations

import threading
from typing import Any

from concert_api.deadline import CallBudget, call_budget

_building = threading.Lock()
"""boto3's default session is not thread-safe: clients are built one at a time (the clients themselves are)."""
MAX_CLIENTS = 32
"""Clients kept per `DeadlineClient` (one per rounded budget; a warm function uses a handful)."""


def _build(service: str, region: str | None, endpoint_url: str | None, budget: CallBudget, retry_mode: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=budget.connect_timeout,
        read_timeout=budget.read_timeout,
        retries={"total_max_attempts": budget.max_attempts, "mode": retry_mode},
    )
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url, config=config)


class DeadlineClient:
    """A boto3 client stand-in: every operation goes through a client sized to the request's time left.

    `connect_timeout`, `read_timeout` and `max_attempts` are the preferred settings, used in full when they fit;
    `default_seconds` is the time assumed when no deadline is set (a CLI run, a test)."""

    def __init__(
        self,
        service: str,
        *,
        region: str | None,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        default_seconds: float,
        endpoint_url: str | None = None,
        retry_mode: str = "standard",
    ) -> None:
        self.service = service
        self.region = region
        self.endpoint_url = endpoint_url
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.default_seconds = default_seconds
        self.retry_mode = retry_mode
        self._clients: dict[CallBudget, Any] = {}

    def budget(self) -> CallBudget:
        """The timeouts and attempts a call made now gets."""
        return call_budget(self.connect_timeout, self.read_timeout, self.max_attempts, default=self.default_seconds)

    def current(self) -> Any:
        """The boto3 client for a call made now (built on first use for its budget, then reused)."""
        budget = self.budget()
        client = self._clients.get(budget)
        if client is None:
            with _building:
                client = self._clients.get(budget)
                if client is None:
                    if len(self._clients) >= MAX_CLIENTS:
                        self._clients.clear()
                    client = _build(self.service, self.region, self.endpoint_url, budget, self.retry_mode)
                    self._clients[budget] = client
        return client

    def __getattr__(self, name: str) -> Any:
        # Operations (`invoke_endpoint`), `meta`, `exceptions`, paginators: all from the client for now.
        return getattr(self.current(), name)


def deadline_client(
    service: str,
    *,
    region: str | None,
    connect_timeout: float,
    read_timeout: float,
    max_attempts: int,
    default_seconds: float,
    endpoint_url: str | None = None,
) -> DeadlineClient:
    """A client for `service` whose timeouts and retries fit the current request's deadline (see module doc)."""
    return DeadlineClient(
        service,
        region=region,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_attempts=max_attempts,
        default_seconds=default_seconds,
        endpoint_url=endpoint_url,
    )
