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


def shares(identity) -> dict[str, dict[str, float]] | None:
    """{facet: {group: share}} of sourced shares, or None for tags."""
    if isinstance(identity, dict):
        return {f: {g: v.value for g, v in groups.items()} for f, groups in identity.items()}
    return None


def affinity(a, b) -> float:
    """Identity two actors share, in [0, 1]."""
    sa, sb = shares(a), shares(b)
    if sa is not None and sb is not None:
        facets = sorted(set(sa) | set(sb))
        if not facets:
            return 0.0
        return float(np.mean([
            sum(min(sa.get(f, {}).get(g, 0.0), sb.get(f, {}).get(g, 0.0))
                for g in set(sa.get(f, {})) | set(sb.get(f, {})))
            for f in facets]))
    ta = set(a) if sa is None else set()
    tb = set(b) if sb is None else set()
    union = ta | tb
    return len(ta & tb) / len(union) if union else 0.0


def group_share(identity, embodied) -> float:
    """The share of a platform's identity (a tag, or a (facet, group)) an actor has."""
    if embodied is None:
        return 0.0
    if isinstance(embodied, str):
        return float(shares(identity) is None and embodied in identity)
    facet, group = embodied
    own = shares(identity) or {}
    return own.get(facet, {}).get(group, 0.0)


def identity_arrays(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """identity_pole (N, P), kinship (N, N, zero diagonal), identity_platform (N, K) and
    member_ok (K, N): whether a state meets a platform's identity criterion for members."""
    states, poles, plats = world.states, world.poles, world.platforms
    N, P, K = len(states), len(poles), len(plats)
    pole = np.array([[_pole_affinity(s.identity, p.identity) for p in poles]
                     for s in states]).reshape(N, P)
    kin = np.array([[affinity(a.identity, b.identity) if i != j else 0.0
                     for j, b in enumerate(states)] for i, a in enumerate(states)]).reshape(N, N)
    embodied = np.array([[group_share(s.identity, k.identity) for k in plats]
                         for s in states]).reshape(N, K)
    member_ok = np.ones((K, N), dtype=bool)
    for k, plat in enumerate(plats):
        if plat.members_if:
            facet, group, least = plat.members_if
            member_ok[k] = [group_share(s.identity, (facet, group)) >= least for s in states]
    return pole, kin, embodied, member_ok


def _pole_affinity(state, pole) -> float:
    """Tags: 1 if shared at all (a pole's tags are the identities it stands for)."""
    if shares(state) is None and shares(pole) is None:
        return float(bool(set(state) & set(pole)))
    return affinity(state, pole)
