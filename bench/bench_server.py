"""Local server throughput and latency under a load generator (wrk) on loopback.

    .venv/bin/python bench/bench_server.py [--scale small] [--duration 10] [--connections 16]

Starts `concert-api serve` on a free loopback port, then drives each endpoint with wrk (apt package `wrk`;
bounded in time, loopback only). The baseline is the same server answering `GET /openapi.json` from memory,
which costs the HTTP stack and nothing else, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from _data import data_dir_for
from _util import ROOT, markdown_table

CASES = [
    ("baseline: GET /openapi.json", "GET", "/openapi.json", None),
    ("GET /health", "GET", "/health", None),
    ("POST /venues/popularity", "POST", "/venues/popularity", {"top_n": 10, "min_events": 5}),
    (
        "POST /recommendations",
        "POST",
        "/recommendations",
        {"user_id": "user_123", "artist_preferences": ["rock", "alternative"], "location": "New York", "top_n": 10},
    ),
    (
        "POST /tickets/predict",
        "POST",
        "/tickets/predict",
        {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2027-03-31", "ticket_price": 75.0},
    ),
    ("POST /chat", "POST", "/chat", {"message": "What are the top 5 venues in Chicago?"}),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def _wrk(url: str, method: str, body: object, duration: int, connections: int) -> dict[str, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\nwrk.headers["Content-Type"] = "application/json"\n')
        if body is not None:
            script.write(f"wrk.body = {json.dumps(json.dumps(body))}\n")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 30,
    ).stdout
    os.unlink(script.name)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, flags=re.M))
    rps = re.search(r"Requests/sec:\s+(\S+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps.group(1) if rps else "?",
        "p50": latency.get("50", "?"),
        "p99": latency.get("99", "?"),
        "non2xx": non2xx.group(1) if non2xx else "0",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `apt-get install wrk`, then run this again.")

    data_dir = data_dir_for(args.scale)
    port = _free_port()
    env = {**os.environ, "CONCERT_DATA_DIR": str(data_dir), "CONCERT_ENV_FILE": "", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/concert-api"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/health")
        rows = []
        for _, method, path, body in CASES:  # warm-up: first requests build caches (e.g. the venue forecasts)
            data = json.dumps(body).encode() if body is not None else None
            warm = urllib.request.Request(base + path, data=data, method=method,
                                          headers={"Content-Type": "application/json"})  # fmt: skip
            urllib.request.urlopen(warm, timeout=60).read()
        for name, method, path, body in CASES:
            result = _wrk(base + path, method, body, args.duration, args.connections)
            rows.append((name, result["rps"], result["p50"], result["p99"], result["non2xx"]))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"scale {args.scale}, wrk -t2 -c{args.connections} -d{args.duration}s on loopback, one uvicorn worker")
    print(markdown_table(["case", "requests/s", "latency p50", "latency p99", "non-2xx"], rows))


if __name__ == "__main__":
    main()
