"""Hedging, bloc membership and the split of an outcome's spread into parameter and chance:
in the contract, the summary (combined exactly from chunks), the metrics and the figures."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim import contract, outcomes
from balancing_sim import summary as summaries
from balancing_sim.analysis import metrics, plots, report
from balancing_sim.config.loading import compose
from balancing_sim.contract import stored
from balancing_sim.results import Results
from balancing_sim.runner.jobs import simulator
from balancing_sim.runner.main import names as summary_names
from balancing_sim.world import compile_config

DRAWS = 3


# ---------------------------------------------------------------- the index


def test_hedging_index_is_zero_on_one_side_and_one_when_even():
    assert outcomes.hedging_index(np.array([0.0, 1.0, 0.0])) == pytest.approx(0.0)
    assert outcomes.hedging_index(np.array([0.0, 0.0, 1.0])) == pytest.approx(0.0)
    assert outcomes.hedging_index(np.full(6, 1 / 6)) == pytest.approx(1.0)
    # spreading weight from one pole to another raises it
    tight, spread = outcomes.hedging_index(np.array([[0.9, 0.05, 0.05], [0.5, 0.25, 0.25]]))
    assert tight < spread
    assert outcomes.hedging_from_poles(np.array([0.5, 0.25])) == pytest.approx(
        outcomes.hedging_index(np.array([0.5, 0.25, 0.25])))


def test_in_bloc_needs_full_membership_of_a_bloc_platform():
    member, candidate = 4, 3
    status = np.array([[member, 0], [candidate, 0], [0, member]])
    bloc = np.array([True, False])
    assert outcomes.in_bloc(status, bloc).tolist() == [True, False, False]


# ---------------------------------------------------------------- law of total variance


def test_split_of_draws_with_known_means_and_spreads():
    means = np.array([0.1, 0.3, 0.6, 0.9])
    spreads = np.array([0.05, 0.1, 0.02, 0.0])
    runs = np.array([100, 200, 300, 400])
    values = np.concatenate([m + s * np.resize([1.0, -1.0], n)
                             for m, s, n in zip(means, spreads, runs, strict=True)])
    draws = np.repeat(np.arange(4), runs)
    parts = summaries.split_by_group(values, draws)
    w = runs / runs.sum()
    mean = (w * means).sum()
    assert parts["mean"] == pytest.approx(mean, abs=1e-12)
    assert parts["parameter"] == pytest.approx((w * (means - mean) ** 2).sum(), abs=1e-12)
    assert parts["chance"] == pytest.approx((w * spreads ** 2).sum(), abs=1e-12)
    assert parts["variance"] == pytest.approx(values.var(), abs=1e-12)
    # draws that only differ by chance: no parameter share
    same = summaries.split_by_group(values - np.repeat(means, runs), draws)
    assert same["parameter"] == pytest.approx(0.0, abs=1e-15)


def test_split_of_shares_from_counts():
    draws = np.repeat(np.arange(2), 10)
    codes = np.array([0] * 2 + [1] * 8 + [0] * 5 + [1] * 5)[:, None]   # (runs, items)
    parts = summaries.split_of_codes(codes, draws, 2)
    p = np.array([0.2, 0.5])
    assert parts["parameter"][0, 0] == pytest.approx(np.var(p))
    assert parts["chance"][0, 0] == pytest.approx(np.mean(p * (1 - p)))
    assert parts["variance"][0, 0] == pytest.approx((codes[:, 0] == 0).var())


# ---------------------------------------------------------------- the summary


@pytest.fixture(scope="module")
def drawn():
    """Records of 24 runs of the baseline, run r using draw r mod 3 (as a posterior would)."""
    config, _ = compose(["scenario.end=2026-06", "runner.record_every=3"])
    compiled = compile_config(config)
    runs = np.arange(24)
    rec = simulator("ensemble")(compiled, config.params, 1, runs, 3)
    rec.draw = runs % DRAWS
    return rec, compiled


def _slice(rec, rows: slice):
    return replace(rec, runs=rec.runs[rows], align=rec.align[rows], status=rec.status[rows],
                   viability=rec.viability[rows], depth=rec.depth[rows], draw=rec.draw[rows])


def test_summary_splits_each_outcome_and_combines_exactly(drawn):
    rec, compiled = drawn
    names = summary_names(compiled)
    whole = summaries.combine([summaries.part(rec, compiled.structure)], names)
    chunks = [summaries.part(_slice(rec, slice(a, b)), compiled.structure)
              for a, b in ((0, 5), (5, 17), (17, 24))]
    assert summaries.combine(chunks[::-1], names) == whole
    spread = whole["spread"]
    assert spread["draws"] == DRAWS and spread["runs_per_draw"] == {"min": 8, "max": 8}
    actor = names.actors[0]
    hedging = stored(outcomes.hedging_index(rec.align[:, -1, 0])).astype(float)  # as in tables
    entry = spread["actors"][actor]["hedging"]
    by_draw = pd.Series(hedging).groupby(rec.draw)
    assert entry["mean"] == pytest.approx(hedging.mean())
    assert entry["parameter"] == pytest.approx(by_draw.mean().var(ddof=0))
    assert entry["chance"] == pytest.approx(by_draw.var(ddof=0).mean())
    assert entry["variance"] == pytest.approx(hedging.var())
    for outcome in spread["actors"][actor]["posture"].values():
        assert outcome["variance"] == pytest.approx(outcome["parameter"] + outcome["chance"])
    assert {"in_bloc_end", "ever_in_bloc"} <= set(spread["actors"][actor])
    assert set(spread["platforms"]) == set(names.platforms)
    lines = "\n".join(summaries.lines(whole))
    assert "Spread from parameters vs chance (3 posterior draws, 8 runs each)" in lines


def test_a_single_run_per_draw_shows_no_split(drawn):
    """One run of a draw has no chance variance to measure: all would look like parameters."""
    rec, compiled = drawn
    few = replace(_slice(rec, slice(0, 4)), draw=np.arange(4))  # four draws, one run each
    whole = summaries.combine([summaries.part(few, compiled.structure)],
                              summary_names(compiled))
    text = "\n".join(summaries.lines(whole))
    assert "at least 2 runs per draw" in text
    assert "% " not in text.split("Spread from parameters vs chance")[1]


def test_the_tables_carry_the_draw_and_give_the_same_summary(drawn):
    rec, compiled = drawn
    tables = contract.build(rec, compiled, 1)
    for table in tables.values():
        assert "draw" in table.column_names
    frames = {k: v.to_pandas() for k, v in tables.items()}
    names = summary_names(compiled)
    direct = summaries.combine([summaries.part(rec, compiled.structure)], names)
    assert summaries.from_frames(frames["trajectories"], frames["memberships"],
                                 frames["platforms"]) == direct


# ---------------------------------------------------------------- analysis


def synthetic(draw_means=(0.2, 0.5, 0.8), per_draw=40) -> pd.DataFrame:
    """Final rows of two states; state `a` ends on pole `p` with a known share per draw
    and has hedging mean +- 0.1 within each draw."""
    rows = []
    run = 0
    for d, share in enumerate(draw_means):
        for i in range(per_draw):
            on_pole = i < share * per_draw
            for actor in ("a", "b"):
                rows.append({"run": run, "step": 0, "draw": d, "actor": actor,
                             "posture": "p" if on_pole or actor == "b" else "nonaligned",
                             "align_p": 0.7 if on_pole else 0.3,
                             "hedging": share + (0.1 if i % 2 else -0.1),
                             "in_bloc": actor == "a" and on_pole})
            run += 1
    df = pd.DataFrame(rows)
    for c in ("actor", "posture"):
        df[c] = df[c].astype("category")
    return df


def test_metrics_split_a_synthetic_table_with_the_known_answer():
    df = synthetic()
    split = metrics.spread(df).set_index(["outcome", "actor", "item"])
    shares = np.array([0.2, 0.5, 0.8])
    row = split.loc[("P(final posture)", "a", "p")]
    assert row["parameter"] == pytest.approx(np.var(shares))
    assert row["chance"] == pytest.approx(np.mean(shares * (1 - shares)))
    assert row["draws"] == 3 and row["runs_min"] == row["runs_max"] == 40
    hedging = split.loc[("final hedging", "a", "")]
    assert hedging["parameter"] == pytest.approx(np.var(shares))
    assert hedging["chance"] == pytest.approx(0.01)
    bloc = split.loc[("P(in bloc at the end)", "a", "")]
    assert bloc["parameter"] == pytest.approx(np.var(shares))
    b = split.loc[("P(final posture)", "b", "p")]
    assert b["variance"] == pytest.approx(0.0)


def test_one_run_per_draw_has_no_split_in_the_metrics_or_the_figure():
    single = synthetic(draw_means=(0.0, 1.0, 1.0), per_draw=1)
    split = metrics.spread(single)
    assert split["variance"].gt(0).any()
    assert split["parameter"].isna().all() and split["chance"].isna().all()
    fig = plots.spread_chart(single)
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert "one run per draw: no split" in ax.get_title()


def test_no_draw_column_no_split():
    assert metrics.spread(synthetic().drop(columns="draw")).empty


def test_spread_chart_stacks_parameter_and_chance():
    fig = plots.spread_chart(synthetic())
    (ax,) = [a for a in fig.axes if a.get_visible()]
    bars = ax.patches
    rows = len(ax.get_yticklabels())
    assert len(bars) == 2 * rows
    labels = [t.get_text() for t in ax.get_yticklabels()]
    parameter = {labels[::-1][i]: bars[i].get_width() for i in range(rows)}
    # P(a ends p) varies only with the draws' shares: var(shares) / total variance
    shares = np.array([0.2, 0.5, 0.8])
    total = np.var(shares) + np.mean(shares * (1 - shares))
    assert parameter["a: ends p"] == pytest.approx(100 * np.var(shares) / total)
    for i in range(rows):
        assert bars[i].get_width() + bars[rows + i].get_width() == pytest.approx(100)
    with pytest.raises(ValueError, match="draw"):
        plots.spread_chart(synthetic().drop(columns="draw"))


def test_the_report_of_drawn_runs_shows_parameter_and_chance(tmp_path):
    res = bs.simulate("baseline", runs=9, seed=2,
                      overrides=["scenario.end=2026-06", "runner.record_every=6"])
    tables = {t: getattr(res, t).assign(draw=lambda d: d["run"] % DRAWS)
              for t in ("trajectories", "memberships", "platforms")}
    drawn = Results(tables, summary=res.summary, config=res.config)
    plots_ = report.figures(drawn)
    assert "spread" in [p.name for p in plots_]
    numbers = report.key_numbers(drawn)
    share = numbers[numbers["quantity"] == "parameter share of variance"]
    assert len(share) and share["estimate"].dropna().between(0, 1).all()
    page = report.render(drawn, plots_, numbers)
    assert "Parameter vs chance" in page
    assert "shared histories" not in page


def test_streamed_split_equals_pandas(monkeypatch):
    from balancing_sim.analysis import frames
    from balancing_sim.tables import in_memory

    df = synthetic()
    exact = metrics.spread(df)
    monkeypatch.setattr(frames, "EXACT_ROWS", 0)  # the lazy table is streamed in batches
    streamed = metrics.spread(in_memory(df))
    pd.testing.assert_frame_equal(streamed, exact, check_exact=False, rtol=1e-9, atol=1e-12)
