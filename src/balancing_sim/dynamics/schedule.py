"""One month of the model: the phases, in order, that both engines run.

  1. events change conditions (the world acts);
  2. power centers react to states' drift (pressure and carrots), each for its column;
  3. states revise their alignment and platform statuses, each for its row;
  4. platforms update viability and depth, each for its column.

A phase's `act(view, out, ctx, rnd, t, part)` lets the actors in `part` read `view`
and write their own slice of `out`. The ensemble runs each phase once for every actor
of every run (`part` = all, `view` = `out`); the Mesa model runs it agent by agent,
each with its own row or column, and chooses what `view` is: the month as the phase
found it (simultaneous: a snapshot of the arrays the phase `writes`) or as earlier
agents left it (sequential).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from .context import Context
from .decision import decide
from .events import CHANGES, apply_events
from .platforms import update_platforms
from .poles import react
from .state import Randomness, RunState

Part = np.ndarray | slice
EVERYONE = slice(None)
"""The `part` of a phase run for all its actors at once (a slice reads views)."""


class Actors(Enum):
    """Who acts in a phase; in the Mesa model, which agents (the world is the model)."""

    WORLD = "world"
    POLES = "poles"
    STATES = "states"
    PLATFORMS = "platforms"


Act = Callable[[RunState, RunState, Context, Randomness, int, Part], None]


@dataclass(frozen=True)
class Phase:
    """A part of the month: who acts, what each actor does, which arrays it writes
    (`tests/test_schedule.py` checks the declaration against what the phase changes)."""

    name: str
    actors: Actors
    act: Act
    writes: tuple[str, ...]  # the RunState arrays its actors write, each its own slice


def events_happen(view: RunState, out: RunState, ctx: Context, rnd: Randomness, t: int,
                  part: Part) -> None:
    """The events realized at step t change conditions, in date order (one actor)."""
    apply_events(out, ctx.compiled, rnd.event_step, rnd.event_value, t)


def poles_react(view: RunState, out: RunState, ctx: Context, rnd: Randomness, t: int,
                poles: Part) -> None:
    """The poles in `poles` adjust their pressure and carrots (ODD 7.4)."""
    out.reaction[..., poles], out.carrots[..., poles] = react(
        view, ctx, poles, int(ctx.compiled.year_row[t]))


def states_decide(view: RunState, out: RunState, ctx: Context, rnd: Randomness, t: int,
                  rows: Part) -> None:
    """The states in `rows` revise alignment and statuses with this month's draws
    (ODD 7.2, 7.3)."""
    out.align[:, rows], out.status[:, rows], out.tenure[:, rows] = decide(
        view, ctx, rnd.month(t, rows), rows, t)


def platforms_update(view: RunState, out: RunState, ctx: Context, rnd: Randomness, t: int,
                     cols: Part) -> None:
    """The platforms in `cols` update viability and depth (ODD 7.5)."""
    out.viability[:, cols], out.depth[:, cols] = update_platforms(view, ctx, cols, t)


MONTH: tuple[Phase, ...] = (
    Phase("events", Actors.WORLD, events_happen, CHANGES),
    Phase("react", Actors.POLES, poles_react, ("reaction", "carrots")),
    Phase("decide", Actors.STATES, states_decide, ("align", "status", "tenure")),
    Phase("update", Actors.PLATFORMS, platforms_update, ("viability", "depth")),
)
"""The phases of a month, in order: the one schedule of both engines."""


def advance(s: RunState, ctx: Context, rnd: Randomness, t: int) -> None:
    """Every run advanced by one month (transition t, 1-based) in place, every actor at
    once: each phase computes all its actors' new slices before writing them, so every
    actor reads the month as its phase found it."""
    for phase in MONTH:
        phase.act(s, s, ctx, rnd, t, EVERYONE)


def step(s: RunState, ctx: Context, rnd: Randomness, t: int) -> RunState:
    """A new state: every run of `s` advanced by one month (`advance` on a copy)."""
    new = s.copy()
    advance(new, ctx, rnd, t)
    return new
