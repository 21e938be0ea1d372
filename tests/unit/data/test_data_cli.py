"""`concert-api data`: generate, load, validate and info, with errors that say what to do next."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from tests.unit.data.tiny_data import edit_csv_line

from concert_api.cli.data_commands import data


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
