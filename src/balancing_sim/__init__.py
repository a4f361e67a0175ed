"""balancing-sim: an agent-based simulation of foreign-policy alignment.

    >>> import balancing_sim as bs
    >>> res = bs.simulate("history", params={"w_autonomy": 1.2}, runs=20, seed=1)
    >>> res.trajectories.head()
    >>> exp = bs.Experiment("baseline", runs=20)   # compose once, run many parameter sets
    >>> bs.params().table()                        # calibrated values and their ranges
    >>> bs.outcomes.final_posture_share("<state>", "nonaligned")(res).mean()

The notebook API is imported on first use (PEP 562), so importing a lower layer
(`balancing_sim.dynamics`, the world, the engines) loads neither the runner nor Hydra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import outcomes
    from .api import Experiment, simulate, sweep
    from .evaluation import evaluate
    from .parameters import params
    from .results import Results, load

__all__ = ["Experiment", "Results", "evaluate", "load", "outcomes", "params", "simulate",
           "sweep"]
_LAZY = {"simulate": ".api", "sweep": ".api", "Experiment": ".api", "evaluate": ".evaluation",
         "Results": ".results", "load": ".results", "params": ".parameters",
         "outcomes": None}
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _LAZY[name]
    value = (importlib.import_module(f".{name}", __name__) if module is None
             else getattr(importlib.import_module(module, __name__), name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
