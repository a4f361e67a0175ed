"""balancing-sim: an agent-based simulation of foreign-policy alignment.

    >>> import balancing_sim as bs
    >>> res = bs.simulate("history", runs=20, seed=1)
    >>> res.trajectories.head()
"""

from .api import simulate, sweep
from .results import Results, load

__all__ = ["Results", "load", "simulate", "sweep"]
__version__ = "0.1.0"
