"""Measures on arrays, numpy only (the contract tables, the summary and `outcomes` use them):

- `hedging_index(align)`: how evenly a state spreads over the poles and non-alignment,
  the normalized Shannon entropy of its alignment vector (P pole weights, then the
  non-aligned share): 0 wholly on one posture, 1 evenly spread over all P+1;
  `hedging_from_poles` computes it from the contract's `align_<pole>` columns;
- `in_bloc(status, bloc)`: is a state a full member of any platform marked `bloc: true`.
"""

from __future__ import annotations

import numpy as np

from .config.schema import STATUSES

MEMBER = STATUSES.index("member")


def hedging_index(align: np.ndarray) -> np.ndarray:
    """Normalized Shannon entropy of alignment vectors over the poles and non-alignment
    (last axis: P pole weights then the non-aligned share, summing to 1): 0 when a state
    sits wholly on one pole (or wholly non-aligned), 1 when it spreads evenly over all
    P+1. Argmax postures jump on a small weight change; this moves smoothly."""
    w = np.clip(np.asarray(align, dtype=np.float64), 0.0, None)
    total = w.sum(axis=-1, keepdims=True)
    p = w / np.where(total > 0, total, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(axis=-1) / np.log(w.shape[-1])


def hedging_from_poles(pole_weights: np.ndarray) -> np.ndarray:
    """The hedging index from the pole weights alone (the contract's `align_<pole>`
    columns, last axis), the non-aligned share being what they leave of 1."""
    w = np.asarray(pole_weights, dtype=np.float64)
    rest = np.clip(1.0 - w.sum(axis=-1, keepdims=True), 0.0, None)
    return hedging_index(np.concatenate([w, rest], axis=-1))


def in_bloc(status: np.ndarray, bloc: np.ndarray) -> np.ndarray:
    """True where a state is a full member of at least one bloc platform (statuses on the
    last axis, one per platform; `bloc` marks the platforms with `bloc: true`). Observers,
    partners and candidates are outside: they carry no bloc obligation."""
    return ((np.asarray(status) == MEMBER) & np.asarray(bloc, dtype=bool)).any(axis=-1)
