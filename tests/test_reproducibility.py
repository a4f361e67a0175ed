"""Same config and seed give the same numbers; other seeds give other numbers; the Mesa
model is inspectable (engine equality: tests/test_engines.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import balancing_sim as bs
from balancing_sim.ensemble import simulate_block
from balancing_sim.model import AlignmentModel

SHORT = ["scenario.end=2026-06"]


def test_same_seed_same_dataframes():
    a = bs.simulate("baseline", overrides=SHORT, runs=6, seed=11)
    b = bs.simulate("baseline", overrides=SHORT, runs=6, seed=11)
    for name in ("trajectories", "memberships", "platforms"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.summary == b.summary


def test_different_seeds_differ():
    a = bs.simulate("baseline", overrides=SHORT, runs=6, seed=11)
    b = bs.simulate("baseline", overrides=SHORT, runs=6, seed=12)
    assert not np.allclose(a.trajectories["align_west"], b.trajectories["align_west"])


def test_a_run_does_not_depend_on_its_neighbours(tiny_compiled):
    """Run 5 is the same whether simulated alone or among others (chunking, workers)."""
    config, compiled = tiny_compiled
    together = simulate_block(compiled, config.params, 7, np.arange(8))
    alone = simulate_block(compiled, config.params, 7, np.array([5]))
    np.testing.assert_array_equal(together.align[5], alone.align[0])
    np.testing.assert_array_equal(together.status[5], alone.status[0])


def test_mesa_model_is_inspectable(tiny_compiled):
    config, compiled = tiny_compiled
    model = AlignmentModel(compiled, config.params, rng=1, run=0)
    for _ in range(5):
        model.step()
    assert model.transition == 5 and model.time == 5
    agent = model.state_agents[0]
    assert set(agent.alignment) == {"north", "south", "nonaligned"}
    assert abs(sum(agent.alignment.values()) - 1.0) < 1e-9
    assert agent.posture in agent.alignment
    assert set(agent.memberships) == set(compiled.structure.platforms)
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 6
