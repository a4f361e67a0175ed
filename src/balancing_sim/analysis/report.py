"""The figures of a run or sweep directory, and a one-page self-contained HTML report.

`figures` decides which figures the data supports (a sweep map needs two swept columns,
a comparison two scenarios); `plot_results` writes them as PNG and SVG; `report` writes
one HTML page (figures inlined as base64 PNG, the resolved config, key numbers with 90%
intervals, seeds, package version) and the same numbers as CSV.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml
from matplotlib.figure import Figure

from . import metrics, plots

MAX_PANELS = 4  # per-scenario figures drawn for at most this many scenarios


class NotResults(ValueError):
    """The path is not a run or sweep directory of the output contract."""


@dataclass
class Plot:
    name: str
    title: str
    caption: str
    figure: Figure


def open_results(path: str | Path):
    """`load` a run or sweep directory, or raise NotResults with a one-line reason."""
    from ..results import load

    root = Path(path)
    if not root.is_dir():
        raise NotResults(f"{root}: not a directory")
    has_run = (root / "trajectories.parquet").exists() or (root / "chunks").is_dir()
    has_sweep = any(root.glob("points/*/point.json"))
    if not (has_run or has_sweep):
        raise NotResults(f"{root}: not a results directory (no trajectories.parquet and "
                         "no points/*/point.json)")
    try:
        res = load(root)
        traj = res.tables["trajectories"]
        missing = {"run", "step", "date", "actor", "posture"} - set(traj.columns)
        empty = len(traj) == 0
    except Exception as exc:  # unreadable tables: one line, not a traceback
        raise NotResults(f"{root}: cannot read results ({type(exc).__name__}: {exc})") from None
    if empty or missing:
        raise NotResults(f"{root}: trajectories are empty or lack columns "
                         f"{', '.join(sorted(missing))}")
    return res


def scenario_config(res, scenario: str | None = None) -> dict:
    """The resolved config of a run, or of the first sweep point of `scenario`."""
    config = res.config or {}
    if "scenario" in config or "points" not in config:
        return config
    root = Path(res.path) if res.path else None
    for pid, info in config["points"].items():
        if scenario is None or info.get("scenario") == scenario:
            path = root / "points" / str(pid) / "config.yaml" if root else None
            if path is not None and path.is_file():
                return yaml.safe_load(path.read_text()) or {}
    return {}


def _numeric_sweeps(df: metrics.Frame) -> list[str]:
    """Swept model inputs with several numeric values (the axes of a sweep map)."""
    out = []
    for c in metrics.model_inputs(metrics.swept_columns(df)):
        values = [v for v in metrics.distinct(df, c) if not pd.isna(v)]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if numeric and len(set(values)) > 1:
            out.append(c)
    return out


def _per_scenario(res, names: list[str], kind: str, title: str, caption: str,
                  draw) -> list[Plot]:
    """One figure per scenario (the first MAX_PANELS), named `<kind>_<scenario>` when
    there are several; `draw(name, config)` makes it."""
    return [Plot(f"{kind}_{name}" if len(names) > 1 else kind, f"{title}: {name}", caption,
                 draw(name, scenario_config(res, name))) for name in names[:MAX_PANELS]]


def figures(res, actor: str | None = None, posture: str | None = None,
            baseline: str | None = None, date: str | None = None) -> list[Plot]:
    """Every figure the data supports, with titles and captions."""
    config = scenario_config(res)
    traj = metrics.with_scenario(res.tables["trajectories"], config)
    names = metrics.scenarios(traj)
    out = [Plot("outcomes", "Outcome distribution",
                "Share of runs ending in each posture, per state and scenario; whiskers are "
                "90% Wilson intervals for the Monte Carlo share.",
                plots.outcome_distribution(traj, config))]
    out += _per_scenario(res, names, "fan", "Alignment fan chart",
                         "Median (line), 50% and 90% bands over runs of each state's weight on "
                         "each pole; ticks on the time axis mark scheduled events, dotted "
                         "lines events that name the state.",
                         lambda name, cfg: plots.fan_chart(traj, cfg, scenario=name))
    plat = res.tables["platforms"]
    if len(plat):
        out.append(Plot("platforms", "Platform viability and depth",
                        "Median and 90% band over runs of each platform's viability (solid) "
                        "and institutional depth (dashed), one colour per scenario.",
                        plots.platform_chart(metrics.with_scenario(plat, config), config)))
    swept = _numeric_sweeps(traj)
    if len(swept) >= 2:
        x, y = swept[:2]
        for name in names[:MAX_PANELS]:
            part = metrics.select(traj, scenario=name)
            a, p = ((actor, posture) if actor and posture
                    else metrics.most_variable_outcome(part, [x, y]))
            a, p = actor or a, posture or p
            out.append(Plot(f"sweep_map_{name}" if len(names) > 1 else "sweep_map",
                            f"Sweep map: P({a} ends {p}), {name}",
                            f"Probability over {plots.label(x)} x {plots.label(y)}, with 90% "
                            "Wilson intervals per cell; other swept columns pooled (named in "
                            "the title). Default outcome: the one that varies most across the "
                            "grid.",
                            plots.sweep_map(part, x, y, a, p, scenario=name)))
    mem = res.tables["memberships"]
    mem = metrics.with_scenario(mem, config) if len(mem) else None
    out += _per_scenario(res, names, "network", "Alignment network",
                         "States (fill: modal posture), poles and platforms at one date; edge "
                         "width is the mean alignment weight over runs, line style the modal "
                         "membership status.",
                         lambda name, cfg: plots.network_map(traj, mem, date=date,
                                                             scenario=name, config=cfg))
    if len(names) >= 2:
        base = baseline or ("baseline" if "baseline" in names else names[0])
        out.append(Plot("comparison", f"Scenario comparison against {base}",
                        "Difference of P(final posture) against the baseline scenario in "
                        "percentage points, with 90% Newcombe intervals.",
                        plots.scenario_comparison(traj, base, config)))
    return out


def plot_results(path: str | Path, out: str | Path | None = None, **options) -> list[Path]:
    """Write every supported figure of a run or sweep directory as PNG and SVG."""
    res = open_results(path)
    folder = Path(out) if out is not None else Path(path) / "figures"
    written = []
    for plot in figures(res, **options):
        written += plots.save(plot.figure, folder, plot.name)
    return written


# ---------------------------------------------------------------- numbers


def key_numbers(res, level: float = metrics.LEVEL) -> pd.DataFrame:
    """Long table: final postures, final memberships and final platform viability/depth,
    each with its interval. Columns: quantity, scenario, actor, item, estimate, lo, hi,
    runs, interval."""
    config = scenario_config(res)
    traj = metrics.with_scenario(res.tables["trajectories"], config)
    probs = metrics.outcome_probabilities(traj, level=level)
    rows = [pd.DataFrame({"quantity": "P(final posture)", "scenario": probs["scenario"],
                          "actor": probs["actor"], "item": probs["posture"],
                          "estimate": probs["p"], "lo": probs["lo"], "hi": probs["hi"],
                          "runs": probs["runs"], "interval": f"{level:.0%} Wilson"})]
    mem = res.tables["memberships"]
    if len(mem):
        joins = metrics.join_probabilities(metrics.with_scenario(mem, config), level=level)
        rows.append(pd.DataFrame({"quantity": "P(member at the end)",
                                  "scenario": joins["scenario"], "actor": joins["actor"],
                                  "item": joins["platform"], "estimate": joins["p"],
                                  "lo": joins["lo"], "hi": joins["hi"], "runs": joins["runs"],
                                  "interval": f"{level:.0%} Wilson"}))
    plat = res.tables["platforms"]
    if len(plat):
        final = metrics.platform_final(metrics.with_scenario(plat, config))
        for measure in ("viability", "depth"):
            rows.append(pd.DataFrame({
                "quantity": f"final {measure}", "scenario": final["scenario"], "actor": "",
                "item": final["platform"], "estimate": final[f"{measure}_mean"],
                "lo": final[f"{measure}_p05"], "hi": final[f"{measure}_p95"], "runs": None,
                "interval": "5%-95% over runs"}))
    return pd.concat(rows, ignore_index=True)


# ---------------------------------------------------------------- HTML


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("balancing-sim")
    except Exception:  # not installed: the source tree's version
        from .. import __version__

        return __version__


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
th{background:#f4f4f4}td:first-child,td:nth-child(2),td:nth-child(3){text-align:left}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}pre{background:#f7f7f7;padding:1em;overflow:auto;
font-size:.8em;max-height:40em}.meta td{text-align:left}
"""


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, row in df.iterrows():
        cells = []
        for v in row:
            text = f"{v:.3f}" if isinstance(v, float) else ("" if v is None else str(v))
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _config_text(res) -> str:
    def dump(data: dict) -> str:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    config = res.config or {}
    if "points" not in config:
        return dump(config)
    return (dump({"sweep points": config["points"]})
            + "\n# resolved config of the first sweep point\n" + dump(scenario_config(res)))


def render(res, plots_: list[Plot], numbers: pd.DataFrame, title: str | None = None) -> str:
    """The report as one HTML string (no external resources)."""
    config = scenario_config(res)
    traj = res.tables["trajectories"]
    names = metrics.scenarios(metrics.with_scenario(traj, config))
    seeds = (sorted(int(s) for s in metrics.distinct(traj, "seed"))
             if "seed" in traj.columns else [])
    runs = metrics.run_count(traj)
    question = ((config.get("scenario") or {}).get("question") if isinstance(
        config.get("scenario"), dict) else None)
    title = title or f"balancing-sim report: {', '.join(names)}"
    meta = [("results", str(res.path or "(in memory)")), ("scenarios", ", ".join(names)),
            ("question", question or ""), ("runs", str(runs)),
            ("root seed(s)", ", ".join(map(str, seeds)) or str(config.get("seed", ""))),
            ("engine", str(config.get("engine", ""))),
            ("package version", f"balancing-sim {_version()}"),
            ("generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))]
    swept = metrics.swept_columns(traj)
    if swept:
        meta.append(("swept columns", ", ".join(swept)))
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             "<table class=\"meta\"><tbody>" + "".join(
                 f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                 for k, v in meta if v) + "</tbody></table>",
             "<h2 id=\"contents\">Figures</h2><ol>" + "".join(
                 f"<li><a href=\"#{p.name}\">{html.escape(p.title)}</a></li>"
                 for p in plots_) + "</ol>"]
    for i, p in enumerate(plots_, 1):
        parts.append(f"<figure id=\"{p.name}\"><img alt=\"Figure {i}: {html.escape(p.title)}\" "
                     f"src=\"data:image/png;base64,{_png(p.figure)}\">"
                     f"<figcaption><b>Figure {i} ({html.escape(p.name)}): "
                     f"{html.escape(p.title)}.</b> {html.escape(p.caption)}</figcaption>"
                     "</figure>")
    headline = numbers[(numbers["quantity"] == "P(final posture)") & (numbers["estimate"] > 0)]
    parts += ["<h2 id=\"numbers\">Key numbers</h2>",
              "<p>Final postures with probability above zero (all numbers, zeros included, "
              "are in the CSV beside this page). Intervals: "
              "90% Wilson score intervals for shares of runs; 5%-95% quantiles over runs for "
              "platform levels.</p>",
              _table(headline.drop(columns=["quantity"])),
              "<h3>Memberships at the end (probability above zero)</h3>",
              _table(numbers[(numbers["quantity"] == "P(member at the end)")
                             & (numbers["estimate"] > 0)].drop(columns=["quantity"])),
              "<h3>Final platform levels</h3>",
              _table(numbers[numbers["quantity"].str.startswith("final ")]
                     .drop(columns=["actor", "runs"])),
              "<h2 id=\"config\">Resolved configuration</h2>",
              "<pre>" + html.escape(_config_text(res)) + "</pre>",
              "</body></html>\n"]
    return "\n".join(parts)


def report(path: str | Path, out: str | Path | None = None, **options) -> tuple[Path, Path]:
    """Write report.html and report_numbers.csv (default: into the results directory)."""
    res = open_results(path)
    target = Path(out) if out is not None else Path(path) / "report.html"
    if target.suffix != ".html":
        target = target / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    numbers = key_numbers(res)
    page = render(res, figures(res, **options), numbers)
    target.write_text(page, encoding="utf-8")
    csv = target.with_name(target.stem + "_numbers.csv")
    numbers.to_csv(csv, index=False)
    return target, csv


# ---------------------------------------------------------------- command line


def _options(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("path", metavar="RUN_OR_SWEEP_DIR")
    p.add_argument("--out", help="output folder (plot) or file (report)")
    p.add_argument("--actor", help="sweep map: state (default: the most variable outcome)")
    p.add_argument("--posture", help="sweep map: posture (default: the most variable)")
    p.add_argument("--baseline", help="scenario comparison: the reference scenario")
    p.add_argument("--date", help="network map: date YYYY-MM (default: the last)")
    return p


def _run(prog: str, argv: Sequence[str] | None, action) -> int:
    p = _options(argparse.ArgumentParser(prog=prog))
    args = p.parse_args(argv)
    options = {k: getattr(args, k) for k in ("actor", "posture", "baseline", "date")}
    try:
        for line in action(args.path, args.out, **options):
            print(line)
    except (NotResults, ValueError, OSError) as exc:
        print(f"{prog}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
              file=sys.stderr)
        return 2
    return 0


def plot_command(argv: Sequence[str] | None = None) -> int:
    """balancing-sim-plot RUN_OR_SWEEP_DIR [--out DIR]: every figure as PNG and SVG."""
    return _run("balancing-sim-plot", argv,
                lambda path, out, **o: map(str, plot_results(path, out, **o)))


def report_command(argv: Sequence[str] | None = None) -> int:
    """balancing-sim-report RUN_OR_SWEEP_DIR [--out FILE]: report.html + numbers CSV."""
    return _run("balancing-sim-report", argv,
                lambda path, out, **o: map(str, report(path, out, **o)))
