"""Where a run starts: its scenario's situation, or where the run it continues ends.

A scenario with a prefix (`scenario.after`, e.g. a forward scenario after the history)
starts run r from the end state of run r of the prefix, simulated with the same
parameters and drawn from run r's first generator (stream 0), exactly as the prefix's
own run r is: forward run r of seed s continues history run r of seed s. Both engines
call this, so they start from the same arrays.

Replaying the prefix is most of a forward run's cost (390 of 515 months for the
baseline), and a notebook, a sweep over forward settings or a test suite replays the same
history again and again. The end states are therefore kept, per prefix, parameters, seed
and runs (a digest of their content), up to `KEEP_BYTES`; a caller gets its own copy.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict

import numpy as np

from ..config.schema import Params
from ..world import Compiled
from .context import Context
from .schedule import advance
from .state import RunState, draw_runs, initial_state, run_generators

KEEP_BYTES = 64 * 2**20
"""Memory the kept end states of prefixes may take (LRU beyond it): small, since every
worker process of a large command would otherwise fill it with states it never reuses."""

_kept: OrderedDict[bytes, RunState] = OrderedDict()
_lock = threading.Lock()


def start_state(compiled: Compiled, params: Params, seed: int, runs: np.ndarray) -> RunState:
    """The state of each run at the scenario's first month."""
    runs = np.asarray(runs, dtype=np.int64)
    prefix = compiled.prefix
    if prefix is None:
        return initial_state(compiled, len(runs))
    key = hashlib.blake2b(pickle.dumps((prefix, params, int(seed), runs.tobytes())),
                          digest_size=20).digest()
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
            return kept.copy()
    end = prefix_end(prefix, params, seed, runs)
    _keep(key, end.copy())
    return end


def prefix_end(prefix: Compiled, params: Params, seed: int, runs: np.ndarray) -> RunState:
    """Each run of `prefix` simulated to its last month, from where it starts."""
    s = start_state(prefix, params, seed, runs)
    rnd = draw_runs(prefix, run_generators(seed, runs, prefix.stream))
    ctx = Context.build(prefix, params)
    for t in range(1, prefix.n_steps + 1):
        advance(s, ctx, rnd, t)
    return s


def _size(s: RunState) -> int:
    return sum(a.nbytes for a in vars(s).values() if isinstance(a, np.ndarray))


def _keep(key: bytes, state: RunState) -> None:
    with _lock:
        _kept[key] = state
        while sum(_size(s) for s in _kept.values()) > KEEP_BYTES and len(_kept) > 1:
            _kept.popitem(last=False)


def forget_kept() -> None:
    """Drop every kept end state (what a replay costs is then measured again)."""
    with _lock:
        _kept.clear()
