"""`/chat` answers even when its session store fails: the reply says the conversation could not be kept, the
log says why, and the process lives on (issue 13, item 2)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import api_lambda_handlers
import pytest
from tests.conftest import body_of
from tests.faults.swaps import immutable

from concert_api import composition
from concert_api.adapters.sessions.embedded import NOT_KEPT_NOTE, SessionNotKept, SqliteSessionStore


def _chat(message: str, context: Any, session_id: str | None = None) -> dict[str, Any]:
    body = {"message": message, **({"session_id": session_id} if session_id else {})}
    return api_lambda_handlers.chatbot_handler({"httpMethod": "POST", "body": json.dumps(body)}, context)


def _fill_up(store: SqliteSessionStore) -> None:
    """SQLite's own 'database or disk is full' (SQLITE_FULL), as on a full disk: the file may not grow, and its
    pages are filled with live sessions."""
    conn = store._conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 4}")
    for size in (1500, 150, 1):  # big rows first, then ever smaller ones into what space is left
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for n in range(10_000):
                with conn:
                    conn.execute("INSERT INTO chat_sessions VALUES (?, 9e99, ?)", (f"{size}-{n}", "x" * size))


def test_the_session_file_is_neither_write_ahead_logged_nor_memory_mapped(tmp_path):
    store = SqliteSessionStore(tmp_path / "sessions.sqlite3")
    store.put("s1", {"turns": 1})

    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "truncate"
    assert store._conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    assert not (tmp_path / "sessions.sqlite3-shm").exists() and not (tmp_path / "sessions.sqlite3-wal").exists()


def test_a_full_store_raises_session_not_kept_and_logs_the_cause(tmp_path, caplog):
    store = SqliteSessionStore(tmp_path / "sessions.sqlite3")
    _fill_up(store)

    with caplog.at_level("WARNING", logger="concert_api"), pytest.raises(SessionNotKept):
        store.put("s1", {"turns": 1})

    saved = [r for r in caplog.records if "could not be saved" in r.getMessage()]
    assert saved and "full" in str(saved[0].__dict__.get("error"))


def test_chat_answers_when_the_disk_is_full(own_data_dir, lambda_context, capsys):
    _fill_up(composition.session_store())  # type: ignore[arg-type]
    responses = [_chat("Tell me about popular artists", lambda_context) for _ in range(3)]

    assert [r["statusCode"] for r in responses] == [200, 200, 200]
    assert all(body_of(r)["message"].endswith(NOT_KEPT_NOTE) for r in responses)
    log = capsys.readouterr().out
    assert "chat session could not be saved" in log and "database or disk is full" in log


def test_chat_answers_when_the_store_turns_read_only(own_data_dir, lambda_context):
    store = composition.session_store()
    store._conn.execute("PRAGMA query_only = 1")  # type: ignore[attr-defined]  # SQLite's "readonly database"

    response = _chat("top venues in Chicago", lambda_context)

    assert response["statusCode"] == 200 and body_of(response)["message"].endswith(NOT_KEPT_NOTE)


def test_chat_answers_when_the_data_dir_becomes_immutable_mid_run(own_data_dir: Path, lambda_context):
    first = _chat("top venues in Chicago", lambda_context)
    assert first["statusCode"] == 200 and not body_of(first)["message"].endswith(NOT_KEPT_NOTE)
    with immutable(own_data_dir):  # the dir and every file in it
        follow_up = _chat("what about Austin?", lambda_context, body_of(first)["session_id"])

    # The earlier turn is still read (the follow-up is understood); the new one cannot be written: said, not fatal.
    assert follow_up["statusCode"] == 200
    assert body_of(follow_up)["message"].startswith("The most popular venue in Austin")
    assert body_of(follow_up)["message"].endswith(NOT_KEPT_NOTE)


def test_a_session_file_that_is_not_a_database_is_read_as_no_session(tmp_path, caplog):
    path = tmp_path / "sessions.sqlite3"
    store = SqliteSessionStore(path)
    store.put("s1", {"turns": 1})
    path.write_bytes(b"not a database" * 512)  # damaged under the running process

    with caplog.at_level("WARNING", logger="concert_api"):
        assert store.get("s1") is None
    assert any("could not be read" in r.getMessage() for r in caplog.records)
