"""Punishment by the excluded power (mechanism 3): a move toward one pole invites
coercion from its rivals, the more so for a neighbour (Walt 1987, proximity). How the
poles raise that coercion month by month is `poles.react`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def coercive_reach(s: RunState, ctx: Context, rows: np.ndarray | slice) -> np.ndarray:
    """(R, n, P) how hard each pole can hurt each state: standing capacity scaled by
    proximity, plus the pressure it applies now."""
    st = ctx.structure
    standing = st.coercion * st.proximity[rows, :st.n_poles]
    return standing + s.coercion_on[:, rows]


def punishment(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P) the term: expected punishment for aligning with p, the reach of p's
    rivals."""
    return seen.reach @ ctx.structure.rivalry.T


def platform_punishment(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) expected punishment for joining a platform: the reach of the poles
    hostile to the poles inside it."""
    return seen.reach @ ctx.structure.platform_rivalry.T
