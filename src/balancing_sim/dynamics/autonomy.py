"""Security against autonomy, the autonomy side (mechanism 1): a state that values its
freedom of action gains by staying non-aligned and pays for a binding platform
(Morrow 1991, the autonomy-security trade-off; the security side is `security.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..config.schema import Params
from ..world import Structure
from .runs import per_run
from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def binding_cost_weight(st: Structure, params: Params) -> np.ndarray:
    """(N, K) w_autonomy x autonomy x binding: what each platform costs each state in
    freedom of action. A constant."""
    return per_run(params.w_autonomy, 3) * st.autonomy[:, None] * st.binding


def autonomy(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n) the term: how much the state values its freedom of action, more if it is
    bound by a neutral status the world recognizes."""
    return ctx.structure.autonomy[seen.rows] + s.neutrality[:, seen.rows]


def binding_cost(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(n, K) weighted autonomy a platform's membership takes away."""
    return ctx.constants.autonomy_cost[..., seen.rows, :]
