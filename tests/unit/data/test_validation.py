"""Validation of a user's files: every bad row is named (file, row, column, reason); good files pass."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.unit.data.tiny_data import edit_csv_line

from concert_tools.data import validation
from concert_tools.data.validation import ValidationIssue, validate_directory


def issues_for(report: validation.ValidationReport, file: str) -> list[ValidationIssue]:
    return [i for i in report.issues if i.file == file]


def test_generated_parquet_passes_every_check(tiny_dir: Path) -> None:
    report = validate_directory(tiny_dir)
    assert report.ok, str(report)
    assert report.row_counts["concerts"] == 2500


def test_the_same_data_as_csv_passes(csv_copy: Path) -> None:
    report = validate_directory(csv_copy)
    assert report.ok, str(report)


def test_a_bad_value_is_reported_with_its_row_and_column(csv_copy: Path) -> None:
    # given concerts.csv whose third data row (line 4) has an impossible date
    edit_csv_line(csv_copy / "concerts.csv", 4, "event_date", "2024-13-45")
    # when validating
    report = validate_directory(csv_copy)
    # then exactly that cell is reported
    assert not report.ok
    assert report.issues == [
        ValidationIssue("concerts.csv", 3, "event_date", "'2024-13-45' is not a valid date (YYYY-MM-DD)")
    ]


def test_types_ranges_choices_and_required_values_are_checked(csv_copy: Path) -> None:
    edit_csv_line(csv_copy / "venues.csv", 2, "capacity", "-5")
    edit_csv_line(csv_copy / "venues.csv", 3, "venue_type", "barn")
    edit_csv_line(csv_copy / "venues.csv", 4, "latitude", "north")
    edit_csv_line(csv_copy / "venues.csv", 5, "name", "")
    report = validate_directory(csv_copy)
    found = {(i.row, i.column): i.reason for i in issues_for(report, "venues.csv")}
    assert found[(1, "capacity")] == "-5 is below the minimum 1"
    assert found[(2, "venue_type")].startswith("'barn' is not one of: club, theater")
    assert found[(3, "latitude")] == "'north' is not a valid number"
    assert found[(4, "name")] == "missing value (the column is required)"


def test_duplicate_primary_keys_name_the_first_occurrence(csv_copy: Path) -> None:
    path = csv_copy / "artists.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")  # the first artist again, as the last row
    report = validate_directory(csv_copy)
    [issue] = issues_for(report, "artists.csv")
    assert issue.row == len(lines) and issue.column == "artist_id"
    assert issue.reason == "duplicate key 'artist_001' (first on row 1)"


def test_references_to_missing_rows_are_reported(csv_copy: Path) -> None:
    edit_csv_line(csv_copy / "concerts.csv", 2, "artist_id", "artist_999")
    report = validate_directory(csv_copy)
    assert ValidationIssue("concerts.csv", 1, "artist_id", "'artist_999' is not in artists") in report.issues


def test_unknown_genres_and_oversold_shows_are_reported(csv_copy: Path) -> None:
    edit_csv_line(csv_copy / "artists.csv", 2, "genre", "Rock")
    edit_csv_line(csv_copy / "users.csv", 2, "favorite_genres", '"rock,polka"')
    edit_csv_line(csv_copy / "ticket_sales.csv", 2, "tickets_sold", "999999")
    report = validate_directory(csv_copy)
    reasons = {i.file: i.reason for i in report.issues}
    assert reasons["artists.csv"].startswith("'Rock' is not a known genre")
    assert reasons["users.csv"].startswith("unknown genre(s) 'polka'")
    assert reasons["ticket_sales.csv"].startswith("999999 tickets sold exceeds the capacity")


def test_many_bad_rows_are_counted_but_the_listing_is_capped(csv_copy: Path) -> None:
    path = csv_copy / "ticket_sales.csv"
    lines = path.read_text().splitlines()
    lines = [lines[0], *(line.replace(",", ",-", 1) for line in lines[1:])]  # every tickets_sold negative
    path.write_text("\n".join(lines) + "\n")
    report = validate_directory(csv_copy)
    assert report.total_issues >= len(lines) - 1
    assert len(report.issues) <= validation.MAX_ISSUES
    assert any(i.reason.startswith("... and ") and "more rows like row 1" in i.reason for i in report.issues)


def test_missing_required_table_or_column_is_reported_for_the_whole_file(csv_copy: Path) -> None:
    (csv_copy / "artists.csv").unlink()
    venues = csv_copy / "venues.csv"
    venues.write_text(venues.read_text().replace("capacity", "seats", 1))
    report = validate_directory(csv_copy)
    assert any(i.file == "artists.csv" and i.row is None and "missing" in i.reason for i in report.issues)
    assert ValidationIssue("venues.csv", None, "capacity", "missing column (it is required)") in report.issues


def test_optional_tables_may_be_absent_and_unknown_files_are_warned_about(csv_copy: Path) -> None:
    for name in ("users", "attendance", "ticket_sales", "cities"):
        (csv_copy / f"{name}.csv").unlink()
    (csv_copy / "artist.csv").write_text("x\n1\n")
    report = validate_directory(csv_copy)
    assert report.ok, str(report)
    assert any("artist.csv" in w for w in report.warnings)


def test_parquet_with_wrong_types_is_checked_like_csv(tmp_path: Path, tiny_dir: Path) -> None:
    # given a user's Parquet where capacity is text and one value is not a number
    for path in tiny_dir.glob("*.parquet"):
        if path.stem in ("artists", "concerts"):
            pq.write_table(pq.read_table(path), tmp_path / path.name)
    venues = pq.read_table(tiny_dir / "venues.parquet")
    capacity = [str(c) for c in venues["capacity"].to_pylist()]
    capacity[4] = "big"
    venues = venues.set_column(venues.schema.get_field_index("capacity"), "capacity", pa.array(capacity))
    pq.write_table(venues, tmp_path / "venues.parquet")
    report = validate_directory(tmp_path)
    assert report.issues == [ValidationIssue("venues.parquet", 5, "capacity", "'big' is not a valid whole number")]


# --- whole numbers, row numbers, sales of completed concerts, state codes, order, DuckDB errors ------------


def test_a_fraction_in_a_whole_number_column_is_reported_not_rounded(
    csv_copy: Path, tiny: dict[str, list[dict]]
) -> None:
    edit_csv_line(csv_copy / "venues.csv", 3, "capacity", "1500.5")
    edit_csv_line(csv_copy / "ticket_sales.csv", 2, "tickets_sold", "1.5")
    whole = f"{tiny['venues'][2]['capacity']}.0"  # a whole number written with a decimal point is fine
    edit_csv_line(csv_copy / "venues.csv", 4, "capacity", whole)
    report = validate_directory(csv_copy)
    assert report.issues == [
        ValidationIssue("ticket_sales.csv", 1, "tickets_sold", "'1.5' is not a valid whole number"),
        ValidationIssue("venues.csv", 2, "capacity", "'1500.5' is not a valid whole number"),
    ]


def test_a_fraction_in_a_parquet_integer_column_is_reported(parquet_copy: Path) -> None:
    venues = pq.read_table(parquet_copy / "venues.parquet")
    capacity = [float(c) for c in venues["capacity"].to_pylist()]
    capacity[6] += 0.5
    venues = venues.set_column(venues.schema.get_field_index("capacity"), "capacity", pa.array(capacity))
    pq.write_table(venues, parquet_copy / "venues.parquet")
    report = validate_directory(parquet_copy)
    [issue] = report.issues
    assert (issue.file, issue.row, issue.column) == ("venues.parquet", 7, "capacity")
    assert issue.reason == f"{capacity[6]:g} is not a valid whole number"


def test_a_column_named_rowid_is_ignored_and_rows_keep_their_numbers(csv_copy: Path) -> None:
    # given a CSV with an extra column called rowid (DuckDB's pseudo-column name), in reverse order
    path = csv_copy / "concerts.csv"
    lines = path.read_text().splitlines()
    n = len(lines) - 1
    path.write_text("\n".join([f"{lines[0]},rowid", *(f"{line},{n - i}" for i, line in enumerate(lines[1:]))]) + "\n")
    edit_csv_line(path, n + 1, "status", "postponed")  # the last data row
    # when validating, then it is a warning, and the bad row is numbered by its place in the file
    report = validate_directory(csv_copy)
    assert [(i.row, i.column) for i in report.issues] == [(n, "status")]
    assert any("rowid" in w for w in report.warnings)


def test_a_failing_check_is_a_file_level_issue_not_a_traceback(
    csv_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(spec: object, parents: object) -> object:
        yield validation.Check("genre", "SELECT _row FROM no_such_table", "never shown")

    monkeypatch.setattr(validation, "_domain_checks", broken)
    report = validate_directory(csv_copy)
    assert not report.ok
    issue = next(i for i in report.issues if i.file == "artists.csv")
    assert issue.row is None and issue.column == "genre" and issue.reason.startswith("cannot be checked:")


def test_a_file_that_cannot_be_staged_is_a_file_level_issue(csv_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = validation._typed
    monkeypatch.setattr(
        validation, "_typed", lambda raw, kind: "no_such_function(1)" if raw == '"capacity"' else real(raw, kind)
    )
    report = validate_directory(csv_copy)
    [issue] = report.issues
    assert (issue.file, issue.row) == ("venues.csv", None) and issue.reason.startswith("cannot be read:")


def test_ticket_sales_of_a_concert_that_is_not_completed_are_rejected(
    csv_copy: Path, tiny: dict[str, list[dict]]
) -> None:
    # given sales rows pointing at a scheduled and at a cancelled concert
    by_status = {c["status"]: c["concert_id"] for c in tiny["concerts"]}
    edit_csv_line(csv_copy / "ticket_sales.csv", 3, "concert_id", f'"{by_status["scheduled"]}"')
    edit_csv_line(csv_copy / "ticket_sales.csv", 5, "concert_id", f'"{by_status["cancelled"]}"')
    report = validate_directory(csv_copy)
    found = [(i.row, i.reason) for i in report.issues if i.column == "concert_id"]
    rule = "ticket sales are recorded for completed concerts only"
    assert found == [
        (2, f"concert '{by_status['scheduled']}' is 'scheduled': {rule}"),
        (4, f"concert '{by_status['cancelled']}' is 'cancelled': {rule}"),
    ]


@pytest.mark.parametrize(
    ("file", "column", "value"),
    [("venues.csv", "state", "Texas"), ("cities.csv", "state", "tx"), ("users.csv", "home_state", "T"),
     ("artists.csv", "home_state", "TEX"), ("venues.csv", "state", "ZZ")],
)  # fmt: skip
def test_states_must_be_us_postal_codes(csv_copy: Path, file: str, column: str, value: str) -> None:
    edit_csv_line(csv_copy / file, 2, column, value)
    report = validate_directory(csv_copy)
    assert ValidationIssue(
        file, 1, column, f"'{value}' is not a two-letter upper-case US state code such as 'TX'"
    ) in report.issues


def test_an_artist_without_a_home_state_is_fine(csv_copy: Path) -> None:
    edit_csv_line(csv_copy / "artists.csv", 2, "home_state", "")
    assert validate_directory(csv_copy).ok


def test_problems_are_listed_by_file_then_row_then_column(csv_copy: Path) -> None:
    # given problems found by different checks, in an order unlike the rows'
    edit_csv_line(csv_copy / "venues.csv", 5, "name", "")
    edit_csv_line(csv_copy / "venues.csv", 5, "capacity", "-1")
    edit_csv_line(csv_copy / "venues.csv", 4, "venue_type", "barn")
    edit_csv_line(csv_copy / "venues.csv", 3, "latitude", "north")
    edit_csv_line(csv_copy / "artists.csv", 3, "genre", "polka")
    report = validate_directory(csv_copy)
    assert [(i.file, i.row, i.column) for i in report.issues] == [
        ("artists.csv", 2, "genre"),
        ("venues.csv", 2, "latitude"),
        ("venues.csv", 3, "venue_type"),
        ("venues.csv", 4, "capacity"),
        ("venues.csv", 4, "name"),
    ]
