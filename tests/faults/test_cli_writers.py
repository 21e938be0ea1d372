"""The commands that write a data dir take turns, stage their files, and fail in words (issue 13, item 5): a
lock per data dir with a message for the command that waits or gives up; `data generate` writes a temporary
directory and renames; a read-only or full directory names the cause and the next step, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.faults.swaps import immutable

from concert_tools.cli.locking import data_dir_lock

CLI = [sys.executable, "-c", "from concert_tools.cli.main import main; main()"]


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONCERT_", "REDSHIFT", "SAGEMAKER", "BEDROCK"))}
    env["CONCERT_ENV_FILE"] = ""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=env)


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB file system (tmpfs): writing more than that fails with ENOSPC, as on a full disk."""
    path = tmp_path / "full"
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_second_writer_gives_up_after_its_timeout_naming_the_holder(tmp_path, tiny_data_dir):
    with data_dir_lock(tmp_path, "concert-api data load", timeout=0):
        result = _run("--data-dir", str(tmp_path), "data", "load", str(tiny_data_dir / "generated"),
                      "--lock-timeout", "0.5")

    assert result.returncode == 1
    assert "Gave up after 0.5 s: `concert-api data load` (pid " in result.stderr
    assert "--lock-timeout" in result.stderr and not (tmp_path / "warehouse.duckdb").exists()
    _no_traceback(result)


def test_a_second_writer_waits_for_the_first_and_then_runs(tmp_path, tiny_data_dir):
    held = threading.Event()

    def hold_for_a_second() -> None:
        with data_dir_lock(tmp_path, "concert-api model train", timeout=0):
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold_for_a_second)
    holder.start()
    held.wait()
    result = _run("--data-dir", str(tmp_path), "data", "load", str(tiny_data_dir / "generated"))
    holder.join()

    assert result.returncode == 0, result.stderr
    assert "Waiting for `concert-api model train` (pid " in result.stderr and "is free now" in result.stderr
    assert (tmp_path / "warehouse.duckdb").is_file()


def test_two_generates_at_once_both_succeed_and_leave_readable_files(tmp_path):
    def generate(seed: int) -> subprocess.CompletedProcess[str]:
        return _run("--data-dir", str(tmp_path), "data", "generate", "--scale", "tiny", "--seed", str(seed))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(generate, (1, 2)))

    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    for path in (tmp_path / "generated").glob("*.parquet"):
        pq.read_table(path)  # raises on a torn file
    assert not list((tmp_path / "generated").glob(".staging-*"))
    info = _run("--data-dir", str(tmp_path), "data", "info", "--json")
    assert info.returncode == 0 and '"seed": ' in info.stdout


def test_a_failed_generation_leaves_the_previous_files_as_they_were(tmp_path, monkeypatch):
    from concert_tools.data import generator

    generator.generate("tiny", 1, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.parquet")}

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(generator.pq, "read_metadata", disk_full)  # fails after the files are written
    with pytest.raises(OSError):
        generator.generate("tiny", 2, tmp_path)

    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.parquet")} == before
    assert not list(tmp_path.glob(".staging-*"))


@pytest.mark.parametrize("command", [["data", "generate", "--scale", "tiny"], ["model", "train"]])
def test_a_read_only_data_dir_is_refused_before_any_work(read_only_dir, command):
    result = _run("--data-dir", str(read_only_dir), *command)

    assert result.returncode == 1
    assert f"Cannot write to the data dir {read_only_dir}" in result.stderr
    assert "Use a writable directory" in result.stderr
    _no_traceback(result)


def test_training_into_a_read_only_model_dir_stops_before_training(own_data_dir):
    models = own_data_dir / "models"
    with immutable(models):
        started = time.monotonic()
        result = _run("--data-dir", str(own_data_dir), "model", "train")
        elapsed = time.monotonic() - started

    assert result.returncode == 1 and "Cannot write the model into" in result.stderr
    assert "nothing was changed" in result.stderr and elapsed < 15  # refused up front, not after training
    _no_traceback(result)


def test_a_load_into_a_read_only_warehouse_dir_names_the_cause(tmp_path, tiny_data_dir):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / ".lock").touch()  # the dir was writable once, then locked down
    with immutable(data_dir):
        result = _run("--data-dir", str(data_dir), "data", "load", str(tiny_data_dir / "generated"))

    assert result.returncode == 1
    assert "Cannot write the warehouse into" in result.stderr or "Cannot write to the data dir" in result.stderr
    assert "not permitted" in result.stderr or "permission denied" in result.stderr
    _no_traceback(result)


def test_a_load_onto_a_full_disk_names_the_cause_and_keeps_the_old_data(full_disk, tiny_data_dir):
    result = _run("--data-dir", str(full_disk), "data", "load", str(tiny_data_dir / "generated"))

    assert result.returncode == 1
    assert "No space left on device" in result.stderr and "free space" in result.stderr
    assert not (full_disk / "warehouse.duckdb").exists() and not list(full_disk.glob(".warehouse.duckdb.*"))
    _no_traceback(result)


def test_a_failure_no_command_foresaw_is_one_line_not_a_traceback(own_data_dir):
    from concert_api.ml import artefacts

    version_dir = artefacts.current_version_dir(own_data_dir / "models")
    assert version_dir is not None
    (version_dir / "metadata.json").write_text("{ damaged")

    result = _run("--data-dir", str(own_data_dir), "model", "evaluate", "--latency-requests", "0")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: JSONDecodeError: ")
    assert "CONCERT_DEBUG=1" in result.stderr
    _no_traceback(result)
