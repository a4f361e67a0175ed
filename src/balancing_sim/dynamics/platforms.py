"""Platforms: the membership ladder, viability and depth (mechanisms 7 and 8), and the
terms of a platform's value that belong to no other mechanism.

A platform is worth more the more viable and institutionally deep it is
(neofunctionalist spill-over, Haas 1958) and the better it matches a state's
alignment; a state will not sit in a format with a power that threatens it beyond a
limit. The value itself, a sum over every mechanism's platform term, is
`decision.platform_value`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..config.schema import STATUSES
from .state import Draws, RunState

if TYPE_CHECKING:
    from .context import Context, Perceived

MEMBER = STATUSES.index("member")
CANDIDATE = STATUSES.index("candidate")
STATUS_WEIGHT = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
"""Participation a status represents, from none (0) to member (1)."""


def bloc_alignment(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) the term: how far the state leans to a platform's leader, less how far
    it leans to the rivals of the poles inside it (its coherence with the platform)."""
    st, d = ctx.structure, ctx.constants
    align = s.align[:, seen.rows]
    tension = align[..., :st.n_poles] @ st.platform_rivalry.T     # leaning to its rivals
    return np.where(d.led, np.take(align, d.lead, axis=-1), 0.0) - tension


def delivery(s: RunState, ctx: Context) -> np.ndarray:
    """(R, 1, K) weighted share of its offer a platform can deliver: more the more viable
    (mechanism 7) and institutionally deep (mechanism 8) it is."""
    params = ctx.params
    return (params.w_viability * s.viability + params.w_depth * s.depth)[:, None, :]


def refusing_threat(eff: np.ndarray, bloc_members: list, n_platforms: int) -> np.ndarray:
    """(R, n, K) the largest threat a state faces from a pole sitting in each platform
    (0 if none): max(0, max_p eff_p * member_kp), one pole at a time (a maximum is exact
    in any order, so this equals the reduction over a (R, n, K, P) product)."""
    inside = np.zeros((*eff.shape[:-1], n_platforms))
    for p, member in bloc_members:
        np.maximum(inside, eff[..., p, None] * member, out=inside)
    return inside


def next_status(s: RunState, ctx: Context, rows: np.ndarray | slice, value: np.ndarray,
                draws: Draws) -> np.ndarray:
    """(R, n, K) statuses after one month: each state moves at most one rung toward the
    rung its valuation warrants, when it gets round to it (hazard) and, to become a
    member, when the platform admits it (accession). It never ends a month inside two
    mutually exclusive platforms: of two it would enter at once, it enters the one it
    values more (ties: the one listed first)."""
    st, d = ctx.structure, ctx.constants
    L = st.ladder_snap.shape[1]
    snap, up, down = st.ladder_snap.ravel(), st.ladder_up.ravel(), st.ladder_down.ravel()
    base = d.k * L                                    # flat index of (k, rung) is k*L + rung
    th = d.thresholds
    wish = np.add(value > th[0], value > th[1], dtype=np.int64)  # rungs the value clears
    wish += value > th[2]
    wish += value > th[3]
    eligible = s.is_open[:, None, :] & d.eligible[rows]
    wish = np.where(eligible, wish, 0)
    wish = np.take(snap, base + wish)
    current = s.status[:, rows]
    inside = current >= CANDIDATE
    blocked = (inside.astype(float) @ d.exclusive_f) > 0  # rival platform held
    at = base + current
    step_up = np.take(up, at)
    go_up = (wish > current) & ~(blocked & (step_up >= CANDIDATE))
    go_up &= (step_up < MEMBER) | (draws.admit < st.accession)
    go_down = wish < current
    act = draws.decide < ctx.params.decision_hazard
    moved = np.where(go_up, step_up, np.where(go_down, np.take(down, at), current))
    new = np.where(act, moved, current)
    entering = (new >= CANDIDATE) & ~inside                       # (R, n, K)
    clash = entering & ((entering.astype(float) @ d.exclusive_f) > 0)
    if clash.any():
        new = _enter_one_of_exclusive(new, current, value, entering, clash, d.exclusive_f)
    return np.where(s.is_open[:, None, :], new, 0).astype(np.int8)


def _enter_one_of_exclusive(new: np.ndarray, current: np.ndarray, value: np.ndarray,
                            entering: np.ndarray, clash: np.ndarray,
                            exclusive: np.ndarray) -> np.ndarray:
    """Where a state would enter two mutually exclusive platforms in the same month, it
    enters only the one it values more (ties: the one listed first)."""
    r, i = np.nonzero(clash.any(axis=-1))                        # the few (run, state) pairs
    v, e = value[r, i], entering[r, i]                           # (m, K)
    k = np.arange(v.shape[-1])
    preferred = (v[:, None, :] > v[:, :, None]) | (
        (v[:, None, :] == v[:, :, None]) & (k[None, :] < k[:, None]))
    beaten = (e[:, None, :] & preferred & (exclusive > 0)).any(axis=-1) & e
    new = new.copy()
    new[r, i] = np.where(beaten, current[r, i], new[r, i])
    return new


def cohesion(weight: np.ndarray, align: np.ndarray, pole_members: np.ndarray,
             rivalry: np.ndarray) -> np.ndarray:
    """(R, k) 1 - mean rivalry between every pair of participants (the poles inside and the
    states, weighted by status), each participant read as its alignment vector."""
    inside = pole_members.astype(float)                           # (k, P)
    total_weight = weight.sum(axis=1) + inside.sum(axis=1)        # (R, k)
    mix = weight.transpose(0, 2, 1) @ align + inside               # weighted alignment sum
    pairs = ((mix @ rivalry) * mix).sum(axis=-1)
    square = weight**2
    own = np.einsum("rnk,rn->rk", square, ((align @ rivalry) * align).sum(axis=-1))
    count = total_weight**2 - square.sum(axis=1) - inside.sum(axis=1)
    tension = np.where(count > 1e-12, (pairs - own) / np.maximum(count, 1e-12), 0.0)
    return 1.0 - np.clip(tension, 0.0, 1.0)


def update_platforms(s: RunState, ctx: Context, cols: np.ndarray | slice = slice(None)
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(R, k) viability and depth of the platforms selected, one month on. Viability
    follows the participation of the core and the cohesion of those inside
    (mechanism 7); depth follows viability, quickly up and slowly down (mechanism 8)."""
    st, params = ctx.structure, ctx.params
    core = st.core[cols]                                           # (k, N)
    weight = STATUS_WEIGHT[s.status[..., cols]] * core.T           # (R, N, k)
    poles_in = st.pole_members[cols].sum(axis=1)
    seats = core.sum(axis=1) + poles_in
    participation = (weight.sum(axis=1) + poles_in) / np.maximum(seats, 1)
    together = cohesion(weight, s.align[..., :st.n_poles], st.pole_members[cols], st.rivalry)
    viability = s.viability[:, cols]
    target = np.where(core.any(axis=1), participation * together, viability)
    viability = viability + params.viability_rate * (target - viability)
    depth = s.depth[:, cols]
    gap = viability - depth
    depth = depth + np.where(gap > 0, params.depth_growth, params.depth_decay) * gap
    return (np.where(s.is_open[:, cols], np.clip(viability, 0.0, 1.0), 0.0),
            np.clip(depth, 0.0, 1.0))
