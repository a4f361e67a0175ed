"""The Mesa face of the model: agents that read and write their rows of the arrays.

Each agent is a readable handle on its slice of the model's `RunState`; its
`step` calls the same dynamics functions the ensemble engine uses, on its own
row or column only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .config.schema import NONALIGNED, STATUSES
from .dynamics.platforms import update_platforms
from .dynamics.pressure import react
from .dynamics.step import decide

if TYPE_CHECKING:
    from .model import AlignmentModel


class _Handle(mesa.Agent):
    """An agent bound to one row (state) or column (pole, platform) of the arrays."""

    model: AlignmentModel

    def __init__(self, model: AlignmentModel, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name


class StateAgent(_Handle):
    """A deciding state: chooses how to lean between poles and which platforms to join."""

    @property
    def alignment(self) -> dict[str, float]:
        weights = self.model.state.align[0, self.index]
        return dict(zip(self.model.structure.postures, map(float, weights), strict=True))

    @property
    def posture(self) -> str:
        weights = self.model.state.align[0, self.index]
        return self.model.structure.postures[int(np.argmax(weights))]

    @property
    def memberships(self) -> dict[str, str]:
        row = self.model.state.status[0, self.index]
        return {k: STATUSES[int(v)] for k, v in zip(self.model.structure.platforms, row,
                                                     strict=True)}

    @property
    def nonaligned(self) -> bool:
        return self.posture == NONALIGNED

    def step(self) -> None:
        m, t, rows = self.model, self.model.transition, np.array([self.index])
        align, status = decide(m.state, m.structure, m.params, rows,
                               m.randomness.utility_noise[:, t - 1, rows],
                               m.randomness.decide[:, t - 1, rows],
                               m.randomness.admit[:, t - 1, rows], m.constants)
        m.pending_align[:, rows] = align
        m.pending_status[:, rows] = status


class PowerCenter(_Handle):
    """A pole: presses and courts the states that drift toward its rivals."""

    @property
    def pressure(self) -> dict[str, float]:
        col = self.model.state.coercion_on[0, :, self.index]
        return dict(zip(self.model.structure.states, map(float, col), strict=True))

    def step(self) -> None:
        react(self.model.state, self.model.structure, self.model.params,
              poles=np.array([self.index]))


class Platform(_Handle):
    """A platform: its viability follows participation, its depth follows viability."""

    @property
    def viability(self) -> float:
        return float(self.model.state.viability[0, self.index])

    @property
    def depth(self) -> float:
        return float(self.model.state.depth[0, self.index])

    def step(self) -> None:
        update_platforms(self.model.state, self.model.structure, self.model.params,
                         cols=np.array([self.index]))
