"""Attacks on the replay phase (runner/replay.py; docs/RELIABILITY.md, attacks 327 and
after). Each test fails on the code before its fix."""

from __future__ import annotations

import pandas as pd

import balancing_sim as bs
from balancing_sim.results import TABLES

SHORT = ["scenario.end=2024-09", "params=calibrated", "runner.chunk_runs=4",
         "runner.record_every=12"]


def same(one, other) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(one, t), getattr(other, t), check_exact=True)
    assert one.summary == other.summary


def test_fewer_shared_histories_than_workers_are_replayed_and_change_no_number():
    """327. `scenario.histories=1` (or 2 on 3 workers): L = 1 history shared by every
    run, split between 2 workers, gave one worker no run to replay, and the command died
    with numpy's 'need at least one array to concatenate' (a traceback, nothing saved)."""
    one = bs.simulate("baseline", [*SHORT, "scenario.histories=1", "runner.workers=1"],
                      runs=12, seed=4)
    for workers, histories in ((2, 1), (3, 2)):
        many = bs.simulate("baseline", [*SHORT, f"scenario.histories={histories}",
                                        f"runner.workers={workers}",
                                        "runner.backend=threading"], runs=12, seed=4)
        assert many.timing["worker_cpu_seconds"]["replay"] > 0
        if histories == 1:
            same(one, many)


def test_the_replay_starts_no_more_processes_than_the_chunks_run_on(monkeypatch):
    """328. `runner.workers=6` with 3 chunks: the chunks run on 3 processes (the 3 the
    command warms up and estimates memory for: `jobs.parallel_workers`), but the replay
    was split into 6 parts on 6 processes (the pool grown for it, then shrunk again),
    each paying a fresh process's start-up for one history or two."""
    from balancing_sim.config.loading import compose
    from balancing_sim.runner import plan, replay
    from balancing_sim.world import compile_config

    config, _ = compose(["scenario=baseline", *SHORT, "scenario.histories=8", "runs=12"])
    jobs = plan(config, compile_config(config), None, 4)
    seen = []
    real = replay.dispatch

    def spy(function, items, workers, backend, *shared):
        seen.append((len(items), workers))
        return real(function, items, workers, backend, *shared)

    monkeypatch.setattr(replay, "dispatch", spy)
    (period, _), cpu = replay.shared_starts(jobs, 6, "threading")
    assert cpu > 0 and period == 8
    assert seen == [(3, 3)]  # as many parts and processes as the chunks run on
