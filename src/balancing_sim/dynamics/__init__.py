"""The model's dynamics: pure functions over arrays with a leading run axis.

`schedule.MONTH` is the month both engines run; `decision` weighs the terms each
mechanism module owns (docs/ARCHITECTURE.md lists where each mechanism lives).
"""

from .context import Context, Perceived
from .decision import alignment_utility, decide, perceive, platform_value
from .schedule import MONTH, Actors, Phase, advance, step
from .start import start_state
from .state import (
    Draws,
    Randomness,
    RunState,
    draw_run,
    draw_runs,
    fill_run,
    initial_state,
    run_generators,
)

__all__ = ["MONTH", "Actors", "Context", "Draws", "Perceived", "Phase", "Randomness",
           "RunState", "alignment_utility", "decide", "draw_run", "draw_runs", "fill_run",
           "initial_state", "perceive", "platform_value", "run_generators", "start_state", "step",
           "advance"]
