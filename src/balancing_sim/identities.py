"""Identity affinities between actors, from sourced shares of groups (census, surveys)
or, in hand-made worlds, from shared tags.

Shares: the affinity of two actors is the overlap of their distributions over each
facet's groups (1 minus the total variation distance, counting only named groups),
averaged over the facets either of them reports. Tags: a state shares an identity
with a pole if they have a tag in common; kinship between states is the Jaccard
overlap of their tags.
"""

from __future__ import annotations

import numpy as np

from .config.schema import World


def shares(actor) -> dict[str, dict[str, float]] | None:
    """{facet: {group: share}} of an actor's sourced shares, or None if it has tags only."""
    if actor.shares:
        return {f: {g: v.value for g, v in groups.items()}
                for f, groups in actor.shares.items()}
    return None


def affinity(a, b) -> float:
    """Identity two actors share, in [0, 1]."""
    sa, sb = shares(a), shares(b)
    if sa is not None and sb is not None:
        facets = sorted(set(sa) | set(sb))
        return float(np.mean([
            sum(min(sa.get(f, {}).get(g, 0.0), sb.get(f, {}).get(g, 0.0))
                for g in set(sa.get(f, {})) | set(sb.get(f, {})))
            for f in facets]))
    ta = set(a.identity) if sa is None else set()
    tb = set(b.identity) if sb is None else set()
    union = ta | tb
    return len(ta & tb) / len(union) if union else 0.0


def group_share(actor, plat) -> float:
    """The share of the group a platform embodies an actor has (a tag: 1 if it carries
    the platform's identity tag)."""
    if plat.embodies is not None:
        return (shares(actor) or {}).get(plat.embodies.facet, {}).get(
            plat.embodies.group, 0.0)
    if plat.identity is not None:
        return float(shares(actor) is None and plat.identity in actor.identity)
    return 0.0


def identity_arrays(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """identity_pole (N, P), kinship (N, N, zero diagonal), identity_platform (N, K) and
    member_ok (K, N): whether a state meets a platform's identity criterion for members."""
    states, poles, plats = world.states, world.poles, world.platforms
    N, P, K = len(states), len(poles), len(plats)
    pole = np.array([[_pole_affinity(s, p) for p in poles]
                     for s in states]).reshape(N, P)
    kin = np.array([[affinity(a, b) if i != j else 0.0
                     for j, b in enumerate(states)] for i, a in enumerate(states)]).reshape(N, N)
    embodied = np.array([[group_share(s, k) for k in plats]
                         for s in states]).reshape(N, K)
    member_ok = np.ones((K, N), dtype=bool)
    for k, plat in enumerate(plats):
        rule = plat.members_if
        if rule is not None:
            member_ok[k] = [(shares(s) or {}).get(rule.facet, {}).get(rule.group, 0.0)
                            >= rule.at_least for s in states]
    return pole, kin, embodied, member_ok


def _pole_affinity(state, pole) -> float:
    """Tags: 1 if shared at all (a pole's tags are the identities it stands for)."""
    if shares(state) is None and shares(pole) is None:
        return float(bool(set(state.identity) & set(pole.identity)))
    return affinity(state, pole)
