"""Constraints declared on the schema reach every entity through the one reader, and
the scenario a forward run continues is Hydra's own composition."""

from __future__ import annotations

from dataclasses import fields

import pytest
import yaml
from worlds import src, tiny_world_dict

from balancing_sim import cli
from balancing_sim.config.errors import ConfigError, Problem
from balancing_sim.config.loading import compose, conf_dir
from balancing_sim.config.points import points
from balancing_sim.config.schema import FREE, FREE_PARAMETERS, Params
from balancing_sim.config.validate import build_config

FILES = {"main": "conf/config.yaml", "world": "my/world/tiny.yaml",
         "scenario": "my/scenario/tiny.yaml", "params": "my/params/p.yaml"}


def only_problem(data: dict) -> Problem:
    with pytest.raises(ConfigError) as info:
        build_config(data, FILES)
    (problem,) = info.value.problems
    return problem


def test_params_are_the_table_of_free_parameters_in_the_order_of_the_params_files():
    calibrated = yaml.safe_load((conf_dir() / "params" / "calibrated.yaml").read_text())
    assert [f.name for f in fields(Params)] == [*calibrated, "draws", "hold"]
    assert list(FREE_PARAMETERS) == list(calibrated)
    assert {f.name: f.metadata["range"] for f in fields(Params) if f.name in FREE} == FREE


def test_identity_shares_of_one_facet_sum_to_at_most_one():
    data = tiny_world_dict()
    data["world"]["states"]["alpha"]["shares"] = {"language": {"n": src(0.7), "s": src(0.5)}}
    p = only_problem(data)
    assert (p.file, p.key, p.value) == ("my/world/tiny.yaml",
                                        "world.states.alpha.shares.language", 1.2)
    assert p.allowed == "shares of one facet summing to at most 1"


@pytest.mark.parametrize("path", ["/etc/nmc.csv", "../nmc.csv", "data/nmc.txt"])
def test_capability_data_is_a_csv_under_the_config_folder(path):
    data = tiny_world_dict()
    data["world"]["capability_data"] = path
    p = only_problem(data)
    assert (p.key, p.value) == ("world.capability_data", path)
    assert p.allowed == "null or a .csv file of COW NMC rows under the config folder"


@pytest.mark.parametrize("month", ["2001-13", 2001])
def test_treaty_renewals_are_months(month):
    data = tiny_world_dict()
    data["world"]["platforms"]["league"]["renewals"] = ["2001-01", month]
    p = only_problem(data)
    assert (p.key, p.value, p.allowed) == ("world.platforms.league.renewals[1]", month,
                                           "a month YYYY-MM")


def test_the_continued_scenario_is_hydras_composition_of_its_file_and_situation():
    config, data = compose(["scenario=baseline"])
    history, _ = compose(["scenario=history"])
    assert config.prefix == history.scenario
    assert "after" not in data["prefix"]


@pytest.mark.timeout(600)
def test_a_sweep_over_the_continued_scenario_composes_each_points_prefix():
    found = points(["scenario=baseline", "scenario.after=history,''"])
    assert [(p.config.scenario.after, p.config.prefix is not None) for p in found] == [
        ("history", True), ("", False)]


def test_a_run_continues_a_scenario_of_the_users_own_folder(tmp_path):
    # inside Hydra's running task the continued scenario is found on the user's search path
    folder = tmp_path / "myconf" / "scenario"
    folder.mkdir(parents=True)
    (folder / "myhist.yaml").write_text("# @package _global_\n"
                                        "defaults: [override /situation: y1992]\n"
                                        "scenario: {name: myhist, end: '2024-06'}\n")
    (folder / "myfwd.yaml").write_text("# @package _global_\n"
                                       "scenario: {name: myfwd, after: myhist, "
                                       "end: '2024-12'}\n")
    out = tmp_path / "out"
    assert cli.main([f"hydra.searchpath=[file://{tmp_path / 'myconf'}]", "scenario=myfwd",
                     "runs=2", "runner.workers=1", f"out={out}"]) == 0
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert (saved["prefix"]["name"], saved["prefix"]["end"]) == ("myhist", "2024-06")
