"""Answers from memory until the data changes: a bounded, process-wide cache of the read endpoints' results.

A result is kept under `(namespace, generation, key)`: `generation` is a cheap marker of what the result was
read from (the warehouse's data generation, with the model's version where a model took part), `key` the
request's parameters. When a load or a new model changes the generation, the next request misses and computes
afresh, so an answer is never older than the data. A warehouse that cannot name its generation (`None`: the
Redshift Data API without a load marker, PostgreSQL) gets its results kept at most `UNKNOWN_GENERATION_SECONDS`.

The cache is bounded (least recently used entries go first), thread-safe without a lock on the hit path
(`OrderedDict` operations hold the GIL), and counts hits and misses per namespace (`stats()`), which
`/health?deep=true` and the benchmarks can report.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from concert_api.adapters.warehouse.base import Warehouse, data_generation

T = TypeVar("T")

MAX_ENTRIES = 2048
"""Results kept at most (a ranking or a recommendation list is a few kB: a few MB in all)."""
UNKNOWN_GENERATION_SECONDS = 30.0
"""How long a result read from a warehouse that cannot name its data generation is reused."""


_request_counts: ContextVar[list[int] | None] = ContextVar("result_cache_request_counts", default=None)


def count_for_request() -> list[int]:
    """Start counting this request's cache hits and misses: the returned `[hits, misses]` grows as the request's
    services use the cache (the handler layer publishes them as the `CacheHits` and `CacheMisses` metrics)."""
    counts = [0, 0]
    _request_counts.set(counts)
    return counts


class ResultCache:
    """A bounded LRU of computed results keyed on (namespace, generation, key), with hit/miss counts."""

    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float | None, Any]] = OrderedDict()
        self._counts: dict[str, list[int]] = {}
        self._evict_lock = threading.Lock()  # only taken when the cache is full

    def get_or_compute(self, namespace: str, generation: Hashable, key: Hashable, compute: Callable[[], T], *,
                       max_age: float | None = None) -> T:  # fmt: skip
        """The result stored for `key` at `generation`, else `compute()` stored and returned; with `max_age`
        (seconds), a stored result older than that is computed again. An exception from `compute` is not stored
        (the next request tries again). Callers must not mutate what is returned."""
        full_key = (namespace, generation, key)
        counts = self._counts.setdefault(namespace, [0, 0])
        entry = self._entries.get(full_key)
        request = _request_counts.get()
        if entry is not None and (entry[0] is None or self._clock() < entry[0]):
            counts[0] += 1
            if request is not None:
                request[0] += 1
            with contextlib.suppress(KeyError):  # evicted meanwhile by another thread
                self._entries.move_to_end(full_key)
            return entry[1]
        counts[1] += 1
        if request is not None:
            request[1] += 1
        value = compute()
        self._entries[full_key] = (None if max_age is None else self._clock() + max_age, value)
        if len(self._entries) > self.max_entries:
            with self._evict_lock:
                while len(self._entries) > self.max_entries:
                    try:
                        self._entries.popitem(last=False)
                    except KeyError:
                        break
        return value

    def stats(self) -> dict[str, dict[str, int]]:
        """Hits, misses and entries kept, per namespace (counts are approximate under concurrent updates)."""
        entries: dict[str, int] = {}
        for full_key in list(self._entries):
            namespace = full_key[0]  # type: ignore[index]
            entries[namespace] = entries.get(namespace, 0) + 1
        return {
            name: {"hits": hits, "misses": misses, "entries": entries.get(name, 0)}
            for name, (hits, misses) in sorted(self._counts.items())
        }

    def clear(self) -> None:
        """Forget every result and count (tests; `composition.reset`)."""
        self._entries.clear()
        self._counts.clear()

    def __len__(self) -> int:
        return len(self._entries)


results = ResultCache()
"""The process-wide cache of the read endpoints' results."""


class LoadMarker:
    """A warehouse's data generation read from its load metadata at most every `interval` seconds, in the
    background: on the Redshift Data API a statement is a round trip of hundreds of milliseconds, so a warm
    container asks whether a load happened once every few seconds, and no request waits for the answer (each
    uses the last value read). `read()` returns the marker (e.g. the `loaded_at` of the last load); before the
    first reading, or when reading fails (no such table, warehouse down), the marker is None and caches fall back
    to expiring by time. Thread-safe: one reading at a time."""

    def __init__(self, read: Callable[[], Hashable], interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._read = read
        self.interval = interval
        self._clock = clock
        self._reading = threading.Lock()
        self._value: Hashable = None
        self._checked_at = float("-inf")

    def __call__(self) -> Hashable:
        """The last marker read; starts a fresh reading when that one is older than `interval`."""
        if self._clock() - self._checked_at >= self.interval and self._reading.acquire(blocking=False):
            self._checked_at = self._clock()
            threading.Thread(target=self._refresh, name="load-marker", daemon=True).start()
        return self._value

    def _refresh(self) -> None:
        try:
            self._value = self._read()
        except Exception:
            self._value = None
        finally:
            self._checked_at = self._clock()
            self._reading.release()


LOADED_AT_SQL = "SELECT MAX(value) AS loaded_at FROM load_metadata WHERE key = 'loaded_at'"
"""The load marker: every load records its `loaded_at` in the `load_metadata` table (see the DuckDB loader)."""
MARKED_BACKENDS = frozenset({"redshift-data"})
"""Warehouses whose load marker is read (a statement costs a round trip there, and loads there are rare)."""
LOAD_MARKER_SECONDS = 5.0
"""How often a warehouse without a file generation is asked for its load marker."""

class _Source:
    """Per warehouse adapter: a token naming it in cache keys (two adapters never share results) and its load
    marker when it has no file generation."""

    def __init__(self, warehouse: Any) -> None:
        self.token = object()
        self.marker = LoadMarker(_loaded_at_reader(weakref.ref(warehouse)), LOAD_MARKER_SECONDS)


_sources: weakref.WeakKeyDictionary[Any, _Source] = weakref.WeakKeyDictionary()
_sources_lock = threading.Lock()


def generation_of(warehouse: Warehouse) -> tuple[Hashable, bool]:
    """The warehouse's data generation for cache keys, and whether it is known: the local file's (one `stat`),
    else on the Redshift Data API its load marker, read at most every `LOAD_MARKER_SECONDS`. Unknown (no
    marker: PostgreSQL, or Redshift before the first reading) means results expire after
    `UNKNOWN_GENERATION_SECONDS`."""
    generation = data_generation(warehouse)
    if generation is not None:
        return generation, True
    try:
        source = _sources.get(warehouse)
        if source is None:
            with _sources_lock:
                source = _sources.setdefault(warehouse, _Source(warehouse))
    except TypeError:  # cannot be weakly referenced: a token per call, nothing is reused
        return object(), False
    marker = source.marker() if getattr(warehouse, "backend", None) in MARKED_BACKENDS else None
    return (source.token, marker), marker is not None


def cached(namespace: str, warehouse: Warehouse, key: Hashable, compute: Callable[[], T],
           extra: Hashable = None) -> T:  # fmt: skip
    """`compute()` from memory, keyed on `key` and the warehouse's data generation (plus `extra`, e.g. the model's
    version), until that generation changes (see `generation_of`)."""
    generation, known = generation_of(warehouse)
    return results.get_or_compute(namespace, (generation, extra), key, compute,
                                  max_age=None if known else UNKNOWN_GENERATION_SECONDS)  # fmt: skip


def _loaded_at_reader(ref: weakref.ref[Any]) -> Callable[[], Hashable]:
    def read() -> Hashable:
        warehouse = ref()
        if warehouse is None:
            return None
        rows = warehouse.query(LOADED_AT_SQL)
        value = rows[0]["loaded_at"] if rows else None
        return ("loaded_at", str(value)) if value is not None else None

    return read


def feature_row(predictor: Any, warehouse: Warehouse, artist_id: str, venue_id: str, as_of: Any) -> Any:
    """`predictor.feature_row(...)` from memory until the warehouse's data or the model changes. A row naming an
    unknown artist or venue is not kept, so one added by the next load is found at once."""
    model = (getattr(predictor, "backend", None), _model_version(predictor))
    key = (artist_id, venue_id, as_of)
    try:
        return cached("feature_row", warehouse, key, lambda: _found_row(predictor, warehouse, key), model)
    except _Unknown as unknown:
        return unknown.args[0]


class _Unknown(Exception):
    """A feature row that names no artist or venue: not cached."""


def _found_row(predictor: Any, warehouse: Warehouse, key: tuple[str, str, Any]) -> Any:
    row = predictor.feature_row(warehouse, *key)
    if row.get("artist_id") is None or row.get("venue_id") is None:
        raise _Unknown(row)
    return row


def _model_version(predictor: Any) -> Hashable:
    try:
        return getattr(predictor, "model_version", None)
    except Exception:
        return None
