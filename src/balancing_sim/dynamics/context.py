"""What a mechanism's term reads besides the run state: the fixed context of a run and the
conditions a state perceives this month.

`Context` bundles what never changes within a block of runs (the compiled world, the
parameters and the constants derived from them once); `Perceived` bundles what the
deciding states perceive this month, computed once (`decision.perceive`) and read by
every term, so a term takes `(s, ctx, seen)` instead of a long list of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import Params
from ..world import Compiled, Structure
from .constants import Derived, derived


@dataclass(frozen=True)
class Context:
    """The compiled world, the parameters and their constants: fixed for a block of runs."""

    compiled: Compiled
    params: Params
    constants: Derived

    @classmethod
    def build(cls, compiled: Compiled, params: Params) -> Context:
        """The context of `compiled` under `params`, its constants computed here, once (per
        block of runs in the ensemble, per model in Mesa), never behind a caller's back."""
        return cls(compiled, params, derived(compiled.structure, params))

    @property
    def structure(self) -> Structure:
        return self.compiled.structure


@dataclass(frozen=True)
class Perceived:
    """What the states in `rows` perceive this month (n = the number of those states)."""

    rows: np.ndarray | slice  # the deciding states: all (a slice) or one Mesa agent's row
    t: int                # the month's step (transition t reads the world of step t)
    year: int             # row of the capability arrays for the month's year
    eff: np.ndarray       # (R, n, S) effective threat of each source (security)
    stepping_stones: np.ndarray  # (R, n) share of threat non-pole allies absorb (alliances)
    need: np.ndarray      # (R, n, P) threat each pole would face down for the state (security)
    reach: np.ndarray     # (R, n, P) how hard each pole can hurt the state (punishment)
    strength: np.ndarray  # (n, P) each pole's power where the state is (security)
    lean: np.ndarray | None = None     # (R, n, K) leaning to each platform's leader (platforms)
    tension: np.ndarray | None = None  # (R, n, K) leaning to the rivals of its poles (platforms)
    yielding: np.ndarray | None = None  # (R, n, P) leverage without shelter (security)
