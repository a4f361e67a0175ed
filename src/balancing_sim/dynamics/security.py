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


def protection_need(eff: np.ndarray, cover: np.ndarray, n_poles: int) -> np.ndarray:
    """(R, n, P) threat a protector p could address: all threat except p's own, net of
    what bilateral allies already cover (mechanism 10)."""
    total = eff.sum(axis=-1, keepdims=True)
    return np.maximum(total - eff[..., :n_poles], 0.0) * (1.0 - cover[..., None])


def protection_value(need: np.ndarray, credibility: np.ndarray, st: Structure) -> np.ndarray:
    """(R, n, P) security a protector offers: need x credibility x strength
    (mechanisms 1 and 2; credibility falls when a protector fails a client)."""
    return need * credibility * st.pole_strength
