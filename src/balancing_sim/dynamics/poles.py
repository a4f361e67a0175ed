"""What power centers do each month: answer states' drift toward their rivals with
coercion (mechanism 3) and economic offers (mechanism 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..world import Structure
from .runs import per_run
from .state import RunState

if TYPE_CHECKING:
    from .context import Context


def drift_to_rivals(align: np.ndarray, st: Structure) -> np.ndarray:
    """(R, N, P) how far each state leans toward each pole's rivals."""
    return align[..., :st.n_poles] @ st.rivalry.T


def react(s: RunState, ctx: Context, poles: np.ndarray | slice = slice(None),
          year: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(R, N, p) reaction and carrots of the poles selected, one month on: each moves
    part of the way toward coercion (scaled by proximity) and carrots in proportion to
    the states' drift toward its rivals."""
    st, params = ctx.structure, ctx.params
    drift = drift_to_rivals(s.align, st)[..., poles]
    near = st.proximity[:, :st.n_poles][:, poles]
    gain, carrot, rate = (per_run(v, 3) for v in (params.reaction_gain, params.carrot_gain,
                                                  params.reaction_rate))
    target_stick = gain * st.coercion[poles] * near * drift
    target_carrot = carrot * st.pole_strength[year][poles] * drift
    reaction, carrots = s.reaction[..., poles], s.carrots[..., poles]
    return (reaction + rate * (target_stick - reaction),
            carrots + rate * (target_carrot - carrots))
