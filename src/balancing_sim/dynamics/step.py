"""One month of the model, composed from the mechanism modules.

Phases (synchronous: every decision reads the state at the start of the month):
  1. events change conditions;
  2. power centers react to states' drift (pressure and carrots);
  3. each state revises its alignment and its platform statuses;
  4. platforms update viability and depth.
`rows` selects the states a call decides for: all of them in the ensemble, one
in a Mesa agent's step, and the arithmetic per row is the same either way.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import Params
from ..world import Compiled, Structure
from .constants import Derived, derived
from .economy import economic_pull
from .events import apply_events
from .identity import kinship_pull
from .platforms import next_status, platform_value, update_platforms
from .pressure import balancing_price, coercive_reach, punishment, react
from .security import (
    alliance_cover,
    effective_threat,
    protection_need,
    protection_value,
)
from .state import Randomness, RunState


def alignment_utility(s: RunState, st: Structure, params: Params, rows: np.ndarray,
                      eff: np.ndarray, cover: np.ndarray, need: np.ndarray,
                      reach: np.ndarray, strength: np.ndarray,
                      d: Derived | None = None) -> np.ndarray:
    """(R, n, P+1) utility of leaning to each pole (first P columns) or to none (last):
    one named term per mechanism, each with its own weight (docs/ODD.md, 7.1)."""
    P = st.n_poles
    d = derived(st, params) if d is None else d
    u = np.zeros((*eff.shape[:2], P + 1))
    u[..., :P] = (
        params.w_security * protection_value(need, s.credibility[:, rows], strength)  # 1, 2
        - params.w_threat * eff[..., :P]                                         # 10
        - params.w_punishment * punishment(reach, st)                            # 3
        + params.w_economy * economic_pull(s, rows)                              # 4
        + params.w_identity * st.identity_pole[rows]                             # 5
    )
    u += params.w_kinship * kinship_pull(s.align, d.kin_weight[rows])              # 5
    u[..., P] += (
        params.w_autonomy * st.autonomy[rows]                                    # 1
        + params.w_alliance * cover                                              # 9
        - params.w_polarization * balancing_price(s, rows)                       # 6
    )
    return u


def softmax(u: np.ndarray, temperature: float) -> np.ndarray:
    z = u / temperature
    top = z[..., 0]
    for c in range(1, z.shape[-1]):  # the maximum over a short last axis, without a reduction
        top = np.maximum(top, z[..., c])
    z = z - top[..., None]
    w = np.exp(z)
    return w / w.sum(axis=-1, keepdims=True)


def decide(s: RunState, st: Structure, params: Params, rows: np.ndarray, noise: np.ndarray,
           decide_u: np.ndarray, admit_u: np.ndarray,
           d: Derived | None = None) -> tuple[np.ndarray, np.ndarray]:
    """New alignment (R, n, P+1) and statuses (R, n, K) of the states in `rows`.

    Alignment moves part of the way toward a logit choice over perceived utilities
    (perception noise, bounded rationality); statuses climb or descend the ladder."""
    d = derived(st, params) if d is None else d
    eff = effective_threat(s, st, params, rows)
    cover = alliance_cover(s, st, rows)
    need = protection_need(eff, cover, s.align, st)
    reach = coercive_reach(s, st, rows)
    strength = d.strength[rows]
    u = alignment_utility(s, st, params, rows, eff, cover, need, reach, strength, d)
    wish = softmax(u + params.perception_noise * noise, params.temperature)
    align = s.align[:, rows] + params.adjustment_rate * (wish - s.align[:, rows])
    value = platform_value(s, st, params, rows, eff, need, reach, strength, d)
    status = next_status(s, st, params, rows, value, decide_u, admit_u, d)
    return align, status


def step(s: RunState, compiled: Compiled, params: Params, rnd: Randomness, t: int,
         d: Derived | None = None) -> RunState:
    """Advance every run by one month (transition t, 1-based) and return the new state;
    `d`, the constants of the decision rule, is computed if not given."""
    st = compiled.structure
    new = s.copy()
    apply_events(new, compiled, rnd.event_step, rnd.event_value, t)
    react(new, st, params)
    rows = slice(None)  # every state; a slice reads views where an index array copies
    new.align, new.status = decide(new, st, params, rows, rnd.utility_noise[:, t - 1],
                                   rnd.decide[:, t - 1], rnd.admit[:, t - 1], d)
    update_platforms(new, st, params)
    return new
