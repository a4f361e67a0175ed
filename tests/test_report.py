"""The plot and report commands on run and sweep directories."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim import cli
from balancing_sim.analysis import report

SHORT = ["scenario.end=2026-06", "runner.record_every=6"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    bs.simulate("history", runs=6, seed=1, overrides=["runner.record_every=12"], out=out)
    return out


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from balancing_sim.api import sweep

    out = tmp_path_factory.mktemp("sweep")
    points = [[*SHORT, f"params.w_autonomy={a}", f"params.w_polarization={p}"]
              for a in (0.6, 2.5) for p in (0.5, 2.5)]
    sweep(points, out, scenario="baseline", runs=3, seed=1)
    return out


class Page(HTMLParser):
    """Collects tags, figure ids, image sources and text; fails on unbalanced tags."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.figures, self.images, self.text = [], [], [], []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "figure":
            self.figures.append(attrs["id"])
        if tag == "img":
            self.images.append(attrs["src"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data):
        self.text.append(data)


def parse(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.stack == [], page.stack
    return page


RUN_FIGURES = ["outcomes", "fan", "platforms", "hedging", "blocs", "network"]


def test_plot_command_writes_png_and_svg_of_every_figure(run_dir, tmp_path, capsys):
    assert cli.plot_main([str(run_dir), "--out", str(tmp_path)]) == 0
    names = {p.stem for p in tmp_path.glob("*.png")}
    assert names == set(RUN_FIGURES)
    assert names == {p.stem for p in tmp_path.glob("*.svg")}
    assert len(capsys.readouterr().out.splitlines()) == 2 * len(RUN_FIGURES)


def test_report_is_valid_html_naming_every_figure(run_dir, tmp_path):
    assert cli.report_main([str(run_dir), "--out", str(tmp_path / "r.html")]) == 0
    page = parse(tmp_path / "r.html")
    assert page.figures == RUN_FIGURES
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    text = " ".join(page.text)
    for title in ("Outcome distribution", "Alignment fan chart", "Platform viability",
                  "Alignment network", "Hedging index over time", "Bloc membership",
                  "Hedging index and bloc membership"):
        assert title in text
    assert "package version" in text and "balancing-sim 0." in text
    assert "effective runs" not in text  # the history: no run shares another's history
    assert "root seed(s)" in text and "Resolved configuration" in text
    assert "scenario:" in text and "http" not in "".join(page.images)  # offline
    numbers = pd.read_csv(tmp_path / "r_numbers.csv")
    assert {"quantity", "scenario", "point", "actor", "item", "estimate", "lo", "hi"} <= set(
        numbers)
    assert set(numbers["quantity"]) == {
        "P(final posture)", "P(member at the end)", "final viability", "final depth",
        "final hedging", "P(in a bloc at the end)", "P(in a bloc at some month)"}


def test_a_report_of_runs_sharing_histories_says_so_in_its_header(tmp_path):
    """docs/ANALYSIS.md: for more runs than `scenario.histories`, the header says the
    runs share histories (rt11: nothing said it, and the intervals read as independent)."""
    from types import SimpleNamespace

    out = tmp_path / "shared"
    bs.simulate("baseline", runs=3, seed=1, out=out,
                overrides=["scenario.end=2024-08", "scenario.histories=2"])
    assert cli.report_main([str(out), "--out", str(tmp_path / "r.html")]) == 0
    text = " ".join(parse(tmp_path / "r.html").text)
    assert "shared histories" in text and "3 runs on 2 histories" in text

    def said(runs, histories, after="history"):
        config = {"runs": runs, "scenario": {"after": after, "histories": histories}}
        return report.shared_histories(SimpleNamespace(config=config, path=None))

    assert said(3, 2).startswith("3 runs on 2 histories")
    assert said(2, 2) == said(3, 0) == said(3, 2, after="") == said(3, "x") == ""


SWEEP_FIGURES = ["outcomes", *(f"fan_baseline_w_autonomy={a}_w_polarization={p}"
                               for a in (0.6, 2.5) for p in (0.5, 2.5)),
                 "platforms", "hedging", "blocs",
                 "sweep_w_autonomy_baseline_w_polarization=0.5",
                 "sweep_w_autonomy_baseline_w_polarization=2.5",
                 "sweep_w_polarization_baseline_w_autonomy=0.6",
                 "sweep_w_polarization_baseline_w_autonomy=2.5", "sweep_map",
                 *(f"network_baseline_w_autonomy={a}_w_polarization={p}"
                   for a in (0.6, 2.5) for p in (0.5, 2.5)),
                 "spread"]  # the baseline draws from the posterior: parameters vs chance


def test_report_of_a_sweep_keeps_every_point_apart(sweep_dir):
    assert cli.report_main([str(sweep_dir)]) == 0
    page = parse(sweep_dir / "report.html")
    assert page.figures == SWEEP_FIGURES
    assert "params.w_autonomy" in " ".join(page.text)
    numbers = pd.read_csv(sweep_dir / "report_numbers.csv")
    finals = numbers[numbers["quantity"] == "P(final posture)"]
    assert finals["point"].nunique() == 4 and (finals["runs"] == 3).all()


def test_a_one_parameter_sweep_gets_a_figure_and_a_file_per_point(tmp_path):
    from balancing_sim.api import sweep

    out = tmp_path / "one"
    sweep([[*SHORT, f"params.w_autonomy={a}"] for a in (0.6, 2.5)], out, scenario="baseline",
          runs=3, seed=1)
    res = report.open_results(out)
    assert set(res.summary["points"]) == {
        f"scenario.end=2026-06,scenario=baseline,w_autonomy={a}" for a in (0.6, 2.5)}
    made = {p.name: p.figure for p in report.figures(res)}
    assert {"fan_baseline_w_autonomy=0.6", "fan_baseline_w_autonomy=2.5",
            "network_baseline_w_autonomy=0.6", "network_baseline_w_autonomy=2.5",
            "sweep_w_autonomy_baseline"} <= set(made)
    panels = [ax for ax in made["outcomes"].axes if ax.get_visible()]
    assert [ax.get_title().split("\n")[0] for ax in panels] == [
        "baseline, w_autonomy=0.6", "baseline, w_autonomy=2.5"]
    legend = [t.get_text() for lg in made["platforms"].legends for t in lg.get_texts()]
    assert {"baseline, w_autonomy=0.6", "baseline, w_autonomy=2.5"} <= set(legend)
    curve = made["sweep_w_autonomy_baseline"]
    xs = {tuple(line.get_xdata()) for ax in curve.axes for line in ax.lines}
    assert (0.6, 2.5) in xs  # one point per parameter value, never one pooled band


def test_figures_of_a_sweep_use_the_points_config(sweep_dir):
    res = report.open_results(sweep_dir)
    assert report.scenario_config(res, "baseline")["scenario"]["name"] == "baseline"


def test_csv_export_round_trips(run_dir, sweep_dir, tmp_path, capsys):
    from balancing_sim.analysis import export

    for source in (run_dir, sweep_dir):
        folder = tmp_path / source.name
        assert export.main([str(source), "--out", str(folder)]) == 0
        res = bs.load(source)
        for name in ("trajectories", "memberships", "platforms"):
            original = res.tables[name].to_pandas()
            copy = pd.read_csv(folder / f"{name}.csv")
            assert list(copy.columns) == [*res.tables[name].extras,
                                          *(c for c in original.columns
                                            if c not in res.tables[name].extras)]
            copy = copy[list(original.columns)]
            for column in original.columns:
                a, b = original[column], copy[column]
                if pd.api.types.is_float_dtype(a):
                    np.testing.assert_array_equal(b.to_numpy(a.dtype), a.to_numpy())
                elif pd.api.types.is_datetime64_any_dtype(a):
                    assert (pd.to_datetime(b) == a).all(), column
                elif pd.api.types.is_bool_dtype(a) or pd.api.types.is_integer_dtype(a):
                    assert (b.to_numpy() == a.to_numpy()).all(), column
                else:
                    assert (b.astype(str) == a.astype(str)).all(), column
    assert export.main([str(tmp_path / "missing")]) == 2
    assert "not a" in capsys.readouterr().err


@pytest.mark.parametrize("main", [cli.plot_main, cli.report_main])
def test_bad_input_is_one_line_and_exit_2(main, tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 2
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("not a" in line for line in err)


@pytest.mark.parametrize("main", [cli.plot_main, cli.report_main, cli.sensitivity_main])
def test_help_of_every_analysis_command(main, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0 and "usage:" in capsys.readouterr().out
