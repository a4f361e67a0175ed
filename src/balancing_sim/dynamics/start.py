"""Where a run starts: its scenario's situation, or where the run it continues ends.

A scenario with a prefix (`scenario.after`, e.g. a forward scenario after the history)
starts run r from the end state of run r of the prefix, simulated with the same
parameters and drawn from run r's first generator (stream 0), exactly as the prefix's
own run r is: forward run r of seed s continues history run r of seed s. Both engines
call this, so they start from the same arrays.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import Params
from ..world import Compiled
from .context import Context
from .schedule import advance
from .state import RunState, draw_runs, initial_state, run_generators


def start_state(compiled: Compiled, params: Params, seed: int, runs: np.ndarray) -> RunState:
    """The state of each run at the scenario's first month."""
    runs = np.asarray(runs, dtype=np.int64)
    prefix = compiled.prefix
    if prefix is None:
        return initial_state(compiled, len(runs))
    s = start_state(prefix, params, seed, runs)
    rnd = draw_runs(prefix, run_generators(seed, runs, prefix.stream))
    ctx = Context.build(prefix, params)
    for t in range(1, prefix.n_steps + 1):
        advance(s, ctx, rnd, t)
    return s
