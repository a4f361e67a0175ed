"""Arrays derived once per (structure, parameters) instead of once per month.

Every entry is computed by exactly the expression the mechanism functions used
to evaluate each month (same operands, same order of operations), over all
states; a call for a subset of states takes its rows. The numbers are therefore
bit-for-bit those of the per-month computation (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import Params
from ..world import Structure


@dataclass(frozen=True)
class Derived:
    """Constants of the decision rule and the platform update (shapes over all states)."""

    kin_weight: np.ndarray       # (N, N) kinship_ij * relative size_j
    strength: np.ndarray         # (N, P) local strength of each pole (security.local_strength)
    led: np.ndarray              # (K,) bool: led by a pole or by the non-aligned stance
    protector: np.ndarray        # (K,) bool: led by a pole
    lead: np.ndarray             # (K,) leader column (0 where none)
    pole: np.ndarray             # (K,) protecting pole (0 where none)
    pole_members_f: np.ndarray   # (P, K) float: pole_members.T
    core_f: np.ndarray           # (N, K) float: core.T
    economic_w: np.ndarray       # (K,) w_economy * economic
    protection_w: np.ndarray     # (K,) w_security * protection
    identity_w: np.ndarray       # (N, K) w_identity * identity_platform
    autonomy_cost: np.ndarray    # (N, K) w_autonomy * autonomy * binding
    bloc_members: list           # [(p, (K,) float column of pole_members)] for poles in any
    thresholds: np.ndarray       # (4,) valuation thresholds of the ladder rungs
    eligible: np.ndarray         # (N, K) bool: may join (no core, or in the core)
    exclusive_f: np.ndarray      # (K, K) float
    k: np.ndarray                # (K,) platform indices


def derived(st: Structure, params: Params) -> Derived:
    """The constants of `st` under `params`. Callers compute them once per block of runs
    (or per Mesa model) and pass them down; nothing is cached behind their back."""
    return _compute(st, params)


def _compute(st: Structure, params: Params) -> Derived:
    from .identity import relative_size
    from .security import local_strength

    P = st.n_poles
    rows = np.arange(st.n_states)
    led = st.leader >= 0
    protector = (st.leader >= 0) & (st.leader < P)
    pole_members_f = st.pole_members.T.astype(float)
    return Derived(
        kin_weight=st.kinship[rows] * relative_size(st),
        strength=local_strength(st, params, rows),
        led=led, protector=protector,
        lead=np.where(led, st.leader, 0), pole=np.where(protector, st.leader, 0),
        pole_members_f=pole_members_f,
        core_f=st.core.T.astype(float),
        economic_w=params.w_economy * st.economic,
        protection_w=params.w_security * st.protection,
        identity_w=params.w_identity * st.identity_platform[rows],
        autonomy_cost=params.w_autonomy * st.autonomy[rows, None] * st.binding,
        bloc_members=[(p, pole_members_f[p]) for p in range(P) if st.pole_members[:, p].any()],
        thresholds=np.array([params.threshold_observer, params.threshold_partner,
                             params.threshold_candidate, params.threshold_member]),
        eligible=~st.core.any(axis=1) | st.core.T[rows],
        exclusive_f=st.exclusive.astype(float),
        k=np.arange(st.n_platforms),
    )
