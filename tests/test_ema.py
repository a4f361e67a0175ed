"""EMA Workbench and SALib adapters: uncertainties over any config key, the public
outcomes, through the evaluation API; PRIM on the experiments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from balancing_sim import cli, ema
from balancing_sim import outcomes as oc

SHORT = "scenario.end=2026-12"
ACTOR = "azerbaijan"
WORLD_KEY = f"world.states.{ACTOR}.autonomy.value"
EVENT_KEY = "scenario.events.ots_summit_2025.value.value"


@pytest.fixture(scope="module")
def ema_model():
    return ema.model("ots_deepening",
                     {"w_autonomy": (0.3, 3.0), WORLD_KEY: (0.1, 1.0), EVENT_KEY: (0.0, 0.3)},
                     {"nonaligned": oc.final_posture_share(ACTOR, "nonaligned"),
                      "hedging": oc.final_hedging(ACTOR)},
                     runs=4, seed=2, overrides="scenario.end=2029-12")


def test_uncertainties_are_config_keys_named_for_ema(ema_model):
    names = {u.name: u.variable_name for u in ema_model.uncertainties}
    assert names == {"w_autonomy": ["w_autonomy"],
                     "world_states_azerbaijan_autonomy_value": [WORLD_KEY],
                     "scenario_events_ots_summit_2025_value_value": [EVENT_KEY]}
    assert [o.name for o in ema_model.outcomes] == ["nonaligned", "hedging"]


def test_experiments_run_through_the_evaluation_api(ema_model):
    from ema_workbench import perform_experiments

    experiments, results = perform_experiments(ema_model, scenarios=12)
    assert len(experiments) == 12 and results["nonaligned"].shape == (12,)
    assert ((results["hedging"] >= 0) & (results["hedging"] <= 1)).all()
    evaluation = ema_model.function
    row = experiments.iloc[3]
    values = {u.variable_name[0]: float(row[u.name]) for u in ema_model.uncertainties}
    again = evaluation.experiment.run(values)
    assert results["nonaligned"][3] == pytest.approx(evaluation.outcomes["nonaligned"](
        again).mean())
    world = again.config["world"]["states"][ACTOR]["autonomy"]["value"]
    assert world == pytest.approx(values[WORLD_KEY])
    box = ema.prim_box(experiments, ema_model, results["nonaligned"] >= 0.5, mass_min=0.1)
    assert {"coverage", "density"} <= set(box.peeling_trajectory.columns)


def test_the_default_model_covers_the_calibrated_parameters():
    model = ema.model("baseline", runs=2, overrides=SHORT)
    names = {u.name for u in model.uncertainties}
    assert {"w_autonomy", "w_security"} <= names
    assert {f"nonaligned_{ACTOR}", f"bloc_{ACTOR}", "viability_ots"} <= {
        o.name for o in model.outcomes}


def test_an_unknown_key_is_refused_before_any_experiment():
    with pytest.raises(ValueError, match="an existing key"):
        ema.model("baseline", {"world.states.atlantis.autonomy.value": (0, 1)}, runs=2)


def test_sensitivity_command_takes_any_config_key(tmp_path):
    out = tmp_path / "sa"
    code = cli.sensitivity_main(["--scenario", "baseline", "--actor", ACTOR,
                                 "--method", "morris", "-n", "2", "--runs", "2",
                                 "--param", "w_autonomy=0.5:2.0",
                                 "--param", f"{WORLD_KEY}=0.1:1.0",
                                 "--set", SHORT, "--out", str(out)])
    assert code == 0
    problem = json.loads((out / "problem.json").read_text())["problem"]
    assert problem["names"] == ["w_autonomy", WORLD_KEY]
    samples = np.loadtxt(out / "samples.csv", delimiter=",", skiprows=1)
    assert samples.shape == (2 * 3, 3)


def test_sensitivity_command_refuses_a_range_the_config_refuses(capsys):
    code = cli.sensitivity_main(["--actor", ACTOR, "--param", f"{WORLD_KEY}=0.5:1.5",
                                 "--set", SHORT])
    assert code == 2
    assert "autonomy.value = 1.5" in capsys.readouterr().err
