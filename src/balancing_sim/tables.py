"""A contract table read lazily: the columns and rows asked for, one batch at a time.

A `Table` is a list of parts, each a Parquet dataset (a run directory's part files) or
an in-memory Arrow table, with constant columns of its own (a sweep point's id,
scenario and swept values). Nothing is read until asked: `batches` streams pandas
chunks of chosen columns (optionally only each part's last recorded step), `to_pandas`
reads everything, `to_polars` and `to_duckdb` hand the parts to those engines lazily.
So a summary or figure of 10^6 runs reads what it needs, in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .contract import categories as schema_categories

CATEGORICAL = ("actor", "platform", "posture", "status", "scenario", "point")
BATCH_ROWS = 1 << 20


class TableError(ValueError):
    """A column the table does not have, or a value its column cannot hold (one message
    naming the column, the value and what is allowed)."""


@dataclass(frozen=True)
class Part:
    """Rows of one run directory (or in memory), with constant extra columns."""

    source: pa.Table | tuple[Path, ...]
    extra: Mapping[str, object] = field(default_factory=dict)

    def with_extra(self, extra: Mapping[str, object]) -> Part:
        """The same rows with other constant columns (what was read of the files is kept:
        a large run directory's metadata is read once)."""
        part = replace(self, extra=extra)
        part.__dict__.update({k: v for k, v in self.__dict__.items()
                              if k in ("dataset", "rows", "last_step", "first_run")})
        return part

    @cached_property
    def dataset(self) -> ds.Dataset:
        if isinstance(self.source, pa.Table):
            return ds.dataset(self.source)
        return ds.dataset([str(p) for p in self.source], format="parquet")

    def batches(self, columns: Sequence[str], batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The columns in batches, file by file and row group by row group (a dataset
        scanner reads ahead without bound when the consumer is slow; this does not)."""
        if isinstance(self.source, pa.Table):
            yield from self.source.select(list(columns)).to_batches(batch_rows)
            return
        for path in self.source:
            yield from pq.ParquetFile(path).iter_batches(batch_size=batch_rows,
                                                         columns=list(columns), use_threads=False)

    @cached_property
    def rows(self) -> int:
        if isinstance(self.source, pa.Table):
            return self.source.num_rows
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.source)

    def _extreme(self, column: str, largest: bool) -> int | None:
        """The largest (smallest) value of a sorted key column, from the Parquet
        statistics when the files have them (nothing decoded)."""
        pick = max if largest else min
        if isinstance(self.source, pa.Table):
            if column not in self.source.schema.names or not self.source.num_rows:
                return None
            return (pc.max if largest else pc.min)(self.source[column]).as_py()
        found = []
        for path in self.source:
            meta = pq.ParquetFile(path).metadata
            index = meta.schema.names.index(column)
            for g in range(meta.num_row_groups):
                stats = meta.row_group(g).column(index).statistics
                if stats is None or not stats.has_min_max:  # no statistics: read the column
                    values = pq.read_table(path, columns=[column])[column]
                    found.append((pc.max if largest else pc.min)(values).as_py())
                    break
                found.append(stats.max if largest else stats.min)
        return pick(found) if found else None

    @cached_property
    def last_step(self) -> int | None:
        return self._extreme("step", largest=True)

    @cached_property
    def first_run(self) -> int | None:
        return self._extreme("run", largest=False)


def _constant(value: object) -> object:
    return "+".join(map(str, value)) if isinstance(value, list | tuple) else value


@dataclass(frozen=True)
class Table:
    """One contract table (trajectories, memberships or platforms) of a run or a sweep."""

    parts: tuple[Part, ...]
    where: Mapping[str, object] = field(default_factory=dict)

    # ------------------------------------------------------------ structure

    @cached_property
    def schema(self) -> pa.Schema:
        """The parts' columns: the first part's, then those only later parts have (sweep
        points may run different worlds: a pole's `align_<pole>` is null where it is
        not one)."""
        if not self.parts:
            return pa.schema([])
        first, *others = dict.fromkeys(p.dataset.schema for p in self.parts)
        fields = {f.name: f for f in first}
        for schema in others:
            fields.update({f.name: f for f in schema if f.name not in fields})
        return pa.schema(list(fields.values()), metadata=first.metadata)

    @cached_property
    def _categories(self) -> dict[str, list[str]]:
        """Each id column's categories over all parts: the first part's, then those only
        later parts have (sweep points may run different worlds)."""
        merged: dict[str, dict[str, None]] = {}
        for schema in dict.fromkeys(p.dataset.schema for p in self.parts):
            for column, names in schema_categories(schema).items():
                merged.setdefault(column, {}).update(dict.fromkeys(names))
        return {column: list(names) for column, names in merged.items()}

    @property
    def extras(self) -> list[str]:
        names: list[str] = []
        for part in self.parts:
            names += [k for k in part.extra if k not in names]
        return names

    @property
    def columns(self) -> list[str]:
        own = list(self.schema.names)
        return own + [k for k in self.extras if k not in own]

    def categories(self, column: str) -> list[str]:
        """Categories of an id column in config order (or the values of an extra)."""
        self._known([column])
        if column in self.extras:
            return [str(v) for v in self.values(column)]
        known = self._categories.get(column)
        if known is not None:
            return known
        seen: dict[str, None] = {}
        for part in self.parts:  # a dictionary column carries its categories in each batch
            for chunk in part.dataset.head(1, columns=[column]).column(0).chunks:
                values = (chunk.dictionary if pa.types.is_dictionary(chunk.type)
                          else pc.unique(part.dataset.to_table(columns=[column])[column]))
                seen.update(dict.fromkeys(map(str, values.to_pylist())))
        return list(seen)

    def values(self, column: str) -> list:
        """Distinct values of an extra column, in order of appearance."""
        if column not in self.extras:
            raise TableError(f"values: {column!r} is not a constant column of the table "
                             f"(constant columns: {', '.join(self.extras) or 'none'})")
        seen: list = []
        for part in self.parts:
            value = _constant(part.extra.get(column))
            if value not in seen:
                seen.append(value)
        return seen

    def dates(self) -> pd.DatetimeIndex:
        """The recorded dates, sorted (read from each part's first run only)."""
        found = []
        for part in self.parts:
            if part.first_run is not None:
                found.append(part.dataset.to_table(
                    columns=["date"], filter=ds.field("run") == part.first_run)["date"]
                    .to_pandas())
        values = pd.concat(found) if found else pd.Series([], dtype="datetime64[ns]")
        return pd.DatetimeIndex(pd.unique(values)).sort_values()

    def __len__(self) -> int:
        if not self.where:
            return sum(p.rows for p in self.parts)
        return sum(p.dataset.count_rows(filter=self._filter(p, False)) for p in self.parts)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    # ------------------------------------------------------------ narrowing

    def select(self, **values: object) -> Table:
        """Rows where each column equals the value: parts chosen by their extra columns,
        rows by a filter pushed down to the reader."""
        self._known(values)
        values = {k: self._cell(k, v) if k in self.schema.names else v
                  for k, v in values.items()}
        parts = [p for p in self.parts
                 if all(str(_constant(p.extra[k])) == str(v) for k, v in values.items()
                        if k in p.extra)]
        rows = {k: v for k, v in values.items() if k in self.schema.names}
        return replace(self, parts=tuple(parts), where={**self.where, **rows})

    def _known(self, columns: Sequence[str]) -> list[str]:
        """The columns, or TableError naming those the table lacks and those it has."""
        if isinstance(columns, str):
            raise TableError(f"columns = {columns!r}: a list of column names "
                             f"(columns: {', '.join(self.columns)})")
        columns = list(columns)
        unknown = [c for c in columns if c not in self.columns]
        if unknown and self.parts:
            raise TableError(f"{', '.join(map(repr, unknown))}: not a column of the table "
                             f"(columns: {', '.join(self.columns)})")
        return columns

    def _cell(self, column: str, value: object) -> object:
        """`value` as the column holds it (an id as text, a date as a timestamp), or
        TableError naming the column, the value and what it holds."""
        kind = self.schema.field(column).type
        if pa.types.is_dictionary(kind) or pa.types.is_string(kind):
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
            allowed = "an id (text)"
        elif pa.types.is_timestamp(kind):
            try:
                stamp = pd.Timestamp(value)
            except (TypeError, ValueError):
                stamp = pd.NaT
            if stamp is not pd.NaT:
                return stamp
            allowed = "a date (YYYY-MM-DD)"
        elif pa.types.is_boolean(kind):
            if isinstance(value, bool | np.bool_):
                return bool(value)
            allowed = "true or false"
        elif pa.types.is_integer(kind):
            if isinstance(value, int | float | np.number) and not isinstance(
                    value, bool | np.bool_) and float(value).is_integer():
                return int(value)
            allowed = "an integer"
        elif isinstance(value, int | float | np.number) and not isinstance(value, bool):
            return value
        else:
            allowed = "a number"
        raise TableError(f"select: {column} = {value!r}: {allowed} (one value; the rows "
                         f"where the column equals it)")

    def assign(self, **constants: object) -> Table:
        """Add constant columns to the parts that lack them."""
        parts = tuple(p.with_extra({**constants, **p.extra}) for p in self.parts)
        return replace(self, parts=parts)

    def _conditions(self, part: Part, final: bool) -> dict[str, object]:
        """Column -> the value rows must have: the row filter, and each part's last step."""
        conditions = dict(self.where)
        if final and part.last_step is not None:
            conditions["step"] = part.last_step
        return conditions

    def _filter(self, part: Part, final: bool) -> ds.Expression | None:
        """The conditions as a pyarrow expression (for whole-table reads and counts)."""
        expr = None
        for key, value in self._conditions(part, final).items():
            kind = self.schema.field(key).type
            if pa.types.is_timestamp(kind):
                value = pa.scalar(pd.Timestamp(value).as_unit("ns").value, type=kind)
            term = ds.field(key) == value
            expr = term if expr is None else expr & term
        return expr

    # ------------------------------------------------------------ reading

    def record_batches(self, columns: Sequence[str], final: bool = False,
                       batch_rows: int = BATCH_ROWS) -> Iterator[tuple[Part, pa.RecordBatch]]:
        """(part, Arrow batch of the part's own columns among `columns`), part by part,
        file by file, one batch in memory at a time; `final` keeps each part's last
        recorded step (a part is one set of replicates)."""
        own = [c for c in dict.fromkeys(columns) if c in self.schema.names]
        for part in self.parts:
            conditions = self._conditions(part, final)
            names = part.dataset.schema.names
            needed = list(dict.fromkeys([*(c for c in own if c in names), *conditions]))
            for batch in part.batches(needed, batch_rows):
                if conditions:
                    batch = batch.filter(_mask(batch, conditions))
                if batch.num_rows:
                    yield part, self._whole(batch, own)

    def _whole(self, batch: pa.RecordBatch, columns: list[str]) -> pa.RecordBatch:
        """`columns` of a part's batch, those the part lacks as nulls."""
        if set(columns) <= set(batch.schema.names):
            return batch.select(columns)
        return pa.RecordBatch.from_arrays(
            [batch.column(c) if c in batch.schema.names
             else pa.nulls(batch.num_rows, self.schema.field(c).type) for c in columns],
            names=columns)

    def batches(self, columns: Sequence[str] | None = None, final: bool = False,
                batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
        """pandas chunks of the given columns (all by default), with the parts' constant
        columns; `final` as in `record_batches`."""
        wanted = self._known(columns) if columns is not None else self.columns
        for part, batch in self.record_batches(wanted, final, batch_rows):
            yield _with_extra(batch.to_pandas(), part.extra, wanted)

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The whole table (or some columns) as one DataFrame, ids as categories."""
        wanted = self._known(columns) if columns is not None else self.columns
        frames = []
        own = [c for c in wanted if c in self.schema.names]
        for part in self.parts:  # a column only other parts have: nulls in this one
            table = self._full(part).to_table(columns=own, filter=self._filter(part, False))
            frames.append(_with_extra(table.to_pandas(), part.extra, wanted))
        if not frames:
            return pd.DataFrame(columns=wanted)
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        for column in CATEGORICAL:
            if column in df and not isinstance(df[column].dtype, pd.CategoricalDtype):
                df[column] = df[column].astype("category")
        return df

    @property
    def dataset(self) -> ds.Dataset:
        """The parts as one pyarrow dataset (without the parts' constant columns: use
        `batches`, `to_polars` or `to_duckdb` to keep a sweep's labels). A dataset holds no
        row filter: a table narrowed by `select` to rows is read by those instead."""
        if self.where:
            raise TableError(f"dataset of a table narrowed to rows ({_said(self.where)}): "
                             "read it with to_pandas, batches, to_polars or to_duckdb, which "
                             "keep the selection")
        if len(self.parts) == 1:
            return self.parts[0].dataset
        return ds.dataset([p.dataset for p in self.parts])

    def to_polars(self):
        """A polars LazyFrame over the parts (nothing read until collected)."""
        import polars as pl

        frames = []
        for part in self.parts:
            frame = (pl.from_arrow(part.source).lazy() if isinstance(part.source, pa.Table)
                     else pl.scan_parquet([str(p) for p in part.source]))
            frames.append(frame.with_columns(
                [pl.lit(_constant(v)).alias(k) for k, v in part.extra.items()]))
        whole = pl.concat(frames, how="diagonal_relaxed")
        for key, value in self.where.items():  # the rows `select` chose
            column = pl.col(key).cast(pl.String) if isinstance(value, str) else pl.col(key)
            whole = whole.filter(column == _plain(value))
        return whole

    def _full(self, part: Part) -> ds.Dataset:
        """A part's dataset with every column of the table (nulls where it has none)."""
        if set(self.schema.names) <= set(part.dataset.schema.names):
            return part.dataset
        if isinstance(part.source, pa.Table):
            return ds.dataset(part.source, schema=self.schema)
        return ds.dataset([str(p) for p in part.source], format="parquet", schema=self.schema)

    def to_duckdb(self, connection=None):
        """A DuckDB relation over the parts (queries push down to the Parquet files)."""
        import duckdb

        con = connection or duckdb.connect()
        extras = self.extras
        relation = None
        for part in self.parts:
            rel = con.from_arrow(self._full(part))
            rel = rel.select(*[duckdb.ColumnExpression(c) for c in self.schema.names],
                             *[duckdb.ConstantExpression(_constant(part.extra.get(k)))
                               .alias(k) for k in extras])
            for key, value in self.where.items():  # the rows `select` chose
                column = duckdb.ColumnExpression(key)
                rel = rel.filter((column.cast("VARCHAR") if isinstance(value, str) else column)
                                 == duckdb.ConstantExpression(_plain(value)))
            relation = rel if relation is None else relation.union(rel)
        return relation


def _plain(value: object) -> object:
    """A selected value as polars and DuckDB take it (a timestamp as a datetime)."""
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _said(where: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in where.items())


def _mask(batch: pa.RecordBatch, conditions: Mapping[str, object]) -> pa.Array:
    """Rows where every column equals its value (ids compared on their dictionary codes)."""
    mask = None
    for key, value in conditions.items():
        column = batch.column(key)
        if pa.types.is_dictionary(column.type):
            names = column.dictionary.to_pylist()
            code = names.index(value) if value in names else -1
            term = pc.equal(column.indices, pa.scalar(code, column.indices.type)
                            if code >= 0 else pa.scalar(-1, pa.int64()))
        elif pa.types.is_timestamp(column.type):
            term = pc.equal(column, pa.scalar(pd.Timestamp(value).as_unit("ns").value,
                                              type=column.type))
        else:
            term = pc.equal(column, pa.scalar(value, column.type))
        mask = term if mask is None else pc.and_(mask, term)
    return mask


def _with_extra(df: pd.DataFrame, extra: Mapping[str, object],
                wanted: Sequence[str]) -> pd.DataFrame:
    for key, value in extra.items():
        if key in wanted and key not in df:
            df[key] = _constant(value)
    return df[[c for c in wanted if c in df.columns]]


def in_memory(table: pa.Table | pd.DataFrame) -> Table:
    """A table held in memory (the Python API without `out=`, or a DataFrame)."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    return Table((Part(table),))
