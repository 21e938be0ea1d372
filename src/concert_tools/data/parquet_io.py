"""Arrow types of the warehouse tables, derived from `warehouse.schema`, and the one Parquet writer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from concert_api.adapters.warehouse import schema
from concert_api.adapters.warehouse.schema import ColumnType, Table
from concert_tools.data.reference import CITIES

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "id": pa.string(),
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}


def arrow_schema(spec: Table) -> pa.Schema:
    """The Arrow schema of one warehouse table: its columns, in order, with their nullability."""
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in spec.columns])


def write_table(spec: Table, columns: Mapping[str, Any], path: Path) -> int:
    """Write one table's columns (arrays or lists, by column name) to Parquet with the table's exact schema;
    return the row count."""
    schema = arrow_schema(spec)
    arrays = [pa.array(columns[f.name], type=f.type) if not isinstance(columns[f.name], pa.Array)
              else columns[f.name].cast(f.type) for f in schema]  # fmt: skip
    table = pa.Table.from_arrays(arrays, schema=schema)
    pq.write_table(table, path)
    return table.num_rows


def write_reference_cities(path: Path) -> int:
    """The built-in US cities (`reference.CITIES`) as the `cities` table."""
    return write_table(
        schema.CITIES,
        {
            "city": [c.city for c in CITIES],
            "state": [c.state for c in CITIES],
            "latitude": [c.latitude for c in CITIES],
            "longitude": [c.longitude for c in CITIES],
            "population": [c.population for c in CITIES],
        },
        path,
    )
