"""balancing-sim: an agent-based simulation of foreign-policy alignment.

    >>> import balancing_sim as bs
    >>> res = bs.simulate("history", runs=20, seed=1)
    >>> res.trajectories.head()

The names below are imported on first use (PEP 562), so importing a part of the package
(the dynamics, the runner's workers) does not load the rest.
"""

from importlib import import_module

_EXPORTS = {"simulate": ".api", "sweep": ".api", "evaluate": ".evaluation",
            "Results": ".results", "load": ".results"}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
