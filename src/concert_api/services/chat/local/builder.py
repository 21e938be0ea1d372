"""Builds the local assistant: the classifier (trained or loaded from the data dir's cache) over the warehouse,
the session store and the tools it is given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from concert_api.adapters.sessions.embedded import MemorySessionStore, SessionStore
from concert_api.adapters.warehouse.base import Warehouse
from concert_api.services.chat.local.assistant import LocalAssistant
from concert_api.services.chat.local.classifier import carrier_words, load_examples, load_or_train
from concert_api.services.chat.tools import ToolContext


def build_local_assistant(*, warehouse: Warehouse, data_dir: Path | None,
                          sessions: SessionStore | None = None,
                          today: Callable[[], dt.date] = dt.date.today,
                          tool_context: Callable[[dt.date], ToolContext] | None = None) -> LocalAssistant:
    """A local assistant over `warehouse`. The classifier is cached in `data_dir/models` (not cached when
    `data_dir` is None); sessions live in `sessions` (in memory by default)."""
    examples = load_examples()
    classifier = load_or_train(data_dir / "models" if data_dir else None, examples)
    if sessions is None:
        sessions = MemorySessionStore()
    return LocalAssistant(warehouse=warehouse, classifier=classifier, carrier_words=carrier_words(examples),
                          sessions=sessions, today=today, tool_context=tool_context)
