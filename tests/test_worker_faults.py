"""Workers die with their run, never write into the output themselves, and a chunk's
identity is checked when the run combines it (issue 15, item 2)."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest
from options import HAND_SET_START

from balancing_sim.config.loading import compose
from balancing_sim.runner import OutputConflict, run, sinks


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_the_workers_of_a_killed_run_stop_at_once(tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "balancing_sim.cli", "runs=400", "scenario=history",
         "runner.workers=2", "runner.chunk_runs=8", "runner.progress=off", f"out={out}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[psutil.Process] = []
    try:
        wait_for(lambda: any(out.glob("chunks/*.done")) or proc.poll() is not None, 120,
                 "no chunk finished")
        assert proc.poll() is None, proc.stderr.read()
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert workers
        proc.kill()  # SIGKILL: the run cannot tell its workers anything
        proc.wait(timeout=30)
        wait_for(lambda: not any(map(alive, workers)), 20, "workers outlived their run")
    finally:
        proc.kill()
        for w in workers:
            if alive(w):
                w.kill()


def test_a_worker_never_creates_the_folder_it_writes_into(tmp_path):
    from balancing_sim.runner.store import write_parts

    config, data = compose(["runs=2", "scenario.end=2024-12", "runner.workers=1"])
    tables = run(config, data, None).tables
    chunk = {t: table.parts[0].source for t, table in tables.items()}
    with pytest.raises(FileNotFoundError):
        write_parts(tmp_path / "removed" / ".staging" / "1", 0, chunk)
    assert list(tmp_path.iterdir()) == []


def test_a_part_computed_for_another_seed_is_caught_when_the_run_combines(tmp_path,
                                                                          monkeypatch):
    """What a worker of a killed run writing late would leave: a chunk of seed 1 in a
    run of seed 2. The run refuses to call that a result."""
    base = ["runs=6", "scenario.end=2025-06", "runner.workers=1", "runner.chunk_runs=2",
            HAND_SET_START]
    other = tmp_path / "seed1"
    run(*compose([*base, "seed=1"]), other)
    late = (other / "trajectories.parquet" / "part-000001.parquet").read_bytes()
    accept = sinks.DiskSink.accept

    def accept_then_overwrite(self, done):
        accept(self, done)
        if done.index == 1:
            (self.out / "trajectories.parquet" / "part-000001.parquet").write_bytes(late)

    monkeypatch.setattr(sinks.DiskSink, "accept", accept_then_overwrite)
    with pytest.raises(OutputConflict, match="computed for another config or seed"):
        run(*compose([*base, "seed=2"]), tmp_path / "seed2")
    assert not (tmp_path / "seed2" / "summary.json").exists()
