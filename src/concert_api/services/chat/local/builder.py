"""Builds the local assistant: the classifier (trained or loaded from the data dir's cache), the session store
and the warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from concert_api.services.chat.local.assistant import LocalAssistant
from concert_api.services.chat.local.classifier import carrier_words, load_examples, load_or_train
from concert_api.services.chat.sessions import MemorySessionStore, SessionStore, SqliteSessionStore
from concert_api.services.chat.tools import ToolContext
from concert_api.warehouse.base import Warehouse

SESSIONS_FILE = "chat_sessions.sqlite3"


def build_local_assistant(*, warehouse: Warehouse, data_dir: Path | None,
                          sessions: SessionStore | None = None,
                          today: Callable[[], dt.date] = dt.date.today,
                          tool_context: Callable[[dt.date], ToolContext] | None = None) -> LocalAssistant:
    """A local assistant over `warehouse`. The model is cached in `data_dir/models`; sessions live in
    `data_dir/chat_sessions.sqlite3` (in memory when `data_dir` is None or not writable)."""
    examples = load_examples()
    classifier = load_or_train(data_dir / "models" if data_dir else None, examples)
    if sessions is None:
        sessions = _default_sessions(data_dir)
    return LocalAssistant(warehouse=warehouse, classifier=classifier, carrier_words=carrier_words(examples),
                          sessions=sessions, today=today, tool_context=tool_context)


def _default_sessions(data_dir: Path | None) -> SessionStore:
    if data_dir is None:
        return MemorySessionStore()
    try:
        return SqliteSessionStore(data_dir / SESSIONS_FILE)
    except Exception:  # sqlite3.Error or OSError: a read-only data dir keeps sessions in memory
        return MemorySessionStore()
