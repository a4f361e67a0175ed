"""The output contract's tables, built with pyarrow straight from an engine's records.

Three tables (PRODUCT.md): `trajectories` (run, step, state), `memberships` (run, step,
state, platform) and `platforms` (run, step, platform). Ids (`actor`, `platform`,
`posture`, `status`) are dictionary-encoded with every id of the config as the
dictionary, in config order, so every part of a table has the same categories.
Float columns (alignment weights, `hedging`, viability, depth) are stored as float32
rounded to `SIGNIFICANT_BITS` significant bits (`stored`): a relative error of at most
2**-16 (about 1.5e-5, four to five significant digits). The engines compute in float64
and their equality tests compare the float64 records; postures are taken from the
float64 weights before rounding. Each trajectory row also carries the state's `hedging`
index (computed from the float64 weights) and `in_bloc` (full member of a platform
marked `bloc: true`); runs that draw their parameters from a posterior carry the draw's
id (`draw`) in every table, and runs that share histories (`scenario.histories`) the
history run they continue (`history`), which the analysis counts as a cluster.

On disk a table is a Parquet dataset: a directory `<table>.parquet/` holding one part
file per chunk of runs (`part-000000.parquet`, ...), rows sorted by run, then step, so
pandas, pyarrow, DuckDB and polars read the directory as one table.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .config.schema import STATUSES
from .measures import hedging_index, in_bloc

if TYPE_CHECKING:
    from .records import Records
    from .world import Compiled

TABLES = ("trajectories", "memberships", "platforms")
ALIGN_PREFIX = "align_"
STORED_TYPE = np.float32
SIGNIFICANT_BITS = 16
"""Bits of the float32 significand (24) that the tables keep. The dropped low bits are
far below the Monte Carlo spread of any outcome but, being noise, compress badly:
rounding them away makes the files about a third smaller."""
IDS = ("actor", "platform", "posture", "status")
SORTED_BY = ("run", "step")
ROW_GROUP_ROWS = 1 << 20
METADATA_KEY = b"balancing_sim"
"""Schema metadata: the categories of each id column and the identity of the runs."""


def part_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


def table_dir(name: str) -> str:
    """The dataset directory of a table: `trajectories.parquet/` (the file name of the
    contract, now a directory of parts, as Spark and DuckDB write datasets)."""
    return f"{name}.parquet"


def stored(values: np.ndarray) -> np.ndarray:
    """Float values as the tables store them: float32, rounded to nearest at
    `SIGNIFICANT_BITS` significant bits (on the bit pattern; a carry rounds up into the
    exponent, as rounding should)."""
    drop = 24 - SIGNIFICANT_BITS
    bits = np.ascontiguousarray(values, dtype=STORED_TYPE).view(np.uint32)
    mask = np.uint32((0xFFFFFFFF << drop) & 0xFFFFFFFF)
    return ((bits + np.uint32(1 << (drop - 1))) & mask).view(STORED_TYPE)


def _spread(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """Each value repeated `after` times, the whole repeated `before` times (a column of
    a table whose rows are ordered by outer blocks, then `values`, then inner rows)."""
    values = np.asarray(values)
    return np.broadcast_to(values[None, :, None], (before, len(values), after)).reshape(-1)


def _ids(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pa.DictionaryArray:
    index = np.int8 if len(names) < 128 else np.int32
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(index, copy=False)),
                                          pa.array(list(names), type=pa.string()))


def _metadata(categories: dict[str, tuple[str, ...]], identity: str) -> dict[bytes, bytes]:
    text = json.dumps({"categories": {k: list(v) for k, v in categories.items()},
                       "identity": identity})
    return {METADATA_KEY: text.encode()}


def build(rec: Records, compiled: Compiled, seed: int, identity: str = "") -> dict[str, pa.Table]:
    """The three contract tables of a block of recorded runs (rows by run, step, id)."""
    st = compiled.structure
    R, M, N, _ = rec.align.shape
    K = st.n_platforms
    steps = rec.steps.astype(np.int32)
    dates = compiled.dates()[rec.steps].astype("datetime64[ns]")
    categories = {"actor": st.states, "platform": st.platforms, "posture": st.postures,
                  "status": STATUSES}
    meta = _metadata(categories, identity)

    def keys(per_step: int, *first: tuple[str, np.ndarray]) -> dict[str, np.ndarray]:
        """run, (draw), (history), step and date of rows grouped `per_step` to a
        recorded step, with columns `first` between run and draw."""
        out = {"run": _spread(rec.runs.astype(np.int64), 1, M * per_step), **dict(first)}
        if rec.draw is not None:
            out["draw"] = _spread(rec.draw.astype(np.int32), 1, M * per_step)
        if rec.history is not None:
            out["history"] = _spread(rec.history.astype(np.int32), 1, M * per_step)
        return {**out, "step": _spread(steps, R, per_step), "date": _spread(dates, R, per_step)}

    traj = {**keys(N, ("seed", np.full(R * M * N, seed, dtype=np.int64))),
            "actor": _ids(_spread(np.arange(N, dtype=np.int32), R * M, 1), st.states),
            "posture": _ids(rec.align.argmax(axis=-1).reshape(-1), st.postures)}
    for p, pole in enumerate(st.poles):
        traj[ALIGN_PREFIX + pole] = stored(rec.align[..., p]).reshape(-1)
    traj["hedging"] = stored(hedging_index(rec.align)).reshape(-1)
    traj["in_bloc"] = in_bloc(rec.status, st.bloc).reshape(-1)
    mem = {**keys(N * K),
           "actor": _ids(_spread(np.arange(N, dtype=np.int32), R * M, K), st.states),
           "platform": _ids(_spread(np.arange(K, dtype=np.int32), R * M * N, 1), st.platforms),
           "status": _ids(rec.status.reshape(-1), STATUSES)}
    plat = {**keys(K),
            "platform": _ids(_spread(np.arange(K, dtype=np.int32), R * M, 1), st.platforms),
            "viability": stored(rec.viability).reshape(-1),
            "depth": stored(rec.depth).reshape(-1)}
    return {name: pa.table(columns).replace_schema_metadata(meta)
            for name, columns in zip(TABLES, (traj, mem, plat), strict=True)}


def categories(schema: pa.Schema) -> dict[str, list[str]]:
    """The categories of each id column, in config order (empty for foreign files)."""
    raw = (schema.metadata or {}).get(METADATA_KEY)
    return json.loads(raw)["categories"] if raw else {}


def identity(schema: pa.Schema) -> str | None:
    """The identity of the config and seed a part file was computed for (its stamp)."""
    raw = (schema.metadata or {}).get(METADATA_KEY)
    return json.loads(raw).get("identity") if raw else None


def parquet_bytes(table: pa.Table) -> pa.Buffer:
    """One part file: ids and sorted keys dictionary- and run-length encoded (lz4: they
    are tiny already), float columns byte-stream-split and zstd (what makes rounded
    float32 values compress); statistics only where filters use them (run, step)."""
    floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=ROW_GROUP_ROWS,
                   compression={c: "zstd" if c in floats else "lz4" for c in table.column_names},
                   use_dictionary=[c for c in table.column_names if c not in floats],
                   use_byte_stream_split=floats,
                   write_statistics=[c for c in SORTED_BY if c in table.column_names],
                   sorting_columns=[pq.SortingColumn(table.column_names.index(c))
                                    for c in SORTED_BY if c in table.column_names])
    return sink.getvalue()
