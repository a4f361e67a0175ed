"""Sweeps: every point of a multirun lands in one dataset that `load` reads in one call."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from command import sim_cli
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim.api import sweep
from balancing_sim.config.resolvers import point_id, point_name

SHORT = ["runs=6", "seed=5", "runner.workers=1", "runner.chunk_runs=4"]



def test_two_point_sweep_is_one_dataset_with_the_swept_columns(tmp_path):
    out = tmp_path / "sweep"
    proc = sim_cli("-m", "scenario=baseline,western_pressure", *SHORT, f"out={out}")
    assert proc.returncode == 0, proc.stderr
    points = sorted(p.name for p in (out / "points").iterdir())
    # execution settings (runner.*, out) and run settings (runs, seed) do not enter the id
    assert points == ["scenario=baseline", "scenario=western_pressure"]
    res = bs.load(out)
    traj = res.trajectories
    assert {"point", "scenario", "runs", "seed"} <= set(traj.columns)
    assert set(traj["scenario"]) == {"baseline", "western_pressure"}
    for _, group in traj.groupby("scenario", observed=True):
        assert sorted(group["run"].unique()) == list(range(6))
    assert set(res.memberships["scenario"]) == {"baseline", "western_pressure"}
    assert set(res.summary["points"]) == set(points)
    for folder in (out / "points").iterdir():
        for name in ("config.yaml", "summary.json", "point.json"):
            assert (folder / name).is_file(), (folder, name)
        for name in ("trajectories.parquet", "memberships.parquet", "platforms.parquet"):
            assert any((folder / name).glob("part-*.parquet")), (folder, name)
        assert not (folder / "chunks").exists()


def test_sweep_over_a_parameter_and_an_event_value(tmp_path):
    out = tmp_path / "grid"
    proc = sim_cli("-m", "scenario=western_pressure", "params.w_autonomy=0.5,1.0",
                   "scenario.events.west_pressure_2025.value.value=0.0,0.4", *SHORT,
                   HAND_SET_START, f"out={out}")
    assert proc.returncode == 0, proc.stderr
    res = bs.load(out)
    traj = res.trajectories
    grid = traj.groupby(["params.w_autonomy", "scenario.events.west_pressure_2025.value.value"],
                        observed=True)["run"].nunique()
    assert grid.to_dict() == {(0.5, 0.0): 6, (0.5, 0.4): 6, (1.0, 0.0): 6, (1.0, 0.4): 6}
    info = json.loads(next((out / "points").glob("*/point.json")).read_text())
    assert info["scenario"] == "western_pressure"


def test_point_ids_name_the_swept_model_inputs_only():
    # the docs' `summary["points"]["scenario=baseline,w_autonomy=0.5"]`: the command line
    # passes runs and seed as overrides, `api.sweep` as arguments; both name it the same
    from_cli = point_name(["scenario=baseline", "params.w_autonomy=0.5", "runs=50", "seed=3",
                           "runner.record_every=12", "engine=ensemble", "out=/x"])
    from_api = point_name(["scenario=baseline", "params.w_autonomy=0.5"])
    assert from_cli == from_api == "scenario=baseline,w_autonomy=0.5"


def test_point_ids_do_not_depend_on_job_order():
    a = point_name(["seed=1", "scenario=baseline", "params.w_autonomy=0.5", "out=/x"])
    b = point_name(["params.w_autonomy=0.5", "out=/y", "scenario=baseline", "seed=1"])
    assert a == b == "scenario=baseline,w_autonomy=0.5"
    event = point_name(["scenario.events.west_pressure_2025.value.value=0.2",
                        "scenario=[ots_deepening,western_pressure]"])
    assert event == "scenario=ots_deepening+western_pressure,west_pressure_2025=0.2"
    # shortening never merges two different keys into one name
    both = point_name(["params.x=1", "scenario.events.x.value.value=2"])
    assert both == "params.x=1,scenario.events.x.value.value=2"


@pytest.mark.parametrize("raw", ["../../etc/passwd", "scenario.name=../../x", "/abs/path",
                                 "..", ".hidden", "a" * 300, "", "x=\n;rm -rf /"])
def test_point_ids_never_leave_the_output_directory(raw, tmp_path):
    pid = point_id(raw)
    assert "/" not in pid and "\\" not in pid and pid not in ("", ".", "..")
    assert not pid.startswith(".") and len(pid) <= 100
    target = (tmp_path / "points" / pid).resolve()
    assert tmp_path.resolve() in target.parents


def test_sweep_names_a_hostile_override_safely(tmp_path):
    out = tmp_path / "safe"
    proc = sim_cli("-m", "scenario.question=../../../escaped", *SHORT, f"out={out}")
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "escaped").exists()
    (point,) = (out / "points").iterdir()
    assert "/" not in point.name and point.parent == out / "points"


def test_api_sweep_matches_the_cli_layout(tmp_path):
    res = sweep([["params.w_autonomy=0.5"], ["params.w_autonomy=1.0"]], tmp_path / "api",
                scenario=["ots_deepening", "western_pressure"], runs=4, seed=2)
    traj = res.trajectories
    assert set(traj["scenario"]) == {"ots_deepening+western_pressure"}
    assert set(traj["params.w_autonomy"]) == {0.5, 1.0}
    assert traj.groupby("params.w_autonomy")["run"].nunique().tolist() == [4, 4]


def test_load_reads_a_single_run_directory_too(tmp_path):
    direct = bs.simulate("baseline", runs=5, seed=9, out=tmp_path / "one",
                         overrides=["runner.workers=1"])
    again = bs.load(tmp_path / "one")
    pd.testing.assert_frame_equal(direct.trajectories, again.trajectories)
    assert again.summary["runs"] == 5
    assert Path(again.path) == tmp_path / "one"


EXPERIMENTS = sorted(p.stem for p in (Path(bs.__file__).resolve().parents[2] / "conf"
                                      / "experiment").glob("*.yaml"))


def test_every_named_experiment_is_documented():
    root = Path(bs.__file__).resolve().parents[2]
    assert EXPERIMENTS, "conf/experiment/ holds the named sweeps"
    index = (root / "experiments" / "README.md").read_text()
    for name in EXPERIMENTS:
        assert (root / "experiments" / name / "README.md").is_file()
        assert f"experiment={name}" in (root / "experiments" / name / "README.md").read_text()
        assert name in index


def test_a_named_experiment_runs_its_grid_in_one_command(tmp_path):
    out = tmp_path / "exp"
    proc = sim_cli("-m", "experiment=three_plus_three_viability", "runs=2", "runner.workers=1",
               HAND_SET_START, f"out={out}")
    assert proc.returncode == 0, proc.stderr
    res = bs.load(out)
    assert len(res.summary["points"]) == 9
    assert set(res.platforms["scenario"]) == {
        "three_plus_three", "three_plus_three+armenia_pivot", "three_plus_three+peace_treaty"}
    assert set(res.platforms["scenario.events.ttt_secretariat_2027.value.value"]) == {
        0.0, 0.2, 0.4}
