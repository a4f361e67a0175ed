"""balancing-sim: an agent-based simulation of foreign-policy alignment.

    >>> import balancing_sim as bs
    >>> res = bs.simulate("history", runs=20, seed=1)
    >>> res.trajectories.head()

The notebook API is imported on first use (PEP 562), so importing a lower layer
(`balancing_sim.dynamics`, the world, the engines) loads neither the runner nor Hydra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import simulate, sweep
    from .evaluation import evaluate
    from .results import Results, load

__all__ = ["Results", "evaluate", "load", "simulate", "sweep"]
_LAZY = {"simulate": ".api", "sweep": ".api", "evaluate": ".evaluation",
         "Results": ".results", "load": ".results"}
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
