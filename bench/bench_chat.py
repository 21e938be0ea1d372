"""Local chat assistant latency: one reply (classify, match entities, run the tool on DuckDB, build the reply),
plus the assistant's build time with the intent model trained and with it loaded from the cache.

    .venv/bin/python bench/bench_chat.py [--scales tiny small] [--rounds 3] [--baseline-src DIR] [--write]

`--baseline-src DIR` first measures another checkout's code (DIR is its `src`, e.g. a `git worktree` of the
commit before a change) in a subprocess, in the same run, and writes its row beside this one's.

Target (issue 5): a local reply in 30 ms or less at p50. `--write` replaces the `## Chat assistant` section of
docs/benchmarks.md (and only that section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _util import ROOT, markdown_table, percentile
from concert_api.adapters.sessions.embedded import MemorySessionStore
from concert_api.models import ChatRequest
from concert_api.services.chat.local.builder import build_local_assistant
from concert_tools.chat_evaluation.test_set import build_examples

AS_OF = dt.date(2025, 6, 1)
SECTION = "## Chat assistant"
NOTE = ("Issue 11 split the local assistant into a dialogue policy, an executor and a renderer, added near misses, "
        "list references, comparisons (two runs of a tool), unknown names and dates looking back, and computes the "
        "classifier's calibrated probabilities as one matrix product instead of scikit-learn's per-class, "
        "per-fold calls (same values). The test set now has 392 utterances (40 near misses), so each round is 392 "
        "replies; the baseline rows (`--baseline-src`, the commit before issue 11 — `git archive 27e34e9 src | tar -x "
        "-C /tmp/i11/base` — on its own 352-utterance test set) were measured in the same run, just before. On "
        "this shared machine (load 8-11) the reply p50 moves with the load more than with the change: three earlier "
        "runs in a row gave, baseline / this change, tiny 10.6 / 4.8, 8.7 / 13.9 and 12.2 / 7.4 ms, small 12.6 / "
        "5.8, 17.2 / 10.3 and 11.6 / 9.0 ms; \"understand\" (where the classifier change acts) was 4.7-7.1 ms "
        "before and 1.1-1.5 ms after in every run. All are well under the 30 ms target.")


def measure(scale: str, rounds: int, seed: int) -> dict[str, float]:
    """Latencies (ms) for one scale, on a freshly generated data set."""
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory

    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        directory = Path(tmp)
        generate(scale, seed, directory / "raw", as_of=AS_OF)
        loader = DuckDBWarehouse(directory / "warehouse.duckdb")
        load_directory(directory / "raw", loader)
        loader.close()
        warehouse = DuckDBWarehouse(directory / "warehouse.duckdb", read_only=True)
        started = time.perf_counter()
        assistant = build_local_assistant(warehouse=warehouse, data_dir=directory, sessions=MemorySessionStore(),
                                          today=lambda: AS_OF)
        assistant.matcher()
        build_trained = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        cached = build_local_assistant(warehouse=warehouse, data_dir=directory, sessions=MemorySessionStore(),
                                       today=lambda: AS_OF)
        cached.matcher()
        build_cached = (time.perf_counter() - started) * 1000
        messages = [ex.text for ex in build_examples(assistant.catalog, AS_OF)]
        for text in messages[:20]:  # warm-up
            assistant.reply(ChatRequest(message=text, session_id="warm-up"))
        times = []
        for _ in range(rounds):
            for text in messages:
                t0 = time.perf_counter()
                assistant.reply(ChatRequest(message=text, session_id=uuid.uuid4().hex))
                times.append((time.perf_counter() - t0) * 1000)
        understand = []
        for text in messages:
            t0 = time.perf_counter()
            assistant.understand(text, AS_OF)
            understand.append((time.perf_counter() - t0) * 1000)
        warehouse.close()
    return {"replies": len(times), "p50": percentile(times, 50), "p95": percentile(times, 95),
            "p99": percentile(times, 99), "understand_p50": percentile(understand, 50),
            "build_trained": build_trained, "build_cached": build_cached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["tiny", "small"])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the test utterances")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="another checkout's src directory to measure first, as the baseline")
    parser.add_argument("--json", action="store_true", help="print only the figures as JSON (for --baseline-src)")
    args = parser.parse_args()
    rows = []
    if args.baseline_src:
        for scale, r in baseline(args).items():
            rows.append(_row(f"{scale} (baseline)", r))
    for scale in args.scales:
        r = measure(scale, args.rounds, args.seed)
        if args.json:
            print(json.dumps({scale: r}), flush=True)
            continue
        rows.append(_row(scale, r))
        print(scale, {k: round(v, 2) for k, v in r.items()}, flush=True)
    if args.json:
        return
    table = markdown_table(["Scale", "Replies", "p50 ms", "p95 ms", "p99 ms", "Understand p50 ms",
                            "Build (train) ms", "Build (cached) ms"], rows)
    print(table)
    if args.write:
        write_section(table, args)


def _row(label: str, r: dict[str, float]) -> list[object]:
    return [label, int(r["replies"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}",
            f"{r['understand_p50']:.2f}", f"{r['build_trained']:.0f}", f"{r['build_cached']:.0f}"]


def baseline(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """The same measurement of another checkout's code, in a subprocess whose imports find that code first."""
    env = {**os.environ, "PYTHONPATH": str(args.baseline_src.resolve())}
    command = [sys.executable, __file__, "--json", "--scales", *args.scales, "--rounds", str(args.rounds),
               "--seed", str(args.seed)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    figures: dict[str, dict[str, float]] = {}
    for line in out.splitlines():
        if line.startswith("{"):
            figures.update(json.loads(line))
    print("baseline", {s: round(r["p50"], 2) for s, r in figures.items()}, flush=True)
    return figures


def write_section(table: str, args: argparse.Namespace) -> None:
    """Replace (or append) this benchmark's section of docs/benchmarks.md, re-reading the file first."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    base = f" --baseline-src {args.baseline_src}" if args.baseline_src else ""
    body = (f"{SECTION}\n\n`.venv/bin/python bench/bench_chat.py --scales {' '.join(args.scales)} --rounds "
            f"{args.rounds}{base} --write` on {platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end: the machine is shared), "
            f"{dt.date.today().isoformat()}. A reply is the whole local turn: entity "
            "matching, intent classification, the tool's DuckDB queries and the reply text, each in a new "
            "session, over every test-set utterance (the 20 first replies are a warm-up). \"Understand\" is "
            "entity matching plus classification alone. Build times include loading the catalog; \"train\" fits "
            "the intent model (the first row also pays the one-time import of scikit-learn), \"cached\" loads it "
            "from the data dir.\n\nTarget: a local reply in 30 ms or less "
            f"at p50.\n\n{table}\n\n{NOTE}\n")
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip() + "\n\n" + body
    else:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body + ("\n" + text[nxt + 1:] if nxt != -1 else "")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
