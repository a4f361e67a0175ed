"""The two engines are one model: for every shipped scenario, the synthetic world, the
tests' tiny world and its other shapes (tests/worlds.py), the batched engine
(`ensemble.simulate_block`) and the Mesa engine (`model.run_models`, agent by agent)
produce the same trajectories, memberships and platforms, run by run. This is the one
place engine equality is asserted."""

from __future__ import annotations

import numpy as np
import pytest
from options import HAND_SET_START
from worlds import SHAPES, tiny_world_dict

from balancing_sim.config.loading import compose, options
from balancing_sim.config.validate import build_config
from balancing_sim.dynamics import draw_run, draw_runs, run_generators
from balancing_sim.ensemble import simulate_block
from balancing_sim.model import run_models
from balancing_sim.world import compile_config

SCENARIOS = options("scenario")
SEED = 3
RUNS = 2
REPLAYED = ("history", "baseline")
"""Forward scenarios that first replay their history run on both engines; the others
start from the hand-set situation (the replay is the history case again)."""


def case(name: str, params: str = "calibrated"):
    """The config of a case: a shipped scenario, the synthetic world, or the tiny world
    (the only one with mutually exclusive platforms a state may enter together), with
    one parameter set or the posterior's draws (run r uses draw r mod M)."""
    if name == "tiny":
        return build_config({**tiny_world_dict(), "runs": RUNS})
    if name in SHAPES:  # the tiny world reshaped: one state, one pole, no platform...
        return build_config({**SHAPES[name](tiny_world_dict()), "runs": RUNS})
    if name == "synthetic":
        return compose(["world=synthetic", "situation=synthetic", f"runs={RUNS}",
                        f"params={params}"])[0]
    start = [] if name in REPLAYED else [HAND_SET_START]
    return compose([f"scenario={name}", f"runs={RUNS}", f"params={params}", *start])[0]


def test_every_scenario_is_covered():
    assert {"baseline", "history"} <= set(SCENARIOS)


@pytest.mark.parametrize(("name", "params"), [
    *((n, "calibrated") for n in [*SCENARIOS, "synthetic", "tiny", *SHAPES]),
    *((n, "posterior") for n in [*SCENARIOS, "synthetic"])])
def test_engines_agree(name, params):
    config = case(name, params)
    compiled = compile_config(config)
    runs = np.arange(config.run.runs) + (5 if params == "posterior" else 0)
    ens = simulate_block(compiled, config.params, SEED, runs, record_every=1)
    ref = run_models(compiled, config.params, SEED, runs, record_every=1)
    np.testing.assert_array_equal(ref.steps, ens.steps)
    np.testing.assert_array_equal(ref.draw, ens.draw)
    np.testing.assert_array_equal(ref.history, ens.history)
    np.testing.assert_allclose(ref.align, ens.align, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ref.viability, ens.viability, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ref.depth, ens.depth, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ref.status, ens.status)
    # the postures (the categories of the trajectories table) are the same too
    np.testing.assert_array_equal(ref.align.argmax(axis=-1), ens.align.argmax(axis=-1))


def test_batched_draws_equal_one_run_draws():
    """Drawing many runs in place gives each run exactly what it draws alone."""
    config, _ = compose(["scenario=history", "runs=3"])
    compiled = compile_config(config)
    together = draw_runs(compiled, run_generators(5, [0, 1, 2]))
    for r in range(3):
        alone = draw_run(run_generators(5, [r])[0], compiled)
        for field in ("event_step", "event_value", "utility_noise", "decide"):
            np.testing.assert_array_equal(getattr(together, field)[r], getattr(alone, field)[0])


def test_block_size_does_not_change_a_run():
    """Chunking and worker counts change the block a run is simulated in, never its
    numbers (bit for bit)."""
    config, _ = compose(["scenario=armenia_pivot", "runs=6"])
    compiled = compile_config(config)
    block = simulate_block(compiled, config.params, SEED, np.arange(6), record_every=12)
    for part in (np.arange(0, 2), np.arange(2, 6)):
        alone = simulate_block(compiled, config.params, SEED, part, record_every=12)
        np.testing.assert_array_equal(block.align[part], alone.align)
        np.testing.assert_array_equal(block.status[part], alone.status)
        np.testing.assert_array_equal(block.viability[part], alone.viability)
