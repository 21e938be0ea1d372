"""Constants and helpers shared by the data tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

AS_OF = dt.date(2025, 6, 1)
SEED = 11


def edit_csv_line(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file (line 1 is the header) to `value`, written as is."""
    lines = path.read_text().splitlines()
    header = [h.strip('"') for h in lines[0].split(",")]
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
