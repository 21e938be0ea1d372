"""Conversation state keyed by session id, with a time to live: in memory, or in a SQLite file.

`MemorySessionStore` is the default on Lambda: state lives per execution environment (container), so a
follow-up routed to another container starts afresh; that is acceptable for the embedded default, and a
DynamoDB store would implement the same protocol. `SqliteSessionStore` keeps sessions in a file under the data
dir, so `concert-api chat ask --session` continues a conversation across processes. Both are thread-safe.

A session store is a convenience, never a reason to fail a reply: `SqliteSessionStore` turns every SQLite or
file-system fault (disk full, read-only or immutable directory, a damaged file) into a logged warning: `get`
then answers None (a fresh conversation) and `put` raises `SessionNotKept`, which the assistants turn into a
sentence in the reply. The file is a plain rollback-journal database (no write-ahead log, no memory map), so a
directory made read-only or a file truncated under the server gives an error, never a SIGBUS.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

DEFAULT_TTL_SECONDS = 30 * 60
MAX_MEMORY_SESSIONS = 10_000

Clock = Callable[[], float]

log = logging.getLogger(__name__)

NOT_KEPT_NOTE = "(This conversation could not be saved, so your next message will start a new one.)"
"""What a reply adds when its session could not be saved."""


class SessionNotKept(Exception):
    """The session's state could not be saved; the reply was computed and is still worth sending."""


def new_session_id() -> str:
    """A fresh session id that satisfies Bedrock's session-id rules (`^[0-9a-zA-Z._:-]+$`, 2-100 chars)."""
    return uuid.uuid4().hex


class SessionStore(Protocol):
    """Where a conversation's state (a JSON-ready dict) lives between messages."""

    def get(self, session_id: str) -> dict[str, Any] | None:
        """The state of a live session, or None when unknown or expired."""
        ...

    def put(self, session_id: str, state: dict[str, Any]) -> None:
        """Save the state and restart the session's time to live."""
        ...


class MemorySessionStore:
    """Sessions in a dict, least recently used dropped beyond `max_sessions`, each expiring `ttl` seconds
    after its last write."""

    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, *, max_sessions: int = MAX_MEMORY_SESSIONS,
                 clock: Clock = time.monotonic) -> None:
        self.ttl = ttl
        self.max_sessions = max_sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def get(self, session_id: str) -> dict[str, Any] | None:
        """The state of a live session, or None."""
        with self._lock:
            item = self._items.get(session_id)
            if item is None:
                return None
            expires, payload = item
            if expires <= self._clock():
                del self._items[session_id]
                return None
            self._items.move_to_end(session_id)
        state: dict[str, Any] = json.loads(payload)
        return state

    def put(self, session_id: str, state: dict[str, Any]) -> None:
        """Save a copy of the state (serialised, so later changes to `state` do not leak in)."""
        payload = json.dumps(state)
        with self._lock:
            self._items[session_id] = (self._clock() + self.ttl, payload)
            self._items.move_to_end(session_id)
            while len(self._items) > self.max_sessions:
                self._items.popitem(last=False)


class SqliteSessionStore:
    """Sessions in a SQLite file; expired rows are ignored on read and purged on write."""

    def __init__(self, path: Path, ttl: float = DEFAULT_TTL_SECONDS, *, clock: Clock = time.time) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=5.0)
        with self._lock, self._conn:
            # No WAL (its -shm index is memory-mapped) and no mmap of the file: a file or directory that becomes
            # unreadable or read-only under the process is then an error on the next statement, not a SIGBUS.
            self._conn.execute("PRAGMA journal_mode=TRUNCATE")
            self._conn.execute("PRAGMA mmap_size=0")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS chat_sessions "
                "(session_id TEXT PRIMARY KEY, expires_at REAL NOT NULL, state TEXT NOT NULL)"
            )

    def get(self, session_id: str) -> dict[str, Any] | None:
        """The state of a live session, or None (also when the file cannot be read: logged, and the
        conversation starts afresh)."""
        try:
            with self._lock:
                row = self._conn.execute(
                    "SELECT state FROM chat_sessions WHERE session_id = ? AND expires_at > ?",
                    (session_id, self._clock()),
                ).fetchone()
            if row is None:
                return None
            state: dict[str, Any] = json.loads(row[0])
        except (sqlite3.Error, OSError, ValueError) as exc:
            log.warning("chat session could not be read", extra={"path": str(self.path), "error": str(exc)})
            return None
        return state

    def put(self, session_id: str, state: dict[str, Any]) -> None:
        """Save the state and purge expired sessions; `SessionNotKept` (after a logged warning naming the
        cause) when the file cannot be written."""
        now = self._clock()
        try:
            with self._lock, self._conn:
                self._conn.execute(
                    "INSERT INTO chat_sessions (session_id, expires_at, state) VALUES (?, ?, ?) ON CONFLICT"
                    "(session_id) DO UPDATE SET expires_at = excluded.expires_at, state = excluded.state",
                    (session_id, now + self.ttl, json.dumps(state)),
                )
                self._conn.execute("DELETE FROM chat_sessions WHERE expires_at <= ?", (now,))
        except (sqlite3.Error, OSError) as exc:
            log.warning("chat session could not be saved", extra={"path": str(self.path), "error": str(exc)})
            raise SessionNotKept(str(exc)) from exc

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()
