"""Reading a contract table the same way whether it is a DataFrame or a lazy Table.

A pandas DataFrame is used as it is. A `tables.Table` (what `load` returns in
`res.tables`) of up to `EXACT_ROWS` rows is read into pandas (the columns asked for);
a larger one is never read whole: `counts` adds up rows (and sums of columns) per
combination of keys batch by batch on the dictionary codes of the ids, and metrics that
need values (bands, final levels) read the columns they need batch by batch. Each part of
a Table is one set of replicates (a run directory, a sweep point), so its last recorded
step is its final step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..contract import ALIGN_PREFIX
from ..tables import Part, Table

Frame = pd.DataFrame | Table
EXACT_ROWS = 2_000_000
CONTRACT = frozenset({"run", "seed", "draw", "history", "step", "date", "actor", "posture",
                      "platform", "status", "viability", "depth", "hedging", "in_bloc",
                      "scenario", "point"})


OWN = {"history": "run"}
"""Key columns only some parts have (`history`: runs sharing histories): where a part
lacks one, each row takes the value of another column (a run is its own history)."""


def _owned(rows: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """`rows` with the `OWN` key columns among `keys` filled where a part lacked them."""
    fill = {k: rows[k].fillna(rows[OWN[k]]) for k in keys
            if k in OWN and k in rows and rows[k].isna().any()}
    return rows.assign(**fill) if fill else rows


def swept_columns(df: Frame) -> list[str]:
    """Columns a sweep added besides `scenario` and `point` (e.g. `params.w_autonomy`)."""
    return [c for c in df.columns if c not in CONTRACT and not c.startswith(ALIGN_PREFIX)]


def unit_keys(df: Frame) -> list[str]:
    """Columns that identify one set of replicates (a sweep point, or the one run)."""
    keys = ["scenario"] if "scenario" in df.columns else []
    keys += ["point"] if "point" in df.columns else swept_columns(df)
    return keys


def final_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the last recorded step of each set of replicates."""
    keys = unit_keys(df)
    if not keys:
        return df[df["step"] == df["step"].max()]
    last = df.groupby(keys, observed=True, dropna=False)["step"].transform("max")
    return df[df["step"] == last]


def readable(df: Frame, columns: Sequence[str] | None = None) -> Frame:
    """A small Table as a DataFrame (of the given columns); a large one as it is."""
    if isinstance(df, Table) and len(df) <= EXACT_ROWS:
        wanted = None if columns is None else [
            c for c in dict.fromkeys([*columns, *(OWN[c] for c in columns if c in OWN)])
            if c in df.columns]
        return df.to_pandas(wanted)
    return df


def select(df: Frame, **values: object) -> Frame:
    """Rows where each column equals the value (compared as text for ids)."""
    if isinstance(df, Table):
        return df.select(**values)
    mask = np.ones(len(df), dtype=bool)
    for key, value in values.items():
        column = df[key]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(
                column):
            mask &= (column == value).to_numpy()
        else:
            mask &= (column.astype(str) == str(value)).to_numpy()
    return df[mask]


def batches(df: Frame, columns: Sequence[str], final: bool = False) -> Iterator[pd.DataFrame]:
    """The given columns in pandas chunks: the whole DataFrame, or a Table's batches;
    `final` keeps the last recorded step of each set of replicates."""
    columns = [c for c in dict.fromkeys(columns) if c in df.columns]
    if isinstance(df, Table):
        yield from df.batches(columns, final=final)
    else:
        yield (final_rows(df) if final else df)[columns]


def id_codes(table: Table, batch: pa.RecordBatch, key: str) -> np.ndarray:
    """Codes of a dictionary-encoded id column in a batch, as positions in the table's
    categories of that column (config order), whatever the batch's own dictionary."""
    column = batch.column(key)
    remap = pd.Index(table.categories(key)).get_indexer(column.dictionary.to_pylist())
    return remap[column.indices.to_numpy(zero_copy_only=False)]


def _codes(table: Table, part: Part, batch: pa.RecordBatch, key: str
           ) -> tuple[np.ndarray | int, pd.Index | pd.Categorical, bool]:
    """(integer codes of a key in a batch, the labels they index, are they ids): a part's
    constant column, a dictionary-encoded id (categories in config order), or values."""
    if key in part.extra:
        return 0, pd.Index([part.extra[key]]), False
    if key in OWN and (key not in batch.schema.names or batch.column(key).null_count):
        key = OWN[key]  # a part without the column
    column = batch.column(key)
    if pa.types.is_dictionary(column.type):
        return id_codes(table, batch, key), table.categories(key), True
    values, codes = np.unique(column.to_numpy(zero_copy_only=False), return_inverse=True)
    return codes, pd.Index(values), False


def _flat_codes(df: Table, part: Part, batch: pa.RecordBatch, keys: Sequence[str]
                ) -> tuple[np.ndarray, list[int], list]:
    """(one integer per row for its combination of keys, the keys' sizes, their codes)."""
    coded = [_codes(df, part, batch, k) for k in keys]
    sizes = [len(labels) for _, labels, _ in coded]
    flat = np.zeros(batch.num_rows, dtype=np.int64)
    for (codes, _, _), size in zip(coded, sizes, strict=True):
        flat = flat * size + codes
    return flat, sizes, coded


def _key_index(seen: np.ndarray, sizes: list[int], coded: list, keys: Sequence[str]
               ) -> pd.MultiIndex:
    where = np.unravel_index(seen, sizes)
    levels = [pd.Categorical.from_codes(w, categories=labels) if ids else labels.take(w)
              for w, (_, labels, ids) in zip(where, coded, strict=True)]
    return pd.MultiIndex.from_arrays(levels, names=list(keys))


def counts(df: Frame, keys: Sequence[str], final: bool = False,
           values: Sequence[str] = (), squares: Sequence[str] = ()) -> pd.DataFrame:
    """Rows (`n`), the float64 sums of `values` and of the squares of `squares` (columns
    `<name>_sq`) per combination of keys (only those that occur); ids keep their
    categories' order. `final`: last recorded steps only."""
    keys = list(keys)
    sums = [*((v, v, False) for v in values), *((f"{v}_sq", v, True) for v in squares)]
    if isinstance(df, pd.DataFrame):
        rows = _owned(final_rows(df) if final else df, keys)
        groups = rows.groupby(keys, observed=True, sort=False, dropna=False)
        out = groups.size().to_frame("n")
        for name, v, square in sums:
            column = rows[v].astype(np.float64)
            out[name] = (column ** 2 if square else column).groupby(
                [rows[k] for k in keys], observed=True, sort=False, dropna=False).sum()
        return out
    frames = []
    owned = [OWN[k] for k in keys if k in OWN]
    for part, batch in df.record_batches(list(dict.fromkeys([*keys, *values, *squares,
                                                             *owned])), final):
        flat, sizes, coded = _flat_codes(df, part, batch, keys)
        total = int(np.prod(sizes))
        n = np.bincount(flat, minlength=total)
        seen = np.flatnonzero(n)
        data = {"n": n[seen]}
        for name, v, square in sums:
            weights = batch.column(v).to_numpy(zero_copy_only=False).astype(np.float64)
            data[name] = np.bincount(flat, weights=weights ** 2 if square else weights,
                                     minlength=total)[seen]
        frames.append(pd.DataFrame(data, index=_key_index(seen, sizes, coded, keys)))
    if not frames:
        return pd.DataFrame(columns=["n", *(name for name, _, _ in sums)])
    return pd.concat(frames).groupby(level=keys, observed=True, sort=False, dropna=False).sum()


def histograms(df: Frame, keys: Sequence[str], column: str, bins: int,
               final: bool = False) -> tuple[pd.MultiIndex, np.ndarray]:
    """Counts of a column's values in [0, 1] in `bins` equal bins per combination of
    keys: (the combinations that occur, their histograms (combinations, bins))."""
    keys = list(keys)
    if isinstance(df, pd.DataFrame):
        rows = final_rows(df) if final else df
        where = np.clip((rows[column].to_numpy(np.float64) * bins).astype(np.int64), 0,
                        bins - 1)
        table = pd.crosstab([rows[k] for k in keys], where, dropna=False)
        table = table.reindex(columns=range(bins), fill_value=0)
        table = table[table.sum(axis=1) > 0]
        index = table.index if isinstance(table.index, pd.MultiIndex) else (
            pd.MultiIndex.from_arrays([table.index], names=keys))
        return index, table.to_numpy(np.int64)
    found: dict[tuple, np.ndarray] = {}
    for part, batch in df.record_batches([*keys, column], final):
        flat, sizes, coded = _flat_codes(df, part, batch, keys)
        values = batch.column(column).to_numpy(zero_copy_only=False).astype(np.float64)
        where = np.clip((values * bins).astype(np.int64), 0, bins - 1)
        total = int(np.prod(sizes))
        hist = np.bincount(flat * bins + where, minlength=total * bins).reshape(total, bins)
        seen = np.flatnonzero(hist.sum(axis=1))
        for key, row in zip(_key_index(seen, sizes, coded, keys), hist[seen], strict=True):
            found[key] = found.get(key, 0) + row
    index = pd.MultiIndex.from_tuples(list(found), names=keys) if found else (
        pd.MultiIndex.from_arrays([[]] * len(keys), names=keys))
    return index, (np.stack(list(found.values())) if found else np.zeros((0, bins), np.int64))


def ever(df: Frame, keys: Sequence[str], column: str) -> pd.Series:
    """Runs in which a boolean column is true at some recorded step, per combination of
    keys (which must include `actor`; `run` is added): streamed part by part, one flag
    per (run, key combination)."""
    keys = list(keys)
    if isinstance(df, pd.DataFrame):
        per_run = _owned(df, keys).groupby([*keys, "run"], observed=True, sort=False,
                                           dropna=False)[column].any()
        return per_run.groupby(level=keys, observed=True, sort=False, dropna=False).sum()
    frames = []
    for part in df.parts:
        piece = Table((part,), df.where)
        flags = np.zeros(0, dtype=bool)   # (run x key combination) flattened
        index = None
        for _, batch in piece.record_batches([*keys, "run", column]):
            flat, sizes, coded = _flat_codes(piece, part, batch, keys)
            total = int(np.prod(sizes))
            hit = batch.column(column).to_numpy(zero_copy_only=False).astype(bool)
            runs = batch.column("run").to_numpy(zero_copy_only=False)
            cell = runs * total + flat
            if cell.max() >= len(flags):  # grown by doubling: runs arrive in order
                grown = np.zeros(max(int(cell.max()) + 1, 2 * len(flags)), dtype=bool)
                grown[:len(flags)] = flags
                flags = grown
            flags[cell[hit]] = True
            index = _key_index(np.arange(total), sizes, coded, keys)
        if index is not None:
            flags = np.concatenate([flags, np.zeros((-len(flags)) % len(index), bool)])
            frames.append(pd.Series(flags.reshape(-1, len(index)).sum(axis=0), index=index))
    if not frames:
        return pd.Series(dtype=np.int64)
    return pd.concat(frames).groupby(level=keys, observed=True, sort=False, dropna=False).sum()


def as_text(series: pd.Series) -> pd.Series:
    """The series with every index level as text (ids, scenario names)."""
    index = series.index
    levels = [index.get_level_values(i).astype(str) for i in range(index.nlevels)]
    return series.set_axis(pd.MultiIndex.from_arrays(levels, names=index.names)
                           if index.nlevels > 1 else levels[0])


def distinct(df: Frame, column: str, final: bool = True) -> list:
    """Distinct values of a column, in order of appearance (a Table's sweep columns are
    read from its parts; other columns from the final rows)."""
    if isinstance(df, Table) and column in df.extras:
        return df.values(column)
    if isinstance(df, pd.DataFrame):
        return list(pd.unique(df[column]))
    seen: dict = {}
    for _, batch in df.record_batches([column], final):
        seen.update(dict.fromkeys(pc.unique(batch.column(column)).to_pylist()))
    return list(seen)


def run_count(df: Frame) -> int:
    """Runs (of all sweep points) in the table."""
    if isinstance(df, pd.DataFrame):
        return len(df[[*unit_keys(df), "run"]].drop_duplicates())
    per_actor = counts(df, ["actor"], final=True)["n"]  # every run has every actor
    return int(per_actor.max()) if len(per_actor) else 0


def points_per_scenario(df: Frame) -> int:
    """The largest number of sweep points pooled in one scenario (0 without points)."""
    if "point" not in df.columns:
        return 0
    if isinstance(df, Table):
        pairs = {(str(p.extra.get("scenario")), str(p.extra.get("point"))) for p in df.parts}
        per = pd.Series([s for s, _ in pairs]).value_counts()
        return int(per.max()) if len(per) else 0
    keys = ["scenario"] if "scenario" in df.columns else []
    return int(df.groupby(keys, observed=True)["point"].nunique().max()) if keys else int(
        df["point"].nunique())


def histogram_quantiles(hist: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """numpy's linear quantiles of values in [0, 1] counted in equal bins along the last
    axis, each order statistic placed inside its bin by its rank (error below a bin)."""
    n = hist.sum(axis=-1)
    cum = np.cumsum(hist, axis=-1)
    width = 1.0 / hist.shape[-1]

    def order_statistic(rank: np.ndarray) -> np.ndarray:
        b = (cum <= rank[..., None]).sum(axis=-1).clip(0, hist.shape[-1] - 1)
        inside = np.take_along_axis(hist, b[..., None], -1)[..., 0]
        before = np.take_along_axis(cum, b[..., None], -1)[..., 0] - inside
        return (b + (rank - before + 0.5) / np.maximum(inside, 1)) * width

    out = []
    for q in quantiles:
        h = q * (n - 1)
        low, high = np.floor(h), np.ceil(h)
        a, b = order_statistic(low), order_statistic(high)
        out.append(a + (h - low) * (b - a))
    return np.stack(out, axis=-1)
