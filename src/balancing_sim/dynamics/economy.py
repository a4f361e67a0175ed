"""Economic interdependence (mechanism 4): trade, energy and corridors tie a state to
a pole without membership (Hirschman 1945; Keohane and Nye 1977)."""

from __future__ import annotations

import numpy as np

from .state import RunState


def economic_pull(s: RunState, rows: np.ndarray) -> np.ndarray:
    """(R, n, P) economic value of good relations with each pole, carrots included."""
    return s.economy[:, rows] + s.carrots[:, rows]
