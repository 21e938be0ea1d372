"""Generation and load time per scale: `generate()` to Parquet, then `load_directory()` into DuckDB.

    .venv/bin/python bench/bench_generate.py            # tiny, small, medium
    .venv/bin/python bench/bench_generate.py --large    # and large (>= 1,000,000 concerts)

Target (issue 2): medium generates and loads in 30 s or less on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
from concert_tools.data.generator import generate
from concert_tools.data.loader import load_directory

AS_OF = dt.date(2025, 6, 1)
SEED = 42


def measure(scale: str, root: Path) -> dict[str, float | int | str]:
    """Seconds to generate and to load one scale, and its sizes."""
    out, db = root / scale, root / f"{scale}.duckdb"
    started = time.perf_counter()
    files = generate(scale, SEED, out, as_of=AS_OF)
    generated = time.perf_counter()
    result = load_directory(out, DuckDBWarehouse(db, read_only=False))
    loaded = time.perf_counter()
    return {
        "scale": scale,
        "concerts": result.counts["concerts"],
        "rows": sum(result.counts.values()),
        "parquet_mb": round(sum(p.stat().st_size for p in files.values()) / 1e6, 1),
        "duckdb_mb": round(db.stat().st_size / 1e6, 1),
        "generate_s": round(generated - started, 2),
        "load_s": round(loaded - generated, 2),
        "total_s": round(loaded - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="also measure the large scale")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    scales = ["tiny", "small", "medium", *(["large"] if args.large else [])]
    console = Console(width=150)
    console.print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    console.print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        for scale in scales:
            rows.append(measure(scale, Path(tmp)))
            console.print(f"  {scale}: {rows[-1]['total_s']} s")
    table = Table(title="Generation and load time (seed 42)")
    for key in rows[0]:
        table.add_column(key, justify="left" if key == "scale" else "right")
    for row in rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    console.print(table)
    medium = next((r for r in rows if r["scale"] == "medium"), None)
    if medium:
        verdict = "meets" if float(medium["total_s"]) <= 30 else "MISSES"
        console.print(f"medium: {medium['total_s']} s generate + load, {verdict} the 30 s target")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
