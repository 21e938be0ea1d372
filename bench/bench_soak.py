"""Soak: the local server under load while its data changes under it (issue 13).

    .venv/bin/python bench/bench_soak.py [--connections 16] [--baseline 15] [--max-seconds 105]

Starts `concert-api serve` on a loopback port over a private copy of the tiny data set (seed 1, trained), then
drives a mix of the five endpoints with wrk (apt package `wrk`) twice, in the same run:

1. baseline: `--baseline` seconds with nothing changing;
2. soak: while wrk runs, `concert-api data generate --scale tiny --seed 99` swaps the warehouse, `concert-api
   model train` retrains, and the warehouse file is deleted for 5 s and restored; wrk stops 5 s after the last
   change, at most `--max-seconds` after it started (the whole soak stays under 2 minutes).

A poller beside wrk asks `/tickets/predict` and `/venues/popularity` four times a second. An answer is *stale*
when its request started after a change had completed and it still carries what was true before the change
(the old features or forecasts after the data swap, the old model version after the retrain). Reported: requests,
non-2xx by status and cause, stale answers, the server's peak memory (VmHWM), and log lines per 1,000 requests
by level (LOG_LEVEL=INFO, the default: one "handler invoked" line per request is the guide's).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
from _data import data_dir_for
from _util import ROOT, free_port, markdown_table

CLI = str(ROOT / ".venv/bin/concert-api")
PREDICT = {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2027-06-19", "ticket_price": 75.0}
VENUES = {"top_n": 10, "min_events": 1}
MIX = [
    ("POST", "/venues/popularity", {"top_n": 10, "min_events": 5}),
    ("POST", "/recommendations", {"artist_preferences": ["rock"], "location": "New York", "top_n": 10}),
    ("POST", "/tickets/predict", PREDICT),
    ("POST", "/chat", {"message": "What are the top 5 venues in Chicago?"}),
    ("GET", "/health", None),
]

WRK_SCRIPT = """
local requests = {}
statuses = {}  -- a global: done() reads each thread's copy with thread:get
local index = 0
init = function(args)
%s
end
request = function()
  index = index %% #requests + 1
  return requests[index]
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
setup = function(thread) table.insert(threads, thread) end
threads = {}
done = function(summary, latency, requests_)
  local totals = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do totals[status] = (totals[status] or 0) + n end
  end
  for status, n in pairs(totals) do io.write(string.format("STATUS %%d %%d\\n", status, n)) end
end
"""


def _lua_requests() -> str:
    lines = []
    for method, path, body in MIX:
        payload = json.dumps(json.dumps(body)) if body is not None else "nil"
        lines.append(f'  table.insert(requests, wrk.format("{method}", "{path}", '
                     f'{{["Content-Type"] = "application/json"}}, {payload}))')
    return "\n".join(lines)


def _call(base: str, method: str, path: str, body: object | None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _wait(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _call(base, "GET", "/health", None)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


def _wrk(base: str, seconds: int, connections: int) -> tuple[int, dict[int, int]]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % _lua_requests())
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, base + "/"],
                             capture_output=True, text=True, check=True, timeout=seconds + 30).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    statuses = {int(s): int(n) for s, n in (line.split()[1:] for line in out.splitlines() if line.startswith("STATUS"))}
    return sum(statuses.values()), statuses


class Poller(threading.Thread):
    """Asks the prediction and the venue ranking in a loop, and each other endpoint once a round; keeps (start
    time, status, fingerprints, error) and (endpoint, status, error) of every non-2xx answer."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.samples: list[tuple[float, int, Any, Any, str | None]] = []
        self.failures: collections.Counter[tuple[str, int, str]] = collections.Counter()
        self.failure_times: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            for method, path, body in MIX:
                code, answer = _call(self.base, method, path, body)
                if code >= 300:
                    self.failure_times.append(time.monotonic())
                    self.failures[(f"{method} {path}", code, str(answer.get("error") or answer.get("status")))] += 1
            status, body = _call(self.base, "POST", "/tickets/predict", PREDICT)
            v_status, venues = _call(self.base, "POST", "/venues/popularity", VENUES)
            model = (body.get("model_version"), json.dumps(body.get("features_used"), sort_keys=True))
            ranking = json.dumps(venues.get("venues"), sort_keys=True) if v_status == 200 else None
            error = body.get("error") if status != 200 else venues.get("error") if v_status != 200 else None
            self.samples.append((started, max(status, v_status), model, ranking, error))
            time.sleep(max(0.0, 0.25 - (time.monotonic() - started)))


def _run(*args: str, env: dict[str, str], began: dict[str, float], name: str) -> float:
    """Run a CLI command to completion, noting in `began[name]` when it started; the time it finished."""
    began[name] = time.monotonic()
    subprocess.run([CLI, *args], env=env, check=True, capture_output=True, timeout=600)
    return time.monotonic()


def _log_lines(path: Path) -> collections.Counter[str]:
    levels: collections.Counter[str] = collections.Counter()
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):  # not the server's start-up banner
            levels[json.loads(line).get("level", "?")] += 1
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--baseline", type=int, default=15, help="seconds of load with nothing changing")
    parser.add_argument("--max-seconds", type=int, default=105, help="upper bound of the soak phase")
    parser.add_argument("--keep", action="store_true", help="keep the data copy and the server logs")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `apt-get install wrk`, then run this again.")

    source = data_dir_for("tiny", seed=1)
    work = Path(tempfile.mkdtemp(prefix="concert-soak-"))
    data_dir = work / "data"
    shutil.copytree(source, data_dir, ignore=shutil.ignore_patterns(".lock", "chat_sessions.sqlite3*"))
    env = {**os.environ, "CONCERT_DATA_DIR": str(data_dir), "CONCERT_ENV_FILE": "", "LOG_LEVEL": "INFO"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = {phase: work / f"server-{phase}.log" for phase in ("baseline", "soak")}
    log_file = open(logs["baseline"], "w")  # noqa: SIM115  # handed to the server, closed here after the baseline
    server = subprocess.Popen([CLI, "serve", "--port", str(port)], env=env, stdout=log_file, stderr=log_file)
    try:
        _wait(base)
        for method, path, body in MIX:  # warm-up: the first requests build the caches
            _call(base, method, path, body)
        base_requests, base_statuses = _wrk(base, args.baseline, args.connections)
        log_file.flush()
        baseline_lines = _log_lines(logs["baseline"])
        baseline_peak_kb = _peak_memory_kb(server.pid)

        log_file.close()  # the server keeps its own descriptor: the soak's lines are those after this offset
        offset = logs["baseline"].stat().st_size

        poller = Poller(base)
        poller.start()
        time.sleep(1.0)
        started = time.monotonic()
        events: dict[str, float] = {}
        began: dict[str, float] = {}
        result: dict[str, Any] = {}

        def load() -> None:
            result["wrk"] = _wrk(base, args.max_seconds, args.connections)

        wrk_thread = threading.Thread(target=load)
        wrk_thread.start()
        time.sleep(3)
        swap, retrain = "data swapped (generate --seed 99)", "model retrained"
        events[swap] = _run("data", "generate", "--scale", "tiny", "--seed", "99", env=env, began=began, name=swap)
        events[retrain] = _run("model", "train", env=env, began=began, name=retrain)
        warehouse = data_dir / "warehouse.duckdb"
        aside = work / "warehouse.aside"
        os.replace(warehouse, aside)
        events["warehouse deleted"] = time.monotonic()
        time.sleep(5)
        os.replace(aside, warehouse)
        events["warehouse restored"] = time.monotonic()
        time.sleep(max(0.0, 5 - (time.monotonic() - events["warehouse restored"])))
        soak_seconds = time.monotonic() - started
        wrk_thread.join()  # wrk's window is --max-seconds; the poller goes on until it ends
        poller.stop.set()
        poller.join()
        peak_kb = _peak_memory_kb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    soak_text = logs["baseline"].read_bytes()[offset:].decode(errors="replace")
    logs["soak"].write_text(soak_text)
    soak_lines = _log_lines(logs["soak"])
    soak_requests, soak_statuses = result["wrk"]
    stale = _stale(poller.samples, events, began)
    _report(args, base_requests, base_statuses, baseline_lines, soak_requests, soak_statuses, soak_lines, stale,
            poller, events, started, soak_seconds, (baseline_peak_kb, peak_kb))
    if args.keep:
        print(f"server logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _stale(samples: list[tuple[float, int, Any, Any, str | None]], events: dict[str, float],
           began: dict[str, float]) -> dict[str, int]:  # fmt: skip
    """Answers that started after a change completed but carry what was true before the change began."""
    swap, retrain = "data swapped (generate --seed 99)", "model retrained"
    swapped, retrained = events[swap], events[retrain]
    before_swap = [s for s in samples if s[0] < began[swap] and s[1] == 200]
    before_train = [s for s in samples if s[0] < began[retrain] and s[1] == 200]
    old_features = {s[2][1] for s in before_swap}
    old_rankings = {s[3] for s in before_swap}
    old_versions = {s[2][0] for s in before_train}
    after_swap = [s for s in samples if s[0] > swapped and s[1] == 200]
    after_train = [s for s in samples if s[0] > retrained and s[1] == 200]
    return {
        "polls after the data swap": len(after_swap),
        "stale features after the data swap": sum(s[2][1] in old_features for s in after_swap),
        "stale forecasts/ranking after the data swap": sum(s[3] in old_rankings for s in after_swap),
        "polls after the retrain": len(after_train),
        "stale model version after the retrain": sum(s[2][0] in old_versions for s in after_train),
    }


def _peak_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _report(args: argparse.Namespace, base_requests: int, base_statuses: dict[int, int],
            baseline_lines: collections.Counter[str], soak_requests: int, soak_statuses: dict[int, int],
            soak_lines: collections.Counter[str], stale: dict[str, int], poller: Poller, events: dict[str, float],
            started: float, soak_seconds: float, peaks_kb: tuple[int, int]) -> None:  # fmt: skip
    def non2xx(statuses: dict[int, int]) -> str:
        bad = {s: n for s, n in sorted(statuses.items()) if not 200 <= s < 300}
        return ", ".join(f"{s}: {n:,}" for s, n in bad.items()) or "0"

    def per_thousand(lines: collections.Counter[str], requests: int) -> str:
        return ", ".join(f"{level} {n * 1000 / max(requests, 1):.1f}" for level, n in sorted(lines.items()))

    causes = poller.failures
    print(f"wrk -t2 -c{args.connections}, mix of the five endpoints, one uvicorn worker, tiny data set, loopback")
    print(markdown_table(
        ["phase", "seconds", "requests", "non-2xx by status", "log lines per 1,000 requests"],
        [("baseline (nothing changes)", args.baseline, f"{base_requests:,}", non2xx(base_statuses),
          per_thousand(baseline_lines, base_requests)),
         ("soak (swap, retrain, delete/restore)", args.max_seconds, f"{soak_requests:,}", non2xx(soak_statuses),
          per_thousand(soak_lines, soak_requests))]))  # fmt: skip
    print()
    print("changes, seconds after the soak's load started: "
          + ", ".join(f"{name} {at - started:.1f}" for name, at in events.items())
          + f"; all done after {soak_seconds:.1f} s")  # fmt: skip
    print("poller's non-2xx answers (endpoint, status, error): "
          + (", ".join(f"{e} {s} {c!r}: {n}" for (e, s, c), n in sorted(causes.items())) or "none"))
    outage = (events["warehouse deleted"] - 0.5, events["warehouse restored"] + 0.5)
    outside = sum(not outage[0] <= t <= outage[1] for t in poller.failure_times)
    print(f"poller's non-2xx answers outside the {outage[1] - outage[0] - 1:.0f} s without a warehouse: {outside}")
    print(markdown_table(["staleness check", "answers"], list(stale.items())))
    print(f"server peak memory (VmHWM): {peaks_kb[0] / 1024:.0f} MB after the baseline, "
          f"{peaks_kb[1] / 1024:.0f} MB after the soak")


if __name__ == "__main__":
    main()
