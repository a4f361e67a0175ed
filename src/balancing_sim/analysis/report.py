"""The figures of a run or sweep directory, and a one-page self-contained HTML report.

`figures` decides which figures the data supports (a sweep gets outcome curves against
each swept parameter and sweep maps, several scenarios a comparison, posterior draws a
parameter-vs-chance figure) and keeps every set of replicates apart: one panel, bar,
line or file per sweep point, never a band pooled over parameter values.
`plot_results` writes them as PNG (200 dpi) and SVG; `report` writes one HTML page
(figures inlined as base64 PNG, the resolved config, key numbers with 90% intervals,
seeds, package version) and the same numbers, one row per sweep point, as CSV.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..config.arguments import expand
from ..results import config_file, config_text
from ..tables import Table
from . import metrics, owned, plots

MAX_UNITS = 12        # per-unit figures (fan chart, network) drawn for this many units
MAX_COLOURS = len(plots.SCENARIO_COLORS)  # units sharing one figure's colours
MAX_PANELS = 12       # units sharing one outcome figure


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

    root = expand(path)  # `~` is the home folder, as in out=
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


def scenario_config(res, scenario: str | None = None, point: str | None = None) -> dict:
    """The resolved config of a run, or of sweep point `point` (else the first point of
    `scenario`): each point's own world, whose labels name its own ids."""
    config = res.config or {}
    if "scenario" in config or "points" not in config:
        return config
    for pid, info in config["points"].items():
        mine = (str(pid) == str(point) if point is not None
                else scenario is None or info.get("scenario") == scenario)
        if mine and (found := _point_config(res, pid)) is not None:
            return found
    return {}


def _point_config(res, pid: object) -> dict | None:
    path = Path(res.path) / "points" / str(pid) / "config.yaml" if res.path else None
    return config_file(path) if path is not None and path.is_file() else None


WORLD_GROUPS = ("poles", "states", "external", "platforms")


def shared_config(res) -> dict:
    """The config for figures several sweep points share: the first point's, its world's
    ids joined by those only other points have (each with its own point's spec, so its
    label), since the points may run different worlds. Other points' configs are read
    only when the points change the world or have ids the first point's world lacks; an
    id the points label differently, or whose label another id shows too, is drawn by
    its id (`unambiguous_labels`)."""
    first = scenario_config(res)
    points = (res.config or {}).get("points")
    if not points or "scenario" in (res.config or {}):  # a run: one world
        return first
    world = {group: dict((first.get("world") or {}).get(group) or {}) for group in WORLD_GROUPS}
    world = {**(first.get("world") or {}), **world}
    missing = _ids(res) - {str(i) for group in WORLD_GROUPS for i in world[group]}
    if not (missing or _worlds_vary(points)):
        return first
    shown: dict[str, set[str]] = {}
    for pid in points:
        other = (_point_config(res, pid) or {}).get("world") or {}
        for group in WORLD_GROUPS:
            for ident, spec in (other.get(group) or {}).items():
                world[group].setdefault(ident, spec)
                shown.setdefault(str(ident), set()).add(_label_of(ident, spec))
    drawn = unambiguous_labels(shown)
    for group in WORLD_GROUPS:
        world[group] = {i: ({**spec, "label": drawn[str(i)]} if isinstance(spec, dict)
                            and _label_of(i, spec) != drawn[str(i)] else spec)
                        for i, spec in world[group].items()}
    return {**first, "world": world}


def _worlds_vary(points: dict) -> bool:
    """Whether the sweep changes the world (`world=...` or `world.<key>=...`)."""
    return any(str(key) == "world" or str(key).startswith("world.")
               for info in points.values() for key in (info or {}).get("values") or {})


def _label_of(ident: object, spec: object) -> str:
    label = spec.get("label") if isinstance(spec, dict) else None
    return str(label) if label else str(ident)


def unambiguous_labels(shown: dict[str, set[str]]) -> dict[str, str]:
    """Each id's text in a figure of several worlds: its label where every world that has
    it says the same and no other id shows that text; else the id itself (ids are
    unique, so a reader never takes one actor for another)."""
    drawn = {i: next(iter(texts)) if len(texts) == 1 else i for i, texts in shown.items()}
    while True:
        owners: dict[str, list[str]] = {}
        for ident, text in drawn.items():
            owners.setdefault(text, []).append(ident)
        clashes = {i for ids in owners.values() if len(ids) > 1 for i in ids if drawn[i] != i}
        if not clashes:
            return drawn
        drawn.update({i: i for i in clashes})


def _ids(res) -> set[str]:
    """The ids in the tables (actors, postures, platforms), from their categories."""
    found: set[str] = set()
    for name, columns in (("trajectories", ("actor", "posture")),
                          ("platforms", ("platform",)), ("memberships", ("platform",))):
        table = res.tables.get(name)
        for column in columns:
            if table is not None and column in table.columns:
                found.update(str(v) for v in (
                    table.categories(column) if isinstance(table, Table)
                    else pd.unique(table[column])))
    return found - {metrics.NONALIGNED}


def _numeric_sweeps(df: metrics.Frame) -> list[str]:
    """Swept model inputs with several numeric values (the axes of sweep figures)."""
    out = []
    for c in metrics.model_inputs(metrics.swept_columns(df)):
        values = [v for v in metrics.distinct(df, c) if not pd.isna(v)]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if numeric and len(set(values)) > 1:
            out.append(c)
    return out


def _slug(text: str) -> str:
    """A safe part of a file name: letters, digits and `._=,+-` only."""
    return re.sub(r"[^A-Za-z0-9._=,+\-]+", "_", text).strip("._")


def _unit_suffix(unit: pd.Series, many: bool) -> str:
    """A unit's part of a file name: its scenario and the swept values that vary."""
    if not many:
        return ""
    return "_" + _slug("_".join(v for v in (str(unit["scenario"]), unit["label"]) if v)
                       .replace(", ", "_"))


def _groups(traj: metrics.Frame, units: pd.DataFrame, size: int
            ) -> Iterator[tuple[str, metrics.Frame, str]]:
    """(file suffix, rows, caption note) of groups of at most `size` units that share a
    figure: all together, or per scenario and then in chunks."""
    if len(units) <= size:
        yield "", traj, ""
        return
    for name in pd.unique(units["scenario"]):
        mine = units[units["scenario"] == name].reset_index(drop=True)
        chunks = [mine.iloc[i:i + size] for i in range(0, len(mine), size)]
        for k, chunk in enumerate(chunks):
            part = metrics.select(traj, scenario=name)
            if len(chunks) > 1:
                part = _select_units(part, chunk)
            suffix = f"_{name}" + (f"_{k + 1}" if len(chunks) > 1 else "")
            yield suffix, part, f" Scenario {name}" + (
                f", points {k * size + 1}-{k * size + len(chunk)} of {len(mine)}."
                if len(chunks) > 1 else ".")


def _select_units(df: metrics.Frame, chosen: pd.DataFrame) -> metrics.Frame:
    """The rows of some units (by point id)."""
    if isinstance(df, Table):
        keep = set(chosen["point"].astype(str))
        return Table(tuple(p for p in df.parts if str(p.extra.get("point")) in keep),
                             df.where)
    return df[df["point"].astype(str).isin(set(chosen["point"].astype(str)))]


def _per_unit(res, traj: metrics.Frame, units: pd.DataFrame, kind: str, title: str,
              caption: str, draw: Callable[[pd.Series, dict], Figure]) -> list[Plot]:
    """One figure per unit (the first MAX_UNITS), named `<kind>_<point or scenario>`
    when there are several; `draw(unit, config)` makes it."""
    many = len(units) > 1
    note = (f" Drawn for the first {MAX_UNITS} of {len(units)} sets of replicates; "
            f"`plots.{kind}...(unit=...)` draws any other." if len(units) > MAX_UNITS else "")
    return [Plot(f"{kind}{_unit_suffix(unit, many)}", f"{title}: {unit['title']}", caption + note,
                 draw(unit, scenario_config(res, unit["scenario"], unit.get("point"))))
            for _, unit in units.head(MAX_UNITS).iterrows()]


def figures(res, actor: str | None = None, posture: str | None = None,
            baseline: str | None = None, date: str | None = None) -> list[Plot]:
    """Every figure the data supports, with titles and captions."""
    config = shared_config(res)
    traj = metrics.with_scenario(res.tables["trajectories"], config)
    units = metrics.units(traj)
    columns = metrics.unit_columns(traj)
    out = [Plot(f"outcomes{suffix}", "Outcome distribution" + (f" ({suffix[1:]})" if suffix
                                                                  else ""),
                "Share of runs ending in each posture, per state, one panel per scenario or "
                "sweep point; whiskers are 90% Wilson intervals for the Monte Carlo share "
                "(none where no run ends in the posture)." + note,
                plots.outcome_distribution(part, config))
           for suffix, part, note in _groups(traj, units, MAX_PANELS)]
    out += _per_unit(res, traj, units, "fan", "Alignment fan chart",
                     "Median (line), 50% and 90% bands over runs of each state's share of "
                     "alignment on each pole and of its non-aligned share (dashed, grey); "
                     "numbered events: ticks on the time axis, dotted lines where the event "
                     "names the state, listed in the key below.",
                     lambda unit, cfg: plots.fan_chart(
                         traj, cfg, unit=metrics.unit_of(unit, columns)))
    out += _colour_groups(traj, units, config, res.tables["platforms"])
    out += _sweep_figures(traj, units, config, actor, posture)
    mem = res.tables["memberships"]
    mem = metrics.with_scenario(mem, config) if len(mem) else None
    out += _per_unit(res, traj, units, "network", "Alignment network",
                     "States (fill: modal posture), poles and platforms at one date; edge "
                     "width is the mean alignment weight over runs, line style the modal "
                     "membership status.",
                     lambda unit, cfg: plots.network_map(traj, mem, date=date, config=cfg,
                                                         unit=metrics.unit_of(unit, columns)))
    out += _comparisons(traj, config, baseline)
    if "draw" in traj.columns:
        plat = metrics.with_scenario(res.tables["platforms"], config)
        out += [Plot(f"spread{suffix}", "Parameter vs chance",
                     "Share of each outcome's variance over runs that comes from the "
                     "posterior draws of the parameters (variance of the draws' means) and "
                     "from chance (mean variance within a draw); law of total variance. "
                     "The text at each bar: the outcome's standard deviation over runs."
                     + note, plots.spread_chart(part, _same_units(plat, part), config))
                for suffix, part, note in _groups(traj, units, 4)]
    return out


def _comparisons(traj: metrics.Frame, config: dict, baseline: str | None) -> list[Plot]:
    """Each scenario against the baseline at the same swept values: postures and blocs
    (Newcombe intervals), hedging (Welch intervals)."""
    names = metrics.scenarios(traj)
    if len(names) < 2:
        return []
    base = baseline or ("baseline" if "baseline" in names else names[0])
    same = "against the baseline scenario at the same swept values"
    kinds = [("comparison", f"Scenario comparison against {base}",
              f"Difference of P(final posture) and of P(in a bloc at the end) {same}, in "
              "percentage points, with 90% Newcombe intervals.", plots.scenario_comparison)]
    if "hedging" in traj.columns:
        kinds.append(("comparison_hedging", f"Hedging against {base}",
                      f"Difference of each state's mean final hedging index {same}, with 90% "
                      "normal (Welch) intervals.", plots.hedging_comparison))
    return [Plot(name, title, caption, draw(traj, base, config))
            for name, title, caption, draw in kinds]


def _same_units(other: metrics.Frame, like: metrics.Frame) -> metrics.Frame:
    """`other` narrowed to the units of `like` (e.g. the platforms of some points)."""
    if "point" in like.columns and "point" in other.columns:
        return _select_units(other, metrics.units(like))
    if "scenario" in like.columns and "scenario" in other.columns:
        names = metrics.scenarios(like)
        return metrics.select(other, scenario=names[0]) if len(names) == 1 else other
    return other


def _colour_groups(traj: metrics.Frame, units: pd.DataFrame, config: dict,
                   plat: metrics.Frame) -> list[Plot]:
    """Figures with one colour per unit: platforms, hedging, blocs (in groups of at most
    MAX_COLOURS units)."""
    plat = metrics.with_scenario(plat, config) if len(plat) else None
    out = []
    for suffix, part, note in _groups(traj, units, MAX_COLOURS):
        if plat is not None:
            out.append(Plot(f"platforms{suffix}", "Platform viability and depth",
                            "Median and 90% band over runs of each platform's viability "
                            "(solid) and institutional depth (dashed), one colour per scenario "
                            "or sweep point." + note,
                            plots.platform_chart(_same_units(plat, part), config)))
        if "hedging" in traj.columns:
            out.append(Plot(f"hedging{suffix}", "Hedging index over time",
                            "Median and 90% band over runs of each state's hedging index "
                            "(normalized entropy of its alignment over the poles and "
                            "non-alignment: 0 wholly on one side, 1 evenly spread), one colour "
                            "per scenario or sweep point." + note,
                            plots.hedging_chart(part, config)))
        if "in_bloc" in traj.columns:
            out.append(Plot(f"blocs{suffix}", "Bloc membership",
                            "Share of runs in which each state is a full member of a platform "
                            "marked as a bloc, at the end and at some recorded month; 90% "
                            "Wilson intervals (none at zero)." + note,
                            plots.bloc_chart(part, config)))
    return out


def _sweep_figures(traj: metrics.Frame, units: pd.DataFrame, config: dict,
                   actor: str | None, posture: str | None) -> list[Plot]:
    """Outcomes against each numeric swept parameter (one figure per scenario and value of
    the other swept columns), and sweep maps over the first two."""
    swept = _numeric_sweeps(traj)
    out = []
    columns = metrics.unit_columns(traj)
    for x in swept:
        others = [c for c in columns if c not in ("point", x)]
        for _, combo in units[others].drop_duplicates().iterrows():
            part = metrics.select(traj, **metrics.unit_of(combo, others))
            fixed = metrics.describe(combo, [c for c in others if c != "scenario"
                                             and units[c].astype(str).nunique() > 1])
            suffix = _slug("_".join(v for v in (str(combo["scenario"]),
                                                fixed.replace(", ", "_")) if v))
            out.append(Plot(f"sweep_{plots.label(x)}_{suffix}",
                            f"Outcomes against {plots.label(x)}: {combo['scenario']}"
                            + (f" ({fixed})" if fixed else ""),
                            f"Share of runs ending in each posture and in a bloc (dashed) at "
                            f"each value of {plots.label(x)}, with 90% Wilson intervals; "
                            "other swept parameters fixed (one figure per value).",
                            plots.sweep_lines(part, x, config)))
    if len(swept) >= 2:
        x, y = swept[:2]
        for name in metrics.scenarios(traj)[:MAX_UNITS]:
            part = metrics.select(traj, scenario=name)
            a, p = ((actor, posture) if actor and posture
                    else metrics.most_variable_outcome(part, [x, y]))
            a, p = actor or a, posture or p
            many = len(metrics.scenarios(traj)) > 1
            out.append(Plot(f"sweep_map_{name}" if many else "sweep_map",
                            f"Sweep map: P({a} ends {p}), {name}",
                            f"Probability over {plots.label(x)} x {plots.label(y)}, with 90% "
                            "Wilson intervals per cell; one panel per value of any other swept "
                            "parameter. Default outcome: the one that varies most across the "
                            "grid.",
                            plots.sweep_map(part, x, y, a, p, scenario=name, config=config)))
    return out


def plot_results(path: str | Path, out: str | Path | None = None, **options) -> list[Path]:
    """Write every supported figure of a run or sweep directory as PNG and SVG."""
    res = open_results(path)
    folder = expand(out) if out is not None else expand(path) / "figures"
    drawn = figures(res, **options)
    # a user's file in the way refuses the command before it writes any figure
    owned.check(path for plot in drawn for path in plots.files(folder, plot.name))
    written = []
    for plot in drawn:
        written += plots.save(plot.figure, folder, plot.name)
    return written


# ---------------------------------------------------------------- numbers

NUMBERS = ["quantity", "scenario", "point", "actor", "item", "estimate", "lo", "hi", "runs",
           "interval"]


def _rows(frame: pd.DataFrame, quantity: str, actor: str | pd.Series, item: str | pd.Series,
          estimate: str, lo: str | None, hi: str | None, runs: str | None,
          interval: str) -> pd.DataFrame:
    """Key numbers in the long layout of `NUMBERS`."""
    def column(name):
        return frame[name] if isinstance(name, str) and name in frame else name

    return pd.DataFrame({
        "quantity": quantity, "scenario": frame["scenario"],
        "point": frame.get("point", ""), "actor": column(actor),
        "item": column(item), "estimate": frame[estimate],
        "lo": frame[lo] if lo else None, "hi": frame[hi] if hi else None,
        "runs": frame[runs] if runs else None, "interval": interval})[NUMBERS]


def key_numbers(res, level: float = metrics.LEVEL, baseline: str | None = None
                ) -> pd.DataFrame:
    """Long table, one row per sweep point (or scenario) and number: final postures,
    final memberships, final platform viability/depth, final hedging index, bloc
    membership, differences against the baseline scenario and (with posterior draws)
    the parameter share of each outcome's variance. Columns: quantity, scenario, point,
    actor, item, estimate, lo, hi, runs, interval."""
    config = scenario_config(res)
    traj = metrics.with_scenario(res.tables["trajectories"], config)
    shared = ", effective runs (shared histories)" if metrics.clusters(traj) else ""
    wilson = f"{level:.0%} Wilson" + shared  # docs/ANALYSIS.md
    probs = metrics.outcome_probabilities(traj, level=level)
    rows = [_rows(probs, "P(final posture)", "actor", "posture", "p", "lo", "hi", "runs",
                  wilson)]
    mem = res.tables["memberships"]
    if len(mem):
        joins = metrics.join_probabilities(metrics.with_scenario(mem, config), level=level)
        rows.append(_rows(joins, "P(member at the end)", "actor", "platform", "p", "lo", "hi",
                          "runs", wilson))
    plat = res.tables["platforms"]
    if len(plat):
        final = metrics.platform_final(metrics.with_scenario(plat, config))
        for measure in ("viability", "depth"):
            rows.append(_rows(final, f"final {measure}", "", "platform", f"{measure}_mean",
                              f"{measure}_p05", f"{measure}_p95", None, "5%-95% over runs"))
    hedging = bloc = None
    if "hedging" in traj.columns:
        hedging = metrics.hedging_final(traj)
        rows.append(_rows(hedging, "final hedging", "actor", "", "mean", "q05", "q95", "n",
                          "5%-95% over runs"))
    if "in_bloc" in traj.columns:
        bloc = metrics.bloc_probabilities(traj, level=level)
        for measure, quantity in (("end", "P(in a bloc at the end)"),
                                  ("ever", "P(in a bloc at some month)")):
            rows.append(_rows(bloc[bloc["measure"] == measure], quantity, "actor", "", "p",
                              "lo", "hi", "runs", wilson))
    names = metrics.scenarios(traj)
    if len(names) >= 2:
        base = baseline or ("baseline" if "baseline" in names else names[0])
        rows += _differences(probs, bloc, hedging, base, level, shared)
    if "draw" in traj.columns:
        split = metrics.spread(traj, metrics.with_scenario(plat, config) if len(plat) else None)
        split = split.assign(share=split["parameter"] / split["variance"].where(
            split["variance"] > 0))
        rows.append(_rows(split, "parameter share of variance", "actor",
                          split["outcome"] + (" " + split["item"]).where(split["item"] != "",
                                                                         ""),
                          "share", None, None, None, "law of total variance over draws"))
    return pd.concat(rows, ignore_index=True)


def _differences(probs: pd.DataFrame, bloc: pd.DataFrame | None,
                 hedging: pd.DataFrame | None, base: str, level: float, shared: str = ""
                 ) -> list[pd.DataFrame]:
    """Differences of each scenario against the baseline at the same swept values (their
    intervals on effective runs where `shared` says so)."""
    newcombe = f"{level:.0%} Newcombe" + shared
    diffs = metrics.outcome_differences(probs, base)
    out = [_rows(diffs, f"P(final posture) - {base}", "actor", "posture", "diff", "lo", "hi",
                 None, newcombe)]
    if bloc is not None:
        end = bloc[bloc["measure"] == "end"].drop(columns="measure")
        d = metrics.share_differences(end, base, ["actor"])
        out.append(_rows(d, f"P(in a bloc at the end) - {base}", "actor", "", "diff", "lo",
                         "hi", None, newcombe))
    if hedging is not None:
        d = metrics.mean_differences(hedging, base, ["actor"], level)
        out.append(_rows(d, f"final hedging - {base}", "actor", "", "diff", "lo", "hi", None,
                         f"{level:.0%} normal (Welch)" + shared))
    return out


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
            text = (f"{v:.3f}" if isinstance(v, float) and not pd.isna(v)
                    else "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _config_text(res) -> str:
    config = res.config or {}
    if "points" not in config:
        return config_text(config)
    return (config_text({"sweep points": config["points"]})
            + "\n# resolved config of the first sweep point\n"
            + config_text(scenario_config(res)))


def _section(numbers: pd.DataFrame, title: str, text: str, quantities: Sequence[str],
             nonzero: bool = False, drop: Sequence[str] = ()) -> list[str]:
    """An HTML table of the key numbers of some quantities (empty when there are none)."""
    part = numbers[numbers["quantity"].isin(quantities)
                   | numbers["quantity"].str.startswith(tuple(quantities))]
    if nonzero:
        part = part[part["estimate"].abs() > 0]
    if part.empty:
        return []
    drop = [*drop, *(["point"] if (part["point"] == "").all() else [])]
    return [f"<h3>{html.escape(title)}</h3>", f"<p>{html.escape(text)}</p>" if text else "",
            _table(part.drop(columns=[c for c in drop if c in part]))]


def shared_histories(res) -> str:
    """What the header says when runs share histories (`scenario.histories` H, fewer than
    the runs, in a continued scenario), or "": the intervals count each share's and
    mean's effective runs (docs/ANALYSIS.md), unless the tables predate their `history`
    column, which the intervals need."""
    config = res.config or {}
    points = None if "scenario" in config else config.get("points")
    configs = [_point_config(res, pid) or {} for pid in points] if points else [config]
    counted = [(sc.get("histories"), c.get("runs")) for c in configs
               if isinstance(sc := c.get("scenario"), dict) and sc.get("after")]
    shared = sorted({(h, runs) for h, runs in counted  # a hand-edited value: not read
                     if type(h) is int and type(runs) is int and 0 < h < runs})
    if not shared:
        return ""
    counts = "; ".join(f"{runs} runs on {h} histories" for h, runs in shared)
    said = f"{counts} (scenario.histories): run r starts where history run r mod H ends; "
    traj = (getattr(res, "tables", None) or {}).get("trajectories")
    if traj is None or metrics.HISTORY not in traj.columns:
        return said + ("these tables predate the `history` column, so their intervals count "
                       "runs as independent and are too narrow for outcomes the history "
                       "settles (docs/ANALYSIS.md)")
    return said + ("each interval counts its effective runs (the runs over the design effect "
                   "measured from the per-history totals): an outcome the history settles "
                   "counts its histories (docs/ANALYSIS.md)")


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
    meta.append(("shared histories", shared_histories(res)))
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
    parts += ["<h2 id=\"numbers\">Key numbers</h2>",
              "<p>One row per scenario or sweep point (all numbers, zeros included, are in "
              "the CSV beside this page). Intervals: 90% Wilson score intervals for shares "
              "of runs, Newcombe intervals for differences of shares, normal (Welch) "
              "intervals for differences of means; 5%-95% quantiles over runs for levels"
              + ("; runs share histories, so each share and mean counts its effective runs"
                 if metrics.clusters(traj) else "") + ".</p>",
              *_section(numbers, "Final postures (probability above zero)", "",
                        ["P(final posture)"], nonzero=True, drop=["quantity"]),
              *_section(numbers, "Memberships at the end (probability above zero)", "",
                        ["P(member at the end)"], nonzero=True, drop=["quantity"]),
              *_section(numbers, "Final platform levels", "", ["final viability",
                                                               "final depth"],
                        drop=["actor", "runs"]),
              *_section(numbers, "Hedging index and bloc membership",
                        "Hedging index: normalized entropy of a state's alignment over the "
                        "poles and non-alignment (0 wholly on one side, 1 evenly spread). In "
                        "a bloc: a full member of a platform marked `bloc: true`.",
                        ["final hedging", "P(in a bloc at the end)",
                         "P(in a bloc at some month)"], drop=["item"]),
              *_section(numbers, "Scenario differences against the baseline (non-zero)",
                        "Each scenario minus the baseline at the same swept values.",
                        [q for q in numbers["quantity"].unique() if " - " in q],
                        nonzero=True),
              *_section(numbers, "Parameter vs chance",
                        "Share of each outcome's variance over runs due to the posterior "
                        "draws of the parameters; the rest is chance (events, noise).",
                        ["parameter share of variance"], drop=["lo", "hi", "runs"]),
              "<h2 id=\"config\">Resolved configuration</h2>",
              "<pre>" + html.escape(_config_text(res)) + "</pre>",
              "</body></html>\n"]
    return "\n".join(p for p in parts if p)


def report(path: str | Path, out: str | Path | None = None, **options) -> tuple[Path, Path]:
    """Write report.html and report_numbers.csv (default: into the results directory)."""
    res = open_results(path)
    target = expand(out) if out is not None else expand(path) / "report.html"
    if target.suffix != ".html":
        target = target / "report.html"
    csv = target.with_name(target.stem + "_numbers.csv")
    owned.check([target, csv])  # never a file of the user's
    target.parent.mkdir(parents=True, exist_ok=True)
    numbers = key_numbers(res, baseline=options.get("baseline"))
    page = render(res, figures(res, **options), numbers)
    target.write_text(page, encoding="utf-8")
    owned.record([target])  # each file listed once written: a Ctrl-C leaves none unlisted
    numbers.to_csv(csv, index=False)
    owned.record([csv])
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
        said = next((line for line in str(exc).splitlines() if line.strip()),
                    type(exc).__name__)  # the first line that says something
        print(f"{prog}: {said}", file=sys.stderr)
        return 2
    return 0


def saying_incomplete(prog: str, command, argv: list[str] | None) -> int:
    """Run a reading command; an unfinished run or sweep it read is said on one line
    (`results.IncompleteResults`), before its figures are listed."""
    import warnings

    from ..results import IncompleteResults

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IncompleteResults)
        code = command(argv)
    for said in dict.fromkeys(str(w.message) for w in caught
                              if issubclass(w.category, IncompleteResults)):
        print(f"{prog}: warning: {said}", file=sys.stderr)
    for w in caught:
        if not issubclass(w.category, IncompleteResults):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return code


def plot_command(argv: Sequence[str] | None = None) -> int:
    """balancing-sim-plot RUN_OR_SWEEP_DIR [--out DIR]: every figure as PNG and SVG."""
    return _run("balancing-sim-plot", argv,
                lambda path, out, **o: map(str, plot_results(path, out, **o)))


def report_command(argv: Sequence[str] | None = None) -> int:
    """balancing-sim-report RUN_OR_SWEEP_DIR [--out FILE]: report.html + numbers CSV."""
    return _run("balancing-sim-report", argv,
                lambda path, out, **o: map(str, report(path, out, **o)))
