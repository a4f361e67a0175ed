"""Punishment, polarization and how power centers react (mechanisms 3 and 6).

A move toward one pole invites coercion from its rivals, the more so for a
neighbour; a polarized system raises the price of staying in between.
"""

from __future__ import annotations

import numpy as np

from ..config.schema import Params
from ..world import Structure
from .state import RunState


def coercive_reach(s: RunState, st: Structure, rows: np.ndarray) -> np.ndarray:
    """(R, n, P) how hard each pole can hurt each state: standing capacity scaled by
    proximity, plus the pressure it applies now."""
    standing = st.coercion * st.proximity[rows, :st.n_poles]
    return standing + s.coercion_on[:, rows]


def punishment(reach: np.ndarray, st: Structure) -> np.ndarray:
    """(R, n, P) expected punishment for aligning with p: the reach of p's rivals
    (mechanism 3)."""
    return reach @ st.rivalry.T


def balancing_price(s: RunState, rows: np.ndarray) -> np.ndarray:
    """(R, n) cost of staying non-aligned: polarization times the pressure to choose
    (mechanism 6)."""
    return s.polarization[:, None] * (1.0 + s.coercion_on[:, rows].sum(axis=-1))


def drift_to_rivals(align: np.ndarray, st: Structure) -> np.ndarray:
    """(R, N, P) how far each state leans toward each pole's rivals."""
    return align[..., :st.n_poles] @ st.rivalry.T


def react(s: RunState, st: Structure, params: Params,
          poles: np.ndarray | slice = slice(None)) -> None:
    """Power centers answer states' drift toward their rivals with coercion (scaled by
    proximity) and carrots, adjusting gradually (in place, for the poles selected)."""
    drift = drift_to_rivals(s.align, st)[..., poles]
    near = st.proximity[:, :st.n_poles][:, poles]
    target_stick = params.reaction_gain * st.coercion[poles] * near * drift
    target_carrot = params.carrot_gain * st.pole_strength[poles] * drift
    s.reaction[..., poles] += params.reaction_rate * (target_stick - s.reaction[..., poles])
    s.carrots[..., poles] += params.reaction_rate * (target_carrot - s.carrots[..., poles])
