"""Scenario discovery: the outcome grammar and a small end-to-end run of the command."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from balancing_sim.discovery import load_ranges, main
from balancing_sim.outcomespec import OutcomeError, parse_outcome


@pytest.mark.parametrize("text, kind, target, op, value", [
    ("a in_bloc", "in_bloc", "", "", 0.0),
    ("a nonaligned", "nonaligned", "", "", 0.0),
    ("a aligned west", "aligned", "west", "", 0.0),
    ("a member csto", "member", "csto", "", 0.0),
    ("a hedging < 0.5", "hedging", "", "<", 0.5),
    ("a  weight nonaligned >= 0.25", "weight", "nonaligned", ">=", 0.25),
])
def test_the_grammar_reads_each_form(text, kind, target, op, value):
    spec = parse_outcome(text)
    assert (spec.actor, spec.kind, spec.target, spec.op, spec.value) == ("a", kind, target, op,
                                                                         value)


@pytest.mark.parametrize("text", ["", "a", "a in_bloc now", "a hedging 0.5", "a hedging << 1",
                                  "a hedging < x", "a hedging < nan", "__import__('os') x",
                                  "a member", "a weight west < 1 2"])
def test_the_grammar_refuses_anything_else(text):
    with pytest.raises(OutcomeError):
        parse_outcome(text)


def test_unknown_names_in_the_world_are_refused():
    world = {"states": {"a": {}}, "poles": {"west": {}}, "platforms": {"nato": {}}}
    parse_outcome("a member nato").check(world)
    for text in ("b in_bloc", "a member eu", "a aligned east"):
        with pytest.raises(OutcomeError):
            parse_outcome(text).check(world)


def test_bad_input_is_one_message_and_exit_2(capsys, tmp_path):
    assert main(["--outcome", "azerbaijan joins", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "in_bloc" in err
    assert main(["--outcome", "atlantis in_bloc", "--out", str(tmp_path)]) == 2
    assert "atlantis" in capsys.readouterr().err
    assert main(["--outcome", "azerbaijan in_bloc", "--ranges", "nowhere.yaml"]) == 2
    assert main(["--outcome", "azerbaijan in_bloc", "--params", "w_nothing"]) == 2
    assert not any(tmp_path.iterdir())


def test_ranges_come_from_the_calibration_or_a_table_of_draws(tmp_path):
    calibration = load_ranges("calibration")
    assert calibration["w_autonomy"] == (0.2, 3.0)
    draws = tmp_path / "draws.csv"
    pd.DataFrame({"w_autonomy": [0.5, 1.5, 1.0], "draw": [0, 1, 2]}).to_csv(draws, index=False)
    assert load_ranges(str(draws)) == {"w_autonomy": (0.5, 1.5)}


def test_the_default_ranges_are_the_posteriors_and_lie_inside_the_search_box():
    posterior, box = load_ranges("posterior"), load_ranges("calibration")
    assert posterior.keys() <= box.keys() and "w_autonomy" in posterior
    for name, (low, high) in posterior.items():
        assert box[name][0] <= low < high <= box[name][1], name


def test_a_small_discovery_run_finds_a_box(tmp_path, capsys):
    out = tmp_path / "disc"
    code = main(["--outcome", "azerbaijan nonaligned", "--params", "w_autonomy,w_identity",
                 "--ranges", "calibration",
                 "--samples", "16", "--runs", "2", "--seed", "3",
                 "--set", "scenario.end=2024-12", "--set", "params=calibrated", "--out", str(out)])
    assert code == 0
    meta = json.loads((out / "discovery.json").read_text())
    samples = pd.read_csv(out / "samples.csv")
    assert len(samples) == 16 and set(samples.columns) >= {"w_autonomy", "w_identity", "share"}
    assert 0 < meta["points_producing"] < 16, "the sample must split to test PRIM"
    box = meta["box"]
    assert 0 < box["coverage"] <= 1 and 0 < box["density"] <= 1
    limits = pd.read_csv(out / "box.csv")
    assert set(limits["parameter"]) <= {"w_autonomy", "w_identity"} and len(limits) >= 1
    for ext in ("png", "svg"):
        assert (out / f"discovery.{ext}").stat().st_size > 1000


def test_a_box_that_restricts_nothing_says_so(tmp_path, capsys, monkeypatch):
    """With `--density 0` the widest box is the whole range: it printed pandas' "Empty
    DataFrame" and its column list instead of a sentence."""
    from balancing_sim import discovery

    shares = [0.0, 1.0] * 4  # half the points produce the outcome
    monkeypatch.setattr(discovery.Study, "evaluate", lambda self, points, outcomes,
                        workers=1: pd.DataFrame({"share": shares[:len(points)]}))
    code = main(["--outcome", "azerbaijan nonaligned", "--params", "w_autonomy",
                 "--ranges", "calibration", "--samples", "8", "--runs", "1",
                 "--density", "0", "--out", str(tmp_path / "disc")])
    assert code == 0
    out = capsys.readouterr().out
    assert "Empty DataFrame" not in out
    assert "the box restricts no parameter" in out
    assert pd.read_csv(tmp_path / "disc" / "box.csv").empty
