"""Runtime faults during a sweep: SIGINT, SIGKILL, disk full, permission denied.

Each is simulated for real: a subprocess receives the signal, or the writer raises
the OSError the operating system would.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim.api import sweep
from balancing_sim.results import TABLES

RUNS = 24
SLOW = [f"runs={RUNS}", "seed=11", "scenario.end=2026-06", "runner.workers=1",
        "runner.chunk_runs=1", HAND_SET_START]
"""One run per chunk: many small atomic writes, so a signal lands mid-sweep."""
SWEEP = ["-m", "params.w_autonomy=0.5,1.0"]


def cli_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "balancing_sim.cli", *args]


def done_markers(out: Path) -> int:
    return len(list(out.glob("**/chunks/*.done")))


def ctrl_c_as_a_terminal_sends_it() -> None:
    """A child this test stops with SIGINT must not inherit an ignored SIGINT (a shell
    ignores it in its background jobs): Python turns SIGINT into KeyboardInterrupt only
    if it was not ignored when Python started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_and_wait(args: list[str], out: Path, markers: int = 2) -> subprocess.Popen:
    proc = subprocess.Popen(cli_args(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=ctrl_c_as_a_terminal_sends_it)
    deadline = time.monotonic() + 60
    while done_markers(out) < markers:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return proc


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The sweep run in one go, in this process (once for every test that resumes it)."""
    res = sweep([[f"params.w_autonomy={w}", "scenario.end=2026-06", "runner.workers=1",
                  HAND_SET_START] for w in (0.5, 1.0)], tmp_path_factory.mktemp("reference"),
                runs=RUNS, seed=11)
    return {t: getattr(res, t) for t in TABLES}


def assert_complete_and_unique(out: Path, expected: dict[str, pd.DataFrame]) -> None:
    res = bs.load(out)
    for t in TABLES:
        got = getattr(res, t)
        keys = [c for c in ("params.w_autonomy", "run", "step", "actor", "platform")
                if c in got.columns]
        assert not got.duplicated(keys).any(), t
        columns = [c for c in expected[t].columns if c in got.columns and c != "point"]
        pd.testing.assert_frame_equal(
            got.sort_values(keys, ignore_index=True)[columns],
            expected[t].sort_values(keys, ignore_index=True)[columns], check_categorical=False)
    assert not list(out.glob("**/chunks"))
    assert not list(out.glob("**/.*.tmp"))


def test_sigkill_mid_sweep_then_rerun_resumes_to_a_complete_duplicate_free_dataset(tmp_path,
                                                                                    reference):
    sweep = SWEEP
    out = tmp_path / "killed"
    proc = start_and_wait([*sweep, *SLOW, f"out={out}"], out)
    proc.kill()  # SIGKILL: no cleanup of any kind
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    chunks = next(out.glob("points/*/chunks"))
    # what a kill during a write leaves behind: a temp file and a table without marker
    (chunks / ".000023.trajectories.parquet.abc.tmp").write_bytes(b"torn")
    (chunks / "000023.memberships.parquet").write_bytes(b"partial")
    (chunks.parent / ".trajectories.parquet.merge.tmp").write_bytes(b"torn merge")
    again = subprocess.run(cli_args(*sweep, *SLOW, f"out={out}"), capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert_complete_and_unique(out, reference)


def test_sigint_stops_quickly_says_how_to_resume_and_the_command_resumes(tmp_path, reference):
    out = tmp_path / "interrupted"
    args = [*SWEEP, *SLOW, f"out={out}"]
    proc = start_and_wait(args, out)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert proc.returncode in (130, 2)
    assert "Traceback" not in err
    line = next(x for x in err.splitlines() if x.startswith("Resume with: balancing-sim "))
    command = shlex.split(line.removeprefix("Resume with: balancing-sim "))
    assert command == args
    assert done_markers(out) >= 2  # what finished is on disk
    again = subprocess.run(cli_args(*command), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert_complete_and_unique(out, reference)


def test_sigint_without_out_names_the_directory_to_resume(tmp_path):
    proc = subprocess.Popen(cli_args(*SLOW, f"hydra.run.dir={tmp_path / 'auto'}"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_as_a_terminal_sends_it)
    deadline = time.monotonic() + 60
    while done_markers(tmp_path / "auto") < 3:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert f"out={tmp_path / 'auto'}" in err


FAULTY = """
import errno, sys
import balancing_sim.results as results
from balancing_sim.cli import main  # before the patch: the runner keeps the real writer

real, calls = results.atomic_write_bytes, [0]

def failing(path, data, **options):
    calls[0] += 1
    if calls[0] > {limit}:
        raise OSError(errno.{code}, {message!r}, str(path))
    return real(path, data, **options)

results.atomic_write_bytes = failing
sys.exit(main({args!r}))
"""


def run_faulty(args: list[str], limit: int, code: str, message: str,
               env: dict | None = None) -> subprocess.CompletedProcess:
    script = textwrap.dedent(FAULTY).format(limit=limit, code=code, message=message, args=args)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_disk_full_is_one_line_exit_2_and_keeps_what_was_written(tmp_path):
    out = tmp_path / "full"
    args = ["-m", "scenario=baseline,armenia_pivot", "runs=6", "seed=1", "runner.workers=1",
            "runner.chunk_runs=2", HAND_SET_START, f"out={out}"]
    # writes through the writer: sweep.json, then per point point.json, config.yaml,
    # layout.json, per chunk 3 table parts (staged by the worker) and its marker, then
    # summary.json and timing.json; the first point (3 chunks) and one chunk of the
    # second succeed, then the disk is full
    proc = run_faulty(args, limit=1 + 17 + 3 + 4, code="ENOSPC",
                      message="No space left on device")
    assert proc.returncode == 2, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.startswith("balancing-sim:")]
    assert len(lines) == 1 and "No space left on device" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    res = bs.load(out)  # the finished point and the finished chunk are intact
    runs = res.trajectories.groupby("scenario", observed=True)["run"].nunique().to_dict()
    assert runs == {"baseline": 6, "armenia_pivot": 2}
    assert not list(out.glob("**/*.tmp"))
    again = subprocess.run(cli_args(*args), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert bs.load(out).trajectories.groupby("scenario", observed=True)["run"].nunique(
    ).to_dict() == {"armenia_pivot": 6, "baseline": 6}


def test_permission_denied_is_one_line_and_debug_shows_the_traceback(tmp_path):
    out = tmp_path / "denied"
    args = ["runs=4", "runner.workers=1", "runner.chunk_runs=2", f"out={out}"]
    proc = run_faulty(args, limit=3, code="EACCES", message="Permission denied")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Permission denied" in proc.stderr
    debug = run_faulty(args, limit=0, code="EACCES", message="Permission denied",
                       env={"HYDRA_FULL_ERROR": "1"})
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_sigterm_stops_like_ctrl_c(tmp_path):
    out = tmp_path / "terminated"
    proc = start_and_wait([*SLOW, f"out={out}"], out)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Resume with: balancing-sim" in err and "Traceback" not in err
