"""What changes under a running server: a retrained model, a reloaded warehouse."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def publish_model_copy(data_dir: Path, version: str) -> None:
    """A new model version under `data_dir` (the current one's files under a new version name) made current, as
    `model train` does: the version directory first, then the `current` pointer replaced atomically."""
    from concert_api.ml import artefacts

    source = artefacts.current_version_dir(data_dir / "models")
    assert source is not None
    target = artefacts.model_root(data_dir / "models") / version
    shutil.copytree(source, target)
    spec = json.loads((target / "model.json").read_text())
    spec["version"] = version
    (target / "model.json").write_text(json.dumps(spec))
    artefacts.set_current(data_dir / "models", version)


def reload_warehouse(data_dir: Path, seed: int) -> None:
    """`concert-api data generate --scale tiny --seed SEED` in process: new data swapped in under the server,
    with the venue forecasts of the current model."""
    import datetime as dt

    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse
    from concert_tools.data.generator import generate
    from concert_tools.data.loader import load_directory
    from concert_tools.model.scoring import current_model, local_scorer

    generated = data_dir / f"generated-{seed}"
    generate("tiny", seed, generated, as_of=dt.date.today())
    warehouse = DuckDBWarehouse(data_dir / "warehouse.duckdb", read_only=False)
    try:
        model = current_model(data_dir / "models")
        load_directory(generated, warehouse, forecasts=None if model is None else local_scorer(model))
    finally:
        warehouse.close()


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """`path` (a file, or a directory and everything in it) made unwritable for the block: the immutable attribute
    for root (which ignores file modes), read-only modes for anyone else."""
    paths = [path, *path.rglob("*")] if path.is_dir() else [path]
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-R", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-R", "-i", str(path)], check=True)
        return
    modes = {p: p.stat().st_mode for p in paths}
    for p in paths:
        p.chmod(modes[p] & ~0o222)
    try:
        yield
    finally:
        for p in reversed(paths):
            p.chmod(modes[p])


@contextlib.contextmanager
def running_server(app: Any) -> Iterator[str]:
    """`app` served by uvicorn on a free loopback port for the block; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the local server did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
