"""The process-wide adapters, each built once on first use and kept for the life of the process (a Lambda
execution environment reuses them across invocations)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")

_lock = threading.RLock()  # re-entrant: building the assistant builds the warehouse
_adapters: dict[str, Any] = {}


def once(role: str, build: Callable[[], T | None]) -> T | None:
    """The process-wide adapter for `role`, built on first use; a `None` result is not kept (built again next
    time, so a model trained meanwhile is picked up)."""
    adapter = _adapters.get(role)
    if adapter is None:
        with _lock:
            adapter = _adapters.get(role)
            if adapter is None:
                adapter = build()
                if adapter is not None:
                    _adapters[role] = adapter
    return cast("T | None", adapter)


def forget_all() -> None:
    """Close what can be closed and forget every adapter."""
    with _lock:
        for adapter in _adapters.values():
            close = getattr(adapter, "close", None)
            if callable(close):
                close()
        _adapters.clear()
