"""Session stores: TTL, isolation of copies, persistence across instances, thread safety."""

from __future__ import annotations

import threading

from concert_api.adapters.sessions.embedded import MemorySessionStore, SqliteSessionStore, new_session_id


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_store_expires_sessions_after_their_ttl():
    clock = Clock()
    store = MemorySessionStore(ttl=60, clock=clock)
    state = {"intent": "sales_query", "slots": {"city": "Chicago"}}
    store.put("s1", state)
    state["slots"]["city"] = "changed after put"
    assert store.get("s1") == {"intent": "sales_query", "slots": {"city": "Chicago"}}
    clock.now += 61
    assert store.get("s1") is None


def test_memory_store_drops_the_least_recently_used_beyond_its_size():
    store = MemorySessionStore(max_sessions=2)
    for sid in ("a", "b", "c"):
        store.put(sid, {"n": sid})
    assert store.get("a") is None and store.get("c") == {"n": "c"}


def test_sqlite_store_persists_across_instances_and_expires(tmp_path):
    clock = Clock()
    SqliteSessionStore(tmp_path / "s.sqlite3", ttl=60, clock=clock).put("s1", {"turns": 2})
    again = SqliteSessionStore(tmp_path / "s.sqlite3", ttl=60, clock=clock)
    assert again.get("s1") == {"turns": 2}
    clock.now += 61
    assert again.get("s1") is None


def test_stores_are_thread_safe(tmp_path):
    for store in (MemorySessionStore(), SqliteSessionStore(tmp_path / "t.sqlite3")):
        def work(i: int, store=store) -> None:
            for k in range(50):
                store.put(f"s{i}", {"k": k})
                assert store.get(f"s{i}")["k"] == k

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(store.get(f"s{i}") == {"k": 49} for i in range(8))


def test_new_session_ids_satisfy_bedrock_rules():
    import re

    assert re.fullmatch(r"[0-9a-zA-Z._:-]{2,100}", new_session_id())
