"""Publication figures from the output contract; each function returns a matplotlib Figure.

Colours: the Okabe-Ito palette (Okabe & Ito 2008), colour-blind safe; each pole keeps one
colour in every figure (assigned in the order of the `align_<pole>` columns), `nonaligned`
is grey. Scenarios use Paul Tol's muted palette. All names come from the data.

Figures are plain `matplotlib.figure.Figure` objects (no pyplot state, any backend): they
display in a notebook and save with `save` (PNG and SVG).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..config.schema import STATUSES
from ..dynamics.platforms import STATUS_WEIGHT
from . import metrics
from .metrics import Frame

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
NONALIGNED_COLOR = "#8C8C8C"
SCENARIO_COLORS = ("#332288", "#117733", "#AA4499", "#88CCEE", "#DDCC77", "#CC6677",
                   "#44AA99", "#882255", "#999933")
STATUS_STYLE = {  # membership status -> (line style, width)
    "member": ("-", 2.4), "candidate": ("--", 1.8), "partner": ("-.", 1.4),
    "observer": (":", 1.2)}
STYLE = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8,
    "ytick.labelsize": 8, "legend.fontsize": 8, "figure.titlesize": 11,
    "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none",
    "savefig.dpi": 200, "figure.dpi": 100, "font.family": "DejaVu Sans",
}
LABEL_BOX = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none",
             "alpha": 0.7}
FIGURES = ("outcomes", "fan", "platforms", "sweep_map", "network", "comparison")


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw under the house style (fonts are fixed when the text is created)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def pole_colors(poles: list[str]) -> dict[str, str]:
    """One colour per pole (by position), grey for `nonaligned`."""
    colors = {p: OKABE_ITO[i % len(OKABE_ITO)] for i, p in enumerate(poles)}
    colors[metrics.NONALIGNED] = NONALIGNED_COLOR
    return colors


def scenario_colors(names: list[str]) -> dict[str, str]:
    return {s: SCENARIO_COLORS[i % len(SCENARIO_COLORS)] for i, s in enumerate(names)}


def label(name: str) -> str:
    """An id as a label: `params.w_autonomy` -> `w_autonomy`, underscores kept."""
    return str(name).removeprefix("params.")


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _label_panels(axes: np.ndarray, used: int, nrows: int, ncols: int, ylabel: str) -> None:
    """Hide unused panels of a time grid; label the left column and the bottom row."""
    for ax in axes[used:]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel(ylabel)
    for ax in axes[(nrows - 1) * ncols:]:
        ax.set_xlabel("date (month)")
        ax.tick_params(axis="x", labelbottom=True)


def _grid(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _pick_scenario(df: Frame, scenario: str | None) -> Frame:
    if scenario is None or "scenario" not in df.columns:
        return df
    part = metrics.select(df, scenario=scenario)
    if len(part) == 0:
        raise ValueError(f"scenario {scenario!r} not in the data "
                         f"(have: {', '.join(metrics.scenarios(df))})")
    return part


def _pooled_note(df: Frame) -> str:
    """', pooled over N sweep points' when a scenario holds several sweep points."""
    n = metrics.points_per_scenario(df)
    return f", pooled over {n} sweep points" if n > 1 else ""


# ---------------------------------------------------------------- 1. outcomes


@styled
def outcome_distribution(traj: Frame, config: dict | None = None,
                         level: float = metrics.LEVEL) -> Figure:
    """Share of runs ending in each posture, per actor; one panel per scenario, side by side;
    whiskers are Wilson intervals at `level`."""
    probs = metrics.outcome_probabilities(traj, config, level=level)
    names = metrics.scenarios(probs)
    actors = list(pd.unique(probs["actor"]))
    seen = probs.groupby("posture")["count"].sum()
    order = [p for p in metrics.postures(traj) if seen.get(p, 0) > 0]
    colors = pole_colors(metrics.poles(traj))
    k = len(order)
    height = 0.8 / k
    fig = _new_figure(2.2 + 3.0 * len(names), 1.4 + 0.11 * k * len(actors))
    axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
    y0 = np.arange(len(actors))[::-1].astype(float)
    for ax, name in zip(axes, names, strict=True):
        part = probs[probs["scenario"] == name].set_index(["actor", "posture"])
        runs = int(part["runs"].max())
        for j, posture in enumerate(order):
            rows = part.xs(posture, level="posture").reindex(actors)
            y = y0 + 0.4 - height * (j + 0.5)
            p = rows["p"].to_numpy() * 100
            err = np.maximum(0, np.vstack([p - rows["lo"].to_numpy() * 100,
                                           rows["hi"].to_numpy() * 100 - p]))
            ax.barh(y, p, height=height * 0.92, color=colors.get(posture, NONALIGNED_COLOR),
                    label=posture, xerr=err, error_kw={"elinewidth": 0.6, "capsize": 1.5,
                                                       "ecolor": "#444444"})
        ax.set_xlim(0, 100)
        ax.set_xlabel("share of runs ending in posture (%)")
        part_traj = _pick_scenario(metrics.with_scenario(traj, config), name)
        ax.set_title(f"{name}\n(n = {runs} runs{_pooled_note(part_traj)})")
        ax.set_yticks(y0, actors)
        for y in y0[:-1]:
            ax.axhline(y - 0.5, color="#DDDDDD", linewidth=0.6, zorder=0)
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        ax.set_axisbelow(True)
    axes[0].set_ylabel("state")
    handles = [Patch(color=colors.get(p, NONALIGNED_COLOR), label=p) for p in order]
    fig.legend(handles=handles, title="final posture (those some run ends in)",
               loc="outside lower center", ncols=len(handles))
    fig.suptitle(f"Final posture per state ({level:.0%} Wilson intervals)")
    return fig


# ---------------------------------------------------------------- 2. fan chart


@styled
def fan_chart(traj: Frame, config: dict | None = None, scenario: str | None = None,
              actors: list[str] | None = None, ncols: int = 4,
              min_weight: float = 0.02) -> Figure:
    """Each state's alignment weights over time: median line and 50%/90% bands per pole,
    one panel per state. Scheduled events: ticks on the time axis; events naming the
    panel's state: dotted vertical lines. Poles whose 95% quantile never exceeds
    `min_weight` in a panel are left out of it."""
    df = _pick_scenario(metrics.with_scenario(traj, config), scenario)
    name = metrics.scenarios(df)[0]
    df = metrics.select(df, scenario=name)
    bands = metrics.alignment_bands(df)
    poles = metrics.poles(traj)
    colors = pole_colors(poles)
    actors = actors or [a for a in pd.unique(bands["actor"])]
    events = metrics.event_dates(config) if (config or {}).get("scenario", {}).get(
        "name", name) == name else []
    nrows, ncols = _grid(len(actors), ncols)
    fig = _new_figure(2.7 * ncols + 0.3, 2.1 * nrows + 0.9)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, actor in zip(axes, actors, strict=False):
        part = bands[bands["actor"] == actor]
        for pole in poles:
            b = part[part["pole"] == pole]
            if b.empty or b["q95"].max() <= min_weight:
                continue
            c = colors[pole]
            ax.fill_between(b["date"], b["q05"], b["q95"], color=c, alpha=0.15, linewidth=0)
            ax.fill_between(b["date"], b["q25"], b["q75"], color=c, alpha=0.35, linewidth=0)
            ax.plot(b["date"], b["q50"], color=c, linewidth=1.4)
        for when, _, states in events:
            mine = actor in states
            ax.axvline(when, ymin=0, ymax=1 if mine else 0.05, color="#555555",
                       linestyle=":" if mine else "-", linewidth=0.8 if mine else 0.6,
                       alpha=0.8 if mine else 0.6, zorder=0)
        ax.set_title(actor)
        ax.set_ylim(0, 1)
        _date_axis(ax)
        ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
    _label_panels(axes, len(actors), nrows, ncols, "alignment weight (0-1)")
    handles = [Line2D([], [], color=colors[p], linewidth=1.4, label=p) for p in poles]
    handles += [Patch(color="#777777", alpha=0.35, label="50% band"),
                Patch(color="#777777", alpha=0.15, label="90% band")]
    if events:
        handles += [Line2D([], [], color="#555555", linewidth=0.6, label="event (tick)"),
                    Line2D([], [], color="#555555", linestyle=":", linewidth=0.8,
                           label="event naming the state")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 9),
               title="median weight on pole")
    runs = metrics.run_count(df)
    fig.suptitle(f"Alignment weights over time: {name} ({runs} runs{_pooled_note(df)})")
    return fig


# ---------------------------------------------------------------- 3. platforms


@styled
def platform_chart(plat: Frame, config: dict | None = None, ncols: int = 4) -> Figure:
    """Viability (solid) and depth (dashed) of each platform over time: median and 90% band
    over runs, one panel per platform, one colour per scenario."""
    bands = metrics.platform_bands(plat, config)
    names = metrics.scenarios(bands)
    colors = scenario_colors(names)
    platforms = list(pd.unique(bands["platform"]))
    nrows, ncols = _grid(len(platforms), ncols)
    fig = _new_figure(2.7 * ncols + 0.3, 2.0 * nrows + 0.9)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    styles = {"viability": "-", "depth": "--"}
    for ax, platform in zip(axes, platforms, strict=False):
        part = bands[bands["platform"] == platform]
        for name in names:
            for measure, ls in styles.items():
                b = part[(part["scenario"] == name) & (part["measure"] == measure)]
                ax.fill_between(b["date"], b["q05"], b["q95"], color=colors[name],
                                alpha=0.18 if measure == "viability" else 0.10, linewidth=0)
                ax.plot(b["date"], b["q50"], color=colors[name], linestyle=ls, linewidth=1.3)
        ax.set_title(platform)
        ax.set_ylim(0, 1.02)
        _date_axis(ax)
        ax.grid(axis="y", color="#EEEEEE", linewidth=0.6)
    _label_panels(axes, len(platforms), nrows, ncols, "level (0-1)")
    handles = [Line2D([], [], color="#333333", linestyle=ls, label=f"{m} (median)")
               for m, ls in styles.items()]
    handles.append(Patch(color="#777777", alpha=0.25, label="90% band"))
    handles += [Patch(color=colors[s], label=s) for s in names]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 8))
    note = _pooled_note(plat).removeprefix(", ")
    fig.suptitle("Platform viability and institutional depth over time"
                 + (f" ({note})" if note else ""))
    return fig


# ---------------------------------------------------------------- 4. sweep map


@styled
def sweep_map(traj: Frame, x: str, y: str, actor: str, posture: str,
              scenario: str | None = None, config: dict | None = None,
              level: float = metrics.LEVEL, annotate: bool | None = None) -> Figure:
    """Heatmap of P(actor ends in posture) over two swept parameters; other swept columns
    are pooled and named in the title, with the scenario."""
    df = _pick_scenario(traj, scenario)
    grid = metrics.sweep_grid(df, x, y, actor, posture, level)
    xs, ys = sorted(pd.unique(grid[x])), sorted(pd.unique(grid[y]))
    table = grid.pivot(index=y, columns=x, values="p").reindex(index=ys, columns=xs)
    lo = grid.pivot(index=y, columns=x, values="lo").reindex(index=ys, columns=xs)
    hi = grid.pivot(index=y, columns=x, values="hi").reindex(index=ys, columns=xs)
    fig = _new_figure(1.9 + 0.85 * max(len(xs), 3), 1.6 + 0.65 * max(len(ys), 3))
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(), origin="lower", cmap="cividis", vmin=0, vmax=1,
                      aspect="auto")
    ax.set_xticks(range(len(xs)), [f"{v:g}" if isinstance(v, float) else str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" if isinstance(v, float) else str(v) for v in ys])
    ax.set_xlabel(f"{label(x)} (parameter value)")
    ax.set_ylabel(f"{label(y)} (parameter value)")
    ax.spines[:].set_visible(False)
    if annotate is None:
        annotate = len(xs) * len(ys) <= 49
    if annotate:
        for i in range(len(ys)):
            for j in range(len(xs)):
                p = table.iat[i, j]
                if np.isnan(p):
                    continue
                ax.text(j, i, f"{p:.2f}\n[{lo.iat[i, j]:.2f}, {hi.iat[i, j]:.2f}]",
                        ha="center", va="center", fontsize=7,
                        color="white" if p < 0.55 else "black")
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label(f"P({actor} ends {posture})")
    others = [c for c in metrics.model_inputs(metrics.swept_columns(df)) if c not in (x, y)]
    parts = []
    for c in others:
        values = metrics.distinct(df, c)
        parts.append(f"{label(c)}={values[0]}" if len(values) == 1
                     else f"{label(c)} pooled over {len(values)} values")
    names = metrics.scenarios(df) or [metrics.scenario_name(config)]
    runs = int(grid["runs"].min())
    title = f"P({actor} ends {posture}), scenario {', '.join(names)}, {runs} runs a cell"
    subtitle = "; ".join(parts) or "no other swept parameter"
    ax.set_title(f"{title}\nother parameters: {subtitle}; the rest as in the config",
                 fontsize=8.5)
    return fig


# ---------------------------------------------------------------- 5. network


@styled
def network_map(traj: Frame, mem: Frame | None = None,
                date: str | pd.Timestamp | None = None, scenario: str | None = None,
                config: dict | None = None, min_weight: float = 0.1) -> Figure:
    """States, poles and platforms as a graph at one date (default: the last).

    State-pole edges: mean alignment weight over runs (width; shown from `min_weight`).
    State-platform edges: modal membership status over runs (line style). Platform-pole
    edges (thin grey): the platform's leader, when the config names one.
    """
    import networkx as nx

    traj = metrics.with_scenario(traj, config)
    name = scenario or metrics.scenarios(traj)[0]
    if mem is not None:
        mem = metrics.with_scenario(mem, config)
    snap = metrics.network_snapshot(traj, mem, date, name)
    poles = metrics.poles(traj)
    colors = pole_colors(poles)
    align, status = snap["alignment"], snap["status"]
    leaders = metrics.platform_leaders(config)
    graph = nx.Graph()
    graph.add_nodes_from(poles, kind="pole")
    graph.add_nodes_from(align.index, kind="state")
    platforms = [] if status is None else list(status.columns)
    graph.add_nodes_from(platforms, kind="platform")
    for actor in align.index:
        for pole in poles:
            if align.at[actor, pole] >= min_weight:
                graph.add_edge(actor, pole, kind="align", weight=float(align.at[actor, pole]))
    if status is not None:
        for actor in status.index:
            for platform in platforms:
                s = status.at[actor, platform]
                if s in STATUS_STYLE:
                    graph.add_edge(actor, platform, kind="status", status=s,
                                   weight=float(STATUS_WEIGHT[STATUSES.index(s)]))
    for platform in platforms:
        if leaders.get(platform) in poles:
            graph.add_edge(platform, leaders[platform], kind="leader", weight=0.3)
    pos = _network_layout(graph, poles, align, status)
    fig = _new_figure(8.6, 7.0)
    ax = fig.subplots()
    ax.set_axis_off()
    edges = graph.edges(data=True)
    align_edges = [(u, v, d) for u, v, d in edges if d["kind"] == "align"]
    for u, v, d in align_edges:
        pole = u if u in poles else v
        ax.plot(*zip(pos[u], pos[v], strict=True), color=colors[pole],
                alpha=0.35 + 0.5 * d["weight"], linewidth=0.5 + 6 * d["weight"],
                solid_capstyle="round", zorder=1)
    for u, v, d in edges:
        if d["kind"] == "status":
            ls, lw = STATUS_STYLE[d["status"]]
            ax.plot(*zip(pos[u], pos[v], strict=True), color="#444444", linestyle=ls,
                    linewidth=lw * 0.7, zorder=1.5)
        elif d["kind"] == "leader":
            ax.plot(*zip(pos[u], pos[v], strict=True), color="#BBBBBB", linewidth=0.8,
                    zorder=0.5)
    for pole in poles:
        ax.scatter(*pos[pole], s=700, color=colors[pole], edgecolor="white", zorder=3)
        out = np.asarray(pos[pole]) / max(np.linalg.norm(pos[pole]), 1e-9)
        ax.annotate(pole, pos[pole], xytext=tuple(22 * out), textcoords="offset points",
                    ha="center", va="center", fontsize=10, zorder=4, fontweight="bold")
    for platform in platforms:
        edge = colors.get(leaders.get(platform, ""), "#555555")
        ax.scatter(*pos[platform], s=380, marker="s", color="white", edgecolor=edge,
                   linewidth=1.6, zorder=3)
        ax.annotate(platform, pos[platform], xytext=(0, -13), textcoords="offset points",
                    ha="center", va="top", fontsize=7.5, zorder=4, color="#333333",
                    bbox=LABEL_BOX)
    for actor in align.index:
        posture = str(snap["posture"].get(actor, metrics.NONALIGNED))
        ax.scatter(*pos[actor], s=420, color=colors.get(posture, NONALIGNED_COLOR),
                   edgecolor="black", linewidth=0.8, zorder=3)
        ax.annotate(actor, pos[actor], xytext=(0, 12), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8.5, fontweight="bold", zorder=4,
                    bbox=LABEL_BOX)
    ax.margins(0.08)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=11, color=colors[p],
                      label=p) for p in poles]
    handles += [Line2D([], [], marker="o", linestyle="", markersize=8,
                       markerfacecolor=NONALIGNED_COLOR, markeredgecolor="black",
                       label="state (fill: modal posture)"),
                Line2D([], [], marker="s", linestyle="", markersize=8, markerfacecolor="white",
                       markeredgecolor="#555555", label="platform (edge: leader)")]
    handles += [Line2D([], [], color=colors[poles[0]], linewidth=0.5 + 6 * w,
                       label=f"alignment weight {w:g}") for w in (0.25, 0.5, 1.0)]
    handles += [Line2D([], [], color="#444444", linestyle=ls, linewidth=lw * 0.7,
                       label=f"status: {s}") for s, (ls, lw) in STATUS_STYLE.items()]
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    when = pd.Timestamp(snap["date"]).strftime("%Y-%m")
    ax.set_title(f"Alignment network, {when}: {name}, mean weights and modal status over "
                 f"{snap['runs']} runs (weights < {min_weight:g} not drawn)", fontsize=9)
    return fig


def _network_layout(graph, poles: list[str], align: pd.DataFrame,
                    status: pd.DataFrame | None) -> dict:
    """Poles fixed on a circle; each state starts at the alignment-weighted mean of the
    pole positions, each platform at the mean of its members; then a force-directed
    relaxation (Fruchterman-Reingold) spreads nodes that would overlap."""
    import networkx as nx

    ring = np.linspace(0, 2 * np.pi, len(poles), endpoint=False) + np.pi / 2
    pos = {p: np.array([np.cos(a), np.sin(a)]) for p, a in zip(poles, ring, strict=True)}
    rng = np.random.default_rng(7)
    for actor in align.index:
        w = align.loc[actor, poles].to_numpy(dtype=float) ** 2 + 1e-6
        pos[actor] = 0.75 * sum(w[i] * pos[p] for i, p in enumerate(poles)) / w.sum()
        pos[actor] = pos[actor] + rng.normal(0, 0.05, 2)
    if status is not None:
        for platform in status.columns:
            members = [a for a in status.index if status.at[a, platform] in STATUS_STYLE]
            anchor = ([pos[a] for a in members] or [np.zeros(2)])
            pos[platform] = 0.8 * np.mean(anchor, axis=0) + rng.normal(0, 0.08, 2)
    alone = [n for n in graph.nodes if graph.degree(n) == 0 and n not in poles]
    linked = graph.subgraph([n for n in graph.nodes if n not in alone])
    out = nx.spring_layout(linked, pos={n: pos[n] for n in linked}, fixed=poles, seed=7,
                           weight=None, k=0.42, iterations=100)
    for i, node in enumerate(alone):  # no edge at all: a row below the circle
        out[node] = np.array([-1.0 + 2.0 * (i + 0.5) / len(alone), -1.45])
    return out


# ---------------------------------------------------------------- 6. comparison


@styled
def scenario_comparison(traj: Frame, baseline: str, config: dict | None = None,
                        level: float = metrics.LEVEL, min_p: float = 0.02) -> Figure:
    """Difference of P(final posture) of each scenario against `baseline`, in percentage
    points, with Newcombe intervals at `level`; one panel per scenario. Rows where the
    posture has probability below `min_p` in every scenario are left out."""
    probs = metrics.outcome_probabilities(traj, config, level=level)
    diffs = metrics.outcome_differences(probs, baseline)
    if diffs.empty:
        raise ValueError("scenario comparison needs at least two scenarios")
    keep = probs.groupby(["actor", "posture"], sort=False)["p"].max() >= min_p
    order = metrics.postures(traj)
    actors = list(pd.unique(probs["actor"]))
    rows = [(a, p) for a in actors for p in order if keep.get((a, p), False)]
    names = [s for s in metrics.scenarios(probs) if s != baseline]
    colors = pole_colors(metrics.poles(traj))
    fig = _new_figure(2.4 + 2.8 * len(names), 1.4 + 0.19 * len(rows))
    axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
    y = np.arange(len(rows))[::-1]
    for ax, name in zip(axes, names, strict=True):
        part = diffs[diffs["scenario"] == name].set_index(["actor", "posture"]).reindex(rows)
        d = part["diff"].to_numpy() * 100
        err = np.maximum(0, np.vstack([d - part["lo"].to_numpy() * 100,
                                       part["hi"].to_numpy() * 100 - d]))
        for i, (_, posture) in enumerate(rows):
            ax.errorbar(d[i], y[i], xerr=err[:, i:i + 1], fmt="o", markersize=4,
                        color=colors.get(posture, NONALIGNED_COLOR), elinewidth=1.1)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlim(-105, 105)
        ax.set_xlabel("difference (pp)")
        ax.set_title(f"{name} - {baseline}")
        ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
        previous = None
        for i, (actor, _) in enumerate(rows):
            if previous is not None and actor != previous:
                ax.axhline(y[i] + 0.5, color="#DDDDDD", linewidth=0.6, zorder=0)
            previous = actor
    axes[0].set_yticks(y, [f"{a}: {p}" for a, p in rows])
    axes[0].set_ylabel("state: final posture")
    shown = [p for p in order if any(r[1] == p for r in rows)]
    handles = [Line2D([], [], marker="o", linestyle="", color=colors.get(p, NONALIGNED_COLOR),
                      label=p) for p in shown]
    fig.legend(handles=handles, title="posture", loc="outside right center")
    fig.supxlabel(f"P(scenario) - P({baseline}), percentage points", fontsize=9)
    fig.suptitle(f"Change in P(final posture) against {baseline}, {level:.0%} Newcombe "
                 "intervals")
    return fig


# ---------------------------------------------------------------- files


def save(fig: Figure, folder: str | Path, name: str) -> list[Path]:
    """Write the figure as PNG and SVG; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in ("png", "svg"):
        path = folder / f"{name}.{ext}"
        fig.savefig(path, bbox_inches="tight")
        paths.append(path)
    return paths
