"""A chunk of runs as a job, and what a worker does with it.

Chunk c holds runs [c*size, (c+1)*size) and run r always draws from
SeedSequence(seed, spawn_key=(r,)), so results do not depend on the number of
workers, the chunk size or the backend. A worker simulates its chunk, builds the
contract tables with pyarrow and its share of the summary, and either writes them
(local workers, into the run's staging folder: `store`) or returns them.

A local worker process dies with the run that started it: a watchdog thread ends the
worker as soon as its parent process is gone (SIGKILL of the run included), so no
chunk of a killed run is computed, let alone written, after it.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from .. import contract
from .. import summary as summaries
from ..config.schema import Config, Params
from ..draws import for_runs
from ..dynamics.start import keep_ends
from ..dynamics.state import RunState
from ..records import Records
from ..world import Compiled

MIN_PARALLEL_CHUNK = 128
Simulate = Callable[..., Records]
"""(compiled, params, seed, runs, record_every, last_step=None) -> Records."""


def simulator(engine: str) -> Simulate:
    """The function that runs a block of runs for an engine named in
    `config.schema.ENGINES` (Mesa is imported only when its engine is asked for)."""
    if engine == "mesa":
        from ..model import run_models

        return run_models
    if engine == "ensemble":
        from ..ensemble import simulate_block

        return simulate_block
    raise ValueError(f"engine {engine!r} has no simulate function")


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
    folder: Path | None   # the run's staging folder, or None: return the tables
    index: int
    identity: str = ""    # of the config the chunk is computed for
    owner: int = field(default_factory=os.getpid)  # the process that planned it

    def runs(self) -> np.ndarray:
        return np.arange(self.first, self.first + self.count, dtype=np.int64)


@dataclass
class Done:
    """A finished chunk: its tables (when not written by the worker), its share of the
    summary, and the CPU seconds the worker spent on each phase."""

    index: int
    count: int
    tables: dict[str, pa.Table] | None
    summary: summaries.Part
    cpu: dict[str, float]


WATCH_SECONDS = 0.2
_watching: list[int] = []


def die_with_parent(owner: int) -> None:
    """In a worker process (not the run's own), start once a daemon thread that ends the
    process when its parent changes (the parent died and the worker was re-parented)."""
    if owner == os.getpid() or _watching:
        return
    parent = os.getppid()
    _watching.append(parent)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


Starts = tuple[int, RunState] | None
"""L and the end states runs 0..L-1 start from, replayed beforehand (`replay`): runs
r + L, r + 2L... start alike. One object for every chunk of a run."""


def simulate(job: Job, starts: Starts = None) -> Records:
    """The chunk's runs simulated, from the replayed end states where given."""
    if starts is not None:
        period, ends = starts
        runs = np.unique(job.runs() % period)
        keep_ends(job.compiled, for_runs(job.params, runs)[0], job.seed, runs, ends)
    return simulator(job.engine)(job.compiled, job.params, job.seed, job.runs(),
                                 job.record_every)


def execute(job: Job, starts: Starts = None) -> Done:
    """Simulate one chunk (from the replayed `starts` where given); write it into the
    staging folder when the job has one, else return its tables."""
    from .store import write_parts

    die_with_parent(job.owner)
    cpu: dict[str, float] = {}
    clock = time.process_time()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.process_time()
        cpu[phase] = now - clock
        clock = now

    rec = simulate(job, starts)
    lap("simulate")
    tables = contract.build(rec, job.compiled, job.seed, job.identity)
    lap("tables")
    part = summaries.part(rec, job.compiled.structure)
    lap("summary")
    if job.folder is None:
        return Done(job.index, job.count, tables, part, cpu)
    write_parts(job.folder, job.index, tables)
    lap("write")
    return Done(job.index, job.count, None, part, cpu)


def chunk_size(config: Config, workers: int) -> int:
    """At most `runner.chunk_runs`, evened out so that every worker gets the same number
    of chunks (no worker idles at the end); never below `MIN_PARALLEL_CHUNK` runs (the
    batched engine is fastest on large blocks, and a small job runs in this process
    without starting workers)."""
    size, runs = config.run.chunk_runs, config.run.runs
    if workers > 1:
        waves = math.ceil(runs / (workers * size))
        size = min(size, max(MIN_PARALLEL_CHUNK, math.ceil(runs / (workers * waves))))
    return size


def parallel_workers(config: Config) -> int:
    """Worker processes a run of this config starts (0: it runs in this process)."""
    chunks = math.ceil(config.run.runs / chunk_size(config, config.run.workers))
    return min(config.run.workers, chunks) if config.run.workers > 1 and chunks > 1 else 0


def plan(config: Config, compiled: Compiled, folder: Path | None, size: int,
         identity: str = "") -> list[Job]:
    run = config.run
    return [
        Job(compiled, config.params, run.engine, run.seed, first, min(size, run.runs - first),
            run.record_every, folder, index, identity)
        for index, first in enumerate(range(0, run.runs, size))
    ]
