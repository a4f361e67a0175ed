"""Attacks on the intervals of runs that share histories (rt12): sweep points that lack a
swept value, and what the effective runs must stay within."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from balancing_sim.analysis import frames, metrics
from balancing_sim.api import sweep


@pytest.fixture(scope="module")
def uneven(tmp_path_factory):
    """Two sweep points on shared histories, only one of which sets
    `params.w_autonomy` (its column is empty for the other: an API sweep may do so)."""
    out = tmp_path_factory.mktemp("uneven")
    common = ["scenario.end=2024-08", "scenario.histories=2"]
    return sweep([common, [*common, "params.w_autonomy=0.5"]], out, scenario="baseline",
                 runs=4, seed=3)


FUNCTIONS = ((metrics.outcome_probabilities, "trajectories"),
             (metrics.join_probabilities, "memberships"),
             (metrics.bloc_probabilities, "trajectories"),
             (metrics.hedging_final, "trajectories"))


def test_a_point_without_a_swept_value_keeps_its_rows_when_runs_share_histories(
        uneven, monkeypatch):
    traj = uneven.tables["trajectories"]
    assert metrics.clusters(traj) == ["history"]
    points = set(traj.to_pandas(["point"])["point"].astype(str))
    assert len(points) == 2
    for streamed in (False, True):
        if streamed:
            monkeypatch.setattr(frames, "EXACT_ROWS", 0)
        for f, table in FUNCTIONS:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                out = f(uneven.tables[table])
            assert set(out["point"].astype(str)) == points, f.__name__
            assert out["params.w_autonomy"].isna().any(), f.__name__
            stats = out[[c for c in ("lo", "hi", "n_eff") if c in out]]
            assert np.isfinite(stats.to_numpy(dtype=float)).all(), f.__name__
        grid = metrics.sweep_grid(traj, "scenario.histories", None, "armenia", "russia")
        assert len(grid) == 2 and grid["params.w_autonomy"].isna().sum() == 1
        assert (grid["runs"] == 4).all()
    pd.testing.assert_series_equal(metrics.hedging_final(traj)["n"],
                                   pd.Series([4] * 16, name="n"), check_dtype=False)
