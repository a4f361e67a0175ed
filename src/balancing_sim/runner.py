"""Execution: runs in chunks, on local cores or a cluster, streamed to disk, resumable.

Runs are split into chunks of `runner.chunk_runs`; a chunk is the unit of work
and of storage. A worker simulates its chunk and writes its tables atomically,
then a `.done` marker; a rerun skips chunks that have a marker and discards
anything else. Chunk c always holds runs [c*size, (c+1)*size) with their own
seeds, so results do not depend on the number of workers or the backend.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from joblib import Parallel, delayed
from tqdm import tqdm

from .config.schema import Config, Params
from .ensemble import Records, simulate_block
from .model import run_models
from .results import (
    TABLES,
    Results,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_parquet,
    frames,
    read_table,
    summarize,
)
from .world import Compiled, compile_config

ENGINES = {"ensemble": simulate_block, "mesa": run_models}


@dataclass(frozen=True)
class Job:
    """One chunk of runs, everything a worker needs (picklable, no global state)."""

    compiled: Compiled
    params: Params
    engine: str
    seed: int
    first: int
    count: int
    record_every: int
    folder: Path | None
    index: int

    def runs(self) -> np.ndarray:
        return np.arange(self.first, self.first + self.count, dtype=np.int64)


def chunk_name(index: int) -> str:
    return f"{index:06d}"


def simulate_job(job: Job) -> Records:
    return ENGINES[job.engine](job.compiled, job.params, job.seed, job.runs(), job.record_every)


def execute(job: Job) -> dict[str, pd.DataFrame] | int:
    """Simulate one chunk; write it (and return its run count) or return its tables."""
    tables = frames(simulate_job(job), job.compiled, job.seed)
    if job.folder is None:
        return tables
    name = chunk_name(job.index)
    for table in TABLES:
        atomic_write_parquet(job.folder / f"{name}.{table}.parquet", tables[table])
    atomic_write_bytes(job.folder / f"{name}.done", str(job.count).encode())
    return job.count


def plan(config: Config, compiled: Compiled, folder: Path | None) -> list[Job]:
    run = config.run
    size = run.chunk_runs
    return [
        Job(compiled, config.params, run.engine, run.seed, first, min(size, run.runs - first),
            run.record_every, folder, index)
        for index, first in enumerate(range(0, run.runs, size))
    ]


def pending(jobs: list[Job], folder: Path) -> list[Job]:
    """Jobs whose chunk has no `.done` marker; leftovers of a killed attempt are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    done = {p.stem for p in folder.glob("*.done")}
    todo = []
    for job in jobs:
        name = chunk_name(job.index)
        if name in done:
            continue
        for table in TABLES:
            (folder / f"{name}.{table}.parquet").unlink(missing_ok=True)
        todo.append(job)
    return todo


def _progress(total: int, initial: int, setting: str) -> tqdm:
    show = sys.stderr.isatty() if setting == "auto" else setting in ("on", "true", True)
    return tqdm(total=total, initial=initial, unit="run", disable=not show, smoothing=0.1,
                dynamic_ncols=True, desc="runs")


def dispatch(jobs: list[Job], workers: int, backend: str) -> Iterator:
    """Results of the jobs as they finish, on the chosen joblib backend."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(execute, jobs)
        return
    if backend == "dask":
        from joblib import parallel_config
        with parallel_config(backend="dask"):
            yield from Parallel(return_as="generator_unordered")(
                delayed(execute)(job) for job in jobs)
        return
    yield from Parallel(n_jobs=workers, backend=backend, return_as="generator_unordered")(
        delayed(execute)(job) for job in jobs)


def merge_chunks(folder: Path, out: Path) -> None:
    """Stream chunk files into the contract's single tables, chunk by chunk (bounded
    memory), each written atomically."""
    for table in TABLES:
        files = sorted(folder.glob(f"*.{table}.parquet"))
        target = out / f"{table}.parquet"
        tmp = out / f".{table}.parquet.merge.tmp"
        writer = None
        try:
            for f in files:
                part = pq.read_table(f)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, part.schema, compression="zstd")
                writer.write_table(part.cast(writer.schema))
        finally:
            if writer is not None:
                writer.close()
        if writer is not None:
            os.replace(tmp, target)


def summarize_folder(out: Path) -> dict:
    """The summary from the merged tables, reading only the columns it needs."""
    traj = pq.read_table(out / "trajectories.parquet",
                         columns=["run", "step", "actor", "posture"]).to_pandas()
    mem = pq.read_table(out / "memberships.parquet",
                        columns=["run", "actor", "platform", "status"],
                        filters=[("status", "=", "member")]).to_pandas()
    plat = pq.read_table(out / "platforms.parquet").to_pandas()
    for df, cols in ((mem, ("actor", "platform", "status")),):
        for c in cols:
            df[c] = df[c].astype("category")
    return summarize(traj, mem, plat)


class OutputConflict(ValueError):
    """The output directory holds results of a different config: never mix them."""

    def __init__(self, out: Path):
        super().__init__(f"{out}: holds results of a different config (see its config.yaml); "
                         "choose another out= or delete the directory")


def run(config: Config, resolved: dict, out: Path | None) -> Results:
    """Run every replicate of a config; write the output contract into `out` (or keep the
    tables in memory when `out` is None)."""
    compiled = compile_config(config)
    started = time.perf_counter()
    if out is None:
        jobs = plan(config, compiled, None)
        bar = _progress(config.run.runs, 0, "auto")
        parts = []
        for tables in dispatch(jobs, config.run.workers, "loky"):
            parts.append(tables)
            bar.update(len(tables["trajectories"]["run"].unique()))
        bar.close()
        merged = {t: pd.concat([p[t] for p in parts], ignore_index=True)
                  .sort_values(["run", "step"], kind="stable", ignore_index=True)
                  for t in TABLES}
        summary = summarize(merged["trajectories"], merged["memberships"], merged["platforms"])
        return Results(**merged, summary=summary, config=resolved)

    out.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)
    previous = out / "config.yaml"
    if previous.is_file() and previous.read_text() != text and (
            (out / "chunks").is_dir() or (out / "summary.json").is_file()):
        raise OutputConflict(out)
    atomic_write_bytes(previous, text.encode())
    folder = out / "chunks"
    jobs = plan(config, compiled, folder)
    todo = pending(jobs, folder) if not (out / "summary.json").is_file() else []
    bar = _progress(config.run.runs, config.run.runs - sum(j.count for j in todo),
                    resolved.get("runner", {}).get("progress", "auto"))
    for count in dispatch(todo, config.run.workers, resolved.get("runner", {}).get(
            "backend", "loky")):
        bar.update(count)
    bar.close()
    if todo or not (out / "summary.json").is_file():
        merge_chunks(folder, out)
        summary = summarize_folder(out)
        summary["seconds"] = round(time.perf_counter() - started, 3)
        atomic_write_json(out / "summary.json", summary)
    if folder.is_dir():
        for f in folder.glob("*"):
            f.unlink()
        folder.rmdir()
    summary = json.loads((out / "summary.json").read_text())
    tables = {t: read_table([out / f"{t}.parquet"]) for t in TABLES}
    return Results(**tables, summary=summary, config=resolved, path=out)
