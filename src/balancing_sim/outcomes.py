"""Public outcome helpers: what a study reads off recorded runs, one number per run.

Two kinds of function live here. Pure array functions, used by the contract tables and
the summary (numpy only, so a worker imports nothing else):

- `hedging_index(align)`: how evenly a state spreads over the poles and non-alignment
  (`hedging_from_poles` from the contract's `align_<pole>` columns);
- `in_bloc(status, bloc)`: is a state a full member of any platform marked `bloc: true`.

And outcomes in the sense of `evaluation.Outcome`: `final_posture_share(actor, posture)`,
`time_in_posture(actor, posture)`, `platform_viability(platform)`, `p_join(actor,
platform)`, `final_hedging(actor)`, each a function of the recorded runs of one
parameter set (`validation.Panel`) returning one value per run; their mean over runs is
the share, probability or mean a study reports (`evaluation.evaluate` takes it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .config.schema import NONALIGNED, STATUSES

if TYPE_CHECKING:
    from .validation import Panel

Outcome = Callable[["Panel"], np.ndarray]
MEMBER = STATUSES.index("member")
__all__ = ["final_hedging", "final_posture_share", "hedging_from_poles", "hedging_index",
           "in_bloc", "p_join", "platform_viability", "time_in_posture"]


# ---------------------------------------------------------------- on arrays


def hedging_index(align: np.ndarray) -> np.ndarray:
    """Normalized Shannon entropy of alignment vectors over the poles and non-alignment
    (last axis: P pole weights then the non-aligned share, summing to 1): 0 when a state
    sits wholly on one pole (or wholly non-aligned), 1 when it spreads evenly over all
    P+1. Argmax postures jump on a 0.03 weight change; this moves smoothly."""
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


# ---------------------------------------------------------------- on recorded runs


def final_posture_share(actor: str, posture: str) -> Outcome:
    """1 where the actor's final posture (largest share: a pole id or `nonaligned`) is
    `posture`, else 0; the mean over runs is the share of runs ending in it."""

    def outcome(panel: Panel) -> np.ndarray:
        final = panel.align[:, -1, panel.states.index(actor)]
        return (final.argmax(-1) == (*panel.poles, NONALIGNED).index(posture)).astype(float)

    return outcome


def time_in_posture(actor: str, posture: str) -> Outcome:
    """Share of the recorded months in which the actor's posture is `posture`."""

    def outcome(panel: Panel) -> np.ndarray:
        path = panel.align[:, :, panel.states.index(actor)].argmax(-1)
        return (path == (*panel.poles, NONALIGNED).index(posture)).mean(axis=1)

    return outcome


def final_hedging(actor: str) -> Outcome:
    """The actor's hedging index in the last recorded month."""
    return lambda panel: hedging_index(panel.align[:, -1, panel.states.index(actor)])


def platform_viability(platform: str) -> Outcome:
    """The platform's viability in the last recorded month."""
    return lambda panel: panel.viability[:, -1, panel.platforms.index(platform)]


def p_join(actor: str, platform: str) -> Outcome:
    """1 where the actor is a member of the platform in some recorded month, else 0."""

    def outcome(panel: Panel) -> np.ndarray:
        status = panel.status[:, :, panel.states.index(actor), panel.platforms.index(platform)]
        return (status == MEMBER).any(axis=1).astype(float)

    return outcome
