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
from .runs import at_runs, per_run
from .state import Draws, RunState

if TYPE_CHECKING:
    from .context import Context, Perceived

MEMBER = STATUSES.index("member")
CANDIDATE = STATUSES.index("candidate")
PARTNER = STATUSES.index("partner")
OBSERVER = STATUSES.index("observer")
STATUS_WEIGHT = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
"""Participation a status represents, from none (0) to member (1)."""
COMMITMENT = np.array([0.0, 0.25, 0.5, 1.0, 1.0])
"""What granting a status commits a platform to: a share of membership's for a loose tie,
all of it for candidacy (the promise of membership)."""


def leaning(s: RunState, ctx: Context, seen: Perceived) -> tuple[np.ndarray, np.ndarray]:
    """(R, n, K) twice: how far the state leans to a platform's leader (0 if it has none),
    and how far to the rivals of the poles inside it (as perceived this month, if
    `decision.perceive` has computed it)."""
    if seen.lean is not None and seen.tension is not None:
        return seen.lean, seen.tension
    st, d = ctx.structure, ctx.constants
    align = s.align[:, seen.rows]
    tension = align[..., :st.n_poles] @ st.platform_rivalry.T
    return np.where(d.led, np.take(align, d.lead, axis=-1), 0.0), tension


def bloc_alignment(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) the term: how far the state leans to a platform's leader, less how far
    it leans to the rivals of the poles inside it (its coherence with the platform)."""
    lead, tension = leaning(s, ctx, seen)
    return lead - tension


def loose_ties(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) value of loose ties (observer, partner) with each platform: the
    cooperation it offers, as far as it can deliver, plus what the tie signals, the
    state's leaning to its leader less its leaning to the rivals of the poles inside it
    (mechanism 13). Loose ties bind nothing: no autonomy cost, no protection."""
    params = ctx.params
    lead, tension = leaning(s, ctx, seen)
    return (per_run(params.w_cooperation, 3) * ctx.structure.cooperation * delivery(s, ctx)
            + per_run(params.w_signal, 3) * (lead - tension))


def delivery(s: RunState, ctx: Context) -> np.ndarray:
    """(R, 1, K) weighted share of its offer a platform can deliver: more the more viable
    (mechanism 7) and institutionally deep (mechanism 8) it is."""
    params = ctx.params
    return (per_run(params.w_viability, 2) * s.viability
            + per_run(params.w_depth, 2) * s.depth)[:, None, :]


def refusing_threat(eff: np.ndarray, bloc_members: list, n_platforms: int) -> np.ndarray:
    """(R, n, K) the largest threat a state faces from a pole sitting in each platform
    (0 if none): max(0, max_p eff_p * member_kp), one pole at a time (a maximum is exact
    in any order, so this equals the reduction over a (R, n, K, P) product)."""
    inside = np.zeros((*eff.shape[:-1], n_platforms))
    for p, member in bloc_members:
        np.maximum(inside, eff[..., p, None] * member, out=inside)
    return inside


def rungs_cleared(value: np.ndarray, thresholds: np.ndarray, top: int = 4) -> np.ndarray:
    """(R, n, K) int8: how many of the first `top` rung thresholds a valuation clears."""
    wish = (value > thresholds[0]).astype(np.int8)
    for th in thresholds[1:top]:
        wish += value > th
    return wish


def admission_risk(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) the risk of war with a rival pole a platform takes on by admitting the
    state: the rival's troops on its territory and its unresolved conflict with the
    rival, scaled by how much the platform commits to defend its members."""
    st, rows = ctx.structure, seen.rows
    P = st.n_poles
    exposure = s.troops[:, rows] + s.threat[:, rows, :P] * st.power_ratio[seen.year][rows, :P]
    return (exposure @ st.platform_rivalry.T) * st.protection


def admitted(s: RunState, ctx: Context, seen: Perceived, r: np.ndarray, i: np.ndarray,
             k: np.ndarray, rung: np.ndarray) -> np.ndarray:
    """(m,) bool: whether platform k would grant state i (a row of `seen.rows`) of run r
    the rung it decides on: its leader's interest in the state (how far the state leans
    to it, belongs to the identity the platform embodies, is under duress the leader
    can relieve, or, for a platform that protects, is allied to the leader by treaty; a
    platform no power leads, a format or a movement of states, has no leader's interest
    to weigh and admits whom its criteria allow) outweighs the risk of
    war the admission carries and a bar, both in proportion to what the rung commits
    the platform to (an observer seat commits little: mechanisms 14, 17, 18;
    `admission_risk`, evaluated only for the m cases the platform decides)."""
    st, d, params = ctx.structure, ctx.constants, ctx.params
    P = st.n_poles
    lead, _ = leaning(s, ctx, seen)
    state = np.arange(st.n_states)[seen.rows][i]
    duress = np.where(d.protector[k], s.duress[r, state, d.pole[k]], 0.0)
    allied = np.where(d.pole_protection[k] > 0, s.alliance[r, state, d.pole[k]], 0.0)
    interest = np.where(d.protector[k], np.maximum(np.maximum(lead[r, i, k],
                                                        st.identity_platform[state, k]),
                                             np.maximum(duress, allied)),
                        1.0)
    exposure = s.troops[r, state] + s.threat[r, state, :P] * st.power_ratio[seen.year][state, :P]
    risk = (exposure @ st.platform_rivalry.T)[np.arange(len(k)), k] * st.protection[k]
    return interest > COMMITMENT[rung] * (at_runs(params.w_admission_risk, r) * risk
                                             + at_runs(params.admission_bar, r))


def kept_loose_ties(s: RunState, ctx: Context, seen: Perceived, loose: np.ndarray,
                    current: np.ndarray) -> np.ndarray:
    """(R, n, K) value of keeping the loose tie a state holds (mechanism 18): a held
    observer or partner seat binds nothing and its signal was sent when it was taken, so
    a share `signal_sunk` of a signal turned negative no longer counts against it (what
    leaving would signal is the news). Elsewhere the value of loose ties as it is."""
    params = ctx.params
    lead, tension = leaning(s, ctx, seen)
    sunk = (per_run(params.signal_sunk, 3) * per_run(params.w_signal, 3)
            * np.maximum(tension - lead, 0.0))
    held = (current == OBSERVER) | (current == PARTNER)
    return np.where(held, loose + sunk, loose)


def wished(ctx: Context, code: np.ndarray, value: np.ndarray, loose: np.ndarray,
           margin: float) -> np.ndarray:
    """(R, n, K) int8: the rung a state wishes at each platform: the rung its valuation of
    membership warrants, or the loose tie its valuation of loose ties warrants,
    whichever is higher (each valuation raised by `margin`), as far as the platform's
    ladder, its eligibility and its criteria allow (`code`: see `next_status`)."""
    th = ctx.constants.thresholds
    if np.ndim(margin) or margin:
        value, loose = value + margin, loose + margin
    want = rungs_cleared(value, th)
    np.maximum(want, rungs_cleared(loose, th, top=2), out=want)
    return np.take(ctx.constants.wish_table, code + want)


def landing(on_offer: np.ndarray, rung: np.ndarray) -> np.ndarray:
    """(m,) the rung a state leaving for `rung` lands on: the highest rung at or below it
    that the platform offers now (`on_offer`, (m, 5)), else none (mechanism 19: a state
    cannot give itself a seat the platform does not grant, such as an observer seat in
    a bloc that has none)."""
    rungs = np.arange(on_offer.shape[-1])
    held = on_offer & (rungs <= rung[:, None])
    return np.where(held, rungs, 0).max(axis=-1)


def next_status(s: RunState, ctx: Context, seen: Perceived, value: np.ndarray,
                loose: np.ndarray, draws: Draws) -> np.ndarray:
    """(R, n, K) statuses after one month (mechanisms 13-16, 19, 20).

    A state wishes the rung its valuation of membership warrants, or the loose tie
    (observer, partner) its valuation of loose ties warrants, whichever is higher; a
    legally neutral state takes no more than loose ties with a platform that binds. A
    rung the platform grants is entered the month the platform is deciding on it and
    admits the state (its rule, its criteria, a record of `admission_tenure` months at
    the rung below); a rung on offer is taken when the state gets round to it
    (hazard), once it is a state, or the month the platform is founded or relaunched,
    when every state decides (mechanism 20). Leaving costs: a state descends only when
    its valuation falls `exit_margin` below the rung, and only onto a rung on offer
    (`landing`), except when a fixed-term treaty is renewed, when every member
    re-decides as if joining.
    A state never ends a month inside two mutually exclusive platforms: of two it would
    enter at once, it enters the one it values more (ties: the one listed first).

    Moves up are decided only where a state wishes a higher rung, moves down only where
    it would leave (both are few in a month); the rest keep their status."""
    st, d, params, rows = ctx.structure, ctx.constants, ctx.params, seen.rows
    open_k = s.is_open[:, None, :]
    # the wish table's row: platform, cap (partner for a neutral state at a binding
    # platform, member if it meets the criterion, else candidate), open and eligible
    neutral = (s.neutrality[:, rows, None] > 0.5) & d.binding
    code = np.where(neutral, d.k_code, d.member_code[rows])
    code += (open_k & st.eligible_any.T[rows]) * len(STATUSES)
    wish = wished(ctx, code, value, loose, 0.0)
    current = s.status[:, rows]
    # leaving costs exit_margin, more while a fixed-term treaty's term runs (mechanism 16)
    in_term = ctx.compiled.in_term[seen.t]
    margin = per_run(params.exit_margin, 3) + per_run(params.term_margin, 3) * in_term
    stay = wished(ctx, code, value, kept_loose_ties(s, ctx, seen, loose, current), margin)
    # a state decides when it gets round to it (hazard), and the month a platform is
    # founded or relaunched: a moment every state decides on (mechanism 20)
    decide = (draws.decide < per_run(params.decision_hazard, 3)) | s.founded[:, None, :]
    # down: where the valuation falls exit_margin below the rung (hazard), or at renewal
    go_down = (stay < current) & decide
    renewing_k = ctx.compiled.renewing[seen.t]
    renewing = renewing_k[None, None, :] & (current == MEMBER) if renewing_k.any() else None
    if renewing is not None:
        go_down = np.where(renewing, wish < current, go_down)
    new = current.copy()
    r, i, k = np.nonzero(go_down)
    if len(r):
        c = current[r, i, k]
        down_to = d.down[k, c]
        if renewing is not None:
            down_to = np.where(renewing[r, i, k], np.minimum(wish[r, i, k], c), down_to)
        new[r, i, k] = landing((s.openness[r, k] > 0.5) & st.allowed[k], down_to)
    # up: where the state wishes a higher rung and the platform is deciding on a rung
    # or the state gets round to taking one (hazard)
    deciding = (s.openness > 0.5) & d.grantable                        # (R, K, 5)
    r, i, k = np.nonzero((wish > current) & (deciding.any(-1)[:, None, :] | decide))
    if len(r):
        c, w = current[r, i, k], wish[r, i, k]
        inside = current[r, i] >= CANDIDATE                              # (m, K)
        blocked = (inside & d.exclusive_of[k]).any(-1)                   # a rival held
        outside_only = (inside & d.outside_of[k]).any(-1)
        # the platform's criteria cap what it may grant (no candidacy or membership for
        # a member of a rival bloc, no membership for a member of a bloc it admits only
        # outside of); a lesser rung it decides on it may still grant (mechanism 18)
        w = np.minimum(w, np.where(blocked, CANDIDATE - 1,
                                   np.where(outside_only, MEMBER - 1, MEMBER)))
        deciding = deciding[r, k]                                        # (m, 5)
        # the platform grants the highest rung it decides on now, up to the state's
        # wish, passing over rungs it also grants but never over a rung the state must
        # take itself nor over candidacy (the stage before membership it offers)
        grant_to = c.copy()
        passable = np.ones(c.shape, dtype=bool)
        for rung in range(1, st.ladder_snap.shape[1]):
            above = rung > c
            grant_to = np.where(passable & above & deciding[:, rung] & (w >= rung), rung,
                                grant_to)
            passable &= ~(above & d.unpassable[k, rung])
        as_state = months_as_state(ctx, seen, i)
        seasoned = _seasoned(s, ctx, seen, r, i, k, c, as_state)
        by_platform = (grant_to > c) & seasoned
        if by_platform.any():  # the platform's rule, only where it has something to decide
            m = np.flatnonzero(by_platform)
            by_platform[m], grant_to[m] = granted(s, ctx, seen, r[m], i[m], k[m], c[m],
                                                  grant_to[m], deciding[m])
        # the next rung on offer is taken when the state gets round to it
        step_up = d.up[k, c]
        offered = ~st.grants[k, step_up] & (s.openness[r, k, step_up] > 0.5)
        by_state = (offered & ~(blocked & (step_up >= CANDIDATE)) & decide[r, i, k]
                    & (as_state >= 0))  # no seat before statehood
        new_up = np.where(by_platform, grant_to, np.where(by_state, step_up, c))
        rising = new_up > c
        new[r[rising], i[rising], k[rising]] = new_up[rising]
        if (rising & (new_up >= CANDIDATE) & (c < CANDIDATE)).any():
            entering = (new >= CANDIDATE) & (current < CANDIDATE)          # (R, n, K)
            clash = entering & ((entering.astype(float) @ d.exclusive_f) > 0)
            if clash.any():
                new = _enter_one_of_exclusive(new, current, value, entering, clash,
                                              d.exclusive_f)
    return np.where(open_k, new, 0).astype(np.int8)


def months_as_state(ctx: Context, seen: Perceived, i: np.ndarray) -> np.ndarray:
    """(m,) months each deciding state `i` (an index into `seen.rows`) has been an
    independent state in month `seen.t` (negative before its independence)."""
    st = ctx.structure
    return seen.t - st.statehood_step[np.arange(st.n_states)[seen.rows][i]]


def _seasoned(s: RunState, ctx: Context, seen: Perceived, r: np.ndarray, i: np.ndarray,
              k: np.ndarray, c: np.ndarray, as_state: np.ndarray) -> np.ndarray:
    """(m,) bool: whether the state has the record a platform asks before granting a
    rung above `c`: `admission_tenure` months as an independent state (a new state has
    no record before its independence), at every rung, and above none as many months at
    its present rung; founders, states already independent the month a platform opens,
    enter it that month. `as_state`: `months_as_state` of the states `i`."""
    st, needed = ctx.structure, at_runs(ctx.params.admission_tenure, r)
    founder = (st.opens_step[k] == seen.t) & (as_state >= 0)
    record = (as_state >= needed) | founder
    return record & ((c == 0) | (s.tenure[:, seen.rows][r, i, k] >= needed))


def granted(s: RunState, ctx: Context, seen: Perceived, r: np.ndarray, i: np.ndarray,
            k: np.ndarray, c: np.ndarray, asked: np.ndarray,
            deciding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m,) bool and (m,) rung: whether the platform grants each state a rung above its
    present one `c`, and which: the rung asked for, else the highest lesser rung the
    platform decides on now and would commit to (a platform that will not take a state
    in may still seat it as an observer: mechanism 18)."""
    grant_to = asked.copy()
    admits = admitted(s, ctx, seen, r, i, k, grant_to)
    for rung in range(MEMBER - 1, 0, -1):
        retry = np.flatnonzero(~admits & (grant_to > rung) & (c < rung) & deciding[:, rung])
        if len(retry):
            ok = retry[admitted(s, ctx, seen, r[retry], i[retry], k[retry],
                                np.full(len(retry), rung))]
            grant_to[ok] = rung
            admits[ok] = True
    return admits, grant_to


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


def engagement(s: RunState, ctx: Context, cols: np.ndarray | slice) -> np.ndarray:
    """(R, k, P) how far each pole sitting in a platform engages in it: as far as the
    states the platform is for (its core, else those eligible) do not lean to the pole's
    rivals (mechanism 7; no pole props a format up by default)."""
    st = ctx.structure
    drift = s.align[..., :st.n_poles] @ st.rivalry.T                       # (R, N, P)
    stake = 1.0 - ctx.constants.for_share[cols] @ drift                   # (R, k, P)
    return np.clip(stake, 0.0, 1.0) * st.pole_members[cols]


def update_platforms(s: RunState, ctx: Context, cols: np.ndarray | slice = slice(None),
                     t: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(R, k) viability and depth of the platforms selected, one month on. Viability
    follows participation and the cohesion of those inside (mechanism 7): participation
    counts the states a format is for (its core, else those eligible) by their status,
    the poles inside by their engagement and the members outside the world; a platform
    with neither a core nor a known membership outside keeps the viability events give
    it. Depth follows viability, quickly up and slowly down (mechanism 8)."""
    st, params = ctx.structure, ctx.params
    has_core = st.core[cols].any(axis=1)
    potential = st.outside_potential[cols]
    counted = np.where(has_core[:, None], st.core[cols], st.eligible_any[cols])  # (k, N)
    weight = STATUS_WEIGHT[s.status[..., cols]] * counted.T                   # (R, N, k)
    engaged = engagement(s, ctx, cols).sum(axis=-1)                          # (R, k)
    seats = (counted.sum(axis=1) + st.pole_members[cols].sum(axis=1)
             + np.where(has_core, 0.0, potential))
    outside = np.where(has_core, 0.0, ctx.compiled.outside[t][cols])
    participation = (weight.sum(axis=1) + engaged + outside) / np.maximum(seats, 1)
    together = cohesion(weight, s.align[..., :st.n_poles], st.pole_members[cols], st.rivalry)
    viability = s.viability[:, cols]
    moves = has_core | (potential > 0)
    target = np.where(moves, participation * together, viability)
    viability = viability + per_run(params.viability_rate, 2) * (target - viability)
    depth = s.depth[:, cols]
    gap = viability - depth
    depth = depth + np.where(gap > 0, per_run(params.depth_growth, 2),
                             per_run(params.depth_decay, 2)) * gap
    return (np.where(s.is_open[:, cols], np.clip(viability, 0.0, 1.0), 0.0),
            np.clip(depth, 0.0, 1.0))
