"""What a run will cost, estimated before it starts: memory, disk and time.

The engine draws each chunk's randomness up front and records every recorded month of
every run in it, so a chunk's memory grows with runs x months x states x (poles +
platforms); the compiled world holds states x states matrices in every process. The
constants come from benchmarks/ (2-core Xeon, ensemble engine): they give the order
of magnitude, which is what is needed to refuse a run that cannot finish on this
machine (memory or disk beyond what it has) before it starts, rather than after minutes
of rising memory.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config.schema import Config
from ..config.validate import month_index
from ..draws import recurrence
from ..records import recorded_steps
from ..world import first_month
from .jobs import chunk_size, parallel_workers

GB = 1024 ** 3
PROCESS = 0.25 * GB      # a worker: Python, numpy, pyarrow, the engine
PARENT = 0.45 * GB       # the run's own process: Hydra, pandas besides
SECONDS_PER_UNIT = 9.6e-8  # engine: per run x month x states^1.3 x (poles + platforms + 1)
SECONDS_PER_CUBE = 1.1e-10  # engine, large worlds: per run x month x states^3 (state x state
#                             matrices out of cache; measured 300 and 1,000 states)
SECONDS_PER_ROW = 1.1e-7   # tables and Parquet: per row of trajectories and memberships
START_SECONDS = 3.0
BYTES_PER_ROW = {"trajectories": 4.0, "per_pole": 3.0, "memberships": 1.0, "platforms": 8.0}
"""Parquet bytes per row (measured on the shipped worlds; weights cost ~3 bytes each)."""


@dataclass(frozen=True)
class Estimate:
    memory: float          # bytes at the peak, all processes
    disk: float            # bytes of the output
    seconds: float         # wall clock on this machine's cores
    chunk: int             # runs per chunk
    workers: int           # processes (0: the run's own)
    per_run_memory: float  # bytes a chunk needs per run

    def fitting_chunk(self, available: float) -> int:
        """The largest chunk that would fit in `available` bytes (0: none)."""
        fixed = self.memory - max(self.workers, 1) * self.chunk * self.per_run_memory
        return max(0, int((available - fixed) / (max(self.workers, 1) * self.per_run_memory)))


def estimate(config: Config) -> Estimate:
    world, run = config.world, config.run
    N, P, K = len(world.states), len(world.poles), len(world.platforms)
    A = N + P + len(world.external)
    T = month_index(config.scenario.end) - first_month(config)
    M = len(recorded_steps(T, run.record_every))
    chunk = min(chunk_size(config, run.workers), run.runs)
    workers = parallel_workers(config)
    per_run = (8.0 * T * N * (P + 1 + 2 * K)          # randomness drawn up front
               + M * N * ((P + 1) * 8 + K)             # records
               + 2 * M * N * (37 + 4 * P + 23 * K))    # tables, and their Parquet bytes
    compiled = 8.0 * (N * A + N * N + 4 * N * (P + K))
    memory = (PARENT + compiled
              + max(workers, 1) * (chunk * per_run + (compiled + PROCESS if workers else 0)))
    rows = run.runs * M
    disk = rows * (N * (BYTES_PER_ROW["trajectories"] + P * BYTES_PER_ROW["per_pole"])
                   + N * K * BYTES_PER_ROW["memberships"] + K * BYTES_PER_ROW["platforms"])
    cores = min(max(workers, 1), os.cpu_count() or 1)
    per_month = N ** 1.3 * (P + K + 1) * SECONDS_PER_UNIT + float(N) ** 3 * SECONDS_PER_CUBE
    work = run.runs * (T * per_month + M * N * (K + 1) * SECONDS_PER_ROW)
    work += replayed(config) * prefix_months(config) * per_month
    if config.run.engine == "mesa":
        work *= 150  # agent by agent (benchmarks: ~170x the ensemble)
    return Estimate(memory, disk, START_SECONDS + work / cores, chunk, workers, per_run)


def available_memory() -> float:
    """Bytes of memory this machine can still give (MemAvailable), or math.inf."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def free_disk(out: Path) -> float:
    target = next((p for p in (out, *out.parents) if p.exists()), None)
    try:
        return float(shutil.disk_usage(target).free) if target is not None else math.inf
    except OSError:
        return math.inf


def size(n: float) -> str:
    for unit, scale in (("TB", 1024 ** 4), ("GB", GB), ("MB", 1024 ** 2)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n / 1024:.0f} kB"


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def beyond(e: Estimate, out: Path | None) -> list[str]:
    """Why this machine cannot run it (empty when it can)."""
    reasons = []
    memory = available_memory()
    if e.memory > memory:
        fits = e.fitting_chunk(memory)
        advice = (f"runner.chunk_runs={fits} or fewer fits" if fits >= 1 else
                  "no chunk size fits: a smaller world, or fewer runner.workers")
        reasons.append(f"needs about {size(e.memory)} of memory ({e.chunk} runs per chunk on "
                       f"{max(e.workers, 1)} process(es)), this machine has {size(memory)} "
                       f"available ({advice})")
    if out is not None and e.disk > free_disk(out):
        reasons.append(f"writes about {size(e.disk)}, the disk of {out} has "
                       f"{size(free_disk(out))} free (fewer runs, or runner.record_every=12)")
    return reasons


def prefix_months(config: Config) -> int:
    """Months of the scenario a run continues (0 without one)."""
    prefix = config.prefix
    return 0 if prefix is None else month_index(prefix.end) - month_index(prefix.start)


def replayed(config: Config) -> int:
    """Histories a run of this config replays: one per run, or the L = lcm(histories,
    draws) its runs share (`dynamics.start.start_period`; replayed once: `runner/replay`)."""
    if config.prefix is None:
        return 0
    h, runs = config.scenario.histories, config.run.runs
    return min(runs, recurrence(h, config.params)) if h else runs
