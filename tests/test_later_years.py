"""Later years and the numbers' promises (docs/RELIABILITY.md, rows 240 and after): dated
values of a world read as the step functions they are, a COW code counted once a year,
and the summary computed from the tables equal to the one combined from chunks, for
worlds of every shape."""

from __future__ import annotations

import numpy as np
import pytest
from worlds import SHAPES, src, tiny_world_dict

import balancing_sim as bs
from balancing_sim import contract
from balancing_sim import summary as summaries
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import compose
from balancing_sim.config.validate import build_config
from balancing_sim.runner.jobs import simulator
from balancing_sim.runner.main import names as summary_names
from balancing_sim.world import compile_config

NMC = "data/nmc_v6_abridged_1990_2016.csv"


def with_third_pole(data: dict) -> dict:
    """The tiny world with a pole no state leans to (no tie, no platform, no proximity)."""
    data["world"]["poles"]["east"] = {"capability": src(0.3), "coercion": src(0.5),
                                      "identity": ["e"]}
    data["scenario"]["conditions"]["credibility"]["east"] = src(0.5)
    return data


def one_month(data: dict) -> dict:
    data["scenario"]["end"] = "2000-02"
    return data


WORLDS = {"tiny": lambda d: d, **{k: v for k, v in SHAPES.items() if k != "every_event"},
          "unloved_pole": with_third_pole, "one_month": one_month}


@pytest.mark.parametrize("runs", [1, 3])
@pytest.mark.parametrize("shape", list(WORLDS))
def test_the_summary_of_the_tables_is_the_summary_combined_from_chunks(shape, runs):
    """`results.summarize` (the whole tables) equals `summary.json`'s computation (parts
    of chunks combined) exactly, whatever the world's shape; a world without platforms
    has empty membership and platform tables."""
    config = build_config({**WORLDS[shape](tiny_world_dict()), "runs": runs})
    compiled = compile_config(config)
    rec = simulator("ensemble")(compiled, config.params, 1, np.arange(runs), 1)
    names = summary_names(compiled)
    chunks = [summaries.part(replace_runs(rec, slice(r, r + 1)), compiled.structure)
              for r in range(runs)]
    combined = summaries.combine(chunks[::-1], names)
    frames = {k: v.to_pandas() for k, v in contract.build(rec, compiled, 1).items()}
    whole = summaries.from_frames(frames["trajectories"], frames["memberships"],
                                  frames["platforms"])
    assert whole == combined
    assert whole["runs"] == runs


def replace_runs(rec, rows: slice):
    from dataclasses import replace
    return replace(rec, runs=rec.runs[rows], align=rec.align[rows], status=rec.status[rows],
                   viability=rec.viability[rows], depth=rec.depth[rows])


# ---------------------------------------------------------------- dated values


def outside(*steps: tuple[str, float]) -> dict:
    data = tiny_world_dict()
    data["world"]["platforms"]["pact"]["outside_members"] = [
        {"from": month, "value": value, "source": "test"} for month, value in steps]
    return data


def test_members_outside_the_world_are_a_step_function_in_any_order():
    """Written late first, the earlier step used to overwrite every later month."""
    ordered = compile_config(build_config(outside(("2000-06", 1), ("2002-01", 3))))
    shuffled = compile_config(build_config(outside(("2002-01", 3), ("2000-06", 1))))
    pact = 0
    np.testing.assert_array_equal(shuffled.outside[:, pact], ordered.outside[:, pact])
    assert shuffled.outside[[0, 5, 24, 59], pact].tolist() == [0, 1, 3, 3]


def test_two_values_of_outside_members_from_one_month_are_one_message():
    with pytest.raises(ConfigError) as info:
        build_config(outside(("2001-01", 1), ("2001-01", 3)))
    (problem,) = info.value.problems
    assert problem.key == "world.platforms.pact.outside_members"
    assert problem.value == ["2001-01", "2001-01"]
    assert "one value from each month (2001-01 given more than once" in problem.allowed


# ---------------------------------------------------------------- capabilities


def counted(north: list[dict]) -> dict:
    """The tiny world reading COW capabilities, north summing the spans given."""
    data = tiny_world_dict()
    world = data["world"]
    world["capability_data"] = NMC
    world["poles"]["north"]["cow"] = north
    world["poles"]["south"]["cow"] = [{"code": 365}]
    return data


def test_a_cow_code_counted_twice_in_a_year_is_refused():
    """Two spans of one code sharing 2002 on: its CINC would be added twice from 2002."""
    with pytest.raises(ConfigError) as info:
        build_config(counted([{"code": 2}, {"code": 710}, {"code": 2, "from": 2002}]))
    (problem,) = info.value.problems
    assert problem.key == "world.poles.north.cow[2]"
    assert problem.value == {"code": 2, "from": 2002, "to": None}
    assert "cow[0]" in problem.allowed and "add its CINC twice" in problem.allowed


def test_spans_of_one_code_that_follow_each_other_count_it_once():
    split = compile_config(build_config(counted([{"code": 2, "to": 2001},
                                                 {"code": 2, "from": 2002}])))
    whole = compile_config(build_config(counted([{"code": 2}])))
    np.testing.assert_array_equal(split.structure.capability, whole.structure.capability)


# ---------------------------------------------------------------- continued scenarios


def test_scenario_after_set_by_value_continues_the_scenario_it_names():
    """`Experiment.run(values={"scenario.after": ...})` kept the history as the prefix
    whatever it named: '' was refused ("no prefix unless scenario.after names one"), a
    scenario that does not exist ran on, continuing the history."""
    short = ["scenario.end=2024-09"]
    experiment = bs.Experiment("baseline", short, runs=2, seed=2)
    hand_set = experiment.run(values={"scenario.after": ""})
    assert "prefix" not in hand_set.config
    assert hand_set.summary == bs.simulate("baseline", [*short, "scenario.after=''"], runs=2,
                                           seed=2).summary
    with pytest.raises(ConfigError) as info:
        experiment.run(values={"scenario.after": "ghost"})
    (problem,) = info.value.problems
    assert (problem.key, problem.value) == ("scenario.after", "ghost")
    assert problem.file.endswith("conf/scenario/baseline.yaml (with Python values)")


def test_a_scenario_after_that_does_not_exist_names_the_scenarios_file():
    """The message named "scenario file", which is no file."""
    with pytest.raises(ConfigError) as info:
        compose(["scenario=baseline", "scenario.after=ghost"])
    (problem,) = info.value.problems
    assert problem.file.endswith("conf/scenario/baseline.yaml")
    assert (problem.key, problem.value) == ("scenario.after", "ghost")
    assert "a scenario of conf/scenario/ (" in problem.allowed
