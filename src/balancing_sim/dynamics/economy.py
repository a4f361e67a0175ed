"""Economic interdependence (mechanism 4): trade, energy and corridors tie a state to
a pole without membership (Hirschman 1945; Keohane and Nye 1977)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..config.schema import Params
from ..world import Structure
from .runs import per_run
from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def platform_gains_weight(st: Structure, params: Params) -> np.ndarray:
    """(K,) w_economy x the economic value of membership. A constant."""
    return per_run(params.w_economy, 3) * st.economic


def economic_pull(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P) the term: economic value of good relations with each pole, carrots
    included."""
    return s.economy[:, seen.rows] + s.carrots[:, seen.rows]


def platform_gains(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(K,) weighted economic gains a platform's membership brings."""
    return ctx.constants.economic_w
