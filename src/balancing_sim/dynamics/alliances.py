"""Bilateral alliances as stepping stones (mechanism 9): an ally absorbs part of the
threat a state faces, which buys security without bloc entanglement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def cover(s: RunState, ctx: Context, rows: np.ndarray | slice, year: int) -> np.ndarray:
    """(R, n) share of threat a state's bilateral allies absorb, in [0, 1): more the
    stronger the allies are relative to the state."""
    backing = (s.alliance[:, rows] * ctx.structure.power_ratio[year][rows]).sum(axis=-1)
    return 1.0 - np.exp(-backing)


def alliance_cover(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n) the term: allied cover makes staying out of blocs safer."""
    return seen.cover
