"""Where chat sessions are kept: a SQLite file in the data dir when it is writable (so `concert-api chat ask
--session` continues a conversation across processes), else memory (as on Lambda, per execution environment)."""

from __future__ import annotations

from concert_api.adapters.sessions.embedded import MemorySessionStore, SessionStore, SqliteSessionStore
from concert_api.settings import Settings

SESSIONS_FILE = "chat_sessions.sqlite3"


def build_session_store(settings: Settings) -> SessionStore:
    """The session store for the assistants that keep their own sessions (local and Converse)."""
    try:
        return SqliteSessionStore(settings.data_dir / SESSIONS_FILE)
    except Exception:  # sqlite3.Error or OSError: a read-only data dir keeps sessions in memory
        return MemorySessionStore()
