"""Attacks on the intervals of runs that share histories (rt12): sweep points that lack a
swept value, and what the effective runs must stay within."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_shared_intervals import effective

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


def test_a_chunk_written_before_the_history_column_is_rewritten_on_resume(tmp_path):
    """An attempt of the same config interrupted before the tables carried `history`:
    its finished chunk (runs 2-3, continuing histories 0-1) is rewritten on resume, not
    mixed with parts that have the column (where it would count as independent runs)."""
    import pyarrow.parquet as pq

    from balancing_sim import contract
    from balancing_sim.config.loading import compose
    from balancing_sim.runner import execute, layout, plan, run, store
    from balancing_sim.runner.folder import release
    from balancing_sim.world import compile_config

    settings = ["scenario=baseline", "runs=6", "seed=3", "scenario.end=2024-08",
                "scenario.histories=2", "runner.workers=1", "runner.chunk_runs=2"]
    config, data = compose(settings)
    reference = run(config, data, tmp_path / "ref").path
    out = tmp_path / "partial"
    stage = store.start(out, data)
    size = layout(out / "chunks", 6, 2)
    jobs = plan(config, compile_config(config), stage, size, store.stamp(config, data))
    done = execute(jobs[1])
    for table in contract.TABLES:  # as the code before the column wrote it
        path = stage / store.staged_name(table, 1)
        old = pq.read_table(path)
        pq.write_table(old.drop_columns(["history"]).replace_schema_metadata(
            old.schema.metadata), path)
    store.publish(out, stage, 1, done.count, done.summary, store.stamp(config, data))
    release(out)
    resumed = run(*compose(settings), out).path
    for table in contract.TABLES:
        for path in sorted((resumed / contract.table_dir(table)).glob("part-*.parquet")):
            assert "history" in pq.read_schema(path).names, path
        pd.testing.assert_frame_equal(pd.read_parquet(resumed / contract.table_dir(table)),
                                      pd.read_parquet(reference / contract.table_dir(table)))


def test_the_csv_says_differences_count_effective_runs_when_runs_share_histories(tmp_path):
    """Differences against the baseline are built from the effective runs' intervals: their
    `interval` says so as the shares' does; on their own histories nothing changes."""
    import balancing_sim as bs
    from balancing_sim import cli
    from balancing_sim.analysis import report

    for h in (2, 0):
        out = tmp_path / str(h)
        assert cli.main(["-m", "scenario=baseline,peace_treaty", "runs=4", "seed=1",
                         f"scenario.histories={h}", "runner.workers=1", f"out={out}"]) == 0
        numbers = report.key_numbers(bs.load(out))
        differences = numbers[numbers["quantity"].str.endswith(" - baseline")]
        assert set(differences["quantity"].str.split(" - ").str[0]) >= {
            "P(final posture)", "final hedging"}
        said = differences["interval"].str.endswith(", effective runs (shared histories)")
        assert said.all() if h else not said.any()


def test_figures_of_runs_sharing_histories_say_their_intervals_count_effective_runs(uneven):
    """`balancing-sim-plot` figures name the runs and 'Wilson intervals': on shared
    histories their titles say the intervals count effective runs; not otherwise."""
    import matplotlib.pyplot as plt

    from balancing_sim.analysis import plots

    traj = uneven.tables["trajectories"]
    own = traj.to_pandas().query("run < 2")  # runs 0 and 1: each its own history
    for frame, said in ((traj, True), (own, False)):
        for figure in (plots.outcome_distribution(frame), plots.bloc_chart(frame)):
            assert ("effective runs (shared histories)" in figure.get_suptitle()) is said
            plt.close(figure)


def test_runs_on_their_own_histories_beside_shared_ones_get_bit_for_bit_intervals(tmp_path):
    """A sweep point whose runs each have their own history (`scenario.histories=0`)
    beside one that shares histories: its intervals and `n_eff` are exactly those of
    the point analysed alone (independent runs), not equal up to rounding."""
    res = sweep([["scenario.end=2024-12", f"scenario.histories={h}"] for h in (3, 0)],
                tmp_path / "mixed", scenario="baseline", runs=25, seed=4)
    traj, mem = res.tables["trajectories"], res.tables["memberships"]
    own = {"scenario.histories": 0}
    assert metrics.clusters(traj) == ["history"] and not metrics.clusters(traj.select(**own))
    for f, table in ((metrics.outcome_probabilities, traj),
                     (metrics.join_probabilities, mem),
                     (metrics.bloc_probabilities, traj),
                     (metrics.hedging_final, traj)):
        together = f(table)
        together = together[together["scenario.histories"] == 0].reset_index(drop=True)
        alone = f(table.select(**own)).reset_index(drop=True)
        for column in ("lo", "hi", "n_eff"):
            if column in alone:
                np.testing.assert_array_equal(together[column].to_numpy(dtype=float),
                                              alone[column].to_numpy(dtype=float),
                                              err_msg=f"{f.__name__} {column}")


def test_an_outcome_each_history_holds_alike_counts_its_runs_not_its_histories():
    """12 runs on 3 histories; an outcome in 1 run of each history varies between runs
    but not at all between histories (no design effect): it counts its 12 runs, as one
    in 1, 1 and 2 runs of them does (the design effect measured below 1), not its 3
    histories as an outcome the same in every run."""
    history = np.arange(12) % 3
    once_each = np.isin(np.arange(12), [0, 1, 2])
    assert effective(once_each, history) == 12
    assert effective(once_each | (np.arange(12) == 5), history) == 12
    assert effective(np.zeros(12), history) == 3
    settled = history == 0  # every run of history 0, none of the others
    assert effective(settled, history) == pytest.approx(2 * 12 / 11)
