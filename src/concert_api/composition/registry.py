"""The process-wide adapters, each built once on first use and kept for the life of the process (a Lambda
execution environment reuses them across invocations), or until the data it was built from changes.

An adapter that holds data in memory (the local model and its features, the venue forecasts, the assistant's
catalog) is registered with a *key*: a cheap marker of what it was built from, such as `file_marker` of the
warehouse file or of the model's `current` pointer. Each request passes the current key; when it differs from
the one the adapter was built with, the adapter is built again, so the first request after `concert-api data
load` or `model train` answers from the new data and model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")

_lock = threading.RLock()  # re-entrant: building the assistant builds the warehouse
_adapters: dict[str, tuple[Hashable, Any]] = {}

FileMarker = tuple[int, int, int, int]
"""(device, inode, modification time in ns, size): changes when a file is replaced or rewritten."""


def file_marker(path: Path) -> FileMarker | None:
    """One `stat` of `path` as a marker of its version, or None when it does not exist. A file replaced with
    `os.replace` gets a new inode; one rewritten in place a new modification time or size."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def once(role: str, build: Callable[[], T | None], *, key: Hashable = None) -> T | None:
    """The process-wide adapter for `role`, built on first use and built again when `key` differs from the key
    it was built with; a `None` result is not kept (built again next time, so a model trained meanwhile is
    picked up). A replaced adapter is dropped, not closed: requests still running on it finish with it."""
    entry = _adapters.get(role)
    if entry is None or entry[0] != key:
        with _lock:
            entry = _adapters.get(role)
            if entry is None or entry[0] != key:
                adapter = build()
                if adapter is None:
                    _adapters.pop(role, None)
                    return None
                entry = (key, adapter)
                _adapters[role] = entry
    return cast("T | None", entry[1])


def forget_all() -> None:
    """Close what can be closed and forget every adapter."""
    with _lock:
        for _, adapter in _adapters.values():
            close = getattr(adapter, "close", None)
            if callable(close):
                close()
        _adapters.clear()
