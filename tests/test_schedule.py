"""The month is one list of phases, in the order of the ODD (section 3), and each phase
writes only the arrays it declares: the Mesa model's simultaneous schedule snapshots
exactly those, so an undeclared write would let an agent see a peer's choice."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from balancing_sim.config.loading import compose
from balancing_sim.dynamics import MONTH, Actors, Context, draw_runs, initial_state, run_generators
from balancing_sim.dynamics.schedule import EVERYONE
from balancing_sim.world import compile_config


def test_month_runs_events_then_poles_then_states_then_platforms():
    assert [(p.name, p.actors) for p in MONTH] == [
        ("events", Actors.WORLD), ("react", Actors.POLES), ("decide", Actors.STATES),
        ("update", Actors.PLATFORMS)]


def test_each_phase_writes_only_what_it_declares():
    config, _ = compose(["scenario=history", "runs=2"])
    compiled = compile_config(config)
    ctx = Context.build(compiled, config.params)
    rnd = draw_runs(compiled, run_generators(1, [0, 1]))
    s = initial_state(compiled, 2)
    written: dict[str, set[str]] = {phase.name: set() for phase in MONTH}
    for t in range(1, compiled.n_steps + 1):
        for phase in MONTH:
            before = s.copy()
            phase.act(s, s, ctx, rnd, t, EVERYONE)
            changed = {f.name for f in fields(s)
                       if not np.array_equal(getattr(before, f.name), getattr(s, f.name))}
            assert changed <= set(phase.writes), (t, phase.name, changed)
            written[phase.name] |= changed
    assert all(written.values()), written  # every phase changes something over a history
