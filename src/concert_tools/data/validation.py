"""Checks a directory of CSV or Parquet files (one per table) against `warehouse.schema`, with DuckDB.

Every check is one vectorised SQL statement over the whole file: types (whole numbers must be whole),
required values, ranges, choices, patterns (two-letter state codes), primary keys, references between the
files, and a few rules of the domain (known genres, ticket sales only for completed concerts, no more tickets
sold than seats). Problems come back as `ValidationIssue(file, row, column, reason)`, sorted by file, row and
column: `row` is the 1-based data row (the CSV header is not counted, so CSV line = row + 1); a whole-file
problem has `row=None`. A file DuckDB cannot read or check is a whole-file problem too, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.duckdb import DuckDBError, scratch_connection, sql_literal
from concert_api.models import GENRES

log = logging.getLogger(__name__)

SUFFIXES = (".parquet", ".csv", ".csv.gz")
REQUIRED_TABLES = ("artists", "venues", "concerts")
"""Tables a load cannot do without; the others load empty when absent (cities: the built-in list)."""
GENERATOR_FILES = frozenset({"expected_demand.parquet", "generation.json"})
MAX_ISSUES = 100
SAMPLES_PER_CHECK = 10

DUCKDB_TYPES: dict[schema.ColumnType, str] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
}
"""The DuckDB type of each schema column type (staging, and the loader's clean Parquet)."""
_TYPE_WORDS: dict[schema.ColumnType, str] = {
    "id": "text",
    "text": "text",
    "int": "whole number",
    "float": "number",
    "date": "date (YYYY-MM-DD)",
    "bool": "true/false value",
}
_MAX_LENGTH: dict[schema.ColumnType, int] = {"id": 64, "text": 256}


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: the file, the 1-based data row (None for the whole file), the column, and why."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where}{f' [{self.column}]' if self.column else ''}: {self.reason}"


@dataclass
class ValidationReport:
    """The outcome of `validate_directory`: the issues found (at most `MAX_ISSUES` listed, `total_issues`
    counted), warnings that do not block a load, and the files and row counts seen."""

    directory: Path
    issues: list[ValidationIssue] = field(default_factory=list)
    total_issues: int = 0
    warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the load."""
        return self.total_issues == 0

    def add(self, issue: ValidationIssue, count: int = 1) -> None:
        """Record an issue; beyond `MAX_ISSUES` it is counted but not listed."""
        self.total_issues += count
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)

    def sort(self) -> None:
        """Order the listed issues by file, row and column (whole-file notes after the file's rows)."""
        self.issues.sort(key=lambda i: (i.file, i.row is None, i.row or 0, i.column or ""))

    def summary(self) -> str:
        """One line: what was found, and how many of the problems are listed."""
        if self.ok:
            return f"{sum(self.row_counts.values()):,} rows in {len(self.files)} files passed every check."
        shown = len(self.issues)
        more = f" (the first {shown} are listed)" if shown < self.total_issues else ""
        noun = "problem" if self.total_issues == 1 else "problems"
        return f"{self.total_issues:,} {noun} found in {self.directory}{more}; nothing was loaded."

    def __str__(self) -> str:
        return "\n".join(
            [self.summary(), *(f"  {i}" for i in self.issues), *(f"  warning: {w}" for w in self.warnings)]
        )


def find_table_files(directory: Path, report: ValidationReport) -> dict[str, Path]:
    """The file of each table in `directory` (`<table>.csv`, `.csv.gz` or `.parquet`); problems go to
    `report`."""
    if not directory.is_dir():
        report.add(ValidationIssue(str(directory), None, None, "not a directory"))
        return {}
    known = {t.name for t in schema.LOADED_TABLES}
    found: dict[str, list[Path]] = {}
    for path in sorted(directory.iterdir()):
        suffix = next((s for s in SUFFIXES if path.name.endswith(s)), None)
        if path.name in GENERATOR_FILES or not path.is_file():
            continue
        if suffix is None:
            report.warnings.append(f"ignored {path.name}: not a .csv or .parquet file")
            continue
        stem = path.name[: -len(suffix)]
        if stem not in known:
            report.warnings.append(
                f"ignored {path.name}: no table called {stem!r} (tables: {', '.join(sorted(known))})"
            )
            continue
        found.setdefault(stem, []).append(path)
    files: dict[str, Path] = {}
    for name, paths in found.items():
        if len(paths) > 1:
            listing = ", ".join(p.name for p in paths)
            report.add(
                ValidationIssue(paths[0].name, None, None, f"{name} has {len(paths)} files ({listing}); keep one")
            )
        files[name] = paths[0]
    for name in REQUIRED_TABLES:
        if name not in files:
            reason = f"missing: put the {name} table in {directory}/{name}.csv or {name}.parquet"
            report.add(ValidationIssue(f"{name}.csv", None, None, reason))
    return files


class StagedFiles:
    """The files of one directory read into an in-memory DuckDB, typed with TRY_CAST, to check and export.

    Tables: `raw_<table>` as read (CSV as text), `typed_<table>` with the schema's types and `_row`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.report = ValidationReport(self.directory)
        self.con = scratch_connection()
        self.present: set[str] = set()  # tables staged from a file (others are staged empty)
        self._stage()

    def close(self) -> None:
        """Release the in-memory database."""
        self.con.close()

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- staging ------------------------------------------------------------------------------------

    def _stage(self) -> None:
        files = find_table_files(self.directory, self.report)
        self.report.files = files
        for spec in schema.LOADED_TABLES:
            path = files.get(spec.name)
            if path is not None and self._read(spec, path):
                self.present.add(spec.name)
            else:
                self._empty(spec)

    def _read(self, spec: schema.Table, path: Path) -> bool:
        try:
            return self._stage_file(spec, path)
        except DuckDBError as exc:
            log.warning("cannot stage a table file", extra={"file": path.name, "error": str(exc)})
            self.report.add(ValidationIssue(path.name, None, None, f"cannot be read: {_first_line(exc)}"))
            for table in (f"typed_{spec.name}", f"raw_{spec.name}"):
                self.con.execute(f"DROP TABLE IF EXISTS {table}")
            return False

    def _stage_file(self, spec: schema.Table, path: Path) -> bool:
        if not path.name.endswith(".parquet"):
            shape = _csv_shape_issues(path, spec)
            if shape:
                for issue in shape:
                    self.report.add(issue)
                return False
        reader = (
            f"read_parquet({sql_literal(str(path))})"
            if path.name.endswith(".parquet")
            else f"read_csv({sql_literal(str(path))}, header = true, all_varchar = true)"
        )
        self.con.execute(f"CREATE TABLE raw_{spec.name} AS SELECT * FROM {reader}")
        columns = [r[0] for r in self.con.execute(f"DESCRIBE raw_{spec.name}").fetchall()]
        by_name = {c.strip().lower(): c for c in columns}
        missing = [c for c in spec.columns if c.name not in by_name and not c.nullable]
        for col in missing:
            self.report.add(ValidationIssue(path.name, None, col.name, "missing column (it is required)"))
        extra = sorted(set(by_name) - set(spec.column_names))
        if extra:
            self.report.warnings.append(f"{path.name}: ignored unknown columns {', '.join(extra)}")
        if missing:
            return False
        # Rows numbered in file order by a streaming window (not `rowid`, which a column of that name shadows).
        selects = ["row_number() OVER () AS _row"]
        for col in spec.columns:
            source = by_name.get(col.name)
            raw = "NULL" if source is None else _quote(source)
            selects.append(f"{raw} AS raw_{col.name}")
            selects.append(f"{_typed(raw, col.type)} AS {col.name}")
        self.con.execute(f"CREATE TABLE typed_{spec.name} AS SELECT {', '.join(selects)} FROM raw_{spec.name}")
        rows = self.report.row_counts[spec.name] = self.count(f"typed_{spec.name}")
        if rows == 0 and spec.name in REQUIRED_TABLES:
            self.report.add(ValidationIssue(path.name, None, None,
                                            f"has a header but no rows: the {spec.name} table cannot be empty"))
            self.con.execute(f"DROP TABLE typed_{spec.name}")
            return False
        return True

    def _empty(self, spec: schema.Table) -> None:
        cols = ["CAST(NULL AS BIGINT) AS _row"]
        for col in spec.columns:
            cols += [
                f"CAST(NULL AS VARCHAR) AS raw_{col.name}",
                f"CAST(NULL AS {DUCKDB_TYPES[col.type]}) AS {col.name}",
            ]
        self.con.execute(f"CREATE TABLE typed_{spec.name} AS SELECT {', '.join(cols)} LIMIT 0")

    def count(self, table: str) -> int:
        """Rows in a staged table."""
        row = self.con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    # --- checks -------------------------------------------------------------------------------------

    def validate(self) -> ValidationReport:
        """Run every check on every staged table and return the report."""
        for spec in schema.LOADED_TABLES:
            if spec.name in self.present:
                file = self.report.files[spec.name].name
                parents = self._checkable_parents()
                for check in [*_column_checks(spec, parents), *_domain_checks(spec, parents)]:
                    self._collect(file, check)
        self.report.sort()
        return self.report

    def _checkable_parents(self) -> set[str]:
        """Tables whose keys can be trusted: staged from a file, or optional and absent (then empty); not
        unreadable, and not a required table that is missing or empty (its problem is reported once, not as
        every row that refers to it)."""
        return {t.name for t in schema.LOADED_TABLES if t.name in self.present
                or (t.name not in self.report.files and t.name not in REQUIRED_TABLES)}

    def _collect(self, file: str, check: Check) -> None:
        query = f"SELECT COUNT(*) OVER () AS _n, * FROM ({check.sql}) ORDER BY 2 LIMIT {SAMPLES_PER_CHECK}"
        try:
            rows = self.con.execute(query).fetchall()
        except DuckDBError as exc:
            log.warning("validation check failed", extra={"file": file, "sql": check.sql, "error": str(exc)})
            self.report.add(ValidationIssue(file, None, check.column, f"cannot be checked: {_first_line(exc)}"))
            return
        if not rows:
            return
        for row in rows:
            self.report.add(ValidationIssue(file, int(row[1]), check.column, check.describe(row[2:])))
        total = int(rows[0][0])
        if total > len(rows):
            more = total - len(rows)
            self.report.total_issues += more
            like = f"... and {more:,} more rows like row {int(rows[0][1])}"
            self.report.add(ValidationIssue(file, None, check.column, like), 0)


@dataclass(frozen=True)
class Check:
    """One vectorised check: `sql` selects (_row, values...) of the bad rows; `reason` words one of them."""

    def describe(self, values: tuple[Any, ...]) -> str:
        """The reason for one bad row."""
        return self.reason.format(*(_show(v) for v in values))

    column: str
    sql: str
    reason: str  # a template: {0}, {1}... are the values after _row, shown readably


def _column_checks(spec: schema.Table, parents: set[str]) -> Iterator[Check]:
    t = f"typed_{spec.name}"
    for col in spec.columns:
        c, raw = col.name, f"raw_{col.name}"
        kind = _TYPE_WORDS[col.type]
        yield Check(
            c,
            f"SELECT _row, {raw} FROM {t} WHERE {raw} IS NOT NULL AND {c} IS NULL",
            f"{{0}} is not a valid {kind}",
        )
        if not col.nullable:
            yield Check(
                c,
                f"SELECT _row FROM {t} WHERE {raw} IS NULL OR TRIM(CAST({raw} AS VARCHAR)) = ''",
                "missing value (the column is required)",
            )
        if col.type in _MAX_LENGTH:
            most = _MAX_LENGTH[col.type]
            yield Check(
                c,
                f"SELECT _row, LENGTH({c}) FROM {t} WHERE LENGTH({c}) > {most}",
                f"{{0}} characters long; at most {most} fit",
            )
        if col.type == "float":
            yield Check(
                c,
                f"SELECT _row, {c} FROM {t} WHERE isnan({c}) OR isinf({c})",
                "{0} is not a finite number",
            )
        if col.min is not None:
            yield Check(
                c,
                f"SELECT _row, {c} FROM {t} WHERE {c} < {col.min}",
                f"{{0}} is below the minimum {_num(col.min)}",
            )
        if col.max is not None:
            yield Check(
                c,
                f"SELECT _row, {c} FROM {t} WHERE {c} > {col.max}",
                f"{{0}} is above the maximum {_num(col.max)}",
            )
        if col.choices:
            yield Check(
                c,
                f"SELECT _row, {c} FROM {t} WHERE {c} NOT IN ({_sql_list(col.choices)})",
                f"{{0}} is not one of: {', '.join(col.choices)}",
            )
        if col.pattern:
            hint = col.pattern_hint or f"a value matching {col.pattern}"
            yield Check(
                c,
                f"SELECT _row, {c} FROM {t} WHERE NOT regexp_full_match({c}, {sql_literal(col.pattern)})",
                f"{{0}} is not {hint}",
            )
        if col.references and col.references.split(".")[0] in parents:
            parent, key = col.references.split(".")
            yield Check(
                c,
                f"SELECT c._row, c.{c} FROM {t} c ANTI JOIN typed_{parent} p ON c.{c} = p.{key}"
                f" WHERE c.{c} IS NOT NULL",
                f"{{0}} is not in {parent}",
            )
    keys = ", ".join(spec.primary_key)
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in spec.primary_key)
    yield Check(
        keys,
        f"SELECT _row, first_row, CONCAT_WS(', ', {keys}) FROM (SELECT _row, {keys},"
        f" MIN(_row) OVER (PARTITION BY {keys}) AS first_row FROM {t} WHERE {not_null})"
        " WHERE _row > first_row",
        "duplicate key {1} (first on row {0})",
    )


def _domain_checks(spec: schema.Table, parents: set[str]) -> Iterator[Check]:
    """Rules of the domain the column specs cannot say: known genres, sales only for completed concerts, no
    more tickets sold than seats."""
    t = f"typed_{spec.name}"
    genres = _sql_list(GENRES)
    if spec.name == "artists":
        yield Check(
            "genre",
            f"SELECT _row, genre FROM {t} WHERE genre NOT IN ({genres})",
            f"{{0}} is not a known genre ({', '.join(GENRES)})",
        )
    if spec.name == "users":
        yield Check(
            "favorite_genres",
            f"SELECT _row, LIST(TRIM(g) ORDER BY TRIM(g)) FROM (SELECT _row,"
            f" UNNEST(string_split(favorite_genres, ',')) AS g FROM {t})"
            f" WHERE TRIM(g) NOT IN ({genres}) GROUP BY _row",
            "unknown genre(s) {0}; separate known genres with commas",
        )
    if spec.name == "ticket_sales" and "concerts" in parents:
        yield Check(
            "concert_id",
            f"SELECT s._row, s.concert_id, c.status FROM {t} s JOIN typed_concerts c ON c.concert_id = s.concert_id"
            " WHERE c.status <> 'completed'",
            "concert {0} is {1}: ticket sales are recorded for completed concerts only",
        )
    if spec.name == "ticket_sales":
        yield Check(
            "tickets_sold",
            f"SELECT s._row, s.tickets_sold, v.capacity, v.venue_id FROM {t} s"
            " JOIN typed_concerts c ON c.concert_id = s.concert_id"
            " JOIN typed_venues v ON v.venue_id = c.venue_id"
            " WHERE v.capacity >= 1 AND s.tickets_sold > v.capacity",
            "{0} tickets sold exceeds the capacity {1} of {2}",
        )


def validate_directory(directory: Path) -> ValidationReport:
    """Check every table file in `directory` against the schema; the report lists what blocks a load."""
    with StagedFiles(Path(directory)) as staged:
        return staged.validate()


def _csv_shape_issues(path: Path, spec: schema.Table) -> list[ValidationIssue]:
    """What makes a CSV file unreadable as a table, said plainly: an empty file, or rows whose number of fields
    differs from the header's (the first `SAMPLES_PER_CHECK`, then a count). One streaming pass, in Python's
    csv module, before DuckDB's sniffer would guess a wrong shape and report every column missing."""
    import csv
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    issues: list[ValidationIssue] = []
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                columns = ", ".join(spec.column_names)
                return [ValidationIssue(path.name, None, None, f"the file is empty: it needs a header row ({columns}) "
                                        f"and one row per {spec.name.removesuffix('s')}")]
            bad = 0
            for row_number, row in enumerate(reader, start=1):
                if len(row) != len(header) and any(field.strip() for field in row):
                    bad += 1
                    if bad <= SAMPLES_PER_CHECK:
                        column = (header[len(row)].strip() if len(row) < len(header)
                                  else f"field {len(header) + 1}, past {header[-1].strip()}")
                        hint = "a value with an unquoted comma?" if len(row) > len(header) else "a value is missing"
                        issues.append(ValidationIssue(path.name, row_number, column,
                                                      f"has {len(row)} fields; the header has {len(header)} ({hint})"))
    except (OSError, csv.Error, EOFError) as exc:
        return [ValidationIssue(path.name, None, None, f"cannot be read: {exc}")]
    if bad > SAMPLES_PER_CHECK:
        issues.append(ValidationIssue(path.name, None, None, f"... and {bad - SAMPLES_PER_CHECK:,} more rows with the "
                                      "wrong number of fields"))
    return issues


def _typed(raw: str, kind: schema.ColumnType) -> str:
    """The SQL typing one raw value: TRY_CAST (NULL when it does not convert), and for whole numbers only the
    values that are whole (TRY_CAST alone would round '1.5' to 2)."""
    cast = f"TRY_CAST({raw} AS {DUCKDB_TYPES[kind]})"
    if kind == "int":
        return f"CASE WHEN TRY_CAST({raw} AS DOUBLE) = {cast} THEN {cast} END"
    return cast


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(sql_literal(v) for v in values)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    text = repr(value) if isinstance(value, str) else _num(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]
