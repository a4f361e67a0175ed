"""The output contract: DataFrames, summary, atomic files, and `load`.

A run directory holds config.yaml, trajectories.parquet, memberships.parquet,
platforms.parquet and summary.json (PRODUCT.md, output contract). A sweep
directory holds one such set per sweep point in `points/<id>/`; `load` reads
either into the same `Results` object.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .config.schema import NONALIGNED, STATUSES
from .ensemble import Records
from .world import Compiled

TABLES = ("trajectories", "memberships", "platforms")


@dataclass
class Results:
    """What `simulate` returns and `load` reads back."""

    trajectories: pd.DataFrame
    memberships: pd.DataFrame
    platforms: pd.DataFrame
    summary: dict
    config: dict = field(default_factory=dict)
    path: Path | None = None

    def __repr__(self) -> str:
        runs = self.trajectories["run"].nunique() if len(self.trajectories) else 0
        return (f"Results({runs} runs, {len(self.trajectories)} trajectory rows"
                + (f", at {self.path}" if self.path else "") + ")")


def frames(rec: Records, compiled: Compiled, seed: int) -> dict[str, pd.DataFrame]:
    """Long tables in the contract's columns from a block of recorded runs."""
    st = compiled.structure
    R, M, N, _ = rec.align.shape
    K = st.n_platforms
    dates = compiled.dates()[rec.steps].astype("datetime64[ns]")
    actor = pd.Categorical.from_codes(np.tile(np.arange(N), R * M), categories=list(st.states))
    posture_codes = rec.align.argmax(axis=-1).reshape(-1)
    traj = {
        "run": np.repeat(rec.runs, M * N),
        "seed": np.full(R * M * N, seed, dtype=np.int64),
        "step": np.tile(np.repeat(rec.steps, N), R).astype(np.int32),
        "date": np.tile(np.repeat(dates, N), R),
        "actor": actor,
        "posture": pd.Categorical.from_codes(posture_codes, categories=list(st.postures)),
    }
    for p, pole in enumerate(st.poles):
        traj[f"align_{pole}"] = rec.align[..., p].reshape(-1)
    mem = {
        "run": np.repeat(rec.runs, M * N * K),
        "step": np.tile(np.repeat(rec.steps, N * K), R).astype(np.int32),
        "date": np.tile(np.repeat(dates, N * K), R),
        "actor": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(N), K), R * M),
                                           categories=list(st.states)),
        "platform": pd.Categorical.from_codes(np.tile(np.arange(K), R * M * N),
                                              categories=list(st.platforms)),
        "status": pd.Categorical.from_codes(rec.status.reshape(-1).astype(np.int64),
                                            categories=list(STATUSES)),
    }
    plat = {
        "run": np.repeat(rec.runs, M * K),
        "step": np.tile(np.repeat(rec.steps, K), R).astype(np.int32),
        "date": np.tile(np.repeat(dates, K), R),
        "platform": pd.Categorical.from_codes(np.tile(np.arange(K), R * M),
                                              categories=list(st.platforms)),
        "viability": rec.viability.reshape(-1),
        "depth": rec.depth.reshape(-1),
    }
    return {"trajectories": pd.DataFrame(traj), "memberships": pd.DataFrame(mem),
            "platforms": pd.DataFrame(plat)}


# ---------------------------------------------------------------- summary


def summarize(traj: pd.DataFrame, mem: pd.DataFrame, plat: pd.DataFrame) -> dict:
    """Per actor: share of runs ending in each posture and P(joining each platform) at
    any time; per platform: final viability distribution."""
    runs = traj["run"].nunique()
    last = traj[traj["step"] == traj["step"].max()]
    actors: dict[str, dict] = {}
    postures = last.groupby(["actor", "posture"], observed=False).size().unstack(fill_value=0)
    members = mem.loc[mem["status"] == "member", ["actor", "platform", "run"]]
    joined = members.drop_duplicates().groupby(["actor", "platform"], observed=True).size()
    joined = joined / max(runs, 1)
    for actor in postures.index:
        counts = postures.loc[actor]
        actors[str(actor)] = {
            "posture": {str(p): float(c) / max(runs, 1) for p, c in counts.items()},
            "joins": {str(k): float(joined.get((actor, k), 0.0))
                      for k in mem["platform"].cat.categories},
        }
    final = plat[plat["step"] == plat["step"].max()]
    platforms = {}
    for name, group in final.groupby("platform", observed=True):
        v = group["viability"].to_numpy()
        platforms[str(name)] = {"viability": {
            "mean": float(v.mean()), "p05": float(np.quantile(v, 0.05)),
            "p95": float(np.quantile(v, 0.95))}}
    return {"runs": int(runs), "actors": actors, "platforms": platforms,
            "nonaligned_label": NONALIGNED}


def summary_table(summary: dict) -> pd.DataFrame:
    """Actors x final postures (share of runs), for printing."""
    rows = {a: v["posture"] for a, v in summary["actors"].items()}
    return pd.DataFrame(rows).T.fillna(0.0)


# ---------------------------------------------------------------- files


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename: readers see the
    old file or the complete new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, df: pd.DataFrame) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def atomic_write_json(path: Path, data: dict) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def read_table(paths: Iterable[Path]) -> pd.DataFrame:
    parts = [pq.read_table(p).to_pandas() for p in sorted(paths)]
    if not parts:
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for column in ("actor", "platform", "posture", "status", "scenario"):
        if column in df and df[column].dtype == object:
            df[column] = df[column].astype("category")
    return df


def load(path: str | Path) -> Results:
    """Read a run directory or a sweep directory into one `Results`."""
    import yaml

    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a results directory")
    chunk_dirs = sorted(root.glob("chunks")) + sorted(root.glob("points/*/chunks"))
    tables = {}
    for name in TABLES:
        files = [root / f"{name}.parquet"] if (root / f"{name}.parquet").is_file() else []
        if not files:
            files = [f for d in chunk_dirs for f in d.glob(f"*.{name}.parquet")]
            files += list(root.glob(f"points/*/{name}.parquet"))
        tables[name] = read_table(files)
    summary_path = root / "summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
    elif len(tables["trajectories"]):
        summary = summarize(tables["trajectories"], tables["memberships"], tables["platforms"])
    else:
        summary = {}
    config_path = root / "config.yaml"
    config = yaml.safe_load(config_path.read_text()) if config_path.is_file() else {}
    return Results(**tables, summary=summary, config=config or {}, path=root)
