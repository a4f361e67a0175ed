"""Identity and kinship (mechanism 5): an affinity that pulls independent of power.

Shared identity pulls toward a pole or a platform that embodies it (Wendt 1999); the
kinship term is Axelrod and Bennett's (1993) landscape propensity: a state values
siding with the pole its kin side with, weighted by their size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..config.schema import Params
from ..world import Structure
from .runs import per_run
from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def relative_size(st: Structure) -> np.ndarray:
    """(Y, N) state capability relative to the strongest deciding state, each year."""
    cap = st.state_capability
    return cap / np.maximum(cap.max(axis=1, keepdims=True), 1e-12)


def kin_weight(st: Structure) -> np.ndarray:
    """(Y, N, N) kinship_ij x relative size_j: how much j's choice weighs with i. A
    constant per year."""
    return st.kinship[None] * relative_size(st)[:, None, :]


def platform_identity_weight(st: Structure, params: Params) -> np.ndarray:
    """(N, K) w_identity x whether a platform embodies the state's identity. A constant."""
    return per_run(params.w_identity, 3) * st.identity_platform


def shared_identity(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(n, P) the term: the identity the state shares with each pole, in [0, 1] (the
    overlap of census and survey shares)."""
    return ctx.structure.identity_pole[seen.rows]


def kinship(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P+1) the term: sum_j size_j * kinship_ij * align_jp, the pull of kin's
    choices (non-aligned kin pull toward staying out)."""
    return ctx.constants.kin_weight[seen.year][seen.rows] @ s.align


def platform_identity(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(n, K) weighted identity a platform embodies for the state."""
    return ctx.constants.identity_w[..., seen.rows, :]
