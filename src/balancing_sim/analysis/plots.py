"""Publication figures from the output contract; each function returns a matplotlib Figure.

Colours: the Okabe-Ito palette (Okabe & Ito 2008), colour-blind safe; each pole keeps one
colour in every figure (assigned in the order of the `align_<pole>` columns), `nonaligned`
is grey. Sets of replicates (scenarios, sweep points) use Paul Tol's muted palette. Ids
come from the data; what is shown of them is the world's `label` (from the config).

Every figure keeps sets of replicates apart: a sweep point is a panel, a line or a bar
of its own, never pooled with another parameter value into one band.

Figures are plain `matplotlib.figure.Figure` objects (no pyplot state, any backend): they
display in a notebook and save with `save` (PNG at 200 dpi, and SVG).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..config.schema import STATUSES
from ..dynamics.platforms import STATUS_WEIGHT
from . import metrics, owned
from .metrics import Frame

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
NONALIGNED_COLOR = "#8C8C8C"
BLOC_COLOR = "#222222"
SCENARIO_COLORS = ("#332288", "#117733", "#AA4499", "#88CCEE", "#DDCC77", "#CC6677",
                   "#44AA99", "#882255", "#999933")
STATUS_STYLE = {  # membership status -> (line style, width)
    "member": ("-", 2.4), "candidate": ("--", 1.8), "partner": ("-.", 1.4),
    "observer": (":", 1.2)}
DPI = 200
STYLE = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8,
    "ytick.labelsize": 8, "legend.fontsize": 8, "figure.titlesize": 11,
    "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none",
    "savefig.dpi": DPI, "figure.dpi": 100, "font.family": "DejaVu Sans",
    "text.parse_math": False,  # labels are data: a "$" in a name is a dollar sign
}
LABEL_BOX = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none",
             "alpha": 0.7}
ERROR_STYLE = {"fmt": "none", "ecolor": "#444444", "elinewidth": 0.6, "capsize": 1.5}
GRID = {"color": "#EEEEEE", "linewidth": 0.6}
EVENT_KEY = "<event key>"  # the label of the fan chart's axes listing the events
FIGURES = ("outcomes", "fan", "platforms", "hedging", "blocs", "sweep", "sweep_map",
           "network", "comparison", "comparison_hedging", "spread")


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw under the house style (fonts are fixed when the text is created)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


def distinct(names: Sequence[str], palette: Sequence[str]) -> dict[str, str]:
    """One colour per name (by position): the palette while it lasts, else as many hues
    of a continuous map (a world of any size: no two poles share a colour)."""
    if len(names) > len(palette):
        cmap = matplotlib.colormaps["turbo"]
        palette = [to_hex(cmap(x)) for x in np.linspace(0.05, 0.95, len(names))]
    return {n: palette[i] for i, n in enumerate(names)}


def pole_colors(poles: list[str]) -> dict[str, str]:
    """One colour per pole (by position), grey for `nonaligned`."""
    return {**distinct(poles, OKABE_ITO), metrics.NONALIGNED: NONALIGNED_COLOR}


def scenario_colors(names: Sequence[str]) -> dict[str, str]:
    return distinct(names, SCENARIO_COLORS)


def label(name: str) -> str:
    """A swept key as a label: `params.w_autonomy` -> `w_autonomy`, underscores kept."""
    return str(name).removeprefix("params.")


def namer(config: dict | None) -> Callable[[str], str]:
    """id -> the world's label for it (the id itself when the config has none)."""
    names = metrics.labels(config)
    return lambda ident: names.get(str(ident), str(ident))


def wrapped(text: str, inches: float, size: float = STYLE["axes.titlesize"]) -> str:
    """`text` in lines that fit `inches` at font `size` (points): a sweep point's title
    names its swept values and would run into the next panel's on one line."""
    width = max(12, int(inches * 72 / (0.62 * size)))
    return "\n".join(textwrap.fill(line, width, break_on_hyphens=False)
                     for line in str(text).split("\n"))


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _label_panels(axes: np.ndarray, used: int, nrows: int, ncols: int, ylabel: str,
                  xlabel: str = "date (month)") -> None:
    """Hide unused panels of a grid; label the left column and the bottom row."""
    for ax in axes[used:]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel(ylabel)
    for ax in axes[(nrows - 1) * ncols:]:
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="x", labelbottom=True)


def _grid(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def _panels(fig: Figure, n: int, ncols: int, **share) -> tuple[np.ndarray, int, int]:
    nrows, ncols = _grid(n, ncols)
    return fig.subplots(nrows, ncols, squeeze=False, **share).ravel(), nrows, ncols


class _DateLocator(mdates.AutoDateLocator):
    """Date ticks that are worked out once per view: laying out and drawing a figure
    asks every panel for its ticks dozens of times, and panels sharing a time axis share
    one locator (working the ticks out each time was a third of drawing a fan chart)."""

    def __call__(self) -> Sequence[float]:
        view = tuple(self.axis.get_view_interval())
        if view != getattr(self, "_view", None):
            self._view, self._ticks = view, super().__call__()
        return self._ticks


def _date_axis(ax) -> None:
    locator = _DateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _pick(df: Frame, scenario: str | None = None, unit: Mapping | None = None) -> Frame:
    """The rows of a scenario and/or unit (a selection of unit columns)."""
    where = {k: v for k, v in (unit or {}).items() if k in df.columns}
    if scenario is not None and "scenario" in df.columns:
        where["scenario"] = scenario
    if not where:
        return df
    part = metrics.select(df, **where)
    if len(part) == 0:
        have = ", ".join(metrics.units(df)["title"]) if "scenario" in df.columns else ""
        raise ValueError(f"{where} not in the data (have: {have})")
    return part


def _one_unit(df: Frame, scenario: str | None, unit: Mapping | None) -> tuple[Frame, pd.Series]:
    """The rows of one set of replicates (the first one that matches) and its row of
    `metrics.units`."""
    everything = metrics.units(df)   # titles name what varies across all the data
    df = _pick(df, scenario, unit)
    columns = metrics.unit_columns(df)
    first = metrics.units(df).iloc[0]
    first = metrics.pick(everything, metrics.unit_of(first, columns)).iloc[0]
    return metrics.select(df, **metrics.unit_of(first, columns)), first


def _shares_errorbars(ax, x, y, count, lo, hi, horizontal: bool = True, **style) -> None:
    """Interval whiskers of shares (in %), drawn only where the count is above zero."""
    x, y, lo, hi = (np.asarray(a, dtype=float) for a in (x, y, lo, hi))
    keep = np.asarray(count) > 0
    if not keep.any():
        return
    value = x if horizontal else y
    err = np.maximum(0, np.vstack([value - lo, hi - value]))[:, keep]
    kw = {**ERROR_STYLE, **style}
    if horizontal:
        ax.errorbar(x[keep], y[keep], xerr=err, **kw)
    else:
        ax.errorbar(x[keep], y[keep], yerr=err, **kw)


# ---------------------------------------------------------------- 1. outcomes


def shared(df: Frame) -> str:
    """What a figure's title adds when its runs share histories: its intervals count
    effective runs (docs/ANALYSIS.md), not the runs it names."""
    return " on effective runs (shared histories)" if metrics.clusters(df) else ""


@styled
def outcome_distribution(traj: Frame, config: dict | None = None,
                         level: float = metrics.LEVEL, ncols: int = 4) -> Figure:
    """Share of runs ending in each posture, per state; one panel per set of replicates
    (scenario or sweep point); whiskers are Wilson intervals at `level`, none where no
    run ends in the posture."""
    traj = metrics.with_scenario(traj, config)
    name = namer(config)
    probs = metrics.outcome_probabilities(traj, config, level=level)
    units = metrics.units(traj)
    actors = list(pd.unique(probs["actor"]))
    seen = probs.groupby("posture")["count"].sum()
    order = [p for p in metrics.postures(traj) if seen.get(p, 0) > 0]
    colors = pole_colors(metrics.poles(traj))
    k = len(order)
    height = 0.8 / k
    nrows, ncols = _grid(len(units), ncols)
    fig = _new_figure(2.2 + 3.0 * ncols, (1.0 + 0.11 * k * len(actors)) * nrows + 0.6)
    axes, nrows, ncols = _panels(fig, len(units), ncols, sharey=True)
    y0 = np.arange(len(actors))[::-1].astype(float)
    for ax, (_, unit) in zip(axes, units.iterrows(), strict=False):
        part = metrics.pick(probs, metrics.unit_of(unit, metrics.unit_columns(traj)))
        part = part.set_index(["actor", "posture"])
        for j, posture in enumerate(order):
            rows = part.reindex([(a, posture) for a in actors])  # NaN: not in this world
            y = y0 + 0.4 - height * (j + 0.5)
            p = rows["p"].to_numpy() * 100
            ax.barh(y, p, height=height * 0.92, color=colors.get(posture, NONALIGNED_COLOR),
                    label=name(posture))
            _shares_errorbars(ax, p, y, rows["count"], rows["lo"] * 100, rows["hi"] * 100)
        ax.set_xlim(0, 100)
        ax.set_title(f"{wrapped(unit['title'], 2.8)}\n(n = {int(part['runs'].max())} runs)")
        ax.set_yticks(y0, [name(a) for a in actors])
        for y in y0[:-1]:
            ax.axhline(y - 0.5, color="#DDDDDD", linewidth=0.6, zorder=0)
        ax.grid(axis="x", **GRID)
        ax.set_axisbelow(True)
    _label_panels(axes, len(units), nrows, ncols, "state",
                  "share of runs ending in posture (%)")
    handles = [Patch(color=colors.get(p, NONALIGNED_COLOR), label=name(p)) for p in order]
    fig.legend(handles=handles, title="final posture (those some run ends in)",
               loc="outside lower center", ncols=len(handles))
    fig.suptitle(f"Final posture per state ({level:.0%} Wilson intervals{shared(traj)})")
    return fig


# ---------------------------------------------------------------- 2. fan chart


def _event_key(fig: Figure, gs, events: list) -> None:
    """The events, numbered as in the panels, listed in columns below them."""
    ax = fig.add_subplot(gs)
    ax.set_label(EVENT_KEY)
    ax.set_axis_off()
    columns = 3
    per = int(np.ceil(len(events) / columns))
    for c in range(columns):
        lines = [f"{i + 1:>2}  {when:%Y-%m}  {text}" for i, (when, text, _) in
                 enumerate(events) if i // per == c]
        ax.text(c / columns, 1.0, "\n".join(lines), va="top", ha="left", fontsize=6.5,
                transform=ax.transAxes, linespacing=1.25)


def _draw_events(ax, events: list, actor: str, first: pd.Timestamp, last: pd.Timestamp,
                 levels: int = 5) -> None:
    """A tick for every event; a dotted line and the event's number for those naming the
    actor, numbers that would overlap stepped down a line."""
    near = (last - first) / 30
    dates = mdates.date2num([when for when, _, _ in events])
    mine = np.array([actor in states for _, _, states in events], dtype=bool)
    for chosen, top, style in ((~mine, 0.05, {"linewidths": 0.6, "alpha": 0.6}),
                               (mine, 1.0, {"linewidths": 0.8, "alpha": 0.8,
                                            "linestyles": ":"})):
        # one collection of lines per kind, not one artist per event: a history has
        # hundreds of events in every panel; x in data, y in axes coordinates
        ax.add_collection(LineCollection(
            [[(x, 0.0), (x, top)] for x in dates[chosen]], colors="#555555", zorder=0,
            transform=ax.get_xaxis_transform(), **style), autolim=False)
    previous, level = None, 0
    for number, (when, _, states) in enumerate(events, 1):
        if actor not in states:
            continue
        level = (level + 1) % levels if previous is not None and when - previous < near else 0
        previous = when
        ax.annotate(str(number), (when, 1.0), xytext=(1, -1 - 7 * level),
                    textcoords="offset points", fontsize=6, va="top", ha="left",
                    color="#333333", in_layout=False)  # inside the panel: no margin


@styled
def fan_chart(traj: Frame, config: dict | None = None, scenario: str | None = None,
              actors: list[str] | None = None, ncols: int = 4, min_weight: float = 0.02,
              unit: Mapping | None = None) -> Figure:
    """Each state's alignment over time: median line and 50%/90% bands of its weight on
    each pole and of its non-aligned share, one panel per state, for one set of
    replicates (the first of `scenario` / `unit`). Scheduled events are numbered: a tick
    on every panel's time axis, a dotted line with its number where the event names the
    panel's state, and a key below. Poles whose 95% quantile never exceeds `min_weight`
    in a panel are left out of it."""
    df, info = _one_unit(metrics.with_scenario(traj, config), scenario, unit)
    name = namer(config)
    bands = metrics.alignment_bands(df)
    held = set(bands["pole"])  # the poles of this set of replicates' own world
    series = [p for p in [*metrics.poles(traj), metrics.NONALIGNED] if p in held]
    colors = pole_colors(metrics.poles(traj))
    actors = actors or [a for a in pd.unique(bands["actor"])]
    own = metrics.scenario_name(config) if (config or {}).get("scenario") else None
    events = metrics.event_dates(config) if own in (None, info["scenario"]) else []
    nrows, ncols = _grid(len(actors), ncols)
    key_rows = int(np.ceil(len(events) / 3))
    key_height = 0.12 * key_rows + 0.2 if events else 0.0
    fig = _new_figure(2.7 * ncols + 0.3, 2.1 * nrows + 0.9 + key_height)
    gs = fig.add_gridspec(nrows + bool(events), ncols,
                          height_ratios=[2.1] * nrows + ([key_height] if events else []))
    first = None
    axes = []
    for i in range(nrows * ncols):
        ax = fig.add_subplot(gs[i // ncols, i % ncols], sharex=first, sharey=first)
        first = first or ax
        axes.append(ax)
    axes = np.array(axes)
    for ax, actor in zip(axes, actors, strict=False):
        part = bands[bands["actor"] == actor]
        for pole in series:
            b = part[part["pole"] == pole]
            if b.empty or b["q95"].max() <= min_weight:
                continue
            c = colors[pole]
            ax.fill_between(b["date"], b["q05"], b["q95"], color=c, alpha=0.15, linewidth=0)
            ax.fill_between(b["date"], b["q25"], b["q75"], color=c, alpha=0.35, linewidth=0)
            ax.plot(b["date"], b["q50"], color=c, linewidth=1.4,
                    linestyle="--" if pole == metrics.NONALIGNED else "-")
        _draw_events(ax, events, actor, bands["date"].min(), bands["date"].max())
        ax.set_title(name(actor))
        ax.set_ylim(0, 1)
        _date_axis(ax)
        ax.grid(axis="y", **GRID)
    for i, ax in enumerate(axes[:len(actors)]):
        ax.tick_params(axis="x", labelbottom=i + ncols >= len(actors))
    _label_panels(axes, len(actors), nrows, ncols, "share of alignment (0-1)")
    if events:
        _event_key(fig, gs[nrows, :], events)
    handles = [Line2D([], [], color=colors[p], linewidth=1.4, label=name(p),
                      linestyle="--" if p == metrics.NONALIGNED else "-") for p in series]
    handles += [Patch(color="#777777", alpha=0.35, label="50% band"),
                Patch(color="#777777", alpha=0.15, label="90% band")]
    if events:
        handles += [Line2D([], [], color="#555555", linewidth=0.6, label="event (tick)"),
                    Line2D([], [], color="#555555", linestyle=":", linewidth=0.8,
                           label="event naming the state (number: key below)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5),
               title="median share of alignment on each pole, and non-aligned")
    runs = metrics.run_count(df)
    fig.suptitle(f"Alignment over time: {info['title']} ({runs} runs)")
    return fig


# ---------------------------------------------------------------- 3. bands per unit


def _unit_bands(fig: Figure, bands: pd.DataFrame, key: str, ids: list[str],
                measures: Mapping[str, str], units: pd.DataFrame, columns: list[str],
                ncols: int, ylabel: str, title: Callable[[str], str]) -> list:
    """One panel per id; per unit (colour) and measure (line style) the median and the
    90% band over runs. Returns the legend handles of the units."""
    colors = scenario_colors(list(units["title"]))
    axes, nrows, ncols = _panels(fig, len(ids), ncols, sharex=True, sharey=True)
    for ax, ident in zip(axes, ids, strict=False):
        part = bands[bands[key] == ident]
        for _, unit in units.iterrows():
            mine = metrics.pick(part, metrics.unit_of(unit, columns))
            for measure, ls in measures.items():
                b = mine[mine["measure"] == measure]
                ax.fill_between(b["date"], b["q05"], b["q95"], color=colors[unit["title"]],
                                alpha=0.18 if ls == "-" else 0.10, linewidth=0)
                ax.plot(b["date"], b["q50"], color=colors[unit["title"]], linestyle=ls,
                        linewidth=1.3)
        ax.set_title(title(ident))
        ax.set_ylim(0, 1.02)
        _date_axis(ax)
        ax.grid(axis="y", **GRID)
    _label_panels(axes, len(ids), nrows, ncols, ylabel)
    return [Patch(color=colors[t], label=t) for t in units["title"]]


@styled
def platform_chart(plat: Frame, config: dict | None = None, ncols: int = 4) -> Figure:
    """Viability (solid) and depth (dashed) of each platform over time: median and 90% band
    over runs, one panel per platform, one colour per set of replicates (scenario or
    sweep point)."""
    plat = metrics.with_scenario(plat, config)
    bands = metrics.platform_bands(plat, config)
    styles = {"viability": "-", "depth": "--"}
    fig = _new_figure(1, 1)
    platforms = list(pd.unique(bands["platform"]))
    nrows, ncols = _grid(len(platforms), ncols)
    fig.set_size_inches(2.7 * ncols + 0.3, 2.0 * nrows + 1.0)
    handles = [Line2D([], [], color="#333333", linestyle=ls, label=f"{m} (median)")
               for m, ls in styles.items()]
    handles.append(Patch(color="#777777", alpha=0.25, label="90% band"))
    handles += _unit_bands(fig, bands, "platform", platforms, styles, metrics.units(plat),
                           metrics.unit_columns(plat), ncols, "level (0-1)", namer(config))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6))
    fig.suptitle("Platform viability and institutional depth over time")
    return fig


@styled
def hedging_chart(traj: Frame, config: dict | None = None, ncols: int = 4) -> Figure:
    """Each state's hedging index over time (0: aligned wholly with one pole, or wholly
    non-aligned; 1: spread evenly over every pole and non-alignment): median and 90% band
    over runs, one panel per state, one colour per set of replicates."""
    traj = metrics.with_scenario(traj, config)
    bands = metrics.hedging_bands(traj, config)
    actors = list(pd.unique(bands["actor"]))
    nrows, ncols = _grid(len(actors), ncols)
    fig = _new_figure(2.7 * ncols + 0.3, 2.0 * nrows + 1.0)
    handles = [Line2D([], [], color="#333333", label="median"),
               Patch(color="#777777", alpha=0.25, label="90% band")]
    handles += _unit_bands(fig, bands, "actor", actors, {"hedging": "-"},
                           metrics.units(traj), metrics.unit_columns(traj), ncols,
                           "hedging index (0-1)", namer(config))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6))
    fig.suptitle("Hedging index over time (normalized entropy of the alignment over the "
                 "poles and non-alignment)")
    return fig


# ---------------------------------------------------------------- 4. blocs


@styled
def bloc_chart(traj: Frame, config: dict | None = None, level: float = metrics.LEVEL
               ) -> Figure:
    """Share of runs in which each state is in a bloc (a full member of a platform marked
    `bloc: true`) at the end and at some recorded month; one bar per set of replicates,
    Wilson whiskers at `level` (none where no run is in a bloc)."""
    traj = metrics.with_scenario(traj, config)
    name = namer(config)
    probs = metrics.bloc_probabilities(traj, config, level=level)
    units = metrics.units(traj)
    colors = scenario_colors(list(units["title"]))
    actors = list(pd.unique(probs["actor"]))
    height = 0.8 / len(units)
    fig = _new_figure(8.0, 1.4 + 0.16 * len(actors) * max(len(units), 2) ** 0.7)
    axes = fig.subplots(1, 2, sharey=True)
    y0 = np.arange(len(actors))[::-1].astype(float)
    titles = {"end": "in a bloc at the end", "ever": "in a bloc at some recorded month"}
    for ax, (measure, title) in zip(axes, titles.items(), strict=True):
        for j, (_, unit) in enumerate(units.iterrows()):
            rows = metrics.pick(probs[probs["measure"] == measure],
                                metrics.unit_of(unit, metrics.unit_columns(traj)))
            rows = rows.set_index("actor").reindex(actors)
            y = y0 + 0.4 - height * (j + 0.5)
            p = rows["p"].to_numpy() * 100
            ax.barh(y, p, height=height * 0.92, color=colors[unit["title"]])
            _shares_errorbars(ax, p, y, rows["count"], rows["lo"] * 100, rows["hi"] * 100)
        ax.set_xlim(0, 100)
        ax.set_title(title)
        ax.set_xlabel("share of runs (%)")
        ax.grid(axis="x", **GRID)
        ax.set_axisbelow(True)
    axes[0].set_yticks(y0, [name(a) for a in actors])
    axes[0].set_ylabel("state")
    handles = [Patch(color=colors[t], label=t) for t in units["title"]]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    fig.suptitle(f"Bloc membership per state ({level:.0%} Wilson intervals{shared(traj)})")
    return fig


# ---------------------------------------------------------------- 5. sweeps


def _sweep_values(values: Sequence) -> list[str]:
    return [f"{v:g}" if isinstance(v, float) else str(v) for v in values]


def _fixed_note(df: Frame, excluded: Sequence[str]) -> str:
    """The swept model inputs (besides `excluded`) with their value in these data."""
    parts = []
    for c in metrics.model_inputs(metrics.swept_columns(df)):
        if c not in excluded:
            values = metrics.distinct(df, c)
            parts.append(f"{label(c)}={_sweep_values(values)[0]}" if len(values) == 1
                         else f"{label(c)}: {len(values)} values, one panel each")
    return "; ".join(parts)


@styled
def sweep_map(traj: Frame, x: str, y: str, actor: str, posture: str,
              scenario: str | None = None, config: dict | None = None,
              level: float = metrics.LEVEL, annotate: bool | None = None) -> Figure:
    """Heatmap of P(actor ends in posture) over two swept parameters, one panel per
    combination of the other swept columns (never pooled over them)."""
    name = namer(config)
    df = _pick(traj, scenario)
    grid = metrics.sweep_grid(df, x, y, actor, posture, level)
    others = [c for c in grid.columns if c not in (x, y, "count", "runs", "p", "lo", "hi")]
    combos = grid[others].drop_duplicates() if others else pd.DataFrame(index=[0])
    xs, ys = sorted(pd.unique(grid[x])), sorted(pd.unique(grid[y]))
    nrows, ncols = _grid(len(combos), 3)
    fig = _new_figure((1.9 + 0.85 * max(len(xs), 3)) * ncols,
                      (1.6 + 0.65 * max(len(ys), 3)) * nrows)
    axes, nrows, ncols = _panels(fig, len(combos), ncols)
    if annotate is None:
        annotate = len(xs) * len(ys) <= 49
    image = None
    vary = [c for c in others if c != "scenario" and grid[c].astype(str).nunique() > 1]
    for ax, (_, combo) in zip(axes, combos.iterrows(), strict=False):
        cell = metrics.pick(grid, {c: combo[c] for c in others})
        table, lo, hi = (cell.pivot(index=y, columns=x, values=v).reindex(index=ys, columns=xs)
                         for v in ("p", "lo", "hi"))
        image = ax.imshow(table.to_numpy(), origin="lower", cmap="cividis", vmin=0, vmax=1,
                          aspect="auto")
        ax.set_xticks(range(len(xs)), _sweep_values(xs))
        ax.set_yticks(range(len(ys)), _sweep_values(ys))
        ax.set_xlabel(f"{label(x)} (parameter value)")
        ax.set_ylabel(f"{label(y)} (parameter value)")
        ax.spines[:].set_visible(False)
        if vary:
            ax.set_title(wrapped(metrics.describe(combo, vary), 1.3 + 0.85 * max(len(xs), 3),
                                 8.5), fontsize=8.5)
        for i in range(len(ys)) if annotate else []:
            for j in range(len(xs)):
                p = table.iat[i, j]
                if not np.isnan(p):
                    ax.text(j, i, f"{p:.2f}\n[{lo.iat[i, j]:.2f}, {hi.iat[i, j]:.2f}]",
                            ha="center", va="center", fontsize=7,
                            color="white" if p < 0.55 else "black")
    for ax in axes[len(combos):]:
        ax.set_visible(False)
    bar = fig.colorbar(image, ax=axes[:len(combos)].tolist(), shrink=0.9)
    bar.set_label(f"P({name(actor)} ends {name(posture)})")
    names = metrics.scenarios(df) or [metrics.scenario_name(config)]
    runs = int(grid["runs"].min())
    fixed = _fixed_note(df, (x, y))
    fig.suptitle(f"P({name(actor)} ends {name(posture)}), scenario {', '.join(names)}, "
                 f"{runs} runs a cell{shared(df)}\nother parameters: "
                 f"{fixed or 'none swept'}; the rest as in the config", fontsize=8.5)
    return fig


@styled
def sweep_lines(traj: Frame, x: str, config: dict | None = None, scenario: str | None = None,
                actors: list[str] | None = None, level: float = metrics.LEVEL,
                ncols: int = 4) -> Figure:
    """P(final posture) of each state against one swept parameter, with Wilson intervals
    at `level` (none at a zero share), one panel per state; a dashed black line: P(in a
    bloc at the end). Any other swept column must be fixed in the data (select it
    first): parameter values are never pooled."""
    name = namer(config)
    df = metrics.with_scenario(_pick(traj, scenario), config)
    if x not in df.columns:
        raise ValueError(f"column {x!r} not in the data (swept columns: "
                         f"{', '.join(metrics.swept_columns(df)) or 'none'})")
    units = metrics.units(df)
    clash = [c for c in metrics.varying(units) if c != x] + (
        ["scenario"] if units["scenario"].nunique() > 1 else [])
    if clash:
        raise ValueError(f"{', '.join(clash)} vary besides {x}: select one value of each "
                         "(e.g. metrics.select) so that no parameter values are pooled")
    probs = metrics.outcome_probabilities(df, level=level)
    bloc = (metrics.bloc_probabilities(df, level=level) if "in_bloc" in df.columns else None)
    colors = pole_colors(metrics.poles(df))
    actors = actors or list(pd.unique(probs["actor"]))
    numeric = pd.api.types.is_numeric_dtype(probs[x])
    fig = _new_figure(1, 1)
    axes, nrows, ncols = _panels(fig, len(actors), ncols, sharex=True, sharey=True)
    fig.set_size_inches(2.7 * ncols + 0.3, 2.1 * nrows + 1.0)
    shown: dict[str, str] = {}
    for ax, actor in zip(axes, actors, strict=False):
        mine = probs[probs["actor"] == actor]
        for posture, rows in mine.groupby("posture", sort=False):
            if rows["count"].sum() == 0:
                continue
            rows = rows.sort_values(x)
            xs = rows[x].to_numpy() if numeric else np.arange(len(rows))
            color = colors.get(str(posture), NONALIGNED_COLOR)
            ax.plot(xs, rows["p"] * 100, marker="o", markersize=3, color=color, linewidth=1.3)
            _shares_errorbars(ax, xs, rows["p"] * 100, rows["count"], rows["lo"] * 100,
                              rows["hi"] * 100, horizontal=False, ecolor=color)
            shown[str(posture)] = color
        if bloc is not None:
            rows = bloc[(bloc["actor"] == actor) & (bloc["measure"] == "end")].sort_values(x)
            xs = rows[x].to_numpy() if numeric else np.arange(len(rows))
            ax.plot(xs, rows["p"] * 100, color=BLOC_COLOR, linestyle="--", linewidth=1.0)
        ax.set_title(name(actor))
        ax.set_ylim(-3, 103)
        ax.grid(**GRID)
        if not numeric:
            ax.set_xticks(range(len(units)), _sweep_values(sorted(units[x])))
    _label_panels(axes, len(actors), nrows, ncols, "share of runs (%)", label(x))
    handles = [Line2D([], [], color=c, marker="o", markersize=3, label=f"ends {name(p)}")
               for p, c in shown.items()]
    if bloc is not None:
        handles.append(Line2D([], [], color=BLOC_COLOR, linestyle="--",
                              label="in a bloc at the end"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6))
    fixed = _fixed_note(df, (x,))
    title = f"Outcomes against {label(x)}: {units['scenario'].iloc[0]}"
    fig.suptitle(title + (f" ({fixed})" if fixed else "")
                 + f", {int(probs['runs'].min())} runs a value, {level:.0%} Wilson intervals"
                 + shared(df))
    return fig


# ---------------------------------------------------------------- 6. network


@styled
def network_map(traj: Frame, mem: Frame | None = None,
                date: str | pd.Timestamp | None = None, scenario: str | None = None,
                config: dict | None = None, min_weight: float = 0.1,
                unit: Mapping | None = None) -> Figure:
    """States, poles and platforms as a graph at one date (default: the last), for one
    set of replicates (the first of `scenario` / `unit`).

    State-pole edges: mean alignment weight over runs (width; shown from `min_weight`).
    State-platform edges: modal membership status over runs (line style). Platform-pole
    edges (thin grey): the platform's leader, when the config names one.
    """
    import networkx as nx

    traj, info = _one_unit(metrics.with_scenario(traj, config), scenario, unit)
    selection = metrics.unit_of(info, metrics.unit_columns(traj))
    if mem is not None:
        mem = metrics.with_scenario(mem, config)
    snap = metrics.network_snapshot(traj, mem, date, unit=selection)
    name = namer(config)
    colors = pole_colors(metrics.poles(traj))
    align, status = snap["alignment"], snap["status"]
    poles = list(align.columns)  # the poles of this set of replicates' own world
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
    for u, v, d in edges:
        line = list(zip(pos[u], pos[v], strict=True))
        if d["kind"] == "align":
            pole = u if u in poles else v
            ax.plot(*line, color=colors[pole], alpha=0.35 + 0.5 * d["weight"],
                    linewidth=0.5 + 6 * d["weight"], solid_capstyle="round", zorder=1)
        elif d["kind"] == "status":
            ls, lw = STATUS_STYLE[d["status"]]
            ax.plot(*line, color="#444444", linestyle=ls, linewidth=lw * 0.7, zorder=1.5)
        else:
            ax.plot(*line, color="#BBBBBB", linewidth=0.8, zorder=0.5)
    for pole in poles:
        ax.scatter(*pos[pole], s=700, color=colors[pole], edgecolor="white", zorder=3)
        out = np.asarray(pos[pole]) / max(np.linalg.norm(pos[pole]), 1e-9)
        ax.annotate(name(pole), pos[pole], xytext=tuple(22 * out), textcoords="offset points",
                    ha="center", va="center", fontsize=10, zorder=4, fontweight="bold")
    for platform in platforms:
        edge = colors.get(leaders.get(platform, ""), "#555555")
        ax.scatter(*pos[platform], s=380, marker="s", color="white", edgecolor=edge,
                   linewidth=1.6, zorder=3)
        ax.annotate(name(platform), pos[platform], xytext=(0, -13), textcoords="offset points",
                    ha="center", va="top", fontsize=7.5, zorder=4, color="#333333",
                    bbox=LABEL_BOX)
    for actor in align.index:
        posture = str(snap["posture"].get(actor, metrics.NONALIGNED))
        ax.scatter(*pos[actor], s=420, color=colors.get(posture, NONALIGNED_COLOR),
                   edgecolor="black", linewidth=0.8, zorder=3)
        ax.annotate(name(actor), pos[actor], xytext=(0, 12), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8.5, fontweight="bold", zorder=4,
                    bbox=LABEL_BOX)
    ax.margins(0.08)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=11, color=colors[p],
                      label=name(p)) for p in poles]
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
    ax.set_title(f"Alignment network, {when}: {info['title']}, mean weights and modal status "
                 f"over {snap['runs']} runs (weights < {min_weight:g} not drawn)", fontsize=9)
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


# ---------------------------------------------------------------- 7. comparison


def _comparison_panels(diffs: pd.DataFrame, rows: list[tuple], items: list[str],
                       color_of: Callable[[tuple], str], row_label: Callable[[tuple], str],
                       baseline: str, scale: float, limits: tuple[float, float] | None,
                       xlabel: str) -> Figure:
    """One panel per compared scenario (and combination of other swept values): each
    row's difference against the baseline with its interval."""
    match = [c for c in diffs.columns if c not in (*items, "scenario", "p", "p_baseline",
                                                    "mean", "mean_baseline", "diff", "lo",
                                                    "hi")]
    groups = diffs[["scenario", *match]].astype(str).drop_duplicates()
    shown = [c for c in match if groups[c].nunique() > 1]
    fig = _new_figure(2.4 + 2.8 * len(groups), 1.4 + 0.19 * len(rows))
    axes = fig.subplots(1, len(groups), sharey=True, squeeze=False)[0]
    y = np.arange(len(rows))[::-1]
    for ax, (_, group) in zip(axes, groups.iterrows(), strict=True):
        part = metrics.pick(diffs, group.to_dict())
        part = part.assign(**{c: part[c].astype(str) for c in items}).set_index(items)
        part = part.reindex(rows)
        d = part["diff"].to_numpy() * scale
        err = np.maximum(0, np.vstack([d - part["lo"].to_numpy() * scale,
                                       part["hi"].to_numpy() * scale - d]))
        for i, row in enumerate(rows):
            ax.errorbar(d[i], y[i], xerr=err[:, i:i + 1], fmt="o", markersize=4,
                        color=color_of(row), elinewidth=1.1)
        ax.axvline(0, color="#333333", linewidth=0.8)
        if limits:
            ax.set_xlim(*limits)
        ax.set_xlabel(xlabel)
        other = metrics.describe(group, shown)
        ax.set_title(wrapped(f"{group['scenario']} - {baseline}"
                             + (f"\n({other})" if other else ""), 2.6))
        ax.grid(axis="x", **GRID)
        for i in range(1, len(rows)):
            if rows[i][0] != rows[i - 1][0]:
                ax.axhline(y[i] + 0.5, color="#DDDDDD", linewidth=0.6, zorder=0)
    axes[0].set_yticks(y, [row_label(r) for r in rows])
    return fig


@styled
def scenario_comparison(traj: Frame, baseline: str, config: dict | None = None,
                        level: float = metrics.LEVEL, min_p: float = 0.02) -> Figure:
    """Difference of P(final posture) and of P(in a bloc at the end) of each scenario
    against `baseline` at the same swept values, in percentage points, with Newcombe
    intervals at `level`; one panel per scenario (and combination of other swept
    values). Rows with probability below `min_p` in every scenario are left out."""
    name = namer(config)
    traj = metrics.with_scenario(traj, config)
    probs = metrics.outcome_probabilities(traj, config, level=level)
    diffs = metrics.outcome_differences(probs, baseline)
    if diffs.empty:
        raise ValueError("scenario comparison needs at least two scenarios")
    keep = probs.groupby(["actor", "posture"], sort=False)["p"].max() >= min_p
    order = metrics.postures(traj)
    actors = list(pd.unique(probs["actor"]))
    bloc_rows: list[tuple] = []
    if "in_bloc" in traj.columns:
        bloc = metrics.bloc_probabilities(traj, config, level=level)
        bloc = bloc[bloc["measure"] == "end"].assign(posture="in_bloc").drop(columns="measure")
        bloc_keep = bloc.groupby("actor", sort=False)["p"].max() >= min_p
        diffs = pd.concat([diffs, metrics.share_differences(bloc, baseline,
                                                            ["actor", "posture"])])
        bloc_rows = [(a, "in_bloc") for a in actors if bloc_keep.get(a, False)]
    rows = [(a, p) for a in actors for p in [*order, "in_bloc"]
            if keep.get((a, p), False) or (a, p) in bloc_rows]
    colors = pole_colors(metrics.poles(traj))
    fig = _comparison_panels(
        diffs, rows, ["actor", "posture"],
        lambda r: BLOC_COLOR if r[1] == "in_bloc" else colors.get(r[1], NONALIGNED_COLOR),
        lambda r: f"{name(r[0])}: " + ("in a bloc" if r[1] == "in_bloc" else name(r[1])),
        baseline, 100, (-105, 105), "difference (pp)")
    fig.axes[0].set_ylabel("state: final posture, or in a bloc at the end")
    shown = [p for p in order if any(r[1] == p for r in rows)]
    handles = [Line2D([], [], marker="o", linestyle="", color=colors.get(p, NONALIGNED_COLOR),
                      label=name(p)) for p in shown]
    if bloc_rows:
        handles.append(Line2D([], [], marker="o", linestyle="", color=BLOC_COLOR,
                              label="in a bloc"))
    fig.legend(handles=handles, title="outcome", loc="outside right center")
    fig.supxlabel(f"P(scenario) - P({baseline}), percentage points", fontsize=9)
    fig.suptitle(f"Change in P(final posture) and P(in a bloc) against {baseline}, "
                 f"{level:.0%} Newcombe intervals{shared(traj)}")
    return fig


@styled
def hedging_comparison(traj: Frame, baseline: str, config: dict | None = None,
                       level: float = metrics.LEVEL) -> Figure:
    """Difference of each state's mean final hedging index of each scenario against
    `baseline` at the same swept values, with normal (Welch) intervals at `level`."""
    name = namer(config)
    final = metrics.hedging_final(traj, config)
    diffs = metrics.mean_differences(final, baseline, ["actor"], level)
    if diffs.empty:
        raise ValueError("hedging comparison needs at least two scenarios")
    rows = [(a,) for a in pd.unique(final["actor"])]
    fig = _comparison_panels(diffs, rows, ["actor"], lambda r: "#333333",
                             lambda r: name(r[0]), baseline, 1, None,
                             "difference in mean hedging index")
    fig.axes[0].set_ylabel("state")
    fig.suptitle(f"Change in the mean final hedging index against {baseline}, "
                 f"{level:.0%} intervals{shared(traj)}")
    return fig


# ---------------------------------------------------------------- 8. parameter vs chance


def spread_rows(split: pd.DataFrame, config: dict | None = None,
                min_variance: float = 1e-6) -> pd.DataFrame:
    """The outcomes worth showing in a parameter-vs-chance figure (variance above
    `min_variance`), with a readable `name`."""
    name = namer(config)
    out = split[split["variance"] > min_variance].copy()
    texts = {"P(final posture)": lambda r: f"{name(r['actor'])}: ends {name(r['item'])}",
             "final hedging": lambda r: f"{name(r['actor'])}: hedging index",
             "P(in bloc at the end)": lambda r: f"{name(r['actor'])}: in a bloc",
             "final viability": lambda r: f"{name(r['actor'])}: viability"}
    out["name"] = [texts[r["outcome"]](r) for _, r in out.iterrows()]
    return out


def _span(low: float, high: float) -> str:
    return f"{int(low)}" if low == high else f"{int(low)}-{int(high)}"


@styled
def spread_chart(traj: Frame, plat: Frame | None = None, config: dict | None = None,
                 min_variance: float = 1e-6) -> Figure:
    """How much of each outcome's variance over runs comes from the parameters (posterior
    draws) and how much from chance (events and noise within a draw): stacked bars in %
    of the variance, one panel per set of replicates; the text at each bar's end is the
    outcome's standard deviation over runs. Needs a `draw` column."""
    split = metrics.spread(traj, plat, config)
    if split.empty:
        raise ValueError("no `draw` column: runs did not draw parameters from a posterior")
    traj = metrics.with_scenario(traj, config)
    rows = spread_rows(split, config, min_variance)
    units = metrics.units(traj)
    names = list(pd.unique(rows["name"]))
    fig = _new_figure(2.6 + 3.2 * len(units), 1.4 + 0.17 * len(names))
    axes = fig.subplots(1, len(units), sharey=True, squeeze=False)[0]
    y = np.arange(len(names))[::-1]
    for ax, (_, unit) in zip(axes, units.iterrows(), strict=True):
        part = metrics.pick(rows, metrics.unit_of(unit, metrics.unit_columns(traj)))
        part = part.set_index("name").reindex(names)
        share = (part["parameter"] / part["variance"]).to_numpy() * 100
        ax.barh(y, share, color="#0072B2", height=0.75, label="parameters")
        ax.barh(y, 100 - share, left=share, color="#E69F00", height=0.75, label="chance")
        for yi, sd in zip(y, np.sqrt(part["variance"].to_numpy()), strict=True):
            if not np.isnan(sd):
                ax.text(101, yi, f"sd {sd:.2g}", va="center", fontsize=6.5)
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xlabel("share of the variance over runs (%)")
        draws = int(part["draws"].max()) if part["draws"].notna().any() else 0
        single = "; one run per draw: no split" if part["runs_min"].min() < 2 else ""
        ax.set_title(f"{wrapped(unit['title'], 3.0)}\n({draws} draws, "
                     f"{_span(part['runs_min'].min(), part['runs_max'].max())} runs each"
                     f"{single})")
    axes[0].set_yticks(y, names)
    handles = [Patch(color="#0072B2", label="parameters (variance of the draws' means)"),
               Patch(color="#E69F00", label="chance (mean variance within a draw)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    fig.suptitle("Where the spread of each outcome comes from (law of total variance)")
    return fig


# ---------------------------------------------------------------- files


def files(folder: Path, name: str) -> list[Path]:
    """The files `save` writes for a figure: PNG, then SVG."""
    return [folder / f"{name}.{ext}" for ext in ("png", "svg")]


def save(fig: Figure, folder: str | Path, name: str) -> list[Path]:
    """Write the figure as PNG (200 dpi) and SVG; return the paths. The PNG lays the
    figure out; the SVG keeps that layout (a second constrained layout cost ~15% of
    writing the figures and moved nothing that shows)."""
    folder = Path(folder)
    paths = files(folder, name)
    owned.check(paths)  # never a file of the user's
    folder.mkdir(parents=True, exist_ok=True)
    engine = fig.get_layout_engine()
    with matplotlib.rc_context(STYLE):
        fig.savefig(paths[0], bbox_inches="tight", dpi=DPI)
        owned.record(paths[:1])  # each file listed once written: a Ctrl-C leaves none unlisted
        fig.set_layout_engine("none")
        try:
            fig.savefig(paths[1], bbox_inches="tight", dpi=DPI)
        finally:
            fig.set_layout_engine(engine)
    owned.record(paths[1:])
    return paths
