"""Figures and key numbers of a sweep whose points run different worlds (here generated
worlds of 2 and 3 poles, 3 and 4 states): every point is shown in its own world
(docs/RELIABILITY.md, attacks 191-193). Each test fails on the code before its fix."""

from __future__ import annotations

import re

import pytest
from command import sim_cli
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

import balancing_sim as bs
from balancing_sim.analysis import metrics, plots, report

# a raw id of the generated world (its labels are the ids in capitals: S0003, P2, K0)
RAW_ID = re.compile(r"\b[spkx]\d{1,4}\b")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Four points, the first (in the sweep's order) the smallest world: 2 poles, 3
    states; later points add the pole p2 and the state s0003."""
    out = tmp_path_factory.mktemp("mixed") / "sweep"
    done = sim_cli("-m", "world=synthetic", "situation=synthetic", "world.size.states=3,4",
                   "world.size.poles=2,3", "world.size.platforms=2", "runs=2",
                   "scenario.end=2025-06", f"out={out}")
    assert done.returncode == 0, done.stderr
    return bs.load(out)


@pytest.fixture(scope="module")
def figures(sweep):
    return {p.name: p.figure for p in report.figures(sweep)}


def _point(traj, poles: int, states: int) -> str:
    """The point id of the world of that size."""
    units = metrics.units(metrics.with_scenario(traj))
    row = units[(units["world.size.poles"] == poles) & (units["world.size.states"] == states)]
    return str(row["point"].iloc[0])


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_every_figure_names_each_id_by_its_own_points_label(sweep, figures):
    """Labels came from the first point's config: its world has no s0003 and no p2, so
    the shared figures and every point's own figures showed those by their ids."""
    first = report.scenario_config(sweep)
    assert "s0003" not in first["world"]["states"]  # the first point lacks them
    assert "p2" not in first["world"]["poles"]
    raw = {name: sorted({m for t in _texts(fig) for m in RAW_ID.findall(t)})
           for name, fig in figures.items()}
    assert {name: ids for name, ids in raw.items() if ids} == {}
    outcomes = figures["outcomes"]
    assert [t.get_text() for t in outcomes.axes[0].get_yticklabels()] == [
        "S0000", "S0001", "S0002", "S0003"]
    assert [t.get_text() for t in outcomes.legends[0].get_texts()] == [
        "P0", "P1", "P2", "non-aligned"]
    big = report.scenario_config(sweep, point=_point(sweep.tables["trajectories"], 3, 4))
    assert sorted(big["world"]["states"]) == ["s0000", "s0001", "s0002", "s0003"]


def test_a_pole_a_point_lacks_has_no_numbers_there(sweep):
    """A 2-pole point showed P(final posture = p2) = 0 (and its share of variance, a
    sweep-map cell, a fan chart's band and a network node) for a pole it has not."""
    traj = sweep.tables["trajectories"]
    numbers = report.key_numbers(sweep)
    for poles in (2, 3):
        for states in (3, 4):
            point = numbers[numbers["point"] == _point(traj, poles, states)]
            items = set(point.loc[point["quantity"] == "P(final posture)", "item"])
            assert items == {"p0", "p1", "nonaligned", *(["p2"] if poles == 3 else [])}
            shares = set(point.loc[point["quantity"] == "parameter share of variance", "item"])
            assert ("P(final posture) p2" in shares) == (poles == 3)
            actors = set(point.loc[point["quantity"] == "P(final posture)", "actor"])
            assert actors == {f"s{i:04d}" for i in range(states)}
    grid = metrics.sweep_grid(traj, "world.size.poles", None, "s0000", "p2")
    assert sorted(grid["world.size.poles"]) == [3, 3]  # one cell per number of states
    small = _point(traj, 2, 3)
    bands = metrics.alignment_bands(metrics.select(traj.to_pandas(), point=small))
    assert sorted(bands["pole"].unique()) == ["nonaligned", "p0", "p1"]
    assert bands[["q05", "q50", "q95"]].notna().all().all()  # the non-aligned share too
    snapshot = metrics.network_snapshot(traj, unit={"point": small})
    assert list(snapshot["alignment"].columns) == ["p0", "p1"]


def test_the_pole_a_point_lacks_is_not_drawn_in_its_figures(sweep, figures):
    """A 2-pole point's fan chart keyed, and its network drew, the third pole."""
    name = "_world.size.poles=2_world.size.states=4"
    for kind in ("fan", "network"):
        texts = set(_texts(figures[f"{kind}_baseline{name}"]))
        assert {"P0", "P1"} <= texts
        assert texts & {"P2", "p2"} == set()


def _title_boxes(fig):
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    return [ax.title.get_window_extent(renderer) for ax in fig.axes
            if ax.get_visible() and ax.get_title()]


def test_point_titles_of_a_panel_grid_do_not_overlap(figures):
    """Each panel's title names its point's swept values on one line, wider than the
    panel: neighbours' titles ran into each other."""
    boxes = _title_boxes(figures["outcomes"])
    assert len(boxes) == 4
    overlaps = [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes)
                if i < j and a.overlaps(b)]
    assert overlaps == []


def test_a_long_title_is_wrapped_to_its_panel():
    text = "baseline, world.size.poles=2, world.size.states=3, params.w_autonomy=0.5"
    lines = plots.wrapped(text, 2.0).split("\n")
    assert " ".join(lines) == text
    assert max(map(len, lines)) <= int(2.0 * 72 / (0.62 * 10))
