"""Reading a contract table the same way whether it is a DataFrame or a lazy Table.

A pandas DataFrame is used as it is. A `tables.Table` (what `load` returns in
`res.tables`) of up to `EXACT_ROWS` rows is read into pandas (the columns asked for);
a larger one is never read whole: `counts` adds up rows (and sums of columns) per
combination of keys batch by batch on the dictionary codes of the ids, and `batches`
yields the columns a metric needs in chunks. Each part of a Table is one set of
replicates (a run directory, a sweep point), so its last recorded step is its final
step.
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
CONTRACT = frozenset({"run", "seed", "step", "date", "actor", "posture", "platform", "status",
                      "viability", "depth", "scenario", "point"})


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
        wanted = None if columns is None else [c for c in dict.fromkeys(columns)
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


def _codes(table: Table, part: Part, batch: pa.RecordBatch, key: str
           ) -> tuple[np.ndarray | int, pd.Index | pd.Categorical, bool]:
    """(integer codes of a key in a batch, the labels they index, are they ids): a part's
    constant column, a dictionary-encoded id (categories in config order), or values."""
    if key in part.extra:
        return 0, pd.Index([part.extra[key]]), False
    column = batch.column(key)
    if pa.types.is_dictionary(column.type):
        labels = table.categories(key)
        remap = pd.Index(labels).get_indexer(column.dictionary.to_pylist())
        return remap[column.indices.to_numpy(zero_copy_only=False)], labels, True
    values, codes = np.unique(column.to_numpy(zero_copy_only=False), return_inverse=True)
    return codes, pd.Index(values), False


def counts(df: Frame, keys: Sequence[str], final: bool = False,
           values: Sequence[str] = ()) -> pd.DataFrame:
    """Rows (`n`) and the float64 sums of `values` per combination of keys (only those
    that occur); ids keep their categories' order. `final`: last recorded steps only."""
    keys = list(keys)
    if isinstance(df, pd.DataFrame):
        rows = final_rows(df) if final else df
        groups = rows.groupby(keys, observed=True, sort=False)
        out = groups.size().to_frame("n")
        for v in values:
            out[v] = rows[v].astype(np.float64).groupby(
                [rows[k] for k in keys], observed=True, sort=False).sum()
        return out
    frames = []
    for part, batch in df.record_batches([*keys, *values], final):
        coded = [_codes(df, part, batch, k) for k in keys]
        sizes = [len(labels) for _, labels, _ in coded]
        flat = np.zeros(batch.num_rows, dtype=np.int64)
        for (codes, _, _), size in zip(coded, sizes, strict=True):
            flat = flat * size + codes
        total = int(np.prod(sizes))
        n = np.bincount(flat, minlength=total)
        seen = np.flatnonzero(n)
        where = np.unravel_index(seen, sizes)
        levels = [pd.Categorical.from_codes(w, categories=labels) if ids else labels.take(w)
                  for w, (_, labels, ids) in zip(where, coded, strict=True)]
        data = {"n": n[seen]}
        for v in values:
            weights = batch.column(v).to_numpy(zero_copy_only=False).astype(np.float64)
            data[v] = np.bincount(flat, weights=weights, minlength=total)[seen]
        frames.append(pd.DataFrame(data, index=pd.MultiIndex.from_arrays(levels, names=keys)))
    if not frames:
        return pd.DataFrame(columns=["n", *values])
    return pd.concat(frames).groupby(level=keys, observed=True, sort=False).sum()


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
