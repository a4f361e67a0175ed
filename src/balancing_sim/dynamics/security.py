"""Threats, protection and bilateral alliances (mechanisms 1, 2, 9, 10).

Balance of threat (Walt 1987): a state fears power that is strong relative to
it and hostile to it; it seeks protection from a credible third party, or from
a bilateral ally, at the price of autonomy (Morrow 1991, autonomy-security
trade-off).
"""

from __future__ import annotations

import numpy as np

from ..config.schema import Params
from ..world import Structure
from .state import RunState


def effective_threat(s: RunState, st: Structure, params: Params, rows: np.ndarray) -> np.ndarray:
    """(R, n, S) threat each source poses: conflict intensity x relative power, plus, for
    poles, coercive pressure and troops on the territory of a state not aligned with them."""
    P = st.n_poles
    eff = s.threat[:, rows] * st.power_ratio[rows]
    unaligned = 1.0 - s.align[:, rows, :P]
    eff[..., :P] += s.coercion_on[:, rows] + params.troop_threat * s.troops[:, rows] * unaligned
    return eff


def alliance_cover(s: RunState, st: Structure, rows: np.ndarray) -> np.ndarray:
    """(R, n) share of threat a state's bilateral allies absorb, in [0, 1): stepping stones
    that buy security without bloc entanglement (mechanism 9)."""
    backing = (s.alliance[:, rows] * st.power_ratio[rows]).sum(axis=-1)
    return 1.0 - np.exp(-backing)


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


def local_strength(st: Structure, params: Params, rows: np.ndarray) -> np.ndarray:
    """(n, P) each pole's power where the state is, relative to the strongest pole there:
    capability discounted by distance (Boulding's loss-of-strength gradient)."""
    reach = st.capability[:st.n_poles] * st.proximity[rows, :st.n_poles] ** params.reach_decay
    return reach / np.maximum(reach.max(axis=-1, keepdims=True), 1e-12)


def protection_value(need: np.ndarray, credibility: np.ndarray,
                     strength: np.ndarray) -> np.ndarray:
    """(R, n, P) security a protector offers: need x credibility x local strength
    (mechanisms 1 and 2; credibility falls when a protector fails a client)."""
    return need * credibility * strength
