"""Local server throughput and latency under a load generator (wrk) on loopback, beside a bare Starlette app.

    .venv/bin/python bench/bench_server.py [--scale small] [--duration 5] [--rounds 3] [--connections 16]

Starts `concert-api serve --workers 1` and the baseline, a bare Starlette app on the same uvicorn (one worker,
the same options) that answers each path with the bytes the real server answered, parsing the request's JSON
body and nothing else, each on a free loopback port. Then drives each endpoint with wrk (apt package `wrk`;
bounded in time, loopback only), alternating the two servers for `--rounds` rounds so that the loaded, shared
machine weighs on both alike; the figures are the medians of the rounds. Target (issue 15): GET /health at
least 30% and POST /venues/popularity at least 20% of the bare app's throughput, no non-2xx.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from _data import data_dir_for
from _util import ROOT, free_port, markdown_table, wait_for

CASES = [
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

BARE_RESPONSES = "BENCH_BARE_RESPONSES"
"""The environment variable naming the JSON file of the bare app's answers (path -> body)."""


def create_bare_app() -> object:
    """The baseline: a bare Starlette app answering each path with a fixed body after parsing the request's JSON."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    with open(os.environ[BARE_RESPONSES]) as answers:
        bodies = {path: body.encode() for path, body in json.load(answers).items()}

    def endpoint(path: str) -> object:
        async def answer(request: Request) -> Response:
            raw = await request.body()
            if raw:
                json.loads(raw)
            return Response(bodies[path], media_type="application/json")

        return answer

    return Starlette(routes=[Route(path, endpoint(path), methods=["GET", "POST"]) for path in bodies])


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


def _start(command: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(url)
    except RuntimeError:
        server.terminate()
        raise
    return server


def _call(url: str, method: str, body: object) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return bytes(response.read())


def _median_of(results: list[dict[str, str]], key: str) -> str:
    values = sorted(results, key=lambda r: _number(r["rps"]))
    return values[len(values) // 2][key]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--duration", type=int, default=5, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per endpoint and server (medians reported)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", default="", help="measure only the cases whose name contains this text")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `apt-get install wrk`, then run this again.")

    data_dir = data_dir_for(args.scale)
    port, bare_port = free_port(), free_port()
    env = {**os.environ, "CONCERT_DATA_DIR": str(data_dir), "CONCERT_ENV_FILE": "", "LOG_LEVEL": "WARNING"}
    base, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    servers: list[subprocess.Popen[bytes]] = []
    answers = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115 (removed below)
    try:
        servers.append(_start([str(ROOT / ".venv/bin/concert-api"), "serve", "--port", str(port), "--workers", "1"],
                              env, f"{base}/health"))  # fmt: skip
        # warm-up, and the bare app's answers: the real server's, so both send the same bytes
        json.dump({path: _call(base + path, method, body).decode() for _, method, path, body in CASES}, answers)
        answers.close()
        bare_command = [sys.executable, "-m", "uvicorn", "bench_server:create_bare_app", "--factory", "--app-dir",
                        os.path.dirname(os.path.abspath(__file__)), "--port", str(bare_port), "--workers", "1",
                        "--log-level", "warning", "--no-access-log"]  # fmt: skip
        servers.append(_start(bare_command, {**env, BARE_RESPONSES: answers.name}, f"{bare}/health"))
        rows = []
        for name, method, path, body in CASES:
            if args.only not in name:
                continue
            ours, theirs = [], []
            for _ in range(args.rounds):
                theirs.append(_wrk(bare + path, method, body, args.duration, args.connections))
                ours.append(_wrk(base + path, method, body, args.duration, args.connections))
            ratio = _number(_median_of(ours, "rps")) / max(_number(_median_of(theirs, "rps")), 1e-9)
            non2xx = sum(int(r["non2xx"]) for r in ours)
            rows.append((name, _median_of(theirs, "rps"), _median_of(ours, "rps"), f"{ratio:.1%}",
                         _median_of(ours, "p50"), _median_of(ours, "p99"), non2xx))  # fmt: skip
            print(rows[-1], flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        os.unlink(answers.name)
    print(f"scale {args.scale}, wrk -t2 -c{args.connections}, {args.rounds} rounds of {args.duration}s per server "
          "alternating, medians; one uvicorn worker each")  # fmt: skip
    headers = ["case", "bare Starlette req/s", "concert-api serve req/s", "ratio", "serve p50", "serve p99",
               "serve non-2xx"]  # fmt: skip
    print(markdown_table(headers, rows))


if __name__ == "__main__":
    main()
