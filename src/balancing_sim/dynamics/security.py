"""Threats and protection (mechanisms 1, 2 and 10).

Balance of threat (Walt 1987): a state fears power that is strong relative to it and
hostile to it, and seeks protection from a credible third party (mechanism 2) at the
price of autonomy (Morrow 1991; the autonomy side of mechanism 1 is `autonomy.py`).
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


# ---------------------------------------------------------------- perception


def effective_threat(s: RunState, ctx: Context, rows: np.ndarray | slice,
                     year: int) -> np.ndarray:
    """(R, n, S) threat each source poses: conflict intensity x relative power (in the
    month's year), plus, for poles, coercive pressure and troops on the territory of a
    state not aligned with them."""
    st = ctx.structure
    P = st.n_poles
    eff = s.threat[:, rows] * st.power_ratio[year][rows]
    unaligned = 1.0 - s.align[:, rows, :P]
    eff[..., :P] += (s.coercion_on[:, rows]
                     + per_run(ctx.params.troop_threat, 3) * s.troops[:, rows] * unaligned)
    return eff


def protection_need(eff: np.ndarray, cover: np.ndarray, align: np.ndarray,
                    st: Structure) -> np.ndarray:
    """(R, n, P) threat protector p would face down for the state (mechanism 10): threat
    from p's rivals (scaled by rivalry), from states not leaning to p, and from outside
    actors, net of what bilateral allies already cover. Nobody protects a state from
    itself, a friend, or its own clients."""
    P, N = st.n_poles, st.n_states
    from_poles = eff[..., :P] @ st.rivalry                        # (R, n, P)
    from_states = eff[..., P:P + N] @ (1.0 - align[..., :P])
    from_outside = eff[..., P + N:].sum(axis=-1, keepdims=True)
    return (from_poles + from_states + from_outside) * (1.0 - cover[..., None])


def local_strength(st: Structure, params: Params) -> np.ndarray:
    """(Y, N, P) each pole's power where the state is, relative to the strongest pole
    there, in each year: capability discounted by distance (Boulding's loss-of-strength
    gradient). A constant per year."""
    distance = st.proximity[:, :st.n_poles] ** per_run(params.reach_decay, 3)  # ([R,] N, P)
    reach = st.capability[:, None, :st.n_poles] * distance[..., None, :, :]
    return reach / np.maximum(reach.max(axis=-1, keepdims=True), 1e-12)


def platform_protection_weight(st: Structure, params: Params) -> np.ndarray:
    """(K,) w_security x the protection a platform's members receive. A constant."""
    return per_run(params.w_security, 3) * st.protection


# ---------------------------------------------------------------- terms


def protection(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P) security a protector offers: need x credibility x local strength
    (mechanisms 1 and 2; credibility falls when a protector fails a client)."""
    return seen.need * s.credibility[:, seen.rows] * seen.strength


def threat(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P) the threat each pole itself poses: a threatening pole repels (10)."""
    return seen.eff[..., :ctx.structure.n_poles]


def platform_protection(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) weighted protection a platform offers (mechanisms 1, 2, 10). One led by a
    pole shields its members as that pole would (`protection`); an inclusive format
    without a protector offers restraint among those inside it, worth the threat its
    poles and core states pose to the state."""
    st, d, rows = ctx.structure, ctx.constants, seen.rows
    P = st.n_poles
    guarded = (np.take(seen.need, d.pole, axis=-1)
               * np.take(s.credibility[:, rows], d.pole, axis=-1) * seen.strength[..., d.pole])
    restrained = (seen.eff[..., :P] @ d.pole_members_f
                  + seen.eff[..., P:P + st.n_states] @ d.core_f)
    return d.protection_w * np.where(d.protector, guarded, restrained)


def dependence(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P) the term: how far the state's security rests on each pole, the mean of
    the pole's basing by agreement and its share of the state's arms imports. Switching
    away costs a dependent state its supplies and invites the supplier's leverage
    (Hirschman 1945 applied to security)."""
    return 0.5 * (s.bases[:, seen.rows] + s.arms[:, seen.rows])


def bandwagoning(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P) the term: a pole's leverage over the state (its coercion, its troops on
    the state's territory), worth yielding to as far as no rival of that pole can shelter
    the state (Walt 1987: weak states without available allies bandwagon with the
    threatening power)."""
    if seen.yielding is not None:  # as perceived this month (`decision.perceive`)
        return seen.yielding
    st, rows = ctx.structure, seen.rows
    leverage = s.coercion_on[:, rows] + per_run(ctx.params.troop_threat, 3) * s.troops[:, rows]
    cover_by = s.credibility[:, rows] * seen.strength                  # (R, n, P)
    shelter = np.zeros_like(leverage)
    for p in range(st.n_poles):  # the best protector among each pole's rivals
        for q in np.flatnonzero(st.rivalry[p] > 0):  # a maximum is exact in any order
            np.maximum(shelter[..., p], cover_by[..., q], out=shelter[..., p])
    return leverage * (1.0 - np.clip(shelter, 0.0, 1.0))


def platform_dependence(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) the term: a state dependent on a pole's bases and arms values the
    security platform that pole leads (its supplies and basing come with it), in
    proportion to the protection the platform provides (mechanism 11)."""
    d = ctx.constants
    return np.take(dependence(s, ctx, seen), d.pole, axis=-1) * d.pole_protection


def platform_bandwagoning(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) the term: joining the security platform of a pole that holds leverage
    over the state, with no rival to shelter it, is how a weak state yields (mechanism
    12), in proportion to the protection the platform's membership implies."""
    d = ctx.constants
    return np.take(bandwagoning(s, ctx, seen), d.pole, axis=-1) * d.pole_protection


# ---------------------------------------------------------------- joining under duress


def platform_duress(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, K) the term: a state losing a war on its own territory that a pole can decide
    buys the pole's restraint or mediation by joining the security platform it leads,
    as far as membership implies protection (Walt 1987: the weak bandwagon under threat;
    alliance as protection for compliance). `duress` is a condition events set."""
    d = ctx.constants
    return np.take(s.duress[:, seen.rows], d.pole, axis=-1) * d.pole_protection


def refused_threat(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, S) the threat a state weighs when refusing a format with a pole inside: the
    effective threat, less where the state is under duress from that pole (a state that
    yields to the power deciding its war does not refuse the power's platform)."""
    P = ctx.structure.n_poles
    eff = seen.eff.copy()
    eff[..., :P] *= 1.0 - s.duress[:, seen.rows]
    return eff
