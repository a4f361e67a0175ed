"""Where a run starts: its scenario's situation, or where the run it continues ends.

A scenario with a prefix (`scenario.after`, e.g. a forward scenario after the history)
starts run r from the end state of run h of the prefix, simulated with run r's
parameters and drawn from run h's first generator (stream 0), exactly as the prefix's
own run h is. h is r, or r mod `scenario.histories` when the scenario shares a set of
histories among its runs: forward runs r, r + H, r + 2H... then start from the same
history (with the same parameters: a posterior of M draws keeps them alike when M
divides H) and differ by their own chance only. Both engines call this, so they start
from the same arrays.

Replaying the prefix is most of a forward run's cost (390 of 516 months for the
baseline). End states are therefore kept per run, keyed by a digest of the prefix, the
seed, the prefix run and the run's parameter values, up to `KEEP_BYTES` (least recently
used dropped first): a block replays only the histories no earlier block of the process
replayed, so shared histories are replayed once per process, and a notebook, a sweep
over forward settings or a test suite does not replay the same history again. A command
on several workers replays them once in all (`runner/replay.py`: `prefix_ends` split
between the workers, `keep_ends` in each).
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import threading
from collections import OrderedDict

import numpy as np

from ..config.schema import FREE_PARAMETERS, Params
from ..draws import recurrence
from ..world import Compiled
from .context import Context
from .schedule import advance
from .state import RunState, draw_runs, initial_state, run_generators

KEEP_BYTES = 64 * 2**20
"""Memory the kept end states may take (LRU beyond it): small, since every worker
process of a large command would otherwise fill it with states it never reuses."""

_kept: OrderedDict[bytes, RunState] = OrderedDict()
_kept_bytes = 0
_lock = threading.Lock()


def start_state(compiled: Compiled, params: Params, seed: int, runs: np.ndarray) -> RunState:
    """The state of each run at the scenario's first month (`params` are the runs' own:
    numbers, or (R,) arrays over `runs`)."""
    runs = np.asarray(runs, dtype=np.int64)
    if compiled.prefix is None:
        return initial_state(compiled, len(runs))
    s = prefix_ends(compiled, params, seed, runs)
    s.openness[:] = compiled.initial.openness  # the platforms' calendar: the scenario's own
    return s


def prefix_ends(compiled: Compiled, params: Params, seed: int, runs: np.ndarray) -> RunState:
    """The end state of the prefix run each run continues: kept ones, the others
    replayed (once per key) and kept."""
    keys = start_keys(compiled, params, seed, runs)
    with _lock:
        found = {k: _kept[k] for k in set(keys) if k in _kept}
        for k in found:
            _kept.move_to_end(k)
    missing = {k: i for i, k in enumerate(keys) if k not in found}  # first run of each
    if missing:
        rows = np.fromiter(missing.values(), dtype=np.int64, count=len(missing))
        end = prefix_end(compiled.prefix, params_of_rows(params, rows, len(runs)), seed,
                         compiled.prefix_runs(runs[rows]))
        for j, k in enumerate(missing):
            found[k] = take(end, slice(j, j + 1))
            _keep(k, found[k])
    return stack([found[k] for k in keys])


def keep_ends(compiled: Compiled, params: Params, seed: int, runs: np.ndarray,
              ends: RunState) -> None:
    """Keep end states replayed elsewhere (`prefix_ends` of runs 0, 1, ... in another
    process, row r run r's), those of `runs`: keys are computed here, by the process
    that will look them up."""
    for run, key in zip(runs, start_keys(compiled, params, seed, runs), strict=True):
        _keep(key, take(ends, slice(run, run + 1)))


def start_keys(compiled: Compiled, params: Params, seed: int, runs: np.ndarray) -> list[bytes]:
    """The key of the prefix end state each run starts from (`run_keys`)."""
    return run_keys(compiled.prefix, params, seed, compiled.prefix_runs(runs))


def start_period(compiled: Compiled, params: Params) -> int | None:
    """L such that runs r and r + L always start from the same end state (the same
    prefix run and the same parameter draw), or None when no two runs share one."""
    if compiled.prefix is None or not compiled.histories:
        return None
    return recurrence(compiled.histories, params)


def prefix_end(prefix: Compiled, params: Params, seed: int, runs: np.ndarray) -> RunState:
    """Each run of `prefix` simulated to its last month, from where it starts."""
    s = start_state(prefix, params, seed, runs)
    rnd = draw_runs(prefix, run_generators(seed, runs, prefix.stream))
    ctx = Context.build(prefix, params)
    for t in range(1, prefix.n_steps + 1):
        advance(s, ctx, rnd, t)
    return s


def run_keys(prefix: Compiled, params: Params, seed: int, origins: np.ndarray) -> list[bytes]:
    """One key per run: the prefix, the seed, the prefix run it continues and its
    parameter values (a run's arithmetic does not depend on its block)."""
    base = hashlib.blake2b(pickle.dumps((prefix, int(seed))), digest_size=20).digest()
    values = np.column_stack([origins.astype(float), *(
        np.broadcast_to(np.asarray(getattr(params, n), dtype=float), origins.shape)
        for n in FREE_PARAMETERS)])
    return [hashlib.blake2b(row.tobytes(), key=base, digest_size=20).digest()
            for row in values]


def params_of_rows(params: Params, rows: np.ndarray, n_runs: int) -> Params:
    """The parameters of some of the runs (per-run arrays cut to `rows`)."""
    return dataclasses.replace(params, **{
        n: np.asarray(v)[rows] for n in FREE_PARAMETERS
        if np.ndim(v := getattr(params, n)) and len(v) == n_runs})


def take(s: RunState, rows: slice | np.ndarray) -> RunState:
    """A copy of some runs of a state."""
    return RunState(**{f.name: getattr(s, f.name)[rows].copy()
                       for f in dataclasses.fields(RunState)})


def stack(parts: list[RunState]) -> RunState:
    """The runs of several states, in order, as one."""
    return RunState(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                       for f in dataclasses.fields(RunState)})


def _size(s: RunState) -> int:
    return sum(a.nbytes for a in vars(s).values() if isinstance(a, np.ndarray))


def state_bytes(compiled: Compiled) -> int:
    """The memory one kept end state of a run of this scenario takes."""
    return _size(initial_state(compiled, 1))


def _keep(key: bytes, state: RunState) -> None:
    global _kept_bytes
    with _lock:
        if key in _kept:
            return
        _kept[key] = state
        _kept_bytes += _size(state)
        while _kept_bytes > KEEP_BYTES and len(_kept) > 1:
            _kept_bytes -= _size(_kept.popitem(last=False)[1])


def forget_kept() -> None:
    """Drop every kept end state (what a replay costs is then measured again)."""
    global _kept_bytes
    with _lock:
        _kept.clear()
        _kept_bytes = 0
