"""Output folders (issue 15, items 3, 8, 9, 10, 11): a run owns only what it created,
a finished run is one whose tables agree with its summary and config, every file stays
inside out=, one run at a time per folder, and nothing is written before the config is
known good."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from command import Done, sim_cli, sim_process
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim import cli

SHORT = ["runs=4", "scenario.end=2025-06", "runner.workers=1", "runner.chunk_runs=2",
         HAND_SET_START]



def refused(proc: Done | subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("balancing-sim: ")
    assert proc.stderr.count("\n") == 1 or " problems\n  - " in proc.stderr, proc.stderr
    return proc.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------ 3. a run owns what it created


@pytest.mark.parametrize("files", [
    {"chunks/keep.txt": "my notes", ".draft.tmp": "unsaved"},
    {"config.yaml": "my: own config\n", "notes.txt": "x"},
    {"chunks/keep.txt": "my notes", "config.yaml": "my: own config\n"},
])
def test_a_folder_holding_other_files_is_refused_and_left_untouched(tmp_path, files):
    out = tmp_path / "mine"
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    before = snapshot(out)
    err = refused(sim_process(*SHORT, f"out={out}", cwd=tmp_path))  # another process
    assert "a folder balancing-sim did not create" in err
    assert snapshot(out) == before


def test_an_empty_folder_and_the_runs_own_unfinished_folder_are_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert sim_cli(*SHORT, f"out={out}", cwd=tmp_path).returncode == 0
    (out / "summary.json").unlink()  # as if killed before the summary was written
    again = sim_cli(*SHORT, f"out={out}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "summary.json").read_text())["runs"] == 4


# ------------------------------------------------------------ 8. no false success


def test_a_stray_summary_is_not_a_finished_run(tmp_path):
    out = tmp_path / "stray"
    out.mkdir()
    (out / "summary.json").write_text('{"runs": 7}')
    proc = sim_cli(*SHORT, f"out={out}", cwd=tmp_path)
    refused(proc)
    assert "Final postures" not in proc.stdout


@pytest.mark.parametrize("damage", ["remove a part", "empty summary", "foreign part"])
def test_a_finished_run_whose_tables_disagree_is_not_success(tmp_path, damage):
    out = tmp_path / "done"
    assert sim_cli(*SHORT, f"out={out}", cwd=tmp_path).returncode == 0
    part = out / "trajectories.parquet" / "part-000001.parquet"
    if damage == "remove a part":
        part.unlink()
    elif damage == "empty summary":
        (out / "summary.json").write_text("{}")
    else:
        other = tmp_path / "other"
        assert sim_cli(*SHORT, "seed=4", f"out={other}", cwd=tmp_path).returncode == 0
        part.write_bytes((other / "trajectories.parquet" / part.name).read_bytes())
    proc = sim_cli(*SHORT, f"out={out}", cwd=tmp_path)
    assert "do not match its config.yaml and summary.json" in refused(proc)
    assert "Final postures" not in proc.stdout


# ------------------------------------------------------------ 9. paths


def test_a_tilde_in_out_is_the_home_folder_for_the_checks_and_the_writes(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = sim_cli(*SHORT, "out='~/results'", cwd=tmp_path, env={"HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    assert (home / "results" / "summary.json").is_file()
    assert not (tmp_path / "~").exists()


@pytest.mark.parametrize("setting, key", [
    ("hydra.output_subdir={escape}", "hydra.output_subdir"),
    ("hydra.output_subdir=../..", "hydra.output_subdir"),
    ("hydra.job.chdir=true", "hydra.job.chdir"),
    ("hydra.run.dir=/", "/"),
])
def test_hydra_settings_cannot_put_files_outside_out(tmp_path, setting, key):
    work, escape = tmp_path / "work", tmp_path / "escape"
    work.mkdir()
    err = refused(sim_cli(*SHORT, setting.format(escape=escape), cwd=work))
    assert key in err
    assert list(work.iterdir()) == []
    assert not escape.exists()


def test_an_escaping_sweep_subdir_is_refused_before_any_folder_exists(tmp_path):
    out = tmp_path / "sweep"
    err = refused(sim_cli("-m", "params.w_autonomy=0.5,1.0", *SHORT, f"out={out}",
                          "hydra.sweep.subdir=../escaped", cwd=tmp_path))
    assert "hydra.sweep.subdir" in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ 10. one run per folder


def test_a_second_run_on_a_folder_in_use_says_who_holds_it(tmp_path):
    from balancing_sim.runner import folder

    out = tmp_path / "busy"
    folder.claim(out, "run")  # this test process is the first run
    try:
        err = refused(sim_process(*SHORT, f"out={out}", cwd=tmp_path))  # another process
    finally:
        folder.release(out)
    assert f"in use by another run (pid {os.getpid()}" in err
    assert not (out / "config.yaml").exists()
    assert sim_cli(*SHORT, f"out={out}", cwd=tmp_path).returncode == 0  # free again


# ------------------------------------------------------------ 11. smaller


INTERRUPT_WHILE_FINISHING = """
import sys
import balancing_sim.runner.store as store
from balancing_sim.cli import main

def finish(*args, **kwargs):
    raise KeyboardInterrupt  # Ctrl-C while the summary is written

store.finish = finish
sys.exit(main({args!r}))
"""


def test_ctrl_c_while_finishing_says_what_is_saved_and_the_command_resumes(tmp_path):
    out = tmp_path / "final"
    args = [*SHORT, f"out={out}"]
    script = textwrap.dedent(INTERRUPT_WHILE_FINISHING).format(args=args)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 130, proc.stderr
    assert "4 of 4 runs of this point are saved" in proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("Resume with: "))
    again = sim_cli(*shlex.split(line.removeprefix("Resume with: balancing-sim ")),
                    cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert bs.load(out).summary["runs"] == 4


def test_a_rejected_rerun_leaves_the_provenance_alone(tmp_path):
    out = tmp_path / "kept"
    assert sim_cli(*SHORT, f"out={out}", cwd=tmp_path).returncode == 0
    before = snapshot(out)
    assert "holds results of a different config" in refused(
        sim_cli(*SHORT, "seed=99", f"out={out}", cwd=tmp_path))
    assert snapshot(out) == before  # .hydra/ included


def test_a_sweep_with_a_bad_setting_creates_nothing(tmp_path):
    refused(sim_cli("-m", "params.w_autonomy=0.5,1.0", *SHORT, "runner.backend=bogus",
                    cwd=tmp_path))
    refused(sim_cli("-m", "runs=4.0,8", "runner.progress=bogus", cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_more_workers_than_cores_are_capped_and_warned_about(tmp_path):
    from balancing_sim.runner import folder
    from balancing_sim.runner.precheck import prepare_run

    prepared = prepare_run(["runs=600", "runner.chunk_runs=128", "runner.workers=64",
                            f"out={tmp_path / 'w'}"])
    folder.release(tmp_path / "w")
    assert prepared.workers == 5  # five chunks of at most 128 runs: five processes
    assert any("runner.workers=64 is more than the" in n for n in prepared.notes)


def test_an_override_given_twice_is_refused(tmp_path):
    err = refused(sim_cli("runs=2", "runs=3", cwd=tmp_path))
    assert "runs = ['runs=2', 'runs=3']: given once" in err


def test_a_sweep_into_a_finished_run_folder_is_refused(tmp_path):
    out = tmp_path / "single"
    assert sim_cli(*SHORT, f"out={out}", cwd=tmp_path).returncode == 0
    err = refused(sim_cli("-m", "params.w_autonomy=0.5,1.0", *SHORT, f"out={out}",
                          cwd=tmp_path))
    assert "holds a single run, not a sweep" in err
    assert bs.load(out).summary["runs"] == 4 and not (out / "points").exists()


def test_load_of_an_empty_folder_says_it_holds_no_results(tmp_path):
    from balancing_sim.results import NotResults

    with pytest.raises(NotResults, match="not a results directory"):
        bs.load(tmp_path)


def test_in_process_main_releases_its_folder(tmp_path, monkeypatch):
    from balancing_sim.runner import folder

    monkeypatch.chdir(tmp_path)
    assert cli.main([*SHORT, f"out={tmp_path / 'a'}"]) == 0
    assert not folder._HELD
