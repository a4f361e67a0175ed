"""The notebook API: simulate with a dict of parameters, a reusable Experiment, the
parameters as data."""

from __future__ import annotations

import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim.config.errors import ConfigError

SHORT = "scenario.end=2025-06"
ACTOR = "azerbaijan"


@pytest.fixture(scope="module")
def experiment():
    return bs.Experiment("baseline", SHORT, runs=4, seed=3, workers=1)


def test_a_lone_string_override_is_one_override():
    res = bs.simulate("baseline", SHORT, runs=2, seed=1, workers=1)
    assert res.config["scenario"]["end"] == "2025-06"
    assert res.trajectories["date"].max() == pd.Timestamp("2025-06-01")


def test_params_dict_equals_the_hydra_override(experiment):
    given = bs.simulate("baseline", SHORT, runs=4, seed=3, workers=1,
                        params={"w_autonomy": 0.4})
    hydra = bs.simulate("baseline", [SHORT, "params.w_autonomy=0.4"], runs=4, seed=3,
                        workers=1)
    reused = experiment.run({"w_autonomy": 0.4})
    assert given.config["params"]["w_autonomy"] == 0.4
    pd.testing.assert_frame_equal(given.trajectories, hydra.trajectories)
    pd.testing.assert_frame_equal(reused.trajectories, hydra.trajectories)
    assert reused.summary == hydra.summary


def test_an_experiment_runs_parameter_sets_without_composing_again(experiment, monkeypatch):
    import balancing_sim.config.loading as loading

    def refuse(*args, **kwargs):
        raise AssertionError("composed again")

    monkeypatch.setattr(loading, "compose", refuse)
    low = experiment.run({"w_autonomy": 0.2})
    high = experiment.run({"params.w_autonomy": 3.0}, runs=2, seed=4)
    assert low.config["params"]["w_autonomy"] == 0.2
    assert high.summary["runs"] == 2 and high.config["seed"] == 4
    assert experiment.params["w_autonomy"] != 0.2  # the base is unchanged


def test_any_config_key_is_a_value(experiment):
    key = f"world.states.{ACTOR}.autonomy.value"
    res = experiment.run(values={key: 0.1})
    assert res.config["world"]["states"][ACTOR]["autonomy"]["value"] == 0.1
    a, b = experiment.configure({key: 0.1})[0], experiment.configure({key: 0.1})[0]
    assert a is b  # one config (and compiled world) per distinct structure
    assert experiment.compiled(a) is experiment.compiled(b)
    assert experiment.compiled(experiment.configure({"w_autonomy": 2.0})[0]) is \
        experiment.compiled(experiment.config)


def test_bad_values_get_one_message(experiment):
    with pytest.raises(ConfigError, match=r"params.w_autonomy = -1: a finite number"):
        experiment.run({"w_autonomy": -1})
    with pytest.raises(ConfigError, match=r"an existing key \(keys of world.states: "):
        experiment.run(values={"world.states.atlantis.autonomy.value": 0.5})
    with pytest.raises(ConfigError, match=r"runs = 0: an integer in \[1, 1000000000\]"):
        experiment.run(runs=0)
    with pytest.raises(TypeError, match="unknown setting 'rnus'"):
        bs.Experiment("baseline", rnus=3)


def test_experiment_evaluates_parameters_and_world_values_together(experiment):
    key = f"world.states.{ACTOR}.autonomy.value"
    outcomes = {"nonaligned": bs.outcomes.final_posture_share(ACTOR, "nonaligned"),
                "hedging": bs.outcomes.final_hedging(ACTOR)}
    sets = [{"w_autonomy": 0.5}, {key: 0.2}, {"w_autonomy": 1.5, key: 0.2}]
    table = experiment.evaluate(sets, outcomes)
    assert len(table) == 3 and set(table.columns) >= {"w_autonomy", key, *outcomes}
    for row, values in zip(table.to_dict(orient="records"), sets, strict=True):
        res = experiment.run(values)
        assert row["nonaligned"] == pytest.approx(outcomes["nonaligned"](res).mean())
        # tables store the index to 16 significant bits (relative error 1.5e-5)
        assert row["hedging"] == pytest.approx(outcomes["hedging"](res).mean(), abs=2e-5)


def test_a_world_freed_and_its_id_reused_is_compiled_again(experiment, monkeypatch):
    """316. `Experiment.compiled` keyed compiled worlds by `id(world)` alone: once a set's
    world was freed, the next set's world could take its id and be served the freed
    world's compilation (here every id is made equal, as a reused address would)."""
    import balancing_sim.evaluation as evaluation

    monkeypatch.setattr(evaluation, "id", lambda obj: 0, raising=False)
    key = f"world.states.{ACTOR}.autonomy.value"
    low, high = (experiment.configure({key: v})[0] for v in (0.1, 0.9))
    compiled_low, compiled_high = experiment.compiled(low), experiment.compiled(high)
    i = compiled_low.structure.states.index(ACTOR)
    assert compiled_low.structure.autonomy[i] == 0.1
    assert compiled_high.structure.autonomy[i] == 0.9


def test_params_are_the_calibrated_values_and_their_ranges():
    p = bs.params()
    assert p.values["w_autonomy"] > 0 and "w_autonomy" in p.ranges
    low, high = p.ranges["w_autonomy"]
    assert low < high
    table = p.table().set_index("parameter")
    assert table.loc["w_autonomy", "calibrated"] and not table.loc["threshold_partner",
                                                                     "calibrated"]
    assert p.bounds(["w_autonomy"]) == {"w_autonomy": (low, high)}


@pytest.mark.parametrize("suffix", ["csv", "yaml"])
def test_posterior_draws_are_read_when_the_file_appears(tmp_path, suffix):
    from balancing_sim.config.loading import conf_dir

    for group in ("params", "calibration"):
        (tmp_path / group).mkdir()
        for f in (conf_dir() / group).glob("*.yaml"):
            (tmp_path / group / f.name).write_text(f.read_text())
    assert bs.params(conf=tmp_path).posterior is None
    draws = pd.DataFrame({"w_autonomy": [1.0, 1.2, 1.4], "w_identity": [0.5, 0.6, 0.7]})
    path = tmp_path / "params" / f"posterior.{suffix}"
    if suffix == "csv":
        draws.to_csv(path, index=False)
    else:
        import yaml

        path.write_text(yaml.safe_dump({"draws": draws.to_dict(orient="records")}))
    p = bs.params(conf=tmp_path)
    pd.testing.assert_frame_equal(p.posterior.reset_index(drop=True), draws)
    assert p.draws()[1] == {"w_autonomy": 1.2, "w_identity": 0.6}
    assert p.table().set_index("parameter").loc["w_autonomy", "posterior_mean"] == \
        pytest.approx(1.2)


def test_a_rebuilt_config_keeps_the_run_settings():
    exp = bs.Experiment("baseline", SHORT, runs=2)
    rebuilt = exp.configure({f"world.states.{ACTOR}.autonomy.value": 0.2})[0]
    assert rebuilt.run == exp.config.run  # workers "auto" stays all cores
