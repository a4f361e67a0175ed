"""A sweep checks every point before running any (issue 15, item 7), and whatever reads
a sweep says when it is incomplete."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from command import run_cli, sim_cli
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim import cli
from balancing_sim.config.errors import ConfigError

SHORT = ["runs=3", "seed=5", "scenario.end=2025-06", "runner.workers=1", HAND_SET_START]



def test_a_sweep_with_one_bad_value_runs_no_point(tmp_path):
    out = tmp_path / "sweep"
    proc = sim_cli("-m", "params.w_autonomy=0.5,-1,1.0", *SHORT, f"out={out}", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "sweep point params.w_autonomy=-1" in proc.stderr
    assert "params.w_autonomy = -1: a finite number in [0, 1e+06]" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_problem_of_every_point_is_listed_once():
    from balancing_sim.config.points import points

    with pytest.raises(ConfigError) as info:
        points(["params.w_autonomy=0.5,-1", "params.temperature=-2,1"])
    text = str(info.value)
    assert text.count("params.w_autonomy = -1") == 2 and text.count("temperature = -2") == 2
    with pytest.raises(ConfigError) as info:
        points(["params.w_autonomy=0.5,1.0", "runs=0"])
    (problem,) = info.value.problems  # a mistake shared by every point is said once
    assert problem.key == "runs" and "sweep point" not in problem.file


def test_the_points_are_the_jobs_hydra_composes():
    """Points sharing one composition get exactly what a full composition gives."""
    from balancing_sim.config.loading import compose_run
    from balancing_sim.config.points import points

    for p in points(["experiment=ots_under_pressure", "runs=7"])[::4]:
        config, data, places = compose_run(list(p.overrides))
        assert (config, data) == (p.config, p.data)
        assert places.subdir == p.places.subdir and places.out == p.places.out



def test_two_points_sharing_a_folder_are_refused(tmp_path):
    proc = sim_cli("-m", "scenario.name=a/b,a_b", *SHORT, f"out={tmp_path / 's'}",
                   cwd=tmp_path)
    assert proc.returncode == 2 and "a folder of its own for each point" in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    proc = sim_cli("-m", "params.w_autonomy=0.5,1.0", *SHORT, f"out={out}", cwd=out.parent)
    assert proc.returncode == 0, proc.stderr
    return out


def unfinish(out: Path, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the sweep whose second point did not finish."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    point = sorted((copy / "points").iterdir())[1]
    (point / "summary.json").unlink()
    return copy, point.name


def test_load_says_which_points_of_a_sweep_have_not_finished(finished_sweep, tmp_path):
    from balancing_sim.results import IncompleteResults

    copy, name = unfinish(finished_sweep, tmp_path)
    with pytest.warns(IncompleteResults, match="1 of 2 points have not finished"):
        res = bs.load(copy)
    assert res.incomplete == [name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bs.load(finished_sweep).incomplete == []


def test_a_point_that_never_started_is_missing_from_the_sweep(finished_sweep, tmp_path):
    import shutil

    from balancing_sim.results import IncompleteResults

    copy, _ = unfinish(finished_sweep, tmp_path)
    for point in (copy / "points").iterdir():
        shutil.rmtree(point)
    with pytest.warns(IncompleteResults, match="2 of 2 points"):
        assert len(bs.load(copy).incomplete) == 2


def test_plot_says_when_a_sweep_is_incomplete(finished_sweep, tmp_path, capsys):
    copy, name = unfinish(finished_sweep, tmp_path)
    assert cli.plot_main([str(copy), "--out", str(tmp_path / "fig")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("balancing-sim-plot: warning: ") and name in err


def test_export_says_when_a_sweep_is_incomplete_on_one_line(finished_sweep, tmp_path):
    copy, name = unfinish(finished_sweep, tmp_path)
    done = run_cli("balancing-sim-export", str(copy), "--out", str(tmp_path / "csv"))
    assert done.returncode == 0
    assert done.stderr == (f"balancing-sim-export: warning: {copy}: the sweep is incomplete, "
                           f"1 of 2 points have not finished ({name}); resume it with the "
                           "same command\n")
