"""Where chat sessions are kept: the DynamoDB table `CONCERT_SESSIONS_TABLE` when it is set (on Lambda, so that
a conversation continues on whichever container serves the next turn); else a SQLite file in the data dir when it
is writable (so `concert-api chat ask --session` continues a conversation across processes), else memory."""

from __future__ import annotations

from concert_api.adapters.sessions.embedded import MemorySessionStore, SessionStore, SqliteSessionStore
from concert_api.settings import Settings

SESSIONS_FILE = "chat_sessions.sqlite3"


def build_session_store(settings: Settings) -> SessionStore:
    """The session store for the assistants that keep their own sessions (local and Converse)."""
    if settings.sessions_table:
        from concert_api.adapters.sessions.dynamodb import DynamoDbSessionStore

        return DynamoDbSessionStore(settings.sessions_table, region=settings.aws_region)
    try:
        return SqliteSessionStore(settings.data_dir / SESSIONS_FILE)
    except Exception:  # sqlite3.Error or OSError: a read-only data dir keeps sessions in memory
        return MemorySessionStore()
