"""The evaluation API: parameter sets in, outcomes out, the same numbers as the runner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim import calibrate
from balancing_sim.config.loading import conf_dir
from balancing_sim.evaluation import Model, evaluate, final_posture, pattern
from balancing_sim.record import brier, load_record, load_world_ids, model_forecasts, record_score
from balancing_sim.validation import Panel, load_patterns, pass_rates

SHORT = ["scenario.end=2026-06"]
ACTOR, POLE = "azerbaijan", "russia"


@pytest.fixture(scope="module")
def model():
    return Model.of("baseline", SHORT, runs=12, seed=5)


def outcomes():
    return {"nonaligned": final_posture(ACTOR, "nonaligned"),
            "weight": final_posture(ACTOR, f"align_{POLE}")}


def test_one_row_per_parameter_set_with_the_mean_over_runs(model):
    sets = [{"w_autonomy": 0.5}, {"params.w_autonomy": 1.5}, {"w_autonomy": 0.5}]
    table = evaluate(model, sets, outcomes())
    assert list(table.columns) == ["w_autonomy", "params.w_autonomy", "nonaligned", "weight"]
    assert len(table) == 3 and table["nonaligned"].between(0, 1).all()
    # common random numbers: the same set gives the same outcome
    assert table.loc[0, ["nonaligned", "weight"]].equals(table.loc[2, ["nonaligned", "weight"]])


def test_outcomes_are_the_runners_numbers(model):
    table = evaluate(model, pd.DataFrame({"w_autonomy": [1.5]}), outcomes(), per_run=True)
    res = bs.simulate("baseline", [*SHORT, "params.w_autonomy=1.5", "runner.workers=1"],
                      runs=12, seed=5)
    traj = res.trajectories
    last = traj[(traj["step"] == traj["step"].max()) & (traj["actor"] == ACTOR)]
    assert table["run"].tolist() == list(range(12))
    np.testing.assert_array_equal(table["nonaligned"].to_numpy(),
                                  (last["posture"] == "nonaligned").to_numpy(dtype=float))
    # the table stores weights to 16 significant bits, the evaluation reads the records
    np.testing.assert_allclose(table["weight"], last[f"align_{POLE}"], rtol=2.0 ** -16, atol=0)


def test_workers_do_not_change_the_outcomes(model):
    sets = [{"w_security": v} for v in (0.5, 1.0, 2.0)]
    one = evaluate(model, sets, outcomes(), workers=1)
    two = evaluate(model, sets, outcomes(), workers=2)
    pd.testing.assert_frame_equal(one, two)


def test_unknown_parameter_is_refused_before_running(model):
    with pytest.raises(ValueError, match="unknown parameter"):
        evaluate(model, [{"w_nothing": 1.0}], outcomes())


def test_patterns_as_outcomes_give_the_validation_pass_rates():
    model = Model.of("history", runs=4, seed=2)
    patterns = load_patterns(conf_dir() / "validation" / "history.yaml")
    table = evaluate(model, [{}], {n: pattern(s) for n, s in patterns["patterns"].items()})
    panel = model.panel(model.params)
    assert table.iloc[0].to_dict() == pytest.approx(pass_rates(panel, patterns))
    assert isinstance(panel, Panel) and panel.align.shape[0] == 4


def test_calibration_search_runs_through_the_evaluation_api():
    model = Model.of("history", runs=2, seed=1)
    patterns = load_patterns(conf_dir() / "validation" / "history.yaml")
    record = load_record(conf_dir() / "record" / "eurasia.yaml",
                         load_world_ids(conf_dir() / "world" / "eurasia.yaml"))
    settings = {"samples": 2, "generations": 0, "seed": 1, "popsize": 4, "sigma": 0.2}
    params, scored = calibrate.search(model, record, patterns, {"w_autonomy": (0.5, 2.0)},
                                      settings, workers=1, log=lambda _: None)
    assert 0.5 <= params.w_autonomy <= 2.0
    rates = scored.rates
    assert set(rates) == set(patterns["patterns"]) and all(0 <= r <= 1 for r in rates.values())


def test_calibration_scores_are_the_record_modules():
    """The record score and Brier the calibration computes from per-run outcomes are
    those of `record.record_score` and `record.brier` on the same runs."""
    model = Model.of("history", runs=3, seed=4)
    patterns = load_patterns(conf_dir() / "validation" / "history.yaml")
    record = load_record(conf_dir() / "record" / "eurasia.yaml",
                         load_world_ids(conf_dir() / "world" / "eurasia.yaml"))
    [scored] = calibrate.evaluate_points(model, [{}], record, patterns)
    panel = model.panel(model.params)
    assert scored.record_score == pytest.approx(record_score(panel, record))
    assert scored.brier == pytest.approx(brier(model_forecasts(panel, record))["all"])
    assert scored.rates == pytest.approx(pass_rates(panel, patterns))
