"""What an engine hands on: the recorded months of a block of runs, as arrays.

Both engines fill a `Records`; the results, the validation and the calibration read
it. It depends on nothing but numpy and the compiled world's shapes, so every layer
can import it without importing an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .dynamics.state import RunState
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
    draw: np.ndarray | None = None  # (R,) parameter-set id of each run (posterior draws)
    history: np.ndarray | None = None  # (R,) history run each continues, when runs share them


def recorded_steps(n_steps: int, every: int) -> np.ndarray:
    """Step 0, every `every`-th step, and always the last one."""
    steps = np.arange(0, n_steps + 1, every)
    return steps if steps[-1] == n_steps else np.append(steps, n_steps)


def steps_of(compiled: Compiled, every: int = 1, last_step: int | None = None) -> np.ndarray:
    """The steps an engine records: the whole scenario's (`recorded_steps`), or, with
    `last_step`, those up to the first of them at or after it. Only months the whole run
    records, and one at or after the cutoff: a calibration scored up to the cutoff then
    sees the same months, and the same last month, as with the whole run. The runs
    still draw the whole scenario's randomness, so the months simulated are the whole
    run's."""
    steps = recorded_steps(compiled.n_steps, every)
    if last_step is None:
        return steps
    if not 1 <= last_step <= compiled.n_steps:
        raise ValueError(f"last_step must be 1..{compiled.n_steps}, not {last_step}")
    return steps[:int(np.searchsorted(steps, last_step)) + 1]


def allocate(runs: np.ndarray, steps: np.ndarray, compiled: Compiled) -> Records:
    st = compiled.structure
    R, M = len(runs), len(steps)
    N, P, K = st.n_states, st.n_poles, st.n_platforms
    return Records(runs=runs, steps=steps, align=np.empty((R, M, N, P + 1)),
                   status=np.empty((R, M, N, K), dtype=np.int8),
                   viability=np.empty((R, M, K)), depth=np.empty((R, M, K)),
                   history=compiled.prefix_runs(runs) if compiled.histories else None)


def store(rec: Records, m: int, s: RunState, rows: slice = slice(None)) -> None:
    rec.align[rows, m] = s.align
    rec.status[rows, m] = s.status
    rec.viability[rows, m] = s.viability
    rec.depth[rows, m] = s.depth
