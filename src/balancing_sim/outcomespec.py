"""A small outcome grammar for the command line: text in, a public outcome out (no eval).

    <actor> in_bloc                       ends a full member of a bloc
    <actor> nonaligned                    ends non-aligned (largest share)
    <actor> aligned <pole>                ends aligned with the pole
    <actor> member <platform>             ends a full member of the platform
    <actor> hedging <op> <number>         final hedging index compared with a number
    <actor> weight <posture> <op> <number>  final weight on a pole (or nonaligned)

`<op>` is one of < <= > >=. Each outcome is 1 or 0 per run (`outcomes.Measure`, picklable);
its mean over a parameter set's runs is the share of runs where it holds.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import outcomes
from .config.schema import NONALIGNED
from .outcomes import OutcomeError

OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
FORMS = ("<actor> in_bloc", "<actor> nonaligned", "<actor> aligned <pole>",
         "<actor> member <platform>", "<actor> hedging <op> <number>",
         "<actor> weight <posture> <op> <number>")


@dataclass(frozen=True)
class OutcomeSpec:
    text: str
    actor: str
    kind: str                 # in_bloc, nonaligned, aligned, member, hedging, weight
    target: str = ""          # pole, platform or posture
    op: str = ""
    value: float = 0.0

    def check(self, world: Mapping) -> None:
        """The names exist in the scenario's world, or one OutcomeError naming them."""
        states, poles = list(world.get("states", {})), list(world.get("poles", {}))
        platforms = list(world.get("platforms", {}))
        if self.actor not in states:
            raise OutcomeError(f"outcome {self.text!r}: actor {self.actor!r} is not a state "
                               f"of the world (states: {', '.join(states)})")
        allowed = {"aligned": poles, "member": platforms, "weight": [*poles, NONALIGNED]}
        if self.kind in allowed and self.target not in allowed[self.kind]:
            raise OutcomeError(f"outcome {self.text!r}: {self.target!r} is not one of "
                               f"{', '.join(allowed[self.kind])}")

    def outcome(self) -> outcomes.Outcome:
        """One value per run: 1 where the outcome holds, else 0."""
        if self.kind == "in_bloc":
            return outcomes.joins_bloc(self.actor)
        if self.kind in ("nonaligned", "aligned"):
            return outcomes.final_posture_share(self.actor, self.target or NONALIGNED)
        if self.kind == "member":
            return outcomes.Measure("ends_member", outcomes.statuses, self.actor, _ends_member,
                                    (self.target,))
        if self.kind == "hedging":
            return outcomes.Measure("hedging_holds", outcomes.alignment, self.actor,
                                    _hedging_holds, (self.op, self.value))
        return outcomes.Measure("weight_holds", outcomes.alignment, self.actor, _weight_holds,
                                (self.target, self.op, self.value))


def _ends_member(s: outcomes.Series, platform: str, **_: Any) -> np.ndarray:
    column = list(s.labels).index(platform)
    return (s.values[:, -1, column] == outcomes.MEMBER).astype(float)


def _hedging_holds(s: outcomes.Series, op: str, value: float, **_: Any) -> np.ndarray:
    return OPERATORS[op](outcomes.hedging_index(s.values[:, -1]), value).astype(float)


def _weight_holds(s: outcomes.Series, posture: str, op: str, value: float,
                  **_: Any) -> np.ndarray:
    weights = s.values[:, -1, list(s.labels).index(posture)]
    return OPERATORS[op](weights, value).astype(float)


def _number(text: str, whole: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OutcomeError(f"outcome {whole!r}: {text!r} is not a number") from None
    if not np.isfinite(value):
        raise OutcomeError(f"outcome {whole!r}: {text!r} is not a finite number")
    return value


def _op(text: str, whole: str) -> str:
    if text not in OPERATORS:
        raise OutcomeError(f"outcome {whole!r}: {text!r} is not a comparison "
                           f"({' '.join(OPERATORS)})")
    return text


def parse_outcome(text: str) -> OutcomeSpec:
    """The outcome a text names, by the grammar above; anything else is an OutcomeError."""
    words = str(text).split()
    usage = f"one of: {'; '.join(FORMS)}"
    if len(words) < 2:
        raise OutcomeError(f"outcome {text!r}: expected {usage}")
    actor, kind, rest = words[0], words[1], words[2:]
    shapes = {"in_bloc": 0, "nonaligned": 0, "aligned": 1, "member": 1, "hedging": 2,
              "weight": 3}
    if kind not in shapes or len(rest) != shapes[kind]:
        raise OutcomeError(f"outcome {text!r}: expected {usage}")
    if kind in ("aligned", "member"):
        return OutcomeSpec(text, actor, kind, rest[0])
    if kind == "hedging":
        return OutcomeSpec(text, actor, kind, "", _op(rest[0], text), _number(rest[1], text))
    if kind == "weight":
        return OutcomeSpec(text, actor, kind, rest[0], _op(rest[1], text),
                           _number(rest[2], text))
    return OutcomeSpec(text, actor, kind)
