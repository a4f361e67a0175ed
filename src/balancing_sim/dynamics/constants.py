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

from ..config.schema import STATUSES, Params
from ..world import Structure
from .autonomy import binding_cost_weight
from .economy import platform_gains_weight
from .identity import kin_weight, platform_identity_weight
from .runs import per_run
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
    exclusive_of: np.ndarray     # (K, K) bool: [k, j] platform j excludes a state from k
    outside_of: np.ndarray       # (K, K) bool: [k, j] k admits only states outside j
    pole_protection: np.ndarray  # (K,) protection of a platform a pole leads, else 0
    for_share: np.ndarray        # (K, N) share of each state among those a platform is for
    #                              (its core, else those eligible)
    binding: np.ndarray          # (K,) bool: membership binds (autonomy given up)
    up: np.ndarray               # (K, 5) next allowed rung up (int64, for indexing)
    down: np.ndarray             # (K, 5) next allowed rung down (int64)
    unpassable: np.ndarray       # (K, 5) bool: a grant never passes over it (taken by the
    #                              state itself, or candidacy where offered)
    wish_table: np.ndarray       # (K*3*2*5,) int8: the rung wished (platforms.wished)
    k_code: np.ndarray           # (K,) row of platform k, cap partner, in the wish table
    member_code: np.ndarray      # (N, K) row of platform k, cap by the criterion


def ladder_floor(allowed: np.ndarray) -> np.ndarray:
    """(K, 5) int8: the highest rung each platform offers at or below each rung."""
    K, L = allowed.shape
    floor = np.zeros((K, L), dtype=np.int8)
    for k in range(K):
        for level in range(L):
            floor[k, level] = np.flatnonzero(allowed[k, :level + 1]).max()
    return floor


WISH_CAPS = (2, 3, 4)
"""Highest rung a state may wish: partner (neutral at a binding platform), candidate
(outside the membership criterion), member."""


def wish_table(st: Structure, floor: np.ndarray) -> np.ndarray:
    """(K*3*2*5,) int8: the rung wished at platform k with cap c, open and eligible a, for
    the number of rung thresholds w cleared: floor[k, min(snap[k, w if a else 0], cap)],
    at index ((k*3 + c)*2 + a)*5 + w."""
    K, L = st.ladder_snap.shape
    table = np.zeros((K, len(WISH_CAPS), 2, L), dtype=np.int8)
    for k in range(K):
        for c, cap in enumerate(WISH_CAPS):
            for a in (0, 1):
                for w in range(L):
                    table[k, c, a, w] = floor[k, min(st.ladder_snap[k, w if a else 0], cap)]
    return table.ravel()


def for_share(st: Structure) -> np.ndarray:
    """(K, N) each state's share among the states a platform is for: its core, else
    those eligible (platforms.engagement)."""
    base = np.where(st.core.any(axis=1, keepdims=True), st.core, st.eligible_any)
    return base / np.maximum(base.sum(axis=1, keepdims=True), 1)


def derived(st: Structure, params: Params) -> Derived:
    """The constants of `st` under `params`. `context.Context.build` computes them once per
    block of runs (or per Mesa model) and passes them down; nothing computes them behind
    a caller's back. Each mechanism's constants come from its own module."""
    P = st.n_poles
    led = st.leader >= 0
    protector = (st.leader >= 0) & (st.leader < P)
    pole_members_f = st.pole_members.T.astype(float)
    floor = ladder_floor(st.allowed)
    k = np.arange(st.n_platforms)
    row = k * len(WISH_CAPS) * 2 * len(STATUSES)      # the first row of platform k
    candidate = np.zeros(st.allowed.shape, dtype=bool)
    candidate[:, STATUSES.index("candidate")] = True
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
        thresholds=np.stack(np.broadcast_arrays(*(
            per_run(t, 3) for t in (params.threshold_observer, params.threshold_partner,
                                    params.threshold_candidate, params.threshold_member)))),
        floor=floor, grantable=st.grants & st.allowed,
        offered_only=st.allowed & ~st.grants,
        exclusive_f=st.exclusive.astype(float),
        only_outside_f=st.admits_only_outside.T.astype(float),
        k=k,
        exclusive_of=st.exclusive.T.astype(bool), outside_of=st.admits_only_outside > 0,
        pole_protection=np.where(protector, st.protection, 0.0),
        for_share=for_share(st),
        binding=st.binding > 0,
        up=st.ladder_up.astype(np.int64), down=st.ladder_down.astype(np.int64),
        unpassable=(st.allowed & ~st.grants) | (candidate & st.allowed),
        wish_table=wish_table(st, floor),
        k_code=row,
        member_code=np.where(st.member_ok.T, 2, 1) * 2 * len(STATUSES) + row,
    )
