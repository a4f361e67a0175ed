"""Runs that carry parameter uncertainty (issue 12): `params=posterior` makes run r use
posterior draw r mod M, on either engine and any number of workers; the contract
tables say which draw a run used; a run of a block equals the same run alone; the
posterior itself is reproducible from its settings."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import compose, conf_dir
from balancing_sim.draws import for_run, for_runs, load_draws
from balancing_sim.ensemble import simulate_block
from balancing_sim.posterior import systematic
from balancing_sim.world import compile_config

TABLES = ("trajectories", "memberships", "platforms")


def posterior_config(*overrides: str):
    return compose(["scenario=baseline", "params=posterior", *overrides])[0]


@pytest.mark.parametrize("name", ["posterior", "posterior_to2014"])
def test_the_priors_follow_the_point_they_are_centred_on(name):
    """The priors are the point's values +-50% (conf/calibration/NAME.yaml says so): a
    recalibrated point must move them (they had gone stale by hand until the tenth
    round)."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "posterior_ranges.py"
    spec = importlib.util.spec_from_file_location("posterior_ranges", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([name, "--check"]) == 0


def test_the_shipped_posterior_has_at_least_100_draws_within_the_priors():
    import yaml

    names, values = load_draws("params/posterior.csv")
    ranges = yaml.safe_load((conf_dir() / "calibration" / "posterior.yaml").read_text())["ranges"]
    box = yaml.safe_load((conf_dir() / "calibration" / "history.yaml").read_text())["ranges"]
    assert len(values) >= 100
    assert set(names) == set(ranges) and set(ranges) <= set(box)  # drawn: what has a prior
    for j, name in enumerate(names):
        assert box[name][0] <= ranges[name][0] < ranges[name][1] <= box[name][1], name
        low, high = ranges[name]
        assert (values[:, j] >= low).all() and (values[:, j] <= high).all(), name


def test_run_r_uses_draw_r_mod_m():
    config = posterior_config()
    names, values = load_draws(config.params.draws)
    M = len(values)
    runs = np.array([0, 1, M, M + 7])
    params, ids = for_runs(config.params, runs)
    np.testing.assert_array_equal(ids, runs % M)
    j = names.index("w_autonomy")
    np.testing.assert_array_equal(params.w_autonomy, values[runs % M, j])
    one, draw = for_run(config.params, M + 7)
    assert draw == 7 % M and one.w_autonomy == values[7 % M, j]


def test_draws_differ_from_run_to_run_but_not_between_a_block_and_its_runs():
    config = posterior_config()
    compiled = compile_config(config)
    block = simulate_block(compiled, config.params, 11, np.arange(4), record_every=12)
    for r in range(4):
        alone = simulate_block(compiled, config.params, 11, np.array([r]), record_every=12)
        np.testing.assert_array_equal(alone.align[0], block.align[r])
        assert alone.draw[0] == block.draw[r] == r
    point = dataclasses.replace(config.params, draws=None)
    same = simulate_block(compiled, point, 11, np.arange(4), record_every=12)
    assert not np.allclose(same.align, block.align)  # the draws do change the runs


def test_tables_carry_the_draw_and_do_not_depend_on_workers(tmp_path):
    base = ["runs=9", "seed=3", "runner.chunk_runs=4", "runner.record_every=12",
            "params=posterior"]
    one = bs.simulate("baseline", [*base, "runner.workers=1"], out=tmp_path / "w1")
    two = bs.simulate("baseline", [*base, "runner.workers=2"], out=tmp_path / "w2")
    M = len(load_draws("params/posterior.csv")[1])
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(one, t), getattr(two, t))
        table = getattr(one, t)
        assert table["draw"].dtype == np.int32
        np.testing.assert_array_equal(table["draw"], table["run"] % M)


def test_point_parameters_carry_no_draw_column():
    res = bs.simulate("baseline", ["runner.record_every=60"], runs=2, seed=1, params="calibrated")
    assert "draw" not in res.trajectories


@pytest.mark.parametrize(("text", "why"), [
    ("draw,w_autonomy\n0,1.0\n2,1.5\n", "numbering the rows"),
    ("draw,nothing\n0,1.0\n", "parameter column"),
])
def test_a_bad_draws_table_is_one_clear_message(tmp_path, text, why):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        posterior_config(f"params.draws={path}")
    assert "params.draws" in str(err.value) and why in str(err.value)


def test_a_missing_draws_table_is_refused():
    with pytest.raises(ConfigError, match="params.draws"):
        posterior_config("params.draws=params/no_such_posterior.csv")


def test_systematic_resampling_is_deterministic_and_follows_the_weights():
    weights = np.array([0.0, 0.5, 0.25, 0.25])
    picks = systematic(weights, 8)
    np.testing.assert_array_equal(picks, systematic(weights, 8))
    np.testing.assert_array_equal(np.bincount(picks, minlength=4), [0, 4, 2, 2])


@pytest.mark.timeout(600)
def test_the_calibration_command_reproduces_its_draws_and_writes_no_tracked_file(tmp_path):
    from balancing_sim.calibrate import main

    tracked = (conf_dir() / "params" / "posterior.csv").read_bytes()
    args = ["--name", "posterior_to2014", "--population", "3", "--generations", "2",
            "--runs", "2", "--draws", "4"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    first = (tmp_path / "a" / "posterior_to2014.csv").read_text()
    assert first == (tmp_path / "b" / "posterior_to2014.csv").read_text()
    assert len(pd.read_csv(tmp_path / "a" / "posterior_to2014.csv")) == 4
    assert (conf_dir() / "params" / "posterior.csv").read_bytes() == tracked


def test_a_parameter_set_explicitly_is_held_not_drawn():
    """An override (or a sweep point, or a value of the evaluation API) of a drawn
    parameter holds it at that value in every run; the others still draw."""
    config = posterior_config("params.w_autonomy=0.5")
    assert config.params.hold == ("w_autonomy",)
    params, _ = for_runs(config.params, np.arange(6))
    assert params.w_autonomy == 0.5
    assert len(set(np.atleast_1d(params.w_identity))) > 1
    assert posterior_config().params.hold == ()
    from balancing_sim.evaluation import Study

    assert Study("baseline").configure({"w_autonomy": 0.7})[0].params.hold == ("w_autonomy",)
    one, _ = for_run(config.params, 3)
    assert one.w_autonomy == 0.5


def test_hold_names_free_parameters_only():
    with pytest.raises(ConfigError, match=r"params.hold\[0\]"):
        posterior_config("params.hold=[no_such_weight]")


def test_forward_scenarios_draw_from_the_posterior_and_history_keeps_the_point():
    from balancing_sim.config.loading import options

    for name in options("scenario"):
        draws = compose([f"scenario={name}"])[0].params.draws
        assert (draws is None) == (name == "history"), name
    assert compose(["scenario=baseline", "params=calibrated"])[0].params.draws is None
