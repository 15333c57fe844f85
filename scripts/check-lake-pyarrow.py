"""Reads a fleetstream lake with pyarrow, as Athena-adjacent tooling would, and prints per-table
row counts and schemas as JSON. Usage: python3 scripts/check-lake-pyarrow.py <out dir>"""
import json
import pathlib
import sys

import pyarrow.dataset as ds

lake = pathlib.Path(sys.argv[1]) / "lake"
tables = {}
for table_dir in sorted(p for p in lake.iterdir() if p.is_dir()):
    files = list(table_dir.rglob("*.parquet"))
    if not files:
        continue
    dataset = ds.dataset(str(table_dir), format="parquet", partitioning="hive")
    table = dataset.to_table()
    tables[table_dir.name] = {
        "rows": table.num_rows,
        "columns": {field.name: str(field.type) for field in table.schema},
    }
print(json.dumps(tables))
