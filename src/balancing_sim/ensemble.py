"""The batched engine: many runs advanced together by the same dynamics functions."""

from __future__ import annotations

import numpy as np

from .config.schema import Params
from .draws import for_runs
from .dynamics import Context, Randomness, advance, draw_runs, run_generators, start_state
from .records import Records, allocate, steps_of, store
from .world import Compiled


def draw(compiled: Compiled, seed: int, runs: np.ndarray) -> Randomness:
    return draw_runs(compiled, run_generators(seed, runs, compiled.stream))


def simulate_block(compiled: Compiled, params: Params, seed: int, runs: np.ndarray,
                   record_every: int = 1, last_step: int | None = None) -> Records:
    """Run the given run indices together; identical to running each alone (a run that
    continues a prefix starts where that run of the prefix ends: `start_state`). With
    `last_step`, only the months up to it are simulated: the draws are the whole
    scenario's, so those months are the whole run's (`records.steps_of`)."""
    runs = np.asarray(runs, dtype=np.int64)
    params, ids = for_runs(params, runs)  # posterior draws: one value per run
    rnd = draw(compiled, seed, runs)
    steps = steps_of(compiled, record_every, last_step)
    rec = allocate(runs, steps, compiled)
    rec.draw = ids
    s = start_state(compiled, params, seed, runs)
    store(rec, 0, s)
    ctx = Context.build(compiled, params)  # the constants, once per block
    m = 1
    for t in range(1, steps[-1] + 1):
        advance(s, ctx, rnd, t)  # the block's state is not kept: no copy a month
        if m < len(steps) and steps[m] == t:
            store(rec, m, s)
            m += 1
    return rec
