"""The decision rule of a state: perceive, value each posture and each platform as a
weighted sum of the mechanisms' terms, then move (docs/ODD.md, 7.1-7.3).

Every term is a function `term(s, ctx, seen)` in the module of its mechanism; the two
valuations below only weigh and add them. `rows` selects the deciding states: all of
them in the ensemble, one in a Mesa agent's turn; the arithmetic per row is the same.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .alliances import alliance_cover, backing, cover
from .autonomy import autonomy, binding_cost
from .context import Context, Perceived
from .economy import economic_pull, platform_gains
from .identity import kinship, platform_identity, shared_identity
from .platforms import (
    bloc_alignment,
    delivery,
    leaning,
    loose_ties,
    next_status,
    refusing_threat,
)
from .polarization import balancing_price, bloc_premium
from .punishment import coercive_reach, platform_punishment, punishment
from .runs import per_run, weights
from .security import (
    bandwagoning,
    dependence,
    effective_threat,
    platform_bandwagoning,
    platform_dependence,
    platform_duress,
    platform_protection,
    protection,
    protection_need,
    refused_threat,
    threat,
)
from .state import Draws, RunState


def perceive(s: RunState, ctx: Context, rows: np.ndarray | slice = slice(None),
             t: int = 0) -> Perceived:
    """What the states in `rows` perceive in month t, computed once for every term."""
    year = int(ctx.compiled.year_row[t])
    eff = effective_threat(s, ctx, rows, year)
    allies = backing(s, ctx, rows, year)
    seen = Perceived(rows=rows, t=t, year=year, eff=eff,
                     stepping_stones=cover(allies[..., ctx.structure.n_poles:]),
                     need=protection_need(eff, cover(allies), s.align, ctx.structure),
                     reach=coercive_reach(s, ctx, rows),
                     strength=ctx.constants.strength[..., year, :, :][..., rows, :])
    lean, tension = leaning(s, ctx, seen)
    return replace(seen, lean=lean, tension=tension, yielding=bandwagoning(s, ctx, seen))


def alignment_utility(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n, P+1) utility of leaning to each pole (first P columns) or to none (last):
    one term per mechanism (number on the right), each with its own weight."""
    P = ctx.structure.n_poles
    u = np.zeros((*seen.eff.shape[:2], P + 1))
    w3, w2 = weights(ctx.params, 3), weights(ctx.params, 2)  # over (R, n, .) and (R, n)
    u[..., :P] = (
        w3("w_security") * protection(s, ctx, seen)             # 1, 2
        - w3("w_threat") * threat(s, ctx, seen)                 # 10
        - w3("w_punishment") * punishment(s, ctx, seen)         # 3
        + w3("w_economy") * economic_pull(s, ctx, seen)         # 4
        + w3("w_identity") * shared_identity(s, ctx, seen)      # 5
        + w3("w_dependence") * dependence(s, ctx, seen)         # 11
        + w3("w_bandwagon") * bandwagoning(s, ctx, seen)        # 12
    )
    u += w3("w_kinship") * kinship(s, ctx, seen)                # 5
    u[..., P] += (
        w2("w_autonomy") * autonomy(s, ctx, seen)               # 1
        + w2("w_alliance") * alliance_cover(s, ctx, seen)       # 9
        - w2("w_polarization") * balancing_price(s, ctx, seen)  # 6
    )
    return u


def platform_value(s: RunState, ctx: Context, seen: Perceived
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(R, n, K) value of being inside each platform rather than outside.

    What a platform offers (economic gains, protection, shared identity) is worth as
    much as the platform can deliver (its viability and depth, mechanisms 7 and 8).
    Alignment with its leader adds, the autonomy it binds and the punishment its
    rivals threaten subtract; a state refuses a format with a pole that threatens it
    beyond `refusal_threat`, unless it is under duress from that pole. The offer's
    parts, the binding cost and the bloc premium come weighted: their weights sit in
    constants or multiply first, as the numbers were computed (docs/PERFORMANCE.md)."""
    w3 = weights(ctx.params, 3)  # over (R, n, K) terms
    coherence = bloc_alignment(s, ctx, seen)
    offer = (
        platform_gains(s, ctx, seen)                            # 4
        + platform_protection(s, ctx, seen)                     # 1, 2, 10
        + platform_identity(s, ctx, seen)                       # 5
    )
    value = (
        w3("w_bloc_alignment") * coherence
        + offer * delivery(s, ctx)                              # 7, 8
        - binding_cost(s, ctx, seen)                            # 1
        - w3("w_punishment") * platform_punishment(s, ctx, seen)  # 3
        + bloc_premium(s, ctx, coherence)                       # 6
        + w3("w_dependence") * platform_dependence(s, ctx, seen)  # 11
        + w3("w_bandwagon") * platform_bandwagoning(s, ctx, seen)  # 12
        + w3("w_duress") * platform_duress(s, ctx, seen)        # 17
    )
    threat_inside = refusing_threat(refused_threat(s, ctx, seen), ctx.constants.bloc_members,
                                    ctx.structure.n_platforms)
    refused = threat_inside > w3("refusal_threat")
    loose = loose_ties(s, ctx, seen)                            # 13
    return np.where(refused, -np.inf, value), np.where(refused, -np.inf, loose)


def softmax(u: np.ndarray, temperature: float) -> np.ndarray:
    z = u / temperature
    top = z[..., 0]
    for c in range(1, z.shape[-1]):  # the maximum over a short last axis, without a reduction
        top = np.maximum(top, z[..., c])
    z = z - top[..., None]
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def decide(s: RunState, ctx: Context, draws: Draws, rows: np.ndarray | slice,
           t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New alignment (R, n, P+1), statuses (R, n, K) and tenure of those statuses
    (R, n, K) of the states in `rows`, from the month's draws for those states
    (`Randomness.month`).

    Alignment moves part of the way toward a logit choice over perceived utilities
    (perception noise, bounded rationality); statuses climb or descend the ladder. A
    territory not yet independent has no foreign policy of its own: its alignment stays
    where its run started until the month of its independence (and it takes no seat
    before: `platforms.next_status`)."""
    params = ctx.params
    seen = perceive(s, ctx, rows, t)
    u = alignment_utility(s, ctx, seen)
    wish = softmax(u + per_run(params.perception_noise, 3) * draws.noise,
                   per_run(params.temperature, 3))
    align = s.align[:, rows] + per_run(params.adjustment_rate, 3) * (wish - s.align[:, rows])
    not_yet = ctx.structure.statehood_step[rows] > t
    if not_yet.any():
        align = np.where(not_yet[None, :, None], s.align[:, rows], align)
    value, loose = platform_value(s, ctx, seen)
    status = next_status(s, ctx, seen, value, loose, draws)
    tenure = np.where(status == s.status[:, rows], s.tenure[:, rows] + 1.0, 0.0)
    return align, status, tenure
