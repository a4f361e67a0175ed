"""Identity and kinship (mechanism 5): an affinity that pulls independent of power.

The kinship term is Axelrod and Bennett's (1993) landscape propensity: a state
values siding with the pole its kin side with, weighted by their size.
"""

from __future__ import annotations

import numpy as np

from ..world import Structure


def kinship_pull(align: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(R, n, P+1): sum_j size_j * kinship_ij * align_jp, the pull of kin's choices, from
    the (n, N) weights size_j * kinship_ij (`constants.Derived.kin_weight`)."""
    return weight @ align


def relative_size(st: Structure) -> np.ndarray:
    """(N,) state capability relative to the strongest deciding state."""
    return st.state_capability / max(float(st.state_capability.max()), 1e-12)
