"""Polarization raises the price of balancing (mechanism 6): intensifying confrontation
forces a clear choice, so staying in between costs more and coherent bloc membership
pays more the more polarized the system is."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .runs import per_run
from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def balancing_price(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n) the term: cost of staying non-aligned, polarization times the pressure to
    choose."""
    return s.polarization[:, None] * (1.0 + s.coercion_on[:, seen.rows].sum(axis=-1))


def bloc_premium(s: RunState, ctx: Context, coherence: np.ndarray) -> np.ndarray:
    """(R, n, K) weighted premium on joining a bloc one is aligned with (`coherence`,
    `platforms.bloc_alignment`), growing with polarization."""
    return (per_run(ctx.params.w_polarization, 3) * s.polarization[:, None, None]
            * ctx.structure.bloc
            * coherence)
