"""The replay phase: histories shared by a forward scenario's runs are replayed once,
split between the workers, and change no number (runner/replay.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim.config.loading import compose
from balancing_sim.draws import for_runs, load_draws
from balancing_sim.dynamics import start
from balancing_sim.results import TABLES
from balancing_sim.runner import plan
from balancing_sim.runner.replay import shared_starts
from balancing_sim.world import compile_config

SHORT = ["scenario.end=2024-09", "params=calibrated", "scenario.histories=3",
         "runner.chunk_runs=4"]


def jobs_of(overrides, runs=12):
    config, _ = compose(["scenario=baseline", *overrides, f"runs={runs}"])
    return plan(config, compile_config(config), None, 4)


def test_two_workers_replay_the_shared_histories_once_and_change_no_number():
    one = bs.simulate("baseline", [*SHORT, "runner.workers=1"], runs=12, seed=2)
    two = bs.simulate("baseline", [*SHORT, "runner.workers=2"], runs=12, seed=2)
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(one, t), getattr(two, t))
    assert two.timing["worker_cpu_seconds"]["replay"] > 0
    assert "replay" not in one.timing["worker_cpu_seconds"]


def test_the_replay_gives_every_chunk_the_end_states_the_first_runs_start_from():
    jobs = jobs_of(SHORT)
    (period, states), cpu = shared_starts(jobs, 2, "threading")
    assert cpu > 0 and period == 3  # run r continues history r mod 3
    first = jobs[0]
    ends = start.prefix_end(first.compiled.prefix, first.params, first.seed, np.arange(3))
    np.testing.assert_array_equal(states.align, ends.align)
    np.testing.assert_array_equal(states.status, ends.status)


def test_the_end_states_travel_once_not_with_every_chunk(monkeypatch):
    """One object shared by every chunk's call (`dispatch`'s shared arguments: a Dask
    cluster gets it scattered once), not a copy inside each job."""
    from balancing_sim.runner import loop

    calls = []
    real = loop.dispatch

    def spy(function, items, workers, backend, *shared):
        calls.append((function.__name__, [id(s) for s in shared]))
        return real(function, items, workers, backend, *shared)

    monkeypatch.setattr(loop, "dispatch", spy)
    bs.simulate("baseline", [*SHORT, "runner.workers=2", "runner.backend=threading"],
                runs=12, seed=2)
    [(name, [shared])] = calls
    assert name == "execute" and shared != id(None)


def test_nothing_is_replayed_beforehand_where_no_history_is_shared():
    one_each = jobs_of(["scenario.end=2024-09", "params=calibrated", "scenario.histories=12"])
    assert shared_starts(one_each, 2, "threading") == (None, 0.0)
    shared = jobs_of(SHORT)
    assert shared_starts(shared, 1, "threading") == (None, 0.0)  # one process keeps them
    history = jobs_of([])
    history = [dataclasses.replace(j, compiled=j.compiled.prefix) for j in history]
    assert shared_starts(history, 2, "threading") == (None, 0.0)  # no prefix


def test_runs_start_alike_after_the_least_common_multiple_of_histories_and_draws():
    config, _ = compose(["scenario=baseline", "params=posterior", "scenario.histories=8"])
    compiled = compile_config(config)
    draws = len(load_draws(config.params.draws)[1])
    period = start.start_period(compiled, config.params)
    assert period == np.lcm(8, draws)
    runs = np.array([5, 5 + period, 5 + 8])
    keys = start.start_keys(compiled, for_runs(config.params, runs)[0], 1, runs)
    assert keys[0] == keys[1] != keys[2]  # r + 8: same history, another draw


def test_the_estimate_counts_the_histories_a_command_replays():
    """The time estimate printed before a run counted the forward months only, though
    a baseline run replays 390 months of history first (half the estimate of a
    3,000-run command was missing)."""
    from balancing_sim.runner.estimate import estimate

    def seconds(*overrides):
        config, _ = compose(["scenario=baseline", "runs=3000", "params=calibrated",
                             *overrides])
        return estimate(config).seconds

    hand_set, shared, own = (seconds("scenario.after=''"), seconds(),
                             seconds("scenario.histories=0"))
    assert hand_set < shared < own
    # 3,000 replays against 1,200 (a hand-set start simulates one month more: rel)
    assert (own - hand_set) == pytest.approx((shared - hand_set) * 3000 / 1200, rel=0.02)
