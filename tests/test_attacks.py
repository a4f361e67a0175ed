"""Attacks beyond those of issue 15, tried on the product's own promises (configs are
data, a run owns its folder, faults lose nothing, every mistake is one line): each test
is an attack that failed before it was fixed, or a promise worth keeping."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from command import Done, sim_cli, sim_process
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim import cli
from balancing_sim.results import IncompleteResults

SHORT = ["runs=4", "scenario.end=2025-06", "runner.workers=1", "runner.chunk_runs=2",
         HAND_SET_START]



def refused(proc: Done | subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("balancing-sim: ")
    return proc.stderr


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def finished(out: Path, tmp_path: Path) -> Path:
    assert sim_cli(*SHORT, f"out={out}", cwd=tmp_path).returncode == 0
    return out


# ------------------------------------------------------------ symbolic links


def test_a_symlinked_table_folder_inside_a_run_is_refused(tmp_path):
    out = finished(tmp_path / "own", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "summary.json").unlink()  # an unfinished run that will write its tables again
    for part in (out / "trajectories.parquet").iterdir():
        part.unlink()
    (out / "trajectories.parquet").rmdir()
    (out / "trajectories.parquet").symlink_to(elsewhere)
    assert "a symbolic link" in refused(sim_cli(*SHORT, f"out={out}", cwd=tmp_path))
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_folder_mark_never_writes_through_the_link(tmp_path):
    out = tmp_path / "marked"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / ".balancing-sim").symlink_to(victim)
    refused(sim_cli(*SHORT, f"out={out}", cwd=tmp_path))
    assert victim.read_text() == "precious"


def test_out_as_a_link_to_someone_elses_folder_is_refused(tmp_path):
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "thesis.tex").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "theirs")
    assert "did not create" in refused(sim_cli(*SHORT, f"out={tmp_path / 'link'}",
                                              cwd=tmp_path))


def test_a_folder_mark_that_is_a_directory_is_one_line(tmp_path):
    (tmp_path / "odd" / ".balancing-sim").mkdir(parents=True)
    refused(sim_cli(*SHORT, f"out={tmp_path / 'odd'}", cwd=tmp_path))


# ------------------------------------------------------------ files and names


def test_a_byte_order_mark_before_the_header_is_named(tmp_path):
    (tmp_path / "myconf" / "scenario").mkdir(parents=True)
    (tmp_path / "myconf" / "scenario" / "bom.yaml").write_bytes(
        b"\xef\xbb\xbf# @package _global_\r\nscenario:\r\n  name: bom\r\n")
    err = refused(sim_cli(f"hydra.searchpath=[file://{tmp_path / 'myconf'}]", "scenario=bom",
                          "runs=1", cwd=tmp_path))
    assert "bom.yaml: line 1" in err and "byte-order mark" in err


def test_a_binary_config_yaml_in_an_own_folder_is_one_line(tmp_path):
    out = finished(tmp_path / "bin", tmp_path)
    (out / "summary.json").unlink()
    (out / "chunks").mkdir()
    (out / "config.yaml").write_bytes(b"\xff\xfe\x00garbage")
    assert "holds results of a different config" in refused(
        sim_cli(*SHORT, f"out={out}", cwd=tmp_path))
    (out / "config.yaml").write_text("- a\n- list\n")
    assert "holds results of a different config" in refused(
        sim_cli(*SHORT, f"out={out}", cwd=tmp_path))


RESUME_AFTER = """
import os, signal, sys, time
import balancing_sim.runner.store as store
from balancing_sim.cli import main

def finish(*args, **kwargs):
    os.kill(os.getpid(), signal.{signal})
    time.sleep(30)  # the signal arrives here

store.finish = finish
sys.exit(main({args!r}))
"""


@pytest.mark.parametrize("name", ["SIGTERM"])
def test_a_quoted_unicode_folder_survives_a_stop_and_its_resume_command(tmp_path, name):
    out = tmp_path / "résultats d'été"
    args = [*SHORT, "out='" + str(out).replace("'", "\\'") + "'"]
    script = textwrap.dedent(RESUME_AFTER).format(signal=name, args=args)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 130, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("Resume with: "))
    again = sim_cli(*shlex.split(line.removeprefix("Resume with: balancing-sim ")),
                    cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "summary.json").read_text())["runs"] == 4


# ------------------------------------------------------------ faults


def test_a_killed_worker_is_one_line_and_the_command_resumes(tmp_path):
    out = tmp_path / "lost"
    args = ["runs=48", "scenario=history", "runner.workers=2", "runner.chunk_runs=8",
            "runner.progress=off", f"out={out}"]
    proc = subprocess.Popen([sys.executable, "-m", "balancing_sim.cli", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any(out.glob("chunks/*.done")) or proc.poll() is not None, 120,
                 "no chunk finished")
        workers = [k for k in psutil.Process(proc.pid).children(recursive=True)
                   if "LokyProcess" in " ".join(k.cmdline())]
        workers[0].kill()  # what the out-of-memory killer does
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert "a worker process died" in err
    line = next(x for x in err.splitlines() if x.startswith("Resume with: "))
    again = sim_cli(*shlex.split(line.removeprefix("Resume with: balancing-sim ")),
                    cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert bs.load(out).summary["runs"] == 48


def test_ctrl_c_before_hydra_starts_is_one_line(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    monkeypatch.setattr(cli, "prepare_run", interrupted)
    assert cli.main(["runs=1"]) == 130
    assert "interrupted; nothing was written" in capsys.readouterr().err


def test_a_run_beyond_the_disk_is_refused_unless_forced(tmp_path, monkeypatch, capsys):
    from balancing_sim.runner import estimate

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    monkeypatch.setattr(estimate, "free_disk", lambda out: 1000.0)
    assert cli.main([*SHORT, f"out={tmp_path / 'd'}"]) == 2
    assert "writes about" in capsys.readouterr().err and not (tmp_path / "d").exists()


# ------------------------------------------------------------ readers and sweeps


def test_a_reader_during_a_run_sees_whole_chunks_only(tmp_path):
    out = tmp_path / "live"
    proc = subprocess.Popen([sys.executable, "-m", "balancing_sim.cli", "runs=60",
                             "scenario=history", "runner.workers=1", "runner.chunk_runs=2",
                             "runner.progress=off", f"out={out}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: len(list(out.glob("chunks/*.done"))) >= 2 or proc.poll() is not None,
                 120, "no chunks")
        with pytest.warns(IncompleteResults, match="has not finished"):
            res = bs.load(out)
        runs = res.trajectories["run"].nunique()
        assert res.incomplete == ["run"] and runs % 2 == 0 and runs >= 4
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_second_sweep_on_a_sweep_in_use_is_refused(tmp_path):
    from balancing_sim.runner import folder

    out = tmp_path / "busy"
    folder.claim(out, "sweep")
    try:
        err = refused(sim_process("-m", "params.w_autonomy=0.5,1.0", *SHORT,
                                  f"out={out}", cwd=tmp_path))  # another process
    finally:
        folder.release(out)
    assert "in use by another run" in err and not (out / "points").exists()


def test_sweeping_the_output_folder_is_refused(tmp_path):
    err = refused(sim_cli("-m", f"out={tmp_path / 'a'},{tmp_path / 'b'}", *SHORT,
                          cwd=tmp_path))
    assert "one output folder for the whole sweep" in err
    assert list(tmp_path.iterdir()) == []


def test_torn_point_files_make_a_sweep_incomplete_not_a_traceback(tmp_path):
    out = tmp_path / "s"
    assert sim_cli("-m", "params.w_autonomy=0.5,1.0", *SHORT, f"out={out}",
                   cwd=tmp_path).returncode == 0
    first, second = sorted((out / "points").iterdir())
    (first / "point.json").write_text("{torn")
    (second / "summary.json").write_text("[1, 2")
    with pytest.warns(IncompleteResults, match="2 of 2 points"):
        assert sorted(bs.load(out).incomplete) == [first.name, second.name]
