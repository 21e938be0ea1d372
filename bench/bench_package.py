#!/usr/bin/env python3
"""Benchmark the deployment package: its size, and a cold import of each handler from the unpacked zip.

Each measurement starts a fresh interpreter of the Lambda Python version (`-I -S`: nothing on sys.path but the
unpacked zip and a stand-in for the runtime's boto3), imports `api_lambda_handlers.<handler>` and reports the
wall time of the whole process and the import alone, median of N runs, against a bare interpreter (`pass`).
The same is done for a build without bytecode, to show what hash-based .pyc files save on a read-only /var/task.

    .venv/bin/python bench/bench_package.py                 # build for python3.12/x86_64 (pip, cached), measure
    .venv/bin/python bench/bench_package.py --write-docs    # and update "## Deployment package" in docs/benchmarks.md
    .venv/bin/python bench/bench_package.py --baseline OLD.zip --baseline-label "before"   # and another zip beside
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from concert_tools.deploy.package import (  # noqa: E402
    HANDLER_NAMES,
    build_package,
    find_python,
    import_handler,
    runtime_provided_dir,
)

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Deployment package"


def _median_wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(zips: list[Path], python: str, runs: int, work: Path) -> list[dict[str, tuple[float, float, int]]]:
    """Per zip: handler -> (median process wall seconds, median import seconds, modules loaded).

    The zips are measured interleaved (each run imports each handler from each zip in turn), so a change in the
    machine's load during the benchmark falls on all of them alike.
    """
    runtime = runtime_provided_dir(work / "runtime")
    unpacked = []
    for i, zip_path in enumerate(zips):
        target = work / f"{i}-{zip_path.stem}"
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(target)
        unpacked.append(target)
    samples: dict[tuple[int, str], tuple[list[float], list[float], list[int]]] = {
        (i, h): ([], [], []) for i in range(len(zips)) for h in ("-", *HANDLER_NAMES)
    }
    for _ in range(runs):
        for handler in ("-", *HANDLER_NAMES):
            for i, folder in enumerate(unpacked):
                t0 = time.perf_counter()
                result = import_handler(folder, handler, python=python, runtime_dir=runtime)
                walls, imports, modules = samples[(i, handler)]
                walls.append(time.perf_counter() - t0)
                imports.append(float(result["seconds"]))  # type: ignore[arg-type]
                modules.append(int(result["modules"]))  # type: ignore[call-overload]
    return [
        {
            h: (statistics.median(samples[(i, h)][0]), statistics.median(samples[(i, h)][1]), samples[(i, h)][2][-1])
            for h in ("-", *HANDLER_NAMES)
        }
        for i in range(len(zips))
    ]


def main(argv: list[str] | None = None) -> int:
    """Build, measure, print a Markdown section (and write it into docs/benchmarks.md with --write-docs)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per measurement; the median is reported")
    parser.add_argument("--python-version", default="3.12")
    parser.add_argument("--architecture", default="x86_64", choices=("x86_64", "arm64"))
    parser.add_argument("--package", type=Path, help="measure this zip instead of building one")
    parser.add_argument("--baseline", type=Path, help="also measure this zip (e.g. an earlier build) in the same run")
    parser.add_argument("--baseline-label", default="baseline", help="what --baseline is, for the table")
    parser.add_argument("--write-docs", action="store_true", help=f"replace '{SECTION}' in docs/benchmarks.md")
    args = parser.parse_args(argv)

    python = find_python(args.python_version)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-pkg-") as tmp:
        work = Path(tmp)
        if args.package:
            zip_path, size = args.package, args.package.stat().st_size
            files = len(zipfile.ZipFile(args.package).namelist())
        else:
            built = build_package(
                work / "lambda.zip",
                python_version=args.python_version,
                architecture=args.architecture,
                log=lambda _m: None,
            )
            zip_path, size, files = built.path, built.size, built.files
        nobc = build_package(
            work / "lambda-nobytecode.zip",
            python_version=args.python_version,
            architecture=args.architecture,
            bytecode=False,
            log=lambda _m: None,
        )
        bare = _median_wall([python, "-I", "-S", "-c", "pass"], args.runs)
        measured = measure([zip_path, nobc.path, *([args.baseline] if args.baseline else [])], python, args.runs, work)
        with_bc, without_bc = measured[0], measured[1]
        baseline = measured[2] if args.baseline else None
        baseline_size = args.baseline.stat().st_size if args.baseline else 0

    baseline_args = f" --baseline {args.baseline} --baseline-label {args.baseline_label!r}" if args.baseline else ""
    lines = [
        SECTION,
        "",
        f"Reproduce: `.venv/bin/python bench/bench_package.py --runs {args.runs}{baseline_args}` "
        "(add `--write-docs` to rewrite this section).",
        "",
        f"Machine: {platform.machine()}, {platform.system()}, Python {args.python_version} "
        f"(`{Path(python).name}`), median of {args.runs} runs (the zips interleaved), each a fresh "
        "`-I -S -B` interpreter with only the "
        "unpacked zip and the runtime's boto3 on sys.path. Load average during the run: "
        f"{load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine: compare "
        "rows of one run, not runs).",
        "",
        f"- Zip (python{args.python_version}/{args.architecture}, without boto3, bytecode included): "
        f"**{size / 1024 / 1024:.2f} MB** ({size:,} bytes, {files} files); target <= 5 MB.",
        f"- Same zip without bytecode: {nobc.size / 1024 / 1024:.2f} MB.",
        *(
            [f"- {args.baseline_label} (`--baseline`): {baseline_size / 1024 / 1024:.2f} MB ({baseline_size:,} bytes)."]
            if baseline
            else []
        ),
        f"- Bare interpreter (`python -I -S -c pass`): {bare * 1000:.0f} ms.",
        "",
        "| handler | process wall (ms) | import (ms) | modules | import without .pyc (ms) |"
        + (f" {args.baseline_label}: import (ms) | {args.baseline_label}: modules |" if baseline else ""),
        "| --- | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if baseline else ""),
    ]
    for handler in ("-", *HANDLER_NAMES):
        wall, imp, mods = with_bc[handler]
        label = "`api_lambda_handlers` only" if handler == "-" else f"`{handler}`"
        row = f"| {label} | {wall * 1000:.0f} | {imp * 1000:.0f} | {mods} | {without_bc[handler][1] * 1000:.0f} |"
        if baseline:
            row += f" {baseline[handler][1] * 1000:.0f} | {baseline[handler][2]} |"
        lines.append(row)
    lines += [
        "",
        'Process wall includes interpreter start-up (compare the bare interpreter); "import" is the time of '
        "`import api_lambda_handlers` plus resolving the handler inside that process. Lambda's own init adds the "
        "runtime bootstrap, which this does not measure.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
        if SECTION in current:
            head, _, rest = current.partition(SECTION)
            nxt = rest.find("\n## ")
            tail = rest[nxt + 1 :] if nxt >= 0 else ""
            current = head + text + ("\n" + tail if tail else "")
        else:
            current = current.rstrip("\n") + "\n\n" + text
        DOCS.write_text(current, encoding="utf-8")
        print(f"updated {DOCS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
