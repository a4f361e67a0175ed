"""Parameters that may differ between runs: a float (every run the same) or an (R,)
array over the block's runs (posterior draws, `draws.for_runs`). Terms shape them to
their own arrays, whose first axis is the run; a float stays a float, so one
parameter set computes exactly as before."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def per_run(value: float | np.ndarray, ndim: int) -> float | np.ndarray:
    """`value` broadcasting over an array of `ndim` axes whose first is the run axis."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:  # hot: called per term
        return value
    return value.reshape((-1,) + (1,) * (ndim - 1))


def weights(params: object, ndim: int) -> Callable[[str], float | np.ndarray]:
    """name -> that parameter of `params`, shaped by `per_run` for terms of `ndim` axes."""
    return lambda name: per_run(getattr(params, name), ndim)


def at_runs(value: float | np.ndarray, runs: np.ndarray) -> float | np.ndarray:
    """`value` for the runs of selected cases (index r of each case)."""
    return value[runs] if isinstance(value, np.ndarray) and value.ndim else value
