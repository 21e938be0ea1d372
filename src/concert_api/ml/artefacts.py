"""Where trained models live: `<model dir>/ticket_sales/<version>/` and a `current` pointer beside them.

    models/ticket_sales/
        20250601T120000Z-3f2a1c/     booster.txt  model.json  metadata.json
        current                      the version served (a one-line text file, written atomically)

Standard library only: the composition root checks whether a model exists without loading numpy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path
from typing import Any

TICKET_MODEL = "ticket_sales"
CURRENT = "current"
METADATA_FILE = "metadata.json"
TRAIN_HINT = "run `concert-api model train` (after `concert-api data generate`)"


def model_root(model_dir: Path) -> Path:
    """The directory of the ticket-sales model's versions."""
    return Path(model_dir) / TICKET_MODEL


def new_version(now: dt.datetime | None = None) -> str:
    """A sortable, unique version name: UTC timestamp and a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def current_version_dir(model_dir: Path) -> Path | None:
    """The served version's directory, or None when no model has been trained (or the pointer is dangling)."""
    root = model_root(model_dir)
    try:
        version = (root / CURRENT).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = root / version
    return path if version and (path / METADATA_FILE).is_file() else None


def set_current(model_dir: Path, version: str) -> None:
    """Point `current` at `version` (atomic rename, so a reader never sees a half-written pointer)."""
    root = model_root(model_dir)
    if not (root / version / METADATA_FILE).is_file():
        raise FileNotFoundError(f"no model version {version!r} in {root}")
    tmp = root / f".{CURRENT}.{secrets.token_hex(4)}"
    tmp.write_text(version + "\n")
    os.replace(tmp, root / CURRENT)


def versions(model_dir: Path) -> list[str]:
    """Every complete version, oldest first."""
    root = model_root(model_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / METADATA_FILE).is_file())


def read_metadata(version_dir: Path) -> dict[str, Any]:
    """A version's metadata.json (data snapshot, features, split, metrics, timings)."""
    data: dict[str, Any] = json.loads((Path(version_dir) / METADATA_FILE).read_text())
    return data
