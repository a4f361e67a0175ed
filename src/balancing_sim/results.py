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
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .config.schema import NONALIGNED, STATUSES
from .records import Records
from .world import Compiled

TABLES = ("trajectories", "memberships", "platforms")


class Results:
    """What `simulate` returns and `load` reads back.

    Tables may be given as DataFrames or, for results on disk, read on first access
    (so the summary of a large sweep is available without loading its tables).
    """

    def __init__(self, trajectories: pd.DataFrame | None = None,
                 memberships: pd.DataFrame | None = None,
                 platforms: pd.DataFrame | None = None, summary: dict | None = None,
                 config: dict | None = None, path: Path | None = None,
                 sources: dict[str, list[tuple[Path, dict]]] | None = None):
        self._tables = {"trajectories": trajectories, "memberships": memberships,
                        "platforms": platforms}
        self._sources = sources or {}
        self.summary = summary if summary is not None else {}
        self.config = config if config is not None else {}
        self.path = path

    def _table(self, name: str) -> pd.DataFrame:
        if self._tables[name] is None:
            self._tables[name] = read_parts(self._sources.get(name, []))
        return self._tables[name]

    trajectories = property(lambda self: self._table("trajectories"),
                            lambda self, df: self._tables.__setitem__("trajectories", df))
    memberships = property(lambda self: self._table("memberships"),
                           lambda self, df: self._tables.__setitem__("memberships", df))
    platforms = property(lambda self: self._table("platforms"),
                         lambda self, df: self._tables.__setitem__("platforms", df))

    def __repr__(self) -> str:
        runs = self.summary.get("runs")
        if runs is None and "points" in self.summary:
            runs = sum(p.get("runs", 0) for p in self.summary["points"].values())
        points = self.summary.get("points")
        return (f"Results({runs} runs"
                + (f", {len(points)} sweep points" if points else "")
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


class SummaryBuilder:
    """The summary built from disjoint blocks of runs, one block at a time, so its
    memory does not grow with the number of runs (only the final viabilities are
    kept: one number per run and platform, for the quantiles)."""

    def __init__(self) -> None:
        self.runs = 0
        self.postures: pd.DataFrame | None = None
        self.joins: pd.Series | None = None
        self.platforms: list[str] = []
        self.final: dict[str, list[np.ndarray]] = {}

    def add(self, traj: pd.DataFrame, mem: pd.DataFrame, plat: pd.DataFrame) -> None:
        """Add a block holding every recorded step of its runs (no run in two blocks)."""
        self.runs += int(traj["run"].nunique())
        last = traj[traj["step"] == traj["step"].max()]
        counts = last.groupby(["actor", "posture"], observed=False).size().unstack(fill_value=0)
        self.postures = counts if self.postures is None else self.postures.add(
            counts, fill_value=0)
        members = mem.loc[mem["status"] == "member", ["actor", "platform", "run"]]
        joined = members.drop_duplicates().groupby(["actor", "platform"], observed=True).size()
        self.joins = joined if self.joins is None else self.joins.add(joined, fill_value=0)
        self.platforms = [str(k) for k in mem["platform"].cat.categories]
        final = plat[plat["step"] == plat["step"].max()]
        for name, group in final.groupby("platform", observed=True):
            self.final.setdefault(str(name), []).append(group["viability"].to_numpy())

    def result(self) -> dict:
        runs = max(self.runs, 1)
        actors: dict[str, dict] = {}
        joins = self.joins if self.joins is not None else pd.Series(dtype=float)
        postures = self.postures if self.postures is not None else pd.DataFrame()
        for actor in postures.index:
            counts = postures.loc[actor]
            actors[str(actor)] = {
                "posture": {str(p): float(c) / runs for p, c in counts.items()},
                "joins": {k: float(joins.get((actor, k), 0.0)) / runs for k in self.platforms},
            }
        platforms = {}
        for name, parts in self.final.items():
            v = np.concatenate(parts)
            platforms[name] = {"viability": {
                "mean": float(v.mean()), "p05": float(np.quantile(v, 0.05)),
                "p95": float(np.quantile(v, 0.95))}}
        return {"runs": int(self.runs), "actors": actors, "platforms": platforms,
                "nonaligned_label": NONALIGNED}


def summarize(traj: pd.DataFrame, mem: pd.DataFrame, plat: pd.DataFrame) -> dict:
    """Per actor: share of runs ending in each posture and P(joining each platform) at
    any time; per platform: final viability distribution."""
    builder = SummaryBuilder()
    builder.add(traj, mem, plat)
    return builder.result()


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


CATEGORICAL = ("actor", "platform", "posture", "status", "scenario", "point")


def read_table(paths: Iterable[Path]) -> pd.DataFrame:
    return read_parts([(p, {}) for p in paths])


def read_parts(parts: Iterable[tuple[Path, dict]]) -> pd.DataFrame:
    """Concatenate Parquet files, each with constant extra columns (a sweep point's
    scenario and swept values), with the id columns as categories."""
    frames_ = []
    for path, extra in sorted(parts, key=lambda item: str(item[0])):
        df = pq.read_table(path).to_pandas()
        for key, value in extra.items():
            df[key] = value
        frames_.append(df)
    if not frames_:
        return pd.DataFrame()
    df = pd.concat(frames_, ignore_index=True) if len(frames_) > 1 else frames_[0]
    for column in CATEGORICAL:
        if column in df and df[column].dtype != "category":
            df[column] = df[column].astype("category")
    return df


def run_files(folder: Path, name: str) -> list[Path]:
    """A run directory's table: the merged file, or the finished chunks of a run that
    was interrupted (chunks without a `.done` marker are not results)."""
    merged = folder / f"{name}.parquet"
    if merged.is_file():
        return [merged]
    chunks = folder / "chunks"
    done = {p.stem for p in chunks.glob("*.done")} if chunks.is_dir() else set()
    return sorted(f for f in chunks.glob(f"*.{name}.parquet") if f.name.split(".")[0] in done)


def _column_value(value: object) -> object:
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value)
    return value


def load(path: str | Path) -> Results:
    """Read a run directory or a sweep directory (`points/<id>/`) into one `Results`.

    For a sweep, each table gets the columns `point` (the point id), `scenario` (the
    scenario name) and one column per swept key (e.g. `params.w_autonomy`).
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a results directory")
    points = sorted(p.parent for p in root.glob("points/*/point.json"))
    if not points:
        summary_path = root / "summary.json"
        if summary_path.is_file():
            summary = json.loads(summary_path.read_text())
        else:
            tables = {t: read_table(run_files(root, t)) for t in TABLES}
            summary = (summarize(tables["trajectories"], tables["memberships"],
                                 tables["platforms"]) if len(tables["trajectories"]) else {})
            return Results(**tables, summary=summary, config=_yaml(root / "config.yaml"),
                           path=root)
        sources = {t: [(f, {}) for f in run_files(root, t)] for t in TABLES}
        return Results(summary=summary, config=_yaml(root / "config.yaml"), path=root,
                       sources=sources)
    infos = {p: json.loads((p / "point.json").read_text()) for p in points}
    keys = sorted({k for info in infos.values() for k in info.get("values", {})} - {"scenario"})
    sources: dict[str, list[tuple[Path, dict]]] = {t: [] for t in TABLES}
    summaries, configs = {}, {}
    for folder, info in infos.items():
        values = info.get("values", {})
        extra = {"point": info["id"], "scenario": info.get("scenario", "")}
        extra.update({k: _column_value(values.get(k)) for k in keys})
        for t in TABLES:
            sources[t] += [(f, extra) for f in run_files(folder, t)]
        if (folder / "summary.json").is_file():
            summaries[info["id"]] = json.loads((folder / "summary.json").read_text())
        configs[info["id"]] = {"values": values, "scenario": info.get("scenario")}
    return Results(summary={"points": summaries}, config={"points": configs}, path=root,
                   sources=sources)


def _yaml(path: Path) -> dict:
    import yaml

    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
