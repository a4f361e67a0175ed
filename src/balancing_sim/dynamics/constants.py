"""Arrays derived once per (structure, parameters) instead of once per month.

Every entry is computed by exactly the expression the mechanism functions used
to evaluate each month (same operands, same order of operations), over all
states; a call for a subset of states takes its rows. The numbers are therefore
bit-for-bit those of the per-month computation (docs/PERFORMANCE.md). A weight
folded into a constant here stays folded: moving it would change the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config.schema import Params
from ..world import Structure
from .autonomy import binding_cost_weight
from .economy import platform_gains_weight
from .identity import kin_weight, platform_identity_weight
from .security import local_strength, platform_protection_weight


@dataclass(frozen=True)
class Derived:
    """Constants of the decision rule and the platform update (shapes over all states)."""

    kin_weight: np.ndarray       # (Y, N, N) kinship_ij * relative size_j (identity.kin_weight)
    strength: np.ndarray         # (Y, N, P) local strength of each pole (security.local_strength)
    led: np.ndarray              # (K,) bool: led by a pole or by the non-aligned stance
    protector: np.ndarray        # (K,) bool: led by a pole
    lead: np.ndarray             # (K,) leader column (0 where none)
    pole: np.ndarray             # (K,) protecting pole (0 where none)
    pole_members_f: np.ndarray   # (P, K) float: pole_members.T
    core_f: np.ndarray           # (N, K) float: core.T
    economic_w: np.ndarray       # (K,) w_economy * economic (economy)
    protection_w: np.ndarray     # (K,) w_security * protection (security)
    identity_w: np.ndarray       # (N, K) w_identity * identity_platform (identity)
    autonomy_cost: np.ndarray    # (N, K) w_autonomy * autonomy * binding (autonomy)
    bloc_members: list           # [(p, (K,) float column of pole_members)] for poles in any
    thresholds: np.ndarray       # (4,) valuation thresholds of the ladder rungs
    floor: np.ndarray            # (K, 5) highest rung a platform offers at or below each rung
    grantable: np.ndarray        # (K, 5) bool: rungs a platform offers and grants itself
    offered_only: np.ndarray     # (K, 5) bool: rungs a platform offers for states to take
    exclusive_f: np.ndarray      # (K, K) float
    only_outside_f: np.ndarray   # (K, K) float: admits_only_outside
    k: np.ndarray                # (K,) platform indices


def ladder_floor(allowed: np.ndarray) -> np.ndarray:
    """(K, 5) int8: the highest rung each platform offers at or below each rung."""
    K, L = allowed.shape
    floor = np.zeros((K, L), dtype=np.int8)
    for k in range(K):
        for level in range(L):
            floor[k, level] = np.flatnonzero(allowed[k, :level + 1]).max()
    return floor


def derived(st: Structure, params: Params) -> Derived:
    """The constants of `st` under `params`. `context.Context.build` computes them once per
    block of runs (or per Mesa model) and passes them down; nothing computes them behind
    a caller's back. Each mechanism's constants come from its own module."""
    P = st.n_poles
    led = st.leader >= 0
    protector = (st.leader >= 0) & (st.leader < P)
    pole_members_f = st.pole_members.T.astype(float)
    return Derived(
        kin_weight=kin_weight(st),
        strength=local_strength(st, params),
        led=led, protector=protector,
        lead=np.where(led, st.leader, 0), pole=np.where(protector, st.leader, 0),
        pole_members_f=pole_members_f,
        core_f=st.core.T.astype(float),
        economic_w=platform_gains_weight(st, params),
        protection_w=platform_protection_weight(st, params),
        identity_w=platform_identity_weight(st, params),
        autonomy_cost=binding_cost_weight(st, params),
        bloc_members=[(p, pole_members_f[p]) for p in range(P) if st.pole_members[:, p].any()],
        thresholds=np.array([params.threshold_observer, params.threshold_partner,
                             params.threshold_candidate, params.threshold_member]),
        floor=ladder_floor(st.allowed), grantable=st.grants & st.allowed,
        offered_only=st.allowed & ~st.grants,
        exclusive_f=st.exclusive.astype(float),
        only_outside_f=st.admits_only_outside.T.astype(float),
        k=np.arange(st.n_platforms),
    )
