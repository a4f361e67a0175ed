"""Scenario library: every forward scenario validates, runs, and composes with others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from command import sim_cli

import balancing_sim as bs
from balancing_sim.config.loading import compose, conf_dir

FORWARD = ["baseline", "three_plus_three", "ots_deepening", "western_pressure",
           "russian_pressure", "armenia_pivot", "trilateral", "peace_treaty"]
SCENARIO_DIR = conf_dir() / "scenario"


@pytest.mark.parametrize("name", FORWARD)
def test_scenario_file_validates_and_runs(name):
    config, data = compose([f"scenario={name}", "runs=4", "runner.workers=1"])
    assert config.scenario.name == name
    assert config.scenario.start == "2024-07" and config.scenario.end == "2034-12"
    assert config.scenario.question
    res = bs.simulate(name, runs=4, seed=3, overrides=["runner.workers=1"])
    assert res.summary["runs"] == 4
    assert set(res.trajectories["run"]) == {0, 1, 2, 3}


@pytest.mark.parametrize("name", FORWARD[1:])
def test_scenario_file_is_a_small_documented_override(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    text = path.read_text()
    assert text.startswith("# @package _global_\n")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    assert re.search(r"question", header, re.I), "the header names the paper's question"
    data = yaml.safe_load(text)
    assert set(data) == {"defaults", "scenario"}
    assert data["defaults"] == [{"override /params": "posterior"}]  # parameter uncertainty
    assert set(data["scenario"]) <= {"name", "question", "end", "events"}
    for eid, event in data["scenario"]["events"].items():
        source = event["value"]["source"]
        assert source.startswith(("paper", "assumption", "general knowledge")), (eid, source)


def test_scenarios_compose_by_merging_events():
    both, _ = compose(["scenario=[ots_deepening,western_pressure]", "runs=4"])
    ots, _ = compose(["scenario=ots_deepening", "runs=4"])
    west, _ = compose(["scenario=western_pressure", "runs=4"])
    ids = {e.id for e in both.scenario.events}
    assert ids == {e.id for e in ots.scenario.events} | {e.id for e in west.scenario.events}


def test_combined_scenario_is_named_after_its_parts_in_the_api():
    res = bs.simulate(["ots_deepening", "western_pressure"], runs=4,
                      overrides=["runner.workers=1"])
    assert res.config["scenario"]["name"] == "ots_deepening+western_pressure"


def test_combined_scenario_is_named_after_its_parts_on_the_command_line(tmp_path):
    out = tmp_path / "combo"
    proc = sim_cli("scenario=[ots_deepening,western_pressure]", "runs=4", "runner.workers=1",
                   f"out={out}")
    assert proc.returncode == 0, proc.stderr
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["scenario"]["name"] == "ots_deepening+western_pressure"
    assert Path(out / "summary.json").is_file()
