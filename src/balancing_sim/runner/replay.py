"""The replay phase: histories shared by many runs are replayed once, split between
the workers, before the chunks that continue them.

A forward scenario's run starts where a history ends, and runs r, r + L, r + 2L...
start from the same end state (`dynamics.start.start_period`). Each worker process
keeps the end states it replays, but chunks are contiguous runs, so every worker
would replay all L histories: with two workers, the baseline's 1,200 histories are
replayed twice. Replaying them first, half on each worker, and handing every chunk
the end states (one object, sent once: `backends.dispatch`'s shared arguments) costs
each history once. The numbers do not change: an end
state is the same whichever process replays it (a run's arithmetic does not depend on
its block).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config.schema import Params
from ..draws import for_runs
from ..dynamics import start
from ..dynamics.start import prefix_ends, stack, start_period, state_bytes
from ..dynamics.state import RunState
from ..world import Compiled
from .backends import dispatch
from .jobs import Job, Starts, die_with_parent


@dataclass(frozen=True)
class Replay:
    """Some of the histories a run's chunks continue (picklable)."""

    compiled: Compiled
    params: Params
    seed: int
    runs: np.ndarray
    owner: int


def replay(job: Replay) -> tuple[np.ndarray, RunState, float]:
    """The runs, the end states they start from, and the CPU seconds replaying took."""
    die_with_parent(job.owner)
    clock = time.process_time()
    ends = prefix_ends(job.compiled, for_runs(job.params, job.runs)[0], job.seed, job.runs)
    return job.runs, ends, time.process_time() - clock


def shared_starts(jobs: list[Job], workers: int, backend: object,
                  announce: Callable[[int], object] = lambda histories: None,
                  ) -> tuple[Starts, float]:
    """(L, the end states runs 0..L-1 start from), replayed once between the workers,
    for every chunk (`jobs.execute`); and the CPU seconds the replay took. None (and
    0.0) where no history is shared between chunks on different workers, or where the
    shared end states would not fit the memory the workers keep them in (`KEEP_BYTES`).
    `announce(L)` is called before the L histories are replayed (a progress bar's
    label: no run finishes meanwhile)."""
    workers = min(workers, len(jobs))  # the processes the chunks then run on
    if workers <= 1:
        return None, 0.0
    first = jobs[0]
    period = start_period(first.compiled, first.params)
    if (period is None or sum(job.count for job in jobs) <= period
            or period * state_bytes(first.compiled) > start.KEEP_BYTES):
        return None, 0.0
    announce(period)
    parts = [Replay(first.compiled, first.params, first.seed, runs, first.owner)
             for runs in np.array_split(np.arange(period, dtype=np.int64),
                                        min(workers, period))]  # none empty (L < workers)
    done = sorted(dispatch(replay, parts, workers, backend), key=lambda d: d[0][0])
    return (period, stack([d[1] for d in done])), sum(d[2] for d in done)
