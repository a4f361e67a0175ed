"""Attacks on the analysis commands (RELIABILITY 275 and after): balancing-sim-discover,
-sensitivity and -landscape given hostile options, files and reruns. Each test fails on
the code before its fix."""

from __future__ import annotations

import json

import pytest
from worlds import tiny_world_dict, user_folder

from balancing_sim import discovery
from balancing_sim.analysis import sensitivity
from balancing_sim.config.errors import ConfigError
from balancing_sim.evaluation import Study


@pytest.mark.parametrize("main", [discovery.main, sensitivity.main],
                         ids=["discover", "sensitivity"])
@pytest.mark.parametrize("workers", ["0", "-3", "5000"])
def test_a_worker_count_runner_workers_refuses_is_refused_before_anything_runs(
        main, workers, tmp_path, capsys):
    """discover: 5000 ended in a traceback after the plan line; sensitivity: 0 and -3 ran
    on one worker and 5000 started a process per point, silently."""
    tiny = [f"--set={o}" for o in user_folder(tmp_path / "conf", tiny_world_dict())[:2]]
    small = (["--outcome", "alpha in_bloc", "--samples", "2"] if main is discovery.main
             else ["--method", "morris", "-n", "2", "--param", "w_autonomy=0.5:2"])
    with pytest.raises(SystemExit) as exit_:  # small, should it ever run
        main([*small, "--scenario", "mine", *tiny, "--runs", "1", "--workers", workers,
              "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --workers: {workers!r}: -1 (every core) or a whole number from 1 to 4096" \
        in err
    assert not (tmp_path / "o").exists()


def test_a_rerun_that_finds_no_box_leaves_no_earlier_box_beside_its_results(tmp_path, capsys):
    """A rerun into the same --out whose outcome held at every point wrote samples.csv and
    discovery.json ("box": null) beside the box.csv, trajectory.csv and figures of the
    earlier run's other outcome (RELIABILITY 277)."""
    out = tmp_path / "out"
    out.mkdir()
    earlier = ["trajectory.csv", "box.csv", "discovery.png", "discovery.svg"]
    for name in earlier:
        (out / name).write_text("the earlier run's\n")
    (out / ".balancing-sim-files").write_text(json.dumps(earlier))
    (out / "notes.txt").write_text("mine\n")
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text("ranges:\n  w_autonomy: [0.0, 3.0]\n")
    overrides = user_folder(tmp_path / "conf", tiny_world_dict())
    code = discovery.main(["--scenario", "mine", "--outcome", "alpha hedging < 2",
                           "--ranges", str(ranges), "--samples", "2", "--runs", "1",
                           "--out", str(out), *(f"--set={o}" for o in overrides[:2])])
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / "discovery.json").read_text())["box"] is None
    assert sorted(p.name for p in out.iterdir()) == [
        ".balancing-sim-files", "discovery.json", "notes.txt", "samples.csv"]


def test_a_list_item_has_one_spelling_so_a_factor_is_never_given_twice(tmp_path, capsys):
    """`threat.0.value` and `threat.00.value` named one number: sensitivity sampled two
    factors of which the last set won, silently (RELIABILITY 278)."""
    overrides = user_folder(tmp_path / "conf", tiny_world_dict())
    code = sensitivity.main(["--scenario", "mine", *(f"--set={o}" for o in overrides[:2]),
                             "--param", "scenario.conditions.threat.0.value=0.1:0.9",
                             "--param", "scenario.conditions.threat.00.value=0.2:0.3",
                             "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["balancing-sim-sensitivity: unknown parameter(s) or config key(s): "
                   "scenario.conditions.threat.00.value"]
    assert not (tmp_path / "o").exists()


def test_a_parameter_given_under_two_spellings_in_one_set_is_refused(tmp_path):
    """`w_autonomy` and `params.w_autonomy` in one set of values: the last kept, silently."""
    study = Study("mine", user_folder(tmp_path / "conf", tiny_world_dict())[:2])
    with pytest.raises(ConfigError) as error:
        study.configure({"w_autonomy": 1.0, "params.w_autonomy": 2.0})
    assert [(p.key, p.value) for p in error.value.problems] == [
        ("params['params.w_autonomy']", 2.0)]
    assert "also given as 'w_autonomy'" in str(error.value)


@pytest.mark.parametrize("text, said", [
    ("w_autonomy,w_identity\n0.1,abc\n0.5,0.3\n", "column 'w_identity', row 1: 'abc'"),
    ("w_autonomy,w_identity\n0.1,\n0.5,\n", "column 'w_identity', row 1: nan"),
    ("w_autonomy\n0.1\ninf\n", "column 'w_autonomy', row 2: inf"),
    ("", "a CSV or Parquet table of draws"),
])
def test_a_table_of_draws_without_a_number_in_every_row_is_refused_by_file_and_column(
        tmp_path, text, said):
    """'could not convert string to float' naming no file; 'No columns to parse from
    file'; a column with no number dropped from the ranges, silently (RELIABILITY 281)."""
    draws = tmp_path / "draws.csv"
    draws.write_text(text)
    with pytest.raises(ValueError) as error:
        discovery.load_ranges(str(draws))
    assert str(error.value).startswith(f"--ranges {draws}: ")
    assert said in str(error.value)


def test_a_range_of_true_and_false_is_refused(tmp_path):
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text("ranges:\n  w_autonomy: [false, true]\n")
    with pytest.raises(ValueError, match=r"w_autonomy: \[False, True\] is not \[low, high\]"):
        discovery.load_ranges(str(ranges))
