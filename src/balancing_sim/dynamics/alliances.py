"""Bilateral alliances as stepping stones (mechanism 9): an ally absorbs part of the
threat a state faces, which lowers its need for a bloc; an ally that is not a pole also
buys security without alignment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import RunState

if TYPE_CHECKING:
    from .context import Context, Perceived


def backing(s: RunState, ctx: Context, rows: np.ndarray | slice, year: int) -> np.ndarray:
    """(R, n, S) what each bilateral ally brings: the alliance's strength x the ally's
    power relative to the state's."""
    return s.alliance[:, rows] * ctx.structure.power_ratio[year][rows]


def cover(allies: np.ndarray) -> np.ndarray:
    """(R, n) share of threat the given allies absorb, in [0, 1): more the stronger they
    are relative to the state."""
    return 1.0 - np.exp(-allies.sum(axis=-1))


def alliance_cover(s: RunState, ctx: Context, seen: Perceived) -> np.ndarray:
    """(R, n) the term: the cover of allies that are not poles makes staying out of
    blocs safer. An alliance with a pole trades autonomy for its protection (Morrow
    1991): it is no step away from the poles."""
    return seen.stepping_stones
