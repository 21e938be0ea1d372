"""Thread pools shared across requests: started on first use, their threads reused (a request starts none), and
started afresh in a forked child, where the parent's worker threads do not exist."""

from __future__ import annotations

import os
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

_pools: weakref.WeakSet[SharedPool] = weakref.WeakSet()


class SharedPool:
    """One `ThreadPoolExecutor` of at most `max_workers` threads named `name-N`, made when first asked for."""

    def __init__(self, name: str, max_workers: int) -> None:
        self.name = name
        self.max_workers = max_workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        _pools.add(self)

    def get(self) -> ThreadPoolExecutor:
        """The pool's executor, started on first use."""
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix=self.name)
        return self._executor

    def forget(self) -> None:
        """Drop the executor without waiting for it (in a forked child its threads are not there to wait for)."""
        self._executor = None
        self._lock = threading.Lock()


def _forget_all() -> None:
    for pool in list(_pools):
        pool.forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_all)
