"""The model's dynamics: pure functions over arrays with a leading run axis."""

from .state import (
    Randomness,
    RunState,
    draw_run,
    draw_runs,
    fill_run,
    initial_state,
    run_generators,
)
from .step import decide, step

__all__ = ["Randomness", "RunState", "decide", "draw_run", "draw_runs", "fill_run", "initial_state",
           "run_generators", "step"]
