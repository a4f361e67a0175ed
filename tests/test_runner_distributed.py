"""The same sweep on a Dask cluster: one override, identical numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from command import sim_cli
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim.api import sweep
from balancing_sim.results import TABLES

distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.distributed, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local:
        yield local


def test_a_sweep_on_a_dask_cluster_matches_local_cores(cluster, tmp_path):
    points = [["params.w_autonomy=0.5"], ["params.w_autonomy=1.0"]]
    common = ["runner.chunk_runs=3", HAND_SET_START]  # the backends, not the start
    on_dask = sweep([[*p, *common, f"runner.backend={cluster.scheduler_address}"]
                     for p in points], tmp_path / "dask", scenario="western_pressure", runs=8,
                    seed=5)
    local = sweep([[*p, *common, "runner.workers=2"] for p in points], tmp_path / "loky",
                  scenario="western_pressure", runs=8, seed=5)
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(on_dask, t), getattr(local, t))
    assert set(on_dask.trajectories["params.w_autonomy"]) == {0.5, 1.0}


def test_cli_multirun_with_runner_backend_dask(cluster, tmp_path):
    out = tmp_path / "cli"
    proc = sim_cli("-m", "scenario=baseline,ots_deepening", "runs=6", "runner.chunk_runs=2",
                   HAND_SET_START,
                   "runner.backend=dask", f"out={out}",
                   env={"DASK_SCHEDULER_ADDRESS": cluster.scheduler_address})
    assert proc.returncode == 0, proc.stderr
    res = bs.load(out)
    assert res.trajectories.groupby("scenario", observed=True)["run"].nunique().to_dict() == {
        "baseline": 6, "ots_deepening": 6}
    # the same points in memory, on local cores
    for scenario in ("baseline", "ots_deepening"):
        mem = bs.simulate(scenario, ["runner.workers=1", HAND_SET_START], runs=6)
        got = res.trajectories[res.trajectories["scenario"] == scenario]
        pd.testing.assert_frame_equal(
            got[mem.trajectories.columns].reset_index(drop=True), mem.trajectories,
            check_categorical=False)


def test_dask_without_an_address_starts_a_local_cluster(tmp_path, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    from balancing_sim.runner import close_clients

    try:
        res = bs.simulate("baseline", ["runner.backend=dask", "runner.workers=2",
                                       "runner.chunk_runs=2", HAND_SET_START], runs=4,
                          out=tmp_path / "lc")
    finally:
        close_clients()
    ref = bs.simulate("baseline", ["runner.workers=1", HAND_SET_START], runs=4)
    pd.testing.assert_frame_equal(res.trajectories, ref.trajectories)
