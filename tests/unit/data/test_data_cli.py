"""`concert-api data`: generate, load, validate and info, with errors that say what to do next."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.unit.data.tiny_data import edit_csv_line

from concert_tools.cli import data_commands
from concert_tools.cli.data_commands import data


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(data, list(args))
    return result.exit_code, result.output


def test_every_command_has_help() -> None:
    for command in ([], ["generate"], ["load"], ["validate"], ["info"]):
        code, output = run(*command, "--help")
        assert code == 0 and "Usage:" in output


def test_generate_writes_parquet_and_loads_the_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    code, output = run("generate", "--scale", "tiny", "--seed", "5", "--as-of", "2025-03-01",
                       "--out", str(tmp_path / "gen"), "--db", str(db))  # fmt: skip
    assert code == 0, output
    assert (tmp_path / "gen" / "concerts.parquet").is_file() and db.is_file()
    code, output = run("info", "--db", str(db))
    assert code == 0 and "2,500" in output


def test_generate_without_load_leaves_no_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    code, output = run("generate", "--scale", "tiny", "--out", str(tmp_path / "gen"), "--db", str(db), "--no-load")
    assert code == 0 and not db.exists()
    assert "concert-api data load" in output


def test_load_rejects_bad_rows_with_a_report_and_keeps_the_warehouse(csv_copy: Path, tmp_path: Path) -> None:
    # given a loaded warehouse and a CSV directory with one bad row
    db = tmp_path / "wh.duckdb"
    assert run("load", str(csv_copy), "--db", str(db))[0] == 0
    before = db.read_bytes()
    edit_csv_line(csv_copy / "concerts.csv", 3, "status", "postponed")
    # when loading it
    code, output = run("load", str(csv_copy), "--db", str(db))
    # then it fails, names the row and says the warehouse is unchanged
    assert code == 1
    assert "concerts.csv" in output and "postponed" in output and "unchanged" in output
    assert db.read_bytes() == before


def test_load_of_a_missing_directory_says_what_to_pass(tmp_path: Path) -> None:
    code, output = run("load", str(tmp_path / "nope"))
    assert code == 1 and "not a directory" in output and "artists" in output


def test_validate_checks_without_loading(csv_copy: Path) -> None:
    code, output = run("validate", str(csv_copy))
    assert code == 0 and "passed every check" in output


def test_info_without_a_warehouse_says_how_to_make_one(tmp_path: Path) -> None:
    code, output = run("info", "--db", str(tmp_path / "none.duckdb"))
    assert code == 1 and "concert-api data generate" in output


def test_info_shows_the_generation_of_that_warehouse_only(
    csv_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a generated warehouse A, and a warehouse B loaded from a user's files
    generated, a, b = tmp_path / "gen", tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    code, output = run("generate", "--scale", "tiny", "--seed", "5", "--as-of", "2025-03-01",
                       "--out", str(generated), "--db", str(a))  # fmt: skip
    assert code == 0, output
    assert run("load", str(csv_copy), "--db", str(b))[0] == 0
    # (and a default data directory whose generation.json describes A)
    monkeypatch.setattr(data_commands, "_default_out", lambda: generated)
    # then each warehouse reports its own origin
    code, output = run("info", "--db", str(a))
    assert code == 0 and "Generated: scale tiny, seed 5, as of 2025-03-01" in output
    code, output = run("info", "--db", str(b))
    assert code == 0 and "Generated" not in output and f"Loaded from {csv_copy.resolve()}" in output
    document = json_document(run("info", "--db", str(b), "--json")[1])
    assert document["generation"] is None and document["load"]["source"] == str(csv_copy.resolve())
    assert json_document(run("info", "--db", str(a), "--json")[1])["generation"]["seed"] == 5


def json_document(output: str) -> dict:
    """The indented JSON document in the output (the package's one-line JSON logs may surround it in tests:
    `concert-api` itself sends them to stderr)."""
    document, _ = json.JSONDecoder().raw_decode(output[output.index("{\n") :])
    return document


def test_a_rejected_load_suggests_the_same_command_with_its_db_option(csv_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "a rather long directory name for the warehouse" / "custom-warehouse-file.duckdb"
    edit_csv_line(csv_copy / "concerts.csv", 3, "status", "postponed")
    code, output = run("load", str(csv_copy), "--db", str(db))
    assert code == 1
    expected = f"`concert-api data load {shlex.quote(str(csv_copy))} --db {shlex.quote(str(db))}` again"
    assert expected in output.replace("\n", "")
    assert expected in output, "the hint is printed on one line, not wrapped"


def test_hints_are_not_wrapped_and_keep_the_db_option(tmp_path: Path) -> None:
    db = tmp_path / ("x" * 60) / "warehouse.duckdb"
    code, output = run("generate", "--scale", "tiny", "--out", str(tmp_path / "gen"), "--db", str(db))
    assert code == 0, output
    [line] = [line for line in output.splitlines() if "Next:" in line]
    assert line.endswith(f"Next: `concert-api serve`, or `concert-api data info --db {db}`.")
    code, output = run("generate", "--scale", "tiny", "--out", str(tmp_path / "gen"), "--db", str(db), "--no-load")
    assert f"Load it with: `concert-api data load {tmp_path / 'gen'} --db {db}`" in output


def test_info_without_a_warehouse_suggests_commands_for_that_file(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    code, output = run("info", "--db", str(db))
    assert code == 1 and f"concert-api data generate --db {db}" in output.replace("\n", "")


def test_info_on_a_file_that_is_not_a_warehouse_says_how_to_rebuild_it(tmp_path: Path) -> None:
    db = tmp_path / "broken.duckdb"
    db.write_bytes(b"not a database")
    code, output = run("info", "--db", str(db))
    assert code == 1 and "cannot be opened" in output
    assert f"concert-api data generate --db {db}" in output.replace("\n", "")
