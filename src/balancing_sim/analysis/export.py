"""CSV copies of the contract tables, for people without Parquet tools.

    balancing-sim-export RUN_OR_SWEEP_DIR [--out DIR] [--tables trajectories ...]

writes `<DIR>/csv/<table>.csv` (one file per table; a sweep's files carry the columns
`point`, `scenario` and the swept keys first). Rows are streamed batch by batch with
pyarrow's CSV writer, so a table of any size is written in bounded memory. Ids are
written as text, dates as `YYYY-MM-DD`, booleans as `true`/`false`, floats with as many
digits as round-trip at their precision (float32 values, rounded to 16 significant bits).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ..config.arguments import expand
from ..contract import TABLES
from ..tables import Table
from . import owned
from .report import NotResults, open_results, saying_incomplete


def _plain(batch: pa.RecordBatch, extra: dict, names: Sequence[str]) -> pa.RecordBatch:
    """The batch with the part's constant columns first, ids as text, dates as days."""
    columns, fields = [], []
    for name in names:
        if name in batch.schema.names:
            column = batch.column(name)
            if pa.types.is_dictionary(column.type):
                column = column.cast(pa.string())
            elif pa.types.is_timestamp(column.type):
                column = column.cast(pa.date32())
        else:
            value = extra.get(name)
            value = "+".join(map(str, value)) if isinstance(value, list | tuple) else value
            column = pa.array([None if value is None else str(value)] * batch.num_rows,
                              type=pa.string())
        columns.append(column)
        fields.append(pa.field(name, column.type))
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))


def write_csv(table: Table, path: Path) -> int:
    """One table as one CSV file; returns the rows written."""
    names = [*table.extras, *(c for c in table.schema.names if c not in table.extras)]
    rows = 0
    writer = None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        for part, batch in table.record_batches(table.schema.names):
            plain = _plain(batch, dict(part.extra), names)
            if writer is None:
                writer = pacsv.CSVWriter(str(tmp), plain.schema)
            writer.write_batch(plain)
            rows += plain.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        path.write_text(",".join(names) + "\n")
    else:
        tmp.replace(path)
    return rows


def export(path: str | Path, out: str | Path | None = None,
           tables: Sequence[str] = TABLES) -> list[Path]:
    """Write CSV copies of the tables of a run or sweep directory; return the paths."""
    res = open_results(path)
    folder = expand(out) if out is not None else expand(path) / "csv"
    targets = [folder / f"{name}.csv" for name in tables]
    owned.check(targets)  # never a file of the user's
    for name, target in zip(tables, targets, strict=True):
        write_csv(res.tables[name], target)
        owned.record([target])
    return targets


def main(argv: Sequence[str] | None = None) -> int:
    """balancing-sim-export RUN_OR_SWEEP_DIR [--out DIR]: the tables as CSV files (an
    unfinished run or sweep said on one line, as plot and report say it)."""
    return saying_incomplete("balancing-sim-export", _main, argv)


def _main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="balancing-sim-export",
                                description="Write CSV copies of a run's or sweep's tables.")
    p.add_argument("path", metavar="RUN_OR_SWEEP_DIR")
    p.add_argument("--out", help="output folder (default: RUN_OR_SWEEP_DIR/csv)")
    p.add_argument("--tables", nargs="+", choices=TABLES, default=list(TABLES),
                   help="tables to write (default: all three)")
    args = p.parse_args(argv)
    try:
        for target in export(args.path, args.out, args.tables):
            print(target)
    except (NotResults, OSError) as exc:
        print(f"balancing-sim-export: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
