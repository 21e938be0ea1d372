"""How the local server calls the handlers: short, bounded work on the event loop, the rest in a bounded pool;
and how many worker processes `serve` starts by default."""

from __future__ import annotations

import os
import threading
from types import SimpleNamespace
from typing import Any

import anyio

from concert_api.routes import route
from concert_api.server.app import HandlerPool, handler_threads, inline_routes, runs_inline
from concert_tools.cli.main import serve, usable_cores


def test_the_shallow_health_check_and_duckdb_rankings_run_on_the_event_loop() -> None:
    inline = inline_routes(SimpleNamespace(warehouse_backend="duckdb"))
    assert runs_inline(route("health-check"), {}, inline)
    assert runs_inline(route("venue-popularity"), {}, inline)
    assert not runs_inline(route("chatbot"), {}, inline)
    assert not runs_inline(route("recommendations"), {}, inline)
    assert not runs_inline(route("ticket-prediction"), {}, inline)


def test_a_deep_health_check_and_a_remote_warehouse_ranking_hop_to_a_thread() -> None:
    assert not runs_inline(route("health-check"), {"deep": "true"}, inline_routes(SimpleNamespace(
        warehouse_backend="duckdb")))  # fmt: skip
    remote = inline_routes(SimpleNamespace(warehouse_backend="redshift-data"))
    assert not runs_inline(route("venue-popularity"), {}, remote)
    assert runs_inline(route("health-check"), {}, remote)


def test_the_handler_pool_runs_at_most_its_size_at_once() -> None:
    pool, lock = HandlerPool(2), threading.Lock()
    running, peak = [0], [0]

    def work() -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        threading.Event().wait(0.05)
        with lock:
            running[0] -= 1
        return threading.current_thread().name

    async def main() -> list[Any]:
        results: list[Any] = []

        async def one() -> None:
            results.append(await pool.run(work))

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(one)
        return results

    names = anyio.run(main)
    assert len(names) == 6 and threading.current_thread().name not in names
    assert peak[0] == 2


def test_the_pool_and_the_workers_are_sized_to_the_usable_cores() -> None:
    cores = len(os.sched_getaffinity(0))
    assert usable_cores() == cores
    assert handler_threads() == 2 * cores
    workers = next(p for p in serve.params if p.name == "workers")
    assert callable(workers.default) and workers.default() == cores
