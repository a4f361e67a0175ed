"""Execution: runs in chunks, on local cores or a cluster, streamed to disk, resumable.

Runs are split into chunks; a chunk is the unit of work and of storage. Each
finished chunk is written atomically (temp file + rename) with a `.done` marker
written last; a rerun in the same output directory skips chunks that have a
marker and discards anything else (the leftovers of a killed attempt). Chunk c
holds runs [c*size, (c+1)*size) and run r always draws from
SeedSequence(seed, spawn_key=(r,)), so results do not depend on the number of
workers, the chunk size or the backend. The chunk size of a directory is recorded
in `chunks/layout.json` on the first attempt and reused on every resume.

Backends (`runner.backend`): `loky` (local processes, the default), `threading`,
`dask` (joblib's Dask backend on the cluster of `DASK_SCHEDULER_ADDRESS`, or on a
LocalCluster started for the run), or a scheduler address such as
`tcp://host:8786` (Dask on that cluster). With Dask, workers return their
tables and this process writes them, so workers need no shared file system.

A sweep (Hydra multirun) puts each point into `<out>/points/<id>/`, the id made
from the point's overrides (`point_id`); `results.load(out)` reads them all.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from joblib import Parallel, delayed
from tqdm import tqdm

from .config.errors import ConfigError, Problem
from .config.resolvers import POINT_EXCLUDE
from .config.schema import Config, Params
from .ensemble import simulate_block
from .model import run_models
from .records import Records
from .results import (
    TABLES,
    Results,
    SummaryBuilder,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_parquet,
    frames,
)
from .world import Compiled, compile_config

ENGINES = {"ensemble": simulate_block, "mesa": run_models}
MIN_PARALLEL_CHUNK = 128
VOLATILE = {"runner": ("workers", "backend", "progress", "scheduler", "chunk_runs")}
"""Settings that change how runs are executed, never their results: a directory may be
resumed with other values (the chunk size is fixed by `chunks/layout.json`)."""


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


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: finished chunks are on disk; the same command resumes."""

    def __init__(self, out: Path | None, done: int, total: int):
        super().__init__(out, done, total)
        self.out, self.done, self.total = out, done, total


def chunk_name(index: int) -> str:
    return f"{index:06d}"


def simulate_job(job: Job) -> Records:
    return ENGINES[job.engine](job.compiled, job.params, job.seed, job.runs(), job.record_every)


def write_chunk(folder: Path, index: int, count: int, tables: dict[str, pd.DataFrame]) -> None:
    """Each table atomically, then the `.done` marker: a chunk without it is not a result."""
    name = chunk_name(index)
    for table in TABLES:
        atomic_write_parquet(folder / f"{name}.{table}.parquet", tables[table])
    atomic_write_bytes(folder / f"{name}.done", str(count).encode())


def execute(job: Job) -> tuple[Job, dict[str, pd.DataFrame] | None]:
    """Simulate one chunk; write it when the job has a folder, else return its tables."""
    tables = frames(simulate_job(job), job.compiled, job.seed)
    if job.folder is None:
        return job, tables
    write_chunk(job.folder, job.index, job.count, tables)
    return job, None


def chunk_size(config: Config, workers: int) -> int:
    """`runner.chunk_runs`, smaller when that gives every worker work; never below
    `MIN_PARALLEL_CHUNK` runs (the batched engine is fastest on large blocks, and a
    small job runs in this process without starting workers)."""
    size = config.run.chunk_runs
    if workers > 1:
        size = min(size, max(MIN_PARALLEL_CHUNK, math.ceil(config.run.runs / workers)))
    return size


def plan(config: Config, compiled: Compiled, folder: Path | None, size: int) -> list[Job]:
    run = config.run
    return [
        Job(compiled, config.params, run.engine, run.seed, first, min(size, run.runs - first),
            run.record_every, folder, index)
        for index, first in enumerate(range(0, run.runs, size))
    ]


def layout(folder: Path, runs: int, proposed: int) -> int:
    """The chunk size of this directory: recorded by the first attempt, reused after."""
    path = folder / "layout.json"
    if path.is_file():
        try:
            recorded = json.loads(path.read_text())
            if recorded.get("runs") == runs and int(recorded["chunk_runs"]) >= 1:
                return int(recorded["chunk_runs"])
        except (ValueError, KeyError, TypeError):
            pass
        for f in folder.glob("*"):  # an unreadable layout: start this directory afresh
            f.unlink()
    atomic_write_json(path, {"runs": runs, "chunk_runs": proposed})
    return proposed


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


def saved(folder: Path) -> int:
    """Runs whose chunk is complete on disk."""
    total = 0
    for marker in folder.glob("*.done"):
        with contextlib.suppress(ValueError, OSError):
            total += int(marker.read_text() or 0)
    return total


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a cluster scheduler's stop, `kill`) stops a run as Ctrl-C does: finished
    chunks are kept and the same command resumes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _progress(total: int, initial: int, setting: object) -> tqdm:
    """Runs done, runs/s and time left; silent unless on a terminal (or forced on)."""
    show = sys.stderr.isatty() if setting == "auto" else setting == "on"
    return tqdm(total=total, initial=initial, unit="run", disable=not show, smoothing=0.1,
                dynamic_ncols=True, desc="runs")


# ---------------------------------------------------------------- backends


def backend_of(setting: object) -> tuple[str, str | None]:
    """(joblib backend, Dask scheduler address or None) from `runner.backend`."""
    text = str(setting)
    return ("dask", text) if "://" in text else (text, None)


_CLIENTS: dict[str, object] = {}


def dask_client(address: str | None, workers: int):
    """A client of the given scheduler, of DASK_SCHEDULER_ADDRESS, or of a LocalCluster
    started once per process (reused by every point of a sweep)."""
    import dask
    from distributed import Client, LocalCluster

    for name in ("distributed", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "distributed.worker", "distributed.http.proxy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    address = address or dask.config.get("scheduler-address", None)
    key = address or f"local:{workers}"
    client = _CLIENTS.get(key)
    if client is not None and getattr(client, "status", "") == "running":
        return client
    if address:
        client = Client(address, set_as_default=False)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster, set_as_default=False)
    if not _CLIENTS:
        atexit.register(close_clients)
    _CLIENTS[key] = client
    return client


def close_clients() -> None:
    for client in _CLIENTS.values():
        cluster = getattr(client, "cluster", None)
        with contextlib.suppress(Exception):
            client.close()
            if cluster is not None:
                cluster.close()
    _CLIENTS.clear()


def dispatch(jobs: list[Job], workers: int, backend: object = "loky") -> Iterator:
    """(job, tables or None) for each job as it finishes, on the chosen backend."""
    name, address = backend_of(backend)
    if name == "dask":
        from joblib import parallel_config

        client = dask_client(address, workers)
        remote = [replace(job, folder=None) for job in jobs]  # workers return, we write
        with client.as_current(), parallel_config(backend="dask"):
            yield from Parallel(return_as="generator_unordered")(
                delayed(execute)(job) for job in remote)
        return
    if workers <= 1 or len(jobs) <= 1:
        yield from map(execute, jobs)
        return
    yield from Parallel(n_jobs=workers, backend=name, return_as="generator_unordered")(
        delayed(execute)(job) for job in jobs)


# ---------------------------------------------------------------- merge, summary


def merge_chunks(folder: Path, out: Path) -> None:
    """Stream chunk files into the contract's single tables, chunk by chunk (bounded
    memory), each written to a temp file and renamed."""
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
            if writer is not None:
                writer.close()
                writer = None
                os.replace(tmp, target)
        except BaseException:
            if writer is not None:
                writer.close()
            tmp.unlink(missing_ok=True)
            raise


_SUMMARY_COLUMNS = {"trajectories": ["run", "step", "actor", "posture"],
                    "memberships": ["run", "actor", "platform", "status"],
                    "platforms": ["run", "step", "platform", "viability"]}


def summarize_folder(folder: Path) -> dict:
    """The summary from the chunk files, one chunk in memory at a time."""
    builder = SummaryBuilder()
    for done in sorted(folder.glob("*.done")):
        parts = {t: pq.read_table(folder / f"{done.stem}.{t}.parquet",
                                  columns=_SUMMARY_COLUMNS[t]).to_pandas() for t in TABLES}
        builder.add(parts["trajectories"], parts["memberships"], parts["platforms"])
    return builder.result()


# ---------------------------------------------------------------- run


class OutputConflict(ValueError):
    """The output directory holds results of a different config: never mix them."""

    def __init__(self, out: Path):
        super().__init__(f"{out}: holds results of a different config (see its config.yaml); "
                         "choose another out= or delete the directory")


def identity(resolved: Mapping) -> dict:
    """The part of a resolved config that determines the results."""
    data = {k: v for k, v in resolved.items() if k != "out"}
    for section, keys in VOLATILE.items():
        if isinstance(data.get(section), Mapping):
            data[section] = {k: v for k, v in data[section].items() if k not in keys}
    return data


def _check_same(out: Path, resolved: Mapping) -> None:
    previous = out / "config.yaml"
    if not previous.is_file() or not ((out / "chunks").is_dir()
                                      or (out / "summary.json").is_file()):
        return
    try:
        before = yaml.safe_load(previous.read_text()) or {}
    except yaml.YAMLError:
        before = {}
    if identity(before) != identity(json.loads(json.dumps(resolved))):
        raise OutputConflict(out)


def run(config: Config, resolved: dict, out: Path | None, tables: bool = True,
        root: Path | None = None) -> Results:
    """Run every replicate of a config; write the output contract into `out` (or keep the
    tables in memory when `out` is None). With `tables=False` the returned Results reads
    its tables from disk only when asked. `root` is the directory named in the message
    of an interruption (a sweep's directory; `out` by default)."""
    compiled = compile_config(config)
    backend = config.run.backend
    workers = config.run.workers
    started = time.perf_counter()
    total = config.run.runs
    if out is None:
        jobs = plan(config, compiled, None, chunk_size(config, workers))
        bar = _progress(total, 0, config.run.progress)
        parts = []
        try:
            for job, part in dispatch(jobs, workers, backend):
                parts.append((job.index, part))
                bar.update(job.count)
        except KeyboardInterrupt:
            raise Interrupted(None, 0, total) from None
        finally:
            bar.close()
        parts.sort(key=lambda item: item[0])
        merged = {t: pd.concat([p[t] for _, p in parts], ignore_index=True) for t in TABLES}
        builder = SummaryBuilder()
        for _, p in parts:
            builder.add(p["trajectories"], p["memberships"], p["platforms"])
        return Results(**merged, summary=builder.result(), config=resolved)

    out.mkdir(parents=True, exist_ok=True)
    _check_same(out, resolved)
    for tmp in out.glob(".*.tmp"):  # torn writes of a killed attempt (merge, summary)
        tmp.unlink(missing_ok=True)
    text = yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True)
    atomic_write_bytes(out / "config.yaml", text.encode())
    folder = out / "chunks"
    if not (out / "summary.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        size = layout(folder, total, chunk_size(config, workers))
        todo = pending(plan(config, compiled, folder, size), folder)
        bar = _progress(total, total - sum(j.count for j in todo), config.run.progress)
        try:
            with terminate_as_interrupt():
                for job, part in dispatch(todo, workers, backend):
                    if part is not None:
                        write_chunk(folder, job.index, job.count, part)
                    bar.update(job.count)
        except KeyboardInterrupt:
            raise Interrupted(root or out, saved(folder), total) from None
        finally:
            bar.close()
        summary = summarize_folder(folder)
        merge_chunks(folder, out)
        summary["seconds"] = round(time.perf_counter() - started, 3)
        atomic_write_json(out / "summary.json", summary)
    if folder.is_dir():
        for f in folder.glob("*"):
            f.unlink()
        folder.rmdir()
    summary = json.loads((out / "summary.json").read_text())
    sources = {t: [(out / f"{t}.parquet", {})] for t in TABLES}
    result = Results(summary=summary, config=resolved, path=out, sources=sources)
    if tables:
        for t in TABLES:
            getattr(result, t)
    return result


# ---------------------------------------------------------------- sweeps (Hydra multirun)

def combined_name(choice: object) -> str | None:
    """`ots_deepening+western_pressure` for a multiple selection of scenarios."""
    if isinstance(choice, list | tuple) and len(choice) > 1:
        return "+".join(str(c) for c in choice)
    return None


def scenario_choice(overrides: Sequence[str]) -> object:
    """The scenario group's selection on the command line (Hydra's `runtime.choices`
    leaves out a multiple selection), or None."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    choice = None
    for item in OverridesParser.create().parse_overrides(list(overrides)):
        if item.key_or_group == "scenario" and not item.is_delete():
            choice = item.value()
    return choice


def swept_values(overrides: Sequence[str]) -> dict:
    """The point's own values, keyed by config key, from its overrides."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    values = {}
    for item in OverridesParser.create().parse_overrides(list(overrides)):
        key = item.key_or_group
        if key in POINT_EXCLUDE or key.startswith("hydra.") or item.is_delete():
            continue
        values[key] = item.value()
    return values


def hydra_job(data: dict, hydra_cfg) -> tuple[dict, Path, Path]:
    """(config data, output dir, directory to resume) of a job run by `@hydra.main`.

    Names a combined scenario after its parts; in a multirun, the job's directory is
    Hydra's `<sweep dir>/points/<point id>` (see conf/config.yaml) and gets a
    `point.json` with the point's id, scenario and overridden values.
    """
    from hydra.types import RunMode

    overrides = list(hydra_cfg.overrides.task)
    name = combined_name(scenario_choice(overrides))
    if name and not any(o.lstrip("+").startswith("scenario.name=") for o in overrides):
        data.setdefault("scenario", {})["name"] = name
    if hydra_cfg.mode != RunMode.MULTIRUN:
        out = Path(data.get("out") or hydra_cfg.runtime.output_dir)
        return data, out, out
    root = Path(hydra_cfg.sweep.dir).resolve()
    out = Path(hydra_cfg.runtime.output_dir).resolve()
    if root not in out.parents:
        raise ConfigError([Problem("command line", "hydra.sweep.subdir", str(out),
                                   f"a directory inside the sweep directory {root}")])
    write_point(out, data.get("scenario", {}).get("name"), overrides)
    return data, out, root


def write_point(out: Path, scenario: str | None, overrides: Sequence[str]) -> None:
    """`point.json`: what `results.load` needs to label a sweep point's rows."""
    point = {"id": out.name, "scenario": scenario, "values": swept_values(overrides),
             "overrides": list(overrides)}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "point.json", json.loads(json.dumps(point, default=str)))
