"""A user's own world, built from the docs alone, through every command (docs/RELIABILITY.md,
attacks 165 and after): what broke on it. Each test fails on the code before its fix."""

from __future__ import annotations

import pytest
import yaml
from command import run_cli, sim_cli
from worlds import tiny_world_dict, user_folder

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.validate import build_config

# ---------------------------------------------------------------- a record of one's own


def tiny_record(data: dict) -> dict:
    """A record of the tiny world over its whole run: every state's spell in every
    platform (alpha in the pact, nobody else anywhere) and one posture."""
    scenario, world = data["scenario"], data["world"]
    span = {"from": scenario["start"], "to": scenario["end"], "source": "notes"}
    spells = [{"id": f"{state}_{platform}", "actor": state, "platform": platform,
               "status": status, "accept": [status], **span}
              for state in world["states"] for platform in world["platforms"]
              for status in ["member" if (state, platform) == ("alpha", "pact") else "none"]]
    return {"world": world["name"], "window": {"from": span["from"], "to": span["to"]},
            "scoring": {"hold_share": 0.8, "required_share": 0.8, "grace_months": 12},
            "sources": {"notes": "my own notes"}, "memberships": spells,
            "postures": [{"id": "alpha_north", "actor": "alpha", "accept": ["north"],
                          **span}]}


@pytest.fixture
def own_record(tmp_path):
    """A user's folder with the tiny world, its scenario and its record; the options
    that score the scenario on the record."""
    data = tiny_world_dict()
    overrides = user_folder(tmp_path / "myconf", data)
    record = tmp_path / "myconf" / "record" / "mine.yaml"
    record.parent.mkdir()
    record.write_text(yaml.safe_dump(tiny_record(data), sort_keys=False))
    sets = [arg for o in overrides if not o.startswith("scenario=") for arg in ("--set", o)]
    return record, ["--record", str(record), "--scenario", "mine", *sets, "--runs", "2"]


def test_a_users_world_is_scored_on_its_own_record(own_record):
    """`balancing-sim-record` knew only conf/record/eurasia.yaml: a user's record could
    not be scored at all (`--record` was an unknown option)."""
    done = run_cli("balancing-sim-record", *own_record[1], "--worst", "13")
    assert done.returncode == 0, done.stderr
    assert "mine of world tiny, seed 31415926, 2 replicates" in done.stdout
    assert "(share of 13 facts held in at least 0.8 of runs)" in done.stdout
    assert "alpha_north" in done.stdout and "gamma_club" in done.stdout
    assert "the record's last month (where a run continuing this one starts): " in done.stdout


def test_a_record_outside_the_run_names_the_window_and_the_runs_months(own_record):
    """Facts outside the recorded months would be dropped silently (a NaN score)."""
    record, options = own_record
    done = run_cli("balancing-sim-record", *options, "--set", "scenario.end=2003-12")
    assert done.returncode == 2
    assert (f"{record}: window = '2000-01 to 2004-12': months the run records: 2000-01 to "
            "2003-12") in done.stderr
    assert "Traceback" not in done.stderr and "record score" not in done.stdout


def test_a_bad_fact_in_a_users_record_is_one_message_naming_it(own_record):
    record, options = own_record
    data = yaml.safe_load(record.read_text())
    data["postures"][0]["accept"] = ["west"]
    record.write_text(yaml.safe_dump(data, sort_keys=False))
    done = run_cli("balancing-sim-record", *options)
    assert done.returncode == 2
    assert f"{record}: postures[alpha_north].accept = 'west'" in done.stderr
    assert "drawn from the postures: north, south, nonaligned" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_users_world_is_calibrated_to_its_own_record_into_out(own_record, tmp_path):
    """`balancing-sim-calibrate` composed the shipped world and read the shipped record
    only: a user's world could not be calibrated (`--record` was an unknown option)."""
    options = [*own_record[1][:-2], "--runs", "2", "--samples", "2", "--generations", "0",
               "--workers", "1"]
    out = tmp_path / "calibration"
    done = run_cli("balancing-sim-calibrate", *options, "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = (out / "calibrated.yaml").read_text()
    assert "# Record score" in written and "no pattern scored" in written
    assert "--record" in written  # the command that made it


def test_calibrating_a_users_world_never_writes_the_shipped_tables(own_record):
    done = run_cli("balancing-sim-calibrate", *own_record[1], "--write")
    assert done.returncode == 2
    assert "--write replaces the shipped world's tables in conf/params/" in done.stderr


def test_the_validator_checks_a_users_record_against_its_world(own_record):
    """`balancing-sim-validate` refused a record ("a world, situation, scenario, params
    or experiment file"): a record could be checked only by running it."""
    record, _ = own_record
    world = record.parent.parent / "world" / "mine.yaml"
    done = run_cli("balancing-sim-validate", str(record), "--world", str(world))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"ok: {record} (record)\n"
    data = yaml.safe_load(record.read_text())
    data["memberships"][0]["to"] = "2004-13"
    record.write_text(yaml.safe_dump(data, sort_keys=False))
    done = run_cli("balancing-sim-validate", str(record), "--world", str(world))
    assert done.returncode == 2
    assert f"{record}: memberships[alpha_pact].to = '2004-13'" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- capabilities by year


def test_cow_codes_without_capability_data_are_refused(tiny_dict):
    """An actor's `cow` codes in a world that names no capability table were ignored:
    the actor kept its constant capability, silently."""
    tiny_dict["world"]["states"]["alpha"]["cow"] = [{"code": 373}]
    with pytest.raises(ConfigError) as caught:
        build_config(tiny_dict)
    assert len(caught.value.problems) == 1
    assert str(caught.value.problems[0]).startswith(
        "config.yaml: world.states.alpha.cow = [373]: COW codes read from the world's "
        "capability_data, which this world does not name")


# ---------------------------------------------------------------- figures of any world


def test_labels_with_dollar_signs_are_drawn_as_written(tmp_path):
    """Labels with two `$` ("US$ and HK$ bloc") were read as mathtext by matplotlib:
    drawn as a formula, or, when not one ("a$b_c^$d"), plot and report died with an
    empty message ("balancing-sim-plot: ", exit 2)."""
    data = tiny_world_dict()
    data["world"]["states"]["alpha"]["label"] = "US$ and HK$ bloc, 50% – Ünïcode"
    data["world"]["states"]["beta"]["label"] = "a$b_c^$d"
    data["world"]["poles"]["north"]["label"] = "$north"
    out = tmp_path / "run"
    done = sim_cli(*user_folder(tmp_path / "myconf", data), "runs=2", f"out={out}")
    assert done.returncode == 0, done.stderr
    for command in ("balancing-sim-plot", "balancing-sim-report"):
        done = run_cli(command, str(out))
        assert done.returncode == 0, done.stderr
    fan = (out / "figures" / "fan.svg").read_text(encoding="utf-8")
    assert "US$ and HK$ bloc, 50% – Ünïcode" in fan and "a$b_c^$d" in fan
    assert "$north" in fan and "a$b_c^$d" in (out / "report.html").read_text(encoding="utf-8")


def test_a_figure_error_whose_first_line_is_empty_still_says_something(monkeypatch, tmp_path):
    """matplotlib's errors start with an empty line: the command printed only its name."""
    from balancing_sim.analysis import report

    def fails(*args, **kwargs):
        raise ValueError("\n$x^$\n   ^\nParseFatalException: Expected token")

    monkeypatch.setattr(report, "plot_results", fails)
    done = run_cli("balancing-sim-plot", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == "balancing-sim-plot: $x^$\n"


def test_a_sweep_whose_points_run_different_worlds_keeps_every_actor_and_pole(tmp_path):
    """The tables of a sweep took the first point's columns and ids: a pole only later
    points have lost its `align_<pole>` (fan charts drew shares that do not add up, its
    posture took the non-aligned grey) and a state only they have made the report die
    ("'list' argument must have no negative elements")."""
    import balancing_sim as bs

    out = tmp_path / "sweep"
    done = sim_cli("-m", "world=synthetic", "situation=synthetic", "world.size.states=3,4",
                   "world.size.poles=2,3", "world.size.platforms=2", "runs=2", f"out={out}")
    assert done.returncode == 0, done.stderr
    res = bs.load(out)
    traj = res.trajectories
    relation = res.tables["trajectories"].to_duckdb()
    assert relation.aggregate("count(align_p2)").fetchall()[0][0] == \
        traj["align_p2"].notna().sum() > 0  # DuckDB reads it too (nulls where no pole)
    for poles, states in ((2, 3), (3, 4)):
        point = traj[(traj["world.size.poles"] == poles) & (traj["world.size.states"] == states)]
        assert point["align_p2"].isna().all() == (poles == 2)
        assert sorted(point["actor"].unique()) == [f"s{i:04d}" for i in range(states)]
    done = run_cli("balancing-sim-report", str(out))
    assert done.returncode == 0, done.stderr
    numbers = (out / "report_numbers.csv").read_text()
    assert ",s0003,p2," in numbers  # a state and a pole only the largest point has


def test_a_situation_written_for_another_world_is_said_first():
    """A world run with a situation and scenario of another world: each of their ids
    was its own problem (672, the cause nowhere); the first line now says it."""
    from balancing_sim.config.loading import compose

    with pytest.raises(ConfigError) as caught:
        compose(["world=synthetic", "runs=1"])
    first = caught.value.problems[0]
    assert (first.key, first.value) == ("scenario", "23 unknown ids")
    assert first.allowed.startswith("ids of world 'synthetic_10x3x4_seed0': the situation "
                                    "and scenario name 23 ids it lacks (afghanistan, ")
    assert "written for another world; choose this world's own (situation=" in first.allowed
    assert len(caught.value.problems) > 600  # each problem is still named


def test_a_record_written_for_another_world_says_so_first(tmp_path):
    """The shipped record checked against a user's world gave 300 problems, each an id
    the world lacks, and a first line that named the world without saying why it
    mattered; the first line now gives the cause, and every problem is still named."""
    from balancing_sim.config.loading import conf_dir
    from balancing_sim.record import load_record, load_world_ids

    user_folder(tmp_path / "myconf", tiny_world_dict())
    world = load_world_ids(tmp_path / "myconf" / "world" / "mine.yaml")
    with pytest.raises(ConfigError) as caught:
        load_record(conf_dir() / "record" / "eurasia.yaml", world)
    first = caught.value.problems[0]
    assert (first.key, first.value) == ("world", "eurasia")
    assert first.allowed.startswith("'tiny', the world it is checked against: this record "
                                    "was written for world 'eurasia'")
    assert len(caught.value.problems) > 250
