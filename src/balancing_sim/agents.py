"""The Mesa face of the model: agents that read and write their rows of the arrays.

Each agent is a readable handle on its slice of the model's `RunState`. In each
phase of the month (`dynamics.MONTH`) it does its part: the phase's function, the
one the ensemble engine runs over all actors at once, on its own row or column only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .config.schema import NONALIGNED, STATUSES
from .outcomes import hedging_index

if TYPE_CHECKING:
    from .dynamics import Phase, RunState
    from .model import AlignmentModel


class _Handle(mesa.Agent):
    """An agent bound to one row (state) or column (pole, platform) of the arrays."""

    model: AlignmentModel

    def __init__(self, model: AlignmentModel, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name
        self.part = np.array([index])  # its row (a state) or column (a pole, a platform)

    def act(self, phase: Phase, view: RunState) -> None:
        """Do this agent's part of `phase`: read `view`, write its own slice of the month."""
        m = self.model
        phase.act(view, m.state, m.context, m.randomness, m.transition, self.part)

    def step(self) -> None:
        """Its part of the phase the model is in (`AgentSet.do("step")`)."""
        self.act(self.model.phase, self.model.view)


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

    @property
    def hedging(self) -> float:
        """How evenly it spreads over poles and non-alignment (`outcomes.hedging_index`)."""
        return float(hedging_index(self.model.state.align[0, self.index]))


class PowerCenter(_Handle):
    """A pole: presses and courts the states that drift toward its rivals."""

    @property
    def pressure(self) -> dict[str, float]:
        col = self.model.state.coercion_on[0, :, self.index]
        return dict(zip(self.model.structure.states, map(float, col), strict=True))


class Platform(_Handle):
    """A platform: its viability follows participation, its depth follows viability."""

    @property
    def viability(self) -> float:
        return float(self.model.state.viability[0, self.index])

    @property
    def depth(self) -> float:
        return float(self.model.state.depth[0, self.index])
