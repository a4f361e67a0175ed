"""Cases the shipped configs never show: a user's own world with its own data, years far
past the data, worlds of other shapes. Each runs, or is refused with one message naming
the file, the key, the value and what is allowed."""

from __future__ import annotations

import pytest
from command import sim_cli
from worlds import no_platforms, one_pole, one_state, tiny_world_dict, user_folder

import balancing_sim as bs
from balancing_sim.analysis import plots
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import compose, conf_dir
from balancing_sim.config.validate import build_config
from balancing_sim.world import compile_config

NORTH, ALPHA = 0, 2  # threat sources: the poles, then the states


def with_data(tmp_path, csv: str | None, north: list, alpha: list | None = None,
              path: str = "data/mine.csv") -> list[str]:
    """A user's folder whose world sums COW codes from `path` (written from `csv`)."""
    data = tiny_world_dict()
    data["world"]["capability_data"] = path
    data["world"]["poles"]["north"]["cow"] = north
    if alpha is not None:
        data["world"]["states"]["alpha"]["cow"] = alpha
    data["scenario"]["end"] = "2040-12"
    root = tmp_path / "myconf"
    args = user_folder(root, data)
    if csv is not None:
        (root / "data").mkdir()
        (root / "data" / "mine.csv").write_text(csv)
    return [*args, "runs=2"]


def refusal(overrides: list[str]):
    with pytest.raises(ConfigError) as info:
        compose(overrides)
    (problem,) = info.value.problems
    return problem


# ------------------------------------------------------------ capability data


def test_a_user_world_reads_capability_data_from_its_own_folder(tmp_path):
    """The table sits next to the user's world (not in the shipped conf/): its numbers
    are the capabilities, the last year's carried forward to 2040 and the first year's
    back to the start."""
    csv = "ccode,year,cinc\n7,2001,0.1\n7,2002,0.3\n8,2000,0.02\n"
    config, _ = compose(with_data(tmp_path, csv, [{"code": 7}], [{"code": 8}]))
    st = compile_config(config).structure
    by_year = dict(zip(st.years.tolist(), st.capability[:, NORTH].tolist(), strict=True))
    assert [by_year[y] for y in (2000, 2001, 2002, 2003, 2040)] == [0.1, 0.1, 0.3, 0.3, 0.3]
    assert st.capability[:, ALPHA].tolist() == [0.02] * len(st.years)


def test_a_user_world_may_use_the_shipped_capability_data(tmp_path):
    config, _ = compose(with_data(tmp_path, None, [{"code": 2}],
                                  path="data/nmc_v6_abridged_1990_2016.csv"))
    st = compile_config(config).structure
    assert st.capability[0, NORTH] == 0.14268766  # COW 2 (USA) in 2000, as published


def test_capability_data_found_nowhere_names_the_folders_searched(tmp_path):
    p = refusal(with_data(tmp_path, None, [{"code": 2}], path="data/absent.csv"))
    assert p.file == str(tmp_path / "myconf" / "world" / "mine.yaml")
    assert (p.key, p.value) == ("world.capability_data", "data/absent.csv")
    assert str(tmp_path / "myconf") in p.allowed and str(conf_dir()) in p.allowed


def test_a_cow_code_without_rows_in_the_data_is_refused(tmp_path):
    """A code the table lacks would count as no capability at all, silently."""
    csv = "ccode,year,cinc\n7,2000,0.1\n"
    p = refusal(with_data(tmp_path, csv, [{"code": 7}], [{"code": 999}]))
    assert (p.key, p.value) == ("world.states.alpha.cow[0].code", 999)
    assert "a COW code with CINC rows in" in p.allowed


@pytest.mark.parametrize(("csv", "allowed"), [
    ("code,year,value\n7,2000,0.1\n", "a CSV with the columns ccode, year, cinc"),
    ("ccode,year,cinc\n7,2000,high\n", "a number in cinc (line 2)"),
])
def test_capability_data_of_another_layout_is_refused(tmp_path, csv, allowed):
    p = refusal(with_data(tmp_path, csv, [{"code": 7}]))
    assert (p.key, p.value) == ("world.capability_data", "data/mine.csv")
    assert allowed in p.allowed


# ------------------------------------------------------------ scenarios


def test_a_chain_of_continued_scenarios_is_refused_naming_what_to_continue(tmp_path):
    """A user's scenario continuing baseline (which continues history): one message that
    names the link of the chain and what to do instead."""
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "late.yaml").write_text(
        "# @package _global_\nscenario:\n  name: late\n  after: baseline\n"
        "  start: '2035-01'\n  end: '2040-12'\n  events: {}\n")
    p = refusal([f"hydra.searchpath=[file://{tmp_path}]", "scenario=late"])
    assert p.file == str(conf_dir() / "scenario" / "baseline.yaml")
    assert (p.key, p.value) == ("scenario.after", "history")
    assert "continue history instead" in p.allowed


def test_a_user_file_named_like_a_shipped_one_is_refused_not_silently_ignored(tmp_path):
    """Hydra reads the shipped conf/ first: a user's world/eurasia.yaml would never be
    read, and the run would use the shipped world instead."""
    args = user_folder(tmp_path, tiny_world_dict(), name="eurasia")
    p = refusal(args)
    assert p.file == str(tmp_path / "world" / "eurasia.yaml")
    assert (p.key, p.value) == ("world", "eurasia")
    assert "rename this file" in p.allowed


# ------------------------------------------------------------ later years


def test_a_membership_of_a_grouping_may_start_in_any_year_a_scenario_reaches(tiny_dict):
    """A code may join a pole's sum in 2150 (scenarios run to 2262): the capability
    steps up that year, the data's last value carried forward."""
    tiny_dict["world"]["capability_data"] = "data/nmc_v6_abridged_1990_2016.csv"
    tiny_dict["world"]["poles"]["north"]["cow"] = [{"code": 2}, {"code": 200, "from": 2150}]
    tiny_dict["scenario"].update(start="2148-01", end="2151-12")
    st = compile_config(build_config(tiny_dict)).structure
    north = dict(zip(st.years.tolist(), st.capability[:, NORTH].tolist(), strict=True))
    assert north[2148] == north[2149] == 0.13305758  # COW 2 (USA) in 2016, as published
    assert north[2150] == pytest.approx(0.13305758 + 0.013423994)  # + COW 200 (UK) in 2016


# ------------------------------------------------------------ outputs


def test_every_pole_of_a_large_world_has_its_own_colour():
    """Beyond the eight colours of the palette, poles (and scenarios) no longer share
    colours; a world of up to eight keeps the palette."""
    many = [f"p{i}" for i in range(12)]
    colors = plots.pole_colors(many)
    assert len(set(colors.values())) == len(many) + 1  # and grey for non-aligned
    assert len(set(plots.scenario_colors(many).values())) == len(many)
    assert [plots.pole_colors(many[:5])[p] for p in many[:5]] == list(plots.OKABE_ITO[:5])


def test_the_smallest_world_runs_for_decades_and_draws_its_fan_chart(tmp_path):
    """One state, one pole, no platform, forty years recorded yearly."""
    data = no_platforms(one_state(one_pole(tiny_world_dict())))
    data["scenario"]["end"] = "2040-12"
    out = tmp_path / "out"
    done = sim_cli(*user_folder(tmp_path / "myconf", data), "runs=3", f"out={out}",
                   "runner.record_every=12", "runner.workers=1")
    assert done.returncode == 0, done.stderr
    res = bs.load(out)
    assert res.trajectories["date"].dt.year.unique().tolist() == list(range(2000, 2041))
    figure = plots.fan_chart(res.trajectories, config=res.config)
    assert [ax.get_title() for ax in figure.axes if ax.get_title()] == ["alpha"]
