"""Runs that share histories are counted by their histories: the intervals of shares and
means use the effective runs (n / design effect from the per-history totals), and runs
that each have their own history keep the intervals of independent runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from command import run_cli

from balancing_sim.analysis import frames, metrics, report
from balancing_sim.api import sweep


def effective(outcome: np.ndarray, history: np.ndarray) -> float:
    per = pd.DataFrame({"unit": 0, "history": history, "y": outcome.astype(float)}).groupby(
        ["unit", "history"]).agg(total=("y", "sum"), runs=("y", "size"))
    return float(metrics.effective_runs(per[["total"]], per["runs"].astype(float),
                                        ["unit"])["total"].iloc[0])


def test_effective_runs_count_histories_for_what_the_history_settles_and_runs_for_chance():
    rng = np.random.default_rng(0)
    clusters, size = 50, 8
    history = np.repeat(np.arange(clusters), size)
    n = clusters * size
    settled = np.repeat(rng.random(clusters) < 0.3, size)  # every run of a history alike
    assert effective(settled, history) == pytest.approx((clusters - 1) * n / (n - 1))
    assert effective(rng.random(n) < 0.3, history) > 0.8 * n  # chance after the history
    assert effective(rng.random(n) < 0.3, np.arange(n)) == pytest.approx(n)  # own histories
    assert effective(np.zeros(n), history) == clusters  # nothing to measure: its histories
    assert effective(np.ones(n), np.arange(n)) == n
    pairs = np.repeat(np.arange(n // 2), 2)
    assert effective(np.tile([0, 1], n // 2), pairs) == n  # the same share in every history
    assert effective(np.tile([0, 1], n // 2), np.zeros(n)) == 1  # one history: its own


@pytest.fixture(scope="module")
def shared_and_own(tmp_path_factory):
    """Twelve runs each on 3 shared histories and on their own, one sweep."""
    out = tmp_path_factory.mktemp("shared")
    return sweep([["scenario.end=2024-08", f"scenario.histories={h}"] for h in (3, 0)], out,
                 scenario="baseline", runs=12, seed=4)


def by_histories(frame: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {int(h): part for h, part in frame.groupby("scenario.histories")}


def test_a_share_every_run_agrees_on_has_the_interval_of_its_histories(shared_and_own):
    traj = shared_and_own.tables["trajectories"]
    probs = by_histories(metrics.outcome_probabilities(traj))
    for histories, runs in ((3, 3), (0, 12)):
        part = probs[histories]
        settled = part[part["p"] == 1.0]
        assert len(settled) >= 3 and (settled["runs"] == 12).all()
        lo, _ = metrics.wilson(runs, runs)
        np.testing.assert_allclose(settled["lo"], lo)
    joins = by_histories(metrics.join_probabilities(shared_and_own.tables["memberships"]))
    blocs = by_histories(metrics.bloc_probabilities(traj))
    for histories, runs in ((3, 3), (0, 12)):
        for table in (joins[histories], blocs[histories]):
            certain = table[table["p"] == 1.0]
            assert len(certain) >= 2
            np.testing.assert_allclose(certain["lo"], metrics.wilson(runs, runs)[0])


def test_hedging_means_count_effective_runs_and_their_differences_widen(shared_and_own):
    final = metrics.hedging_final(shared_and_own.tables["trajectories"])
    parts = by_histories(final)
    np.testing.assert_allclose(parts[0]["n_eff"], parts[0]["n"])
    assert (parts[3]["n_eff"] < parts[3]["n"]).any() and (parts[3]["n_eff"] >= 1).all()
    narrow = final.assign(n_eff=final["n"])
    keys = ["scenario.histories"]
    wide = metrics.mean_differences(final.assign(scenario=final["scenario.histories"].map(
        {0: "baseline", 3: "shared"})).drop(columns=keys), "baseline", ["actor"])
    naive = metrics.mean_differences(narrow.assign(scenario=narrow["scenario.histories"].map(
        {0: "baseline", 3: "shared"})).drop(columns=keys + ["n_eff"]), "baseline", ["actor"])
    assert ((wide["hi"] - wide["lo"]) >= (naive["hi"] - naive["lo"]) - 1e-12).all()
    assert ((wide["hi"] - wide["lo"]) > (naive["hi"] - naive["lo"])).any()


def test_streamed_tables_count_histories_as_pandas_does(shared_and_own, monkeypatch):
    """A part without the `history` column (runs with their own histories) counts each
    run as its own history, in pandas and streamed alike."""
    res = shared_and_own
    exact = {f: f(res.tables[t]) for t, f in (("trajectories", metrics.outcome_probabilities),
                                             ("trajectories", metrics.bloc_probabilities),
                                             ("trajectories", metrics.hedging_final),
                                             ("memberships", metrics.join_probabilities))}
    monkeypatch.setattr(frames, "EXACT_ROWS", 0)
    for f, frame in exact.items():
        table = res.tables["memberships" if f is metrics.join_probabilities
                           else "trajectories"]
        pd.testing.assert_frame_equal(f(table), frame, check_dtype=False)
    grid = metrics.sweep_grid(res.tables["trajectories"], "scenario.histories", None,
                              "hungary", "west")  # every run agrees: its histories count
    np.testing.assert_allclose(grid.sort_values("scenario.histories")["lo"],
                               [metrics.wilson(12, 12)[0], metrics.wilson(3, 3)[0]])


def test_the_report_says_its_intervals_count_histories(shared_and_own):
    numbers = report.key_numbers(shared_and_own)
    assert numbers["interval"].str.contains("effective runs").any()
    said = report.shared_histories(shared_and_own)
    assert "12 runs on 3 histories" in said and "too narrow" not in said
    page = report.render(shared_and_own, [], numbers)
    assert "each share and mean counts its effective runs" in page


def test_tables_written_before_the_history_column_are_said_to_count_runs(shared_and_own):
    """A folder written with shared histories before the tables carried `history`: its
    intervals cannot count histories, and the header says so."""
    from types import SimpleNamespace

    config = {"runs": 12, "scenario": {"after": "history", "histories": 3}}
    old = SimpleNamespace(config=config, path=None, tables={
        "trajectories": shared_and_own.trajectories.drop(columns="history")})
    said = report.shared_histories(old)
    assert "12 runs on 3 histories" in said and "too narrow" in said
    probs = metrics.outcome_probabilities(old.tables["trajectories"])
    settled = probs[(probs["p"] == 1.0) & (probs["scenario.histories"] == 3)]
    np.testing.assert_allclose(settled["lo"], metrics.wilson(12, 12)[0])


@pytest.mark.parametrize("histories", [2, 0])
def test_the_command_says_when_its_runs_share_histories(tmp_path, histories):
    done = run_cli("balancing-sim", "scenario=baseline", "runs=5", "scenario.end=2024-09",
                   f"scenario.histories={histories}", f"out={tmp_path / 'o'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = "The 5 runs start from 2 histories" in done.stdout
    assert said == (histories == 2)


@pytest.mark.parametrize(("histories", "params", "warned"), [
    (3, "posterior", True), (120, "posterior", False), (3, "calibrated", False)])
def test_histories_that_split_the_posterior_draws_are_warned_about(tmp_path, histories, params,
                                                                     warned):
    """Runs r and r + H hold different draws unless H is a multiple of the draws: each
    replays the history with its own draw, so nothing is shared (a warning, not an error)."""
    done = run_cli("balancing-sim", "scenario=baseline", "runs=125", "scenario.end=2024-08",
                   f"scenario.histories={histories}", f"params={params}",
                   f"out={tmp_path / 'o'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert ("not a multiple of the 120 posterior draws" in done.stderr) == warned
