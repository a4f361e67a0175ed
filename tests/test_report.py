"""The plot and report commands on run and sweep directories."""

from __future__ import annotations

from html.parser import HTMLParser

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


def test_plot_command_writes_png_and_svg_of_every_figure(run_dir, tmp_path, capsys):
    assert cli.plot_main([str(run_dir), "--out", str(tmp_path)]) == 0
    names = {p.stem for p in tmp_path.glob("*.png")}
    assert names == {"outcomes", "fan", "platforms", "network"}
    assert names == {p.stem for p in tmp_path.glob("*.svg")}
    assert len(capsys.readouterr().out.splitlines()) == 8


def test_report_is_valid_html_naming_every_figure(run_dir, tmp_path):
    assert cli.report_main([str(run_dir), "--out", str(tmp_path / "r.html")]) == 0
    page = parse(tmp_path / "r.html")
    assert page.figures == ["outcomes", "fan", "platforms", "network"]
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    text = " ".join(page.text)
    for title in ("Outcome distribution", "Alignment fan chart", "Platform viability",
                  "Alignment network"):
        assert title in text
    assert "balancing-sim 0.1.0" in text or "package version" in text
    assert "root seed(s)" in text and "Resolved configuration" in text
    assert "scenario:" in text and "http" not in "".join(page.images)  # offline
    numbers = pd.read_csv(tmp_path / "r_numbers.csv")
    assert {"quantity", "scenario", "actor", "item", "estimate", "lo", "hi"} <= set(numbers)
    assert set(numbers["quantity"]) == {"P(final posture)", "P(member at the end)",
                                        "final viability", "final depth"}


def test_report_of_a_sweep_has_the_sweep_map(sweep_dir):
    assert cli.report_main([str(sweep_dir)]) == 0
    page = parse(sweep_dir / "report.html")
    assert page.figures == ["outcomes", "fan", "platforms", "sweep_map", "network"]
    assert "params.w_autonomy" in " ".join(page.text)
    assert (sweep_dir / "report_numbers.csv").is_file()


def test_figures_of_a_sweep_use_the_points_config(sweep_dir):
    res = report.open_results(sweep_dir)
    assert report.scenario_config(res, "baseline")["scenario"]["name"] == "baseline"


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
