"""The batched engine: many runs advanced together by the same dynamics functions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config.schema import Params
from .dynamics import Randomness, RunState, draw_runs, initial_state, run_generators, step
from .dynamics.constants import derived
from .world import Compiled


@dataclass
class Records:
    """What the output contract needs of a block of runs, at the recorded steps."""

    runs: np.ndarray       # (R,) run indices
    steps: np.ndarray      # (M,) recorded steps
    align: np.ndarray      # (R, M, N, P+1)
    status: np.ndarray     # (R, M, N, K) int8
    viability: np.ndarray  # (R, M, K)
    depth: np.ndarray      # (R, M, K)


def recorded_steps(n_steps: int, every: int) -> np.ndarray:
    """Step 0, every `every`-th step, and always the last one."""
    steps = np.arange(0, n_steps + 1, every)
    return steps if steps[-1] == n_steps else np.append(steps, n_steps)


def allocate(runs: np.ndarray, steps: np.ndarray, compiled: Compiled) -> Records:
    st = compiled.structure
    R, M = len(runs), len(steps)
    N, P, K = st.n_states, st.n_poles, st.n_platforms
    return Records(runs=runs, steps=steps, align=np.empty((R, M, N, P + 1)),
                   status=np.empty((R, M, N, K), dtype=np.int8),
                   viability=np.empty((R, M, K)), depth=np.empty((R, M, K)))


def store(rec: Records, m: int, s: RunState, rows: slice = slice(None)) -> None:
    rec.align[rows, m] = s.align
    rec.status[rows, m] = s.status
    rec.viability[rows, m] = s.viability
    rec.depth[rows, m] = s.depth


def draw(compiled: Compiled, seed: int, runs: np.ndarray) -> Randomness:
    return draw_runs(compiled, run_generators(seed, runs))


def simulate_block(compiled: Compiled, params: Params, seed: int, runs: np.ndarray,
                   record_every: int = 1) -> Records:
    """Run the given run indices together; identical to running each alone."""
    runs = np.asarray(runs, dtype=np.int64)
    rnd = draw(compiled, seed, runs)
    steps = recorded_steps(compiled.n_steps, record_every)
    rec = allocate(runs, steps, compiled)
    s = initial_state(compiled, len(runs))
    store(rec, 0, s)
    constants = derived(compiled.structure, params)
    m = 1
    for t in range(1, compiled.n_steps + 1):
        s = step(s, compiled, params, rnd, t, constants)
        if m < len(steps) and steps[m] == t:
            store(rec, m, s)
            m += 1
    return rec
