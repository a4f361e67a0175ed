"""Attacks on the evaluation API's composed study (`evaluation.Study`, `bs.Experiment`):
its cache of structures and compiled worlds, and sets of config values checked before
any runs (docs/RELIABILITY.md, attacks 317 and after). Each test fails on the code
before its fix. No real country is named."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from worlds import tiny_world_dict, user_folder

import balancing_sim as bs
import balancing_sim.evaluation as evaluation
from balancing_sim.config.errors import ConfigError

KEY = "world.states.alpha.autonomy"


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    overrides = user_folder(tmp_path_factory.mktemp("study") / "conf", tiny_world_dict())
    return bs.Experiment("mine", overrides[:2], runs=2, seed=3, workers=1, progress="off")


def autonomy(config) -> float:
    return next(s.autonomy.value for s in config.world.states if s.id == "alpha")


def test_a_key_inside_another_is_set_in_the_order_given(experiment):
    """317. A set giving a key and a key inside it (`...autonomy` and `...autonomy.value`)
    depends on their order (the later one set wins); the cache of structures sorted the
    keys, so after one order the other was served the first's structure: here 0.1
    where alone it is 0.9."""
    first = experiment.configure({KEY: {"value": 0.9, "source": "t"}, f"{KEY}.value": 0.1})[0]
    later = experiment.configure({f"{KEY}.value": 0.1, KEY: {"value": 0.9, "source": "t"}})[0]
    assert (autonomy(first), autonomy(later)) == (0.1, 0.9)
    # keys apart from each other are one structure in any order
    other = "world.states.beta.autonomy.value"
    assert experiment.configure({other: 0.2, f"{KEY}.value": 0.3})[0] is \
        experiment.configure({f"{KEY}.value": 0.3, other: 0.2})[0]


def test_a_bad_config_value_stops_evaluate_before_any_set_runs(experiment, monkeypatch):
    """318. A bad world value in the third set was found only when its group came to be
    run, after the sets before it had run, and named without its place; a bad parameter
    is named by its place before any runs."""
    ran = []
    monkeypatch.setattr(evaluation, "evaluate", lambda *a, **k: ran.append(a))
    outcomes = {"hedging": bs.outcomes.final_hedging("alpha")}
    sets = [{f"{KEY}.value": 0.3}, {"w_autonomy": 1.0}, {f"{KEY}.value": float("nan")},
            {f"{KEY}.vlue": 0.3}]
    with pytest.raises(ConfigError) as caught:
        experiment.evaluate(sets, outcomes)
    assert not ran
    assert [(p.key, str(p.value)) for p in caught.value.problems] == [
        (f"param_sets[2].{KEY}.value", "nan"), (f"param_sets[3].{KEY}.vlue", "0.3")]
    assert "a finite number in [0, 1]" in caught.value.problems[0].allowed


def test_the_kept_structures_are_bounded_and_an_evicted_one_gives_the_same(experiment):
    """319. Every distinct set of world values was kept with its compiled world for the
    study's life (~0.5 MB each on the shipped world): an EMA run over a world value,
    each experiment a new structure, grew without bound. The most recent
    `KEPT_STRUCTURES` are kept; one dropped is built again, to the same numbers."""
    outcomes = {"hedging": bs.outcomes.final_hedging("alpha"),
                "nonaligned": bs.outcomes.final_posture_share("alpha", "nonaligned")}
    first = experiment.evaluate([{f"{KEY}.value": 0.05}], outcomes)
    for v in np.linspace(0.1, 0.9, evaluation.KEPT_STRUCTURES + 4):
        config = experiment.configure({f"{KEY}.value": float(v)})[0]
        experiment.compiled(config)
    assert len(experiment._structures) <= evaluation.KEPT_STRUCTURES
    assert len(experiment._compiled) <= evaluation.KEPT_STRUCTURES
    again = experiment.evaluate([{f"{KEY}.value": 0.05}], outcomes)
    assert first.equals(again)


def test_a_value_given_as_a_dict_is_not_changed_by_a_key_inside_it(experiment):
    """320. The config held the caller's dict itself: a later key inside it
    (`...autonomy.value`) changed the caller's object, and so every later set given it."""
    whole = {"value": 0.9, "source": "t"}
    experiment.configure({KEY: whole, f"{KEY}.value": 0.2})
    assert whole == {"value": 0.9, "source": "t"}
    assert autonomy(experiment.configure({KEY: whole, "w_autonomy": 1.0})[0]) == 0.9
    with pytest.raises(ConfigError, match=r"autonomy.value = <unlocked.*a finite number"):
        experiment.configure({KEY: {"value": threading.Lock(), "source": "t"}})  # no copy


def test_numpy_numbers_are_read_as_the_numbers_they_hold(experiment, tmp_path):
    """321. `np.int64(1)` or `np.float32(0.5)` (what `np.arange`, arrays and tables hand
    out) as a parameter or a world value was refused as "= np.int64(1): a finite number
    in [0, 1e+06]", a message contradicting itself."""
    outcomes = {"hedging": bs.outcomes.final_hedging("alpha")}
    given = experiment.evaluate([{"w_autonomy": np.int64(1)},
                                 {f"{KEY}.value": np.float32(0.5), "runs": np.int64(2)}],
                                outcomes)
    plain = experiment.evaluate([{"w_autonomy": 1},
                                 {f"{KEY}.value": float(np.float32(0.5)), "runs": 2}],
                                outcomes)
    assert given["hedging"].tolist() == plain["hedging"].tolist()
    res = experiment.run({"w_autonomy": np.int64(1)}, values={f"{KEY}.value": np.int64(1)},
                         out=tmp_path / "out")
    assert res.config["params"]["w_autonomy"] == 1
    assert experiment.run(runs=np.int64(1), seed=np.int64(5)).config["seed"] == 5
    assert (tmp_path / "out").is_dir()
    with pytest.raises(ConfigError, match="w_autonomy = np.True_"):  # a bool stays refused
        experiment.run({"w_autonomy": np.bool_(True)})


def test_numpy_numbers_inside_a_value_are_read_as_the_numbers_they_hold(experiment):
    """329. A NumPy number inside a mapping given as a value (`{KEY: {"value":
    np.float32(0.5), "source": ...}}`, as a loop over an array builds it) was refused as
    "= np.float32(0.5): a finite number", where alone it was read as 0.5 (rt14, noticed)."""
    for number in (np.float32(0.5), np.int64(1)):
        given = experiment.configure({KEY: {"value": number, "source": "t"}})[0]
        assert autonomy(given) == number.item()


def test_changing_a_results_config_changes_no_later_run(experiment):
    """322. `Results.config` shared its sections with the study's own config: setting
    `res.config["params"]["w_autonomy"]` (or a world value) in one result made every later
    set run with it, and say so in its config."""
    outcome = bs.outcomes.final_hedging("alpha")
    before = outcome(experiment.run({"w_security": 0.5})).tolist()
    for values in ({}, {f"{KEY}.value": 0.4}):
        res = experiment.run(values=values)
        res.config["params"]["w_autonomy"] = 3.0
        res.config["world"]["states"]["alpha"]["autonomy"]["value"] = 0.99
    after = experiment.run({"w_security": 0.5})
    assert outcome(after).tolist() == before
    assert after.config["params"]["w_autonomy"] == experiment.params["w_autonomy"] != 3.0
    again = experiment.run(values={f"{KEY}.value": 0.4})
    assert again.config["world"]["states"]["alpha"]["autonomy"]["value"] == 0.4


@pytest.mark.parametrize("per_run", [False, True])
def test_the_values_come_first_whichever_set_comes_first(experiment, per_run):
    """323. `evaluate` promises the values first, then (`per_run`) the run, then the
    outcomes; a first set giving no value (the base) put the outcomes first and every
    value after them."""
    outcomes = {"hedging": bs.outcomes.final_hedging("alpha")}
    table = experiment.evaluate([{}, {"w_autonomy": 1.1}, {f"{KEY}.value": 0.4}], outcomes,
                                per_run=per_run)
    assert list(table.columns) == ["w_autonomy", f"{KEY}.value",
                                   *(["run"] if per_run else []), "hedging"]


def test_changing_the_studys_resolved_config_changes_no_later_run(experiment):
    """324. `Experiment.resolved` was the study's own dict: setting a parameter in it
    changed every later set that gives a parameter (they merge onto it), not the base
    run (its config was read already): two sets, two different bases."""
    outcome = bs.outcomes.final_hedging("alpha")
    before = outcome(experiment.run({"w_security": 0.5})).tolist()
    experiment.resolved["params"]["w_autonomy"] = 3.0
    after = experiment.run({"w_security": 0.5})
    assert outcome(after).tolist() == before
    assert after.config["params"]["w_autonomy"] == experiment.params["w_autonomy"] != 3.0


def test_an_outcome_named_like_a_column_of_the_table_is_refused(experiment):
    """325. An outcome named like a set's key, or `run` with `per_run`, gave a table with
    two columns of that name (rt14, noticed): one message naming each, before any run."""
    share = bs.outcomes.final_posture_share("alpha", "nonaligned")
    with pytest.raises(ConfigError) as caught:
        experiment.evaluate([{"w_autonomy": 0.5}], {"w_autonomy": share, "run": share},
                            per_run=True)
    assert [p.key for p in caught.value.problems] == ["outcomes['w_autonomy']",
                                                      "outcomes['run']"]
    with pytest.raises(ConfigError) as caught:
        evaluation.evaluate(experiment.model(), [{"w_autonomy": 0.5}], {"w_autonomy": share})
    assert caught.value.problems[0].allowed == "a name other than the sets' keys"
    table = experiment.evaluate([{"w_autonomy": 0.5}], {"run": share})  # no run column
    assert list(table.columns) == ["w_autonomy", "run"]
