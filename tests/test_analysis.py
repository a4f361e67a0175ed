"""Analysis metrics and figures: each figure function on a small real run or sweep."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from options import HAND_SET_START

import balancing_sim as bs
from balancing_sim.analysis import metrics, plots

SHORT = ["scenario.end=2026-06", "runner.record_every=6", HAND_SET_START]
"""Forward runs from the hand-set start: what the figures draw does not depend on it."""


@pytest.fixture(scope="module")
def run():
    return bs.simulate("history", runs=8, seed=1, overrides=["runner.record_every=6"])


@pytest.fixture(scope="module")
def two_scenarios():
    parts = []
    for name in ("baseline", "western_pressure"):
        res = bs.simulate(name, runs=8, seed=2,
                          overrides=["scenario.end=2027-12", "runner.record_every=6",
                                     HAND_SET_START])
        parts.append(res.trajectories.assign(scenario=name))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def sweep():
    """A 2x2 sweep built by hand, as `load` of a sweep directory would return it."""
    parts = []
    for point, (a, p) in enumerate(itertools.product([0.6, 2.5], [0.5, 2.5])):
        res = bs.simulate("baseline", runs=4, seed=1, overrides=[
            *SHORT, f"params.w_autonomy={a}", f"params.w_polarization={p}"])
        parts.append(res.trajectories.assign(
            scenario="baseline", point=str(point),
            **{"params.w_autonomy": a, "params.w_polarization": p}))
    return pd.concat(parts, ignore_index=True)


def legend_texts(fig) -> list[str]:
    return [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def visible(fig):
    return [ax for ax in fig.axes if ax.get_visible()
            and ax.get_label() not in ("<colorbar>", plots.EVENT_KEY)]


def names(config):
    return metrics.labels(config)


# ---------------------------------------------------------------- metrics


def test_wilson_interval_matches_known_values():
    lo, hi = metrics.wilson([0, 10, 20], [20, 20, 20], 0.9)
    assert lo[0] == 0 and hi[0] == pytest.approx(0.1192, abs=1e-3)
    assert lo[1] == pytest.approx(1 - hi[1]) and lo[1] < 0.5 < hi[1]
    assert hi[2] == 1 and lo[2] == pytest.approx(1 - 0.1192, abs=1e-3)


def test_newcombe_interval_of_equal_shares_contains_zero():
    lo, hi = metrics.wilson(5, 20)
    d, dlo, dhi = metrics.newcombe(0.25, lo, hi, 0.25, lo, hi)
    assert d == 0 and dlo < 0 < dhi


def test_outcome_probabilities_agree_with_the_summary(run):
    probs = metrics.outcome_probabilities(run.trajectories, run.config)
    assert set(probs["scenario"]) == {"history"}
    assert np.allclose(probs.groupby("actor")["p"].sum(), 1.0)
    assert (probs["lo"] <= probs["p"] + 1e-12).all() and (probs["p"] <= probs["hi"] + 1e-12).all()
    for actor, entry in run.summary["actors"].items():
        for posture, share in entry["posture"].items():
            row = probs[(probs["actor"] == actor) & (probs["posture"] == posture)]
            assert row["p"].item() == pytest.approx(share)


def test_sweep_points_are_separate_sets_of_replicates(sweep):
    final = metrics.final_rows(sweep)
    assert final.groupby("point")["run"].nunique().tolist() == [4, 4, 4, 4]
    grid = metrics.sweep_grid(sweep, "params.w_autonomy", "params.w_polarization",
                              str(sweep["actor"].iloc[0]), metrics.NONALIGNED)
    assert len(grid) == 4 and (grid["runs"] == 4).all()
    assert metrics.swept_columns(sweep) == ["params.w_autonomy", "params.w_polarization"]


def test_differences_against_baseline(two_scenarios):
    probs = metrics.outcome_probabilities(two_scenarios)
    diffs = metrics.outcome_differences(probs, "baseline")
    assert set(diffs["scenario"]) == {"western_pressure"}
    assert np.allclose(diffs["diff"], diffs["p"] - diffs["p_baseline"])
    assert (diffs["lo"] <= diffs["diff"] + 1e-12).all()
    assert (diffs["diff"] <= diffs["hi"] + 1e-12).all()
    with pytest.raises(ValueError, match="not in the data"):
        metrics.outcome_differences(probs, "nope")


# ---------------------------------------------------------------- figures


def test_outcome_distribution(run, two_scenarios):
    fig = plots.outcome_distribution(run.trajectories, run.config)
    (ax,) = visible(fig)
    actors = list(run.trajectories["actor"].cat.categories)
    label = names(run.config)
    shown = legend_texts(fig)
    assert set(shown) <= {label.get(p, p) for p in metrics.postures(run.trajectories)} and shown
    assert len(ax.patches) == len(actors) * len(shown)
    assert [t.get_text() for t in ax.get_yticklabels()] == [label[a] for a in actors]
    assert "%" in ax.get_xlabel() and "history" in ax.get_title()
    fig2 = plots.outcome_distribution(two_scenarios)
    assert [ax.get_title().split("\n")[0] for ax in visible(fig2)] == [
        "baseline", "western_pressure"]


def test_no_whisker_on_a_zero_share(run):
    fig = plots.outcome_distribution(run.trajectories, run.config)
    (ax,) = visible(fig)
    probs = metrics.outcome_probabilities(run.trajectories, run.config)
    shown = probs[probs.groupby("posture")["count"].transform("sum") > 0]
    whiskers = sum(len(c.lines[2][0].get_segments()) for c in ax.containers
                   if type(c).__name__ == "ErrorbarContainer")
    assert (shown["count"] == 0).any()  # the run has zero shares to leave bare
    assert whiskers == (shown["count"] > 0).sum()


def test_fan_chart(run):
    fig = plots.fan_chart(run.trajectories, run.config)
    axes = visible(fig)
    actors = list(run.trajectories["actor"].cat.categories)
    label = names(run.config)
    assert [ax.get_title() for ax in axes] == [label[a] for a in actors]
    assert all(ax.get_ylim() == (0, 1) for ax in axes)
    assert "alignment" in axes[0].get_ylabel() and "date" in axes[-1].get_xlabel()
    texts = legend_texts(fig)
    assert {label[p] for p in metrics.poles(run.trajectories)} <= set(texts)
    assert {"non-aligned", "50% band", "90% band", "event (tick)"} <= set(texts)
    events = metrics.event_dates(run.config)
    assert events
    # per panel: a line for every event (ticks and dotted lines, one collection each)
    # and the median line of the non-aligned share at least
    for ax in axes:
        drawn = [c for c in ax.collections if isinstance(c, LineCollection)]
        marks = sorted(x for c in drawn for (x, _), _ in c.get_segments())
        assert marks == sorted(mdates.date2num([when for when, _, _ in events]))
        assert len(ax.lines) >= 1
    # every event is listed, numbered, in the key below the panels
    (key,) = [ax for ax in fig.axes if ax.get_label() == plots.EVENT_KEY]
    listed = "\n".join(t.get_text() for t in key.texts)
    for number, (when, text, _) in enumerate(events, 1):
        assert f"{number:>2}  {when:%Y-%m}  {text}" in listed
    numbered = [t.get_text() for ax in axes for t in ax.texts]
    assert numbered and all(t.isdigit() for t in numbered)


def test_fan_chart_draws_the_non_aligned_share(run):
    bands = metrics.alignment_bands(run.trajectories, run.config)
    assert metrics.NONALIGNED in set(bands["pole"])
    final = metrics.final_rows(run.trajectories)
    weights = final[[c for c in final.columns if c.startswith("align_")]].sum(axis=1)
    rest = (1 - weights).groupby(final["actor"].astype(str)).median()
    last = bands[(bands["pole"] == metrics.NONALIGNED) & (bands["date"] == bands["date"].max())]
    got = last.set_index("actor")["q50"]
    np.testing.assert_allclose(got.reindex(rest.index), rest, atol=1e-6)


def test_one_colour_per_pole_across_figures(run):
    colors = plots.pole_colors(metrics.poles(run.trajectories))
    by_label = {names(run.config).get(k, k): c for k, c in colors.items()}
    out = plots.outcome_distribution(run.trajectories, run.config)
    fan = plots.fan_chart(run.trajectories, run.config)
    for fig in (out, fan):
        for lg in fig.legends:
            for handle, text in zip(lg.legend_handles, lg.get_texts(), strict=True):
                if text.get_text() in by_label:
                    got = (handle.get_color() if isinstance(handle, Line2D)
                           else handle.get_facecolor())
                    assert mcolors.same_color(got, by_label[text.get_text()]), text.get_text()
    assert len(set(colors.values())) == len(colors)


def test_platform_chart(run, two_scenarios):
    fig = plots.platform_chart(run.platforms, run.config)
    platforms = list(run.platforms["platform"].cat.categories)
    axes = visible(fig)
    assert [ax.get_title() for ax in axes] == [names(run.config)[k] for k in platforms]
    assert all(len(ax.lines) == 2 for ax in axes)  # viability and depth medians
    assert {"viability (median)", "depth (median)", "history"} <= set(legend_texts(fig))
    assert "level" in axes[0].get_ylabel()


def test_sweep_map(sweep):
    actor = str(sweep["actor"].iloc[0])
    fig = plots.sweep_map(sweep, "params.w_autonomy", "params.w_polarization", actor,
                          metrics.NONALIGNED)
    ax = fig.axes[0]
    (image,) = [c for c in ax.get_children() if isinstance(c, AxesImage)]
    assert image.get_array().shape == (2, 2)
    assert "w_autonomy" in ax.get_xlabel() and "w_polarization" in ax.get_ylabel()
    title = fig.get_suptitle()
    assert "baseline" in title and "scenario.end=2026-06" not in title
    assert len(ax.texts) == 4
    assert f"P({actor} ends non-aligned)" in fig.axes[1].get_ylabel()
    with pytest.raises(ValueError, match="not in the data"):
        plots.sweep_map(sweep, "params.nope", "params.w_polarization", actor, "x")


def test_sweep_map_names_the_other_swept_parameters(sweep):
    extra = sweep.assign(**{"params.w_security": 3.0})
    fig = plots.sweep_map(extra, "params.w_autonomy", "params.w_polarization",
                          str(sweep["actor"].iloc[0]), metrics.NONALIGNED)
    assert "w_security=3" in fig.get_suptitle()


def test_sweep_map_never_pools_a_third_swept_parameter(sweep):
    third = pd.concat([sweep.assign(**{"params.w_security": v, "point": sweep["point"] + f"-{v}"})
                       for v in (1.0, 2.0)], ignore_index=True)
    fig = plots.sweep_map(third, "params.w_autonomy", "params.w_polarization",
                          str(sweep["actor"].iloc[0]), metrics.NONALIGNED)
    maps = [ax for ax in visible(fig) if any(isinstance(c, AxesImage) for c in ax.get_children())]
    assert [ax.get_title() for ax in maps] == ["w_security=1", "w_security=2"]


def test_network_map(run):
    fig = plots.network_map(run.trajectories, run.memberships, date="2010-01",
                            config=run.config)
    ax = fig.axes[0]
    nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
    poles = metrics.poles(run.trajectories)
    states = list(run.trajectories["actor"].cat.categories)
    platforms = list(run.memberships["platform"].cat.categories)
    assert len(nodes) == len(poles) + len(states) + len(platforms)
    label = names(run.config)
    texts = {t.get_text() for t in ax.texts}
    assert {label[i] for i in [*poles, *states, *platforms]} <= texts
    assert "2010-01" in ax.get_title()
    assert {"status: member", *(label[p] for p in poles)} <= set(legend_texts(fig))


def test_scenario_comparison(two_scenarios):
    fig = plots.scenario_comparison(two_scenarios, "baseline")
    (ax,) = visible(fig)
    assert ax.get_title() == "western_pressure - baseline"
    probs = metrics.outcome_probabilities(two_scenarios)
    blocs = metrics.bloc_probabilities(two_scenarios)
    postures = (probs.groupby(["actor", "posture"])["p"].max() >= 0.02).sum()
    in_bloc = (blocs[blocs["measure"] == "end"].groupby("actor")["p"].max() >= 0.02).sum()
    assert in_bloc > 0
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == postures + in_bloc
    assert sum(t.endswith(": in a bloc") for t in labels) == in_bloc
    assert len(ax.containers) == postures + in_bloc  # one error bar per row
    assert "percentage points" in fig.get_supxlabel()
    with pytest.raises(ValueError):
        plots.scenario_comparison(two_scenarios[two_scenarios["scenario"] == "baseline"],
                                  "baseline")


def test_hedging_comparison_reports_differences_of_means(two_scenarios):
    final = metrics.hedging_final(two_scenarios)
    diffs = metrics.mean_differences(final, "baseline", ["actor"])
    base = final[final["scenario"] == "baseline"].set_index("actor")["mean"]
    other = final[final["scenario"] == "western_pressure"].set_index("actor")["mean"]
    got = diffs.set_index("actor")["diff"]
    np.testing.assert_allclose(got, (other - base).reindex(got.index))
    assert (diffs["lo"] <= diffs["diff"]).all() and (diffs["diff"] <= diffs["hi"]).all()
    fig = plots.hedging_comparison(two_scenarios, "baseline")
    (ax,) = visible(fig)
    assert len(ax.containers) == two_scenarios["actor"].nunique()


def test_save_writes_png_at_200_dpi_and_svg(run, tmp_path):
    from PIL import Image

    fig = plots.outcome_distribution(run.trajectories, run.config)
    paths = plots.save(fig, tmp_path, "x")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size for p in paths)
    with Image.open(paths[0]) as image:
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        width = image.size[0]
    assert width >= 0.9 * fig.get_size_inches()[0] * 200  # real pixels, not a 100 dpi render


def test_no_world_name_in_the_analysis_code(run):
    world = run.config["world"]
    names = {*world["poles"], *world["states"], *world["platforms"]}
    folder = Path(plots.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text().lower()
        found = [n for n in names if len(n) > 3 and n in text]
        assert not found, (path.name, found)


def test_execution_settings_are_not_model_inputs():
    cols = ["params.w_autonomy", "runner.record_every", "runs", "seed", "scenario.end"]
    assert metrics.model_inputs(cols) == ["params.w_autonomy", "scenario.end"]
