"""Numbers behind the figures, computed from the output contract alone.

Every function takes a contract table (`trajectories`, `memberships` or `platforms`) of
a run or of a sweep: a pandas DataFrame, or a lazy `tables.Table` as `load` returns in
`res.tables` (large Tables are streamed, see `frames`: counts add up exactly, quantile
bands come from histograms of `BINS` bins, an error below 1/BINS on values in [0, 1]).
A sweep adds a `scenario` column, a `point` column and one column per swept key; a
single run has none of them and is treated as one scenario, named from its config
(`config["scenario"]["name"]`).

A *unit* is one set of replicates: a scenario of a single run, or one sweep point.
Every number here is per unit (the `unit_columns`: scenario, point and the swept model
inputs); runs of different parameter values are never pooled.

Monte Carlo intervals are Wilson score intervals for a share of runs (Wilson 1927;
Brown, Cai & DasGupta 2001), Newcombe's hybrid score interval for a difference of
two shares (Newcombe 1998, method 10) and a normal (Welch) interval for a difference
of two means. Runs that share histories (a `history` column: `scenario.histories`) are
not independent: each share or mean then counts its effective runs, the runs divided by
the design effect measured from the per-history totals (`effective_runs`; Kish 1965,
Korn & Graubard 1998), so an outcome the history settles gets the interval of its
histories and one that chance after the history decides that of its runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..config.schema import NONALIGNED, STATUSES
from ..contract import ALIGN_PREFIX, stored
from ..execution import is_model_input
from ..measures import hedging_from_poles
from ..summary import split
from ..tables import Table
from .frames import (
    CONTRACT,
    Frame,
    as_text,
    batches,
    counts,
    distinct,
    ever,
    final_rows,
    histogram_quantiles,
    histograms,
    id_codes,
    points_per_scenario,
    readable,
    run_count,
    select,
    swept_columns,
    unit_keys,
)

BASELINE = "baseline"  # the reference scenario's conventional name
LEVEL = 0.9
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MEMBER = STATUSES[-1]
BINS = 1024
NONALIGNED_LABEL = "non-aligned"
__all__ = ["ALIGN_PREFIX", "CONTRACT", "NONALIGNED", "Frame", "distinct", "final_rows",
           "points_per_scenario", "run_count", "select", "swept_columns", "unit_keys"]


# ---------------------------------------------------------------- structure


def poles(traj: Frame) -> list[str]:
    """Pole ids, in the order of the `align_<pole>` columns (the config's order)."""
    return [c[len(ALIGN_PREFIX):] for c in traj.columns if c.startswith(ALIGN_PREFIX)]


def postures(traj: Frame) -> list[str]:
    """Postures: the poles, then `nonaligned` (plus any other label found in the data)."""
    if isinstance(traj, Table):
        found = traj.categories("posture")
    elif isinstance(traj["posture"].dtype, pd.CategoricalDtype):
        found = list(traj["posture"].cat.categories)
    else:
        found = list(pd.unique(traj["posture"]))
    order = [*poles(traj), NONALIGNED]
    return order + sorted(str(p) for p in found if str(p) not in order)


def held_poles(df: Frame, keys: Sequence[str]) -> set[tuple[str, ...]]:
    """(each combination of `keys` as text..., pole) for the poles it has: a sweep's points
    may run different worlds, and a pole's `align_<pole>` is null where a point's world
    lacks it (read from the final rows)."""
    keys = [k for k in keys if k in df.columns]
    cols = [ALIGN_PREFIX + p for p in poles(df)]
    held: set[tuple[str, ...]] = set()
    for chunk in batches(df, [*keys, *cols], final=True):
        if not len(chunk):
            continue
        has = chunk[cols].notna().groupby(
            [_key_text(chunk[k]) for k in keys] if keys else np.zeros(len(chunk)),
            observed=True, sort=False).any()
        for key, row in has.iterrows():
            key = (key if isinstance(key, tuple) else (key,)) if keys else ()
            held.update((*key, col[len(ALIGN_PREFIX):]) for col, there in row.items() if there)
    return held


def _key_text(values: pd.Series) -> pd.Series:
    """Values as text, a whole float as an integer (`2.0` is `2`: a swept value some
    points lack turns a column of integers into floats)."""
    return values.astype(object).map(
        lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))


def _may_lack_poles(df: Frame) -> bool:
    """Whether some rows may lack a pole (its `align_` column null): only a sweep whose
    points run different worlds, whose parts' columns differ (the engine never writes a
    null weight). Read from the parts' schemas, or a frame's nulls, not a pass over the
    rows."""
    cols = [ALIGN_PREFIX + p for p in poles(df)]
    if isinstance(df, Table):
        return any(not set(cols) <= set(part.dataset.schema.names) for part in df.parts)
    return bool(df[cols].isna().to_numpy().any())


def present_poles(df: Frame) -> list[str]:
    """The poles some row of `df` holds, in the table's order: every pole, unless a
    sweep's points run different worlds (`held_poles`)."""
    names = poles(df)
    if not _may_lack_poles(df):
        return names
    held = {pole for *_, pole in held_poles(df, [])}
    return [p for p in names if p in held]


def without_absent_poles(frame: pd.DataFrame, df: Frame, column: str,
                         keys: Sequence[str] | None = None) -> pd.DataFrame:
    """`frame` without the rows whose `column` names a pole their unit's world lacks (a
    quantity of a pole a point does not have is absent, not 0); `keys`: the columns that
    name the unit (default: the unit columns of `df` found in `frame`)."""
    if not _may_lack_poles(df):  # one world: every point holds every pole
        return frame
    keys = [k for k in (unit_columns(df) if keys is None else keys) if k in frame.columns]
    held = held_poles(df, keys)
    pole_ids = set(poles(df))
    text = pd.DataFrame({k: _key_text(frame[k]) for k in [*keys, column]}).to_numpy()
    keep = [row[-1] not in pole_ids or tuple(row) in held for row in text]
    return frame[np.asarray(keep, dtype=bool)].reset_index(drop=True)


def scenario_name(config: dict | None) -> str:
    scenario = (config or {}).get("scenario")
    if isinstance(scenario, dict) and scenario.get("name"):
        return str(scenario["name"])
    return "scenario"


def with_scenario(df: Frame, config: dict | None = None) -> Frame:
    """The table with a `scenario` column (added from the config for a single run)."""
    if "scenario" in df.columns:
        return df
    return df.assign(scenario=scenario_name(config))


def scenarios(df: Frame) -> list[str]:
    """Scenario names: `baseline` first when present, the others in order of appearance."""
    if "scenario" not in df.columns:
        return []
    names = [str(s) for s in distinct(df, "scenario")]
    return sorted(names, key=lambda s: s != BASELINE)


def model_inputs(columns: list[str]) -> list[str]:
    """Swept columns that change the model (not execution settings such as runner.*)."""
    return [c for c in columns if is_model_input(c)]


def labels(config: dict | None) -> dict[str, str]:
    """Display names of the world's ids (`label` of each pole, state, external actor and
    platform; the id where none is given), and `nonaligned` as `non-aligned`."""
    world = (config or {}).get("world") or {}
    out = {NONALIGNED: NONALIGNED_LABEL}
    for group in ("poles", "states", "external", "platforms"):
        for key, spec in (world.get(group) or {}).items():
            if isinstance(spec, dict) and spec.get("label"):
                out[str(key)] = str(spec["label"])
    return out


def event_label(name: str, event: Mapping) -> str:
    """An event's display name: its `label` when given, else its id in words."""
    return str(event.get("label") or name.replace("_", " "))


def event_dates(config: dict | None) -> list[tuple[pd.Timestamp, str, list[str]]]:
    """(date, event label, states it names) of the scenario's scheduled events, by date."""
    scenario = (config or {}).get("scenario") or {}
    events = scenario.get("events") or {} if isinstance(scenario, dict) else {}
    out = []
    for name, event in events.items():
        if not isinstance(event, dict) or not event.get("date"):
            continue
        states = list(event.get("states") or []) + ([event["state"]] if event.get("state")
                                                     else [])
        out.append((pd.Timestamp(str(event["date"])), event_label(str(name), event),
                    [str(s) for s in states]))
    return sorted(out, key=lambda item: item[0])


def platform_leaders(config: dict | None) -> dict[str, str]:
    platforms = ((config or {}).get("world") or {}).get("platforms") or {}
    return {str(k): str(v["leader"]) for k, v in platforms.items()
            if isinstance(v, dict) and v.get("leader")}


# ---------------------------------------------------------------- units


def unit_columns(df: Frame) -> list[str]:
    """Columns that keep sets of replicates apart and carry their swept values: the unit
    keys (scenario, point) and the swept model inputs."""
    keys = unit_keys(df)
    return keys + [c for c in model_inputs(swept_columns(df)) if c not in keys]


def varying(units_: pd.DataFrame) -> list[str]:
    """Swept model inputs that take more than one value among the units."""
    return [c for c in units_.columns if c not in ("scenario", "point", "label", "title")
            and is_model_input(c) and units_[c].astype(str).nunique() > 1]


def _value(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def describe(row: Mapping, columns: Sequence[str]) -> str:
    """`w_autonomy=0.5, w_polarization=2.5`: the given swept values of a unit."""
    return ", ".join(f"{str(c).removeprefix('params.')}={_value(row[c])}" for c in columns)


def units(df: Frame) -> pd.DataFrame:
    """One row per set of replicates: its unit columns, `label` (its swept values that
    vary among the units) and `title` (scenario, then label); scenarios in `scenarios`
    order, points by their swept values."""
    cols = unit_columns(df)
    if isinstance(df, Table):
        rows = [{c: (p.extra.get(c) if not isinstance(p.extra.get(c), list | tuple)
                     else "+".join(map(str, p.extra[c]))) for c in cols} for p in df.parts]
        table = pd.DataFrame(rows, columns=cols).drop_duplicates()
    else:
        table = df[cols].drop_duplicates() if cols else pd.DataFrame(index=[0])
    table = table.reset_index(drop=True)
    if "scenario" in table:
        table["scenario"] = table["scenario"].astype(str)
        rank = {s: i for i, s in enumerate(scenarios(df))}
        table = table.assign(_rank=table["scenario"].map(rank)).sort_values(
            ["_rank", *(c for c in cols if c not in ("scenario", "point"))],
            kind="stable").drop(columns="_rank").reset_index(drop=True)
    vary = varying(table)
    table["label"] = [describe(row, vary) for _, row in table.iterrows()]
    table["title"] = [", ".join(x for x in (str(row.get("scenario", "")), row["label"]) if x)
                      for _, row in table.iterrows()]
    return table


def unit_of(row: Mapping, columns: Sequence[str]) -> dict:
    """The selection (column -> value) that picks one unit's rows."""
    return {c: row[c] for c in columns if c in row and not pd.isna(row[c])}


def _is_match(frame: pd.DataFrame, unit: Mapping) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for key, value in unit.items():
        if key in frame:
            mask &= (frame[key].astype(str) == str(value)).to_numpy()
    return mask


def pick(frame: pd.DataFrame, unit: Mapping) -> pd.DataFrame:
    """The rows of a metrics frame that belong to one unit."""
    return frame[_is_match(frame, unit)]


# ---------------------------------------------------------------- intervals


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(count, total, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the share count/total at the given coverage."""
    k = np.asarray(count, dtype=float)
    n = np.maximum(np.asarray(total, dtype=float), 1e-12)
    z = _z(level)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = np.where(k <= 0, 0.0, np.clip(centre - half, 0, 1))
    hi = np.where(k >= n, 1.0, np.clip(centre + half, 0, 1))
    return lo, hi


def newcombe(p1, lo1, hi1, p0, lo0, hi0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference p1 - p0 and Newcombe's hybrid score interval from two Wilson intervals."""
    p1, lo1, hi1, p0, lo0, hi0 = (np.asarray(a, dtype=float)
                                  for a in (p1, lo1, hi1, p0, lo0, hi0))
    d = p1 - p0
    lower = d - np.sqrt((p1 - lo1) ** 2 + (hi0 - p0) ** 2)
    upper = d + np.sqrt((hi1 - p1) ** 2 + (p0 - lo0) ** 2)
    return d, lower, upper


def _labelled(n: pd.Series, level: str) -> pd.DataFrame:
    """Counts with one id level as text columns (the others stay in the index)."""
    n = n.copy()
    position = n.index.names.index(level)
    n.index = n.index.set_levels(n.index.levels[position].astype(str), level=position)
    return n.unstack(level, fill_value=0).astype(int)


def _tidy(out: pd.DataFrame, ids: Sequence[str], order: Frame | None = None) -> pd.DataFrame:
    """Ids and scenario names as text, scenarios in `scenarios` order."""
    for c in ("scenario", "point", *ids):
        if c in out:
            out[c] = out[c].astype(str)
    if order is not None and "scenario" in out:
        rank = {s: i for i, s in enumerate(scenarios(order))}
        out = out.sort_values("scenario", key=lambda c: c.map(rank), kind="stable")
    return out.reset_index(drop=True)


def _with_wilson(out: pd.DataFrame, count: str, level: float,
                 effective: np.ndarray | pd.Series | None = None) -> pd.DataFrame:
    """p = count / runs with its Wilson interval, on `effective` runs where given."""
    out["p"] = out[count] / out["runs"]
    n = out["runs"] if effective is None else np.asarray(effective, dtype=float)
    out["lo"], out["hi"] = wilson(out["p"] * n, n, level)
    return out


HISTORY = "history"


def clusters(df: Frame) -> list[str]:
    """The column whose values group runs that are not independent (the history run
    they continue), as a key list: empty when every run has its own history."""
    if HISTORY not in df.columns:
        return []
    for rows in batches(df, [HISTORY, "run"], final=True):
        if (rows[HISTORY].notna() & (rows[HISTORY] != rows["run"])).any():
            return [HISTORY]
    return []


def group_total(x: pd.DataFrame | pd.Series, group: Sequence[str]) -> pd.DataFrame | pd.Series:
    """`x` summed over the rows of each combination of its `group` index levels (the
    clusters of each group added up), missing values kept as a group of their own."""
    return x.groupby(level=list(group), observed=True, sort=False, dropna=False).sum()


def effective_runs(sums: pd.DataFrame, sizes: pd.Series, group: Sequence[str],
                   squares: pd.DataFrame | None = None) -> pd.DataFrame:
    """Kish's effective number of runs behind the mean of each column of `sums`, per
    combination of the `group` index levels, when runs come in clusters.

    Rows are (group, cluster): `sums` the totals of each outcome over the cluster's runs
    (`squares` the totals of their squares; a 0/1 outcome is its own square), `sizes`
    the runs of the cluster. The mean's variance is the ratio estimator's, C/(C-1)
    sum_c (S_c - mean m_c)^2 / n^2 over C clusters; the design effect is that over s^2/n
    (s^2 the outcome's sample variance over runs), so runs that are each their own
    cluster count n. The effective runs, n / design effect, lie between 1 and n. An
    outcome the same in every run, or runs of a single cluster, have no design effect to
    measure: they count their C clusters; an outcome whose share is the same in every
    cluster counts its n runs."""
    def total(x):
        return group_total(x, group)

    sizes_ = pd.DataFrame({"n": sizes, "squared": sizes ** 2, "clusters": sizes > 0})
    n, squared, c = (total(sizes_)[k].astype(float) for k in ("n", "squared", "clusters"))
    mean = total(sums).div(n, axis=0)
    between = (total(sums ** 2) - 2 * mean * total(sums.mul(sizes, axis=0))
               + mean ** 2 * squared.to_numpy()[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        variance_of_mean = between.mul(c / (c - 1) / n ** 2, axis=0)
        spread_ = total(sums if squares is None else squares).div(n, axis=0) - mean ** 2
        out = spread_.mul(n / (n - 1), axis=0) / variance_of_mean
    n, c = (x.to_numpy()[:, None] * np.ones(out.shape) for x in (n, c))
    out = out.where(~(variance_of_mean <= 1e-300), n)  # no spread between the clusters
    out = out.where((spread_ > 1e-12) & (c > 1), c)
    out = out.clip(lower=1).clip(upper=n)
    return out.where(c != n, n)  # every run its own cluster: independent, n exactly


def _shares(table: pd.DataFrame, group: Sequence[str], cluster: Sequence[str],
            sizes: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(counts per group, effective runs per group or None): `table` counts the runs
    with each column's outcome per group (and cluster), of `sizes` runs (default: the
    columns' sum, outcomes that exclude each other)."""
    if not cluster:
        return table, None
    sizes = table.sum(axis=1) if sizes is None else sizes
    grouped = group_total(table, group)
    effective = effective_runs(table.astype(float), sizes.astype(float), group)
    return grouped, effective.reindex(grouped.index)


def _share_of(table: pd.DataFrame, outcome: str, group: Sequence[str],
              cluster: Sequence[str]) -> pd.DataFrame:
    """Per group: the runs with one `outcome` (`count`), the runs (`runs`) and, when runs
    share histories, the effective runs of that share (`effective`); from the runs of
    each outcome (columns) per group (and cluster)."""
    sizes = table.sum(axis=1)
    counted, effective = _shares(table.reindex(columns=[outcome], fill_value=0), group,
                                 cluster, sizes)
    runs = group_total(sizes, group) if cluster else sizes
    out = pd.DataFrame({"count": counted[outcome], "runs": runs.reindex(counted.index)})
    return out if effective is None else out.assign(effective=effective[outcome])


def outcome_probabilities(traj: Frame, config: dict | None = None,
                          by: list[str] | None = None, level: float = LEVEL) -> pd.DataFrame:
    """Share of runs ending in each posture, per unit (and `by` columns) and actor.

    Columns: scenario, [point, swept columns,] *by, actor, posture, count, runs, p, lo, hi
    (Wilson interval). Each sweep point is its own set of replicates.
    """
    whole = with_scenario(traj, config)
    keys = list(dict.fromkeys([*unit_columns(whole), *(by or [])]))
    cols = [*keys, "actor"]
    cluster = clusters(whole)
    df = readable(whole, [*cols, "posture", *cluster, "step", *unit_keys(whole)])
    table = _labelled(counts(df, [*cols, "posture", *cluster], final=True)["n"], "posture")
    table, effective = _shares(table.reindex(columns=postures(traj), fill_value=0), cols,
                               cluster)
    runs = table.sum(axis=1)
    long = table.stack().rename("count").reset_index()
    long["runs"] = runs.reindex(pd.MultiIndex.from_frame(long[cols])).to_numpy()
    if effective is not None:
        effective = effective.stack().reindex(pd.MultiIndex.from_frame(long[[*cols,
                                                                             "posture"]]))
    out = _tidy(_with_wilson(long, "count", level, effective), ["actor", "posture"], df)
    return without_absent_poles(out, whole, "posture")


_STATS = ("count", "runs", "p", "lo", "hi", "p_baseline", "diff", "n", "n_eff", "mean", "sd",
          "q05", "q50", "q95", "variance", "parameter", "chance")


def matching(frame: pd.DataFrame, items: Sequence[str]) -> list[str]:
    """Columns on which a scenario is compared with the baseline: the items and the
    swept values other than the scenario (never the point id, which names the scenario)."""
    return [c for c in frame.columns if c not in (*_STATS, "scenario", "point", "measure_label")
            and c not in items] + list(items)


def _against(frame: pd.DataFrame, baseline: str, items: Sequence[str]):
    """(scenario name, its rows, the baseline's rows matched to them) per other scenario."""
    keys = matching(frame, items)
    if baseline not in set(frame["scenario"]):
        raise ValueError(f"baseline scenario {baseline!r} not in the data "
                         f"(have: {', '.join(pd.unique(frame['scenario']))})")
    text = frame.assign(**{k: frame[k].astype(str) for k in keys})
    base = text[text["scenario"] == baseline].drop_duplicates(keys).set_index(keys)
    for name, part in text[text["scenario"] != baseline].groupby("scenario", sort=False):
        part = part.set_index(keys)
        yield name, part, base.reindex(part.index)


def share_differences(frame: pd.DataFrame, baseline: str, items: Sequence[str]
                      ) -> pd.DataFrame:
    """p of each scenario minus the baseline's at the same swept values, with Newcombe
    intervals (frame: shares with p, lo, hi per scenario and items)."""
    rows = []
    for name, part, b in _against(frame, baseline, items):
        d, lo, hi = newcombe(part["p"], part["lo"], part["hi"], b["p"], b["lo"], b["hi"])
        rows.append(pd.DataFrame({"scenario": name, "p": part["p"].to_numpy(),
                                  "p_baseline": b["p"].to_numpy(), "diff": d, "lo": lo,
                                  "hi": hi}, index=part.index).reset_index())
    cols = ["scenario", *matching(frame, items), "p", "p_baseline", "diff", "lo", "hi"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def outcome_differences(probs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """P(posture) of each scenario minus the baseline's (at the same swept values), with
    Newcombe intervals. Columns: scenario, [swept columns,] actor, posture, p,
    p_baseline, diff, lo, hi."""
    return share_differences(probs, baseline, ["actor", "posture"])


def mean_differences(frame: pd.DataFrame, baseline: str, items: Sequence[str],
                     level: float = LEVEL) -> pd.DataFrame:
    """Mean of each scenario minus the baseline's at the same swept values, with a
    normal interval (Welch: the two means' standard errors added in quadrature; each
    on its effective runs `n_eff` where the frame has them, as `hedging_final`)."""
    z = _z(level)
    n = "n_eff" if "n_eff" in frame.columns else "n"
    rows = []
    for name, part, b in _against(frame, baseline, items):
        d = part["mean"] - b["mean"]
        half = z * np.sqrt(part["sd"] ** 2 / part[n] + b["sd"] ** 2 / b[n])
        rows.append(pd.DataFrame({"scenario": name, "mean": part["mean"].to_numpy(),
                                  "mean_baseline": b["mean"].to_numpy(), "diff": d.to_numpy(),
                                  "lo": (d - half).to_numpy(), "hi": (d + half).to_numpy()},
                                 index=part.index).reset_index())
    cols = ["scenario", *matching(frame, items), "mean", "mean_baseline", "diff", "lo", "hi"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def join_probabilities(mem: Frame, config: dict | None = None,
                       level: float = LEVEL) -> pd.DataFrame:
    """Share of runs in which each actor is a member of each platform at the end, per
    unit."""
    df = with_scenario(mem, config)
    keys = [*unit_columns(df), "actor", "platform"]
    cluster = clusters(df)
    df = readable(df, [*keys, "status", *cluster, "step", *unit_keys(df)])
    table = _labelled(counts(df, [*keys, "status", *cluster], final=True)["n"], "status")
    share = _share_of(table, MEMBER, keys, cluster)
    out = share[["count", "runs"]].rename(columns={"count": "member"}).astype(int)
    return _tidy(_with_wilson(out.reset_index(), "member", level, share.get("effective")),
                 ["actor", "platform"])


def platform_final(plat: Frame, config: dict | None = None) -> pd.DataFrame:
    """Final viability and depth per unit and platform: mean, 5% and 95% quantiles
    (one row per run and platform is read: what the quantiles need)."""
    df = with_scenario(plat, config)
    keys = [*unit_columns(df), "platform"]
    frame = pd.concat(list(batches(df, [*keys, "viability", "depth", "step", *unit_keys(df)],
                                   final=True)), ignore_index=True)
    g = frame.groupby(keys, observed=True, dropna=False)
    out = pd.concat({
        f"{m}_{s}": (g[m].mean() if s == "mean" else g[m].quantile(q))
        for m in ("viability", "depth") for s, q in (("mean", None), ("p05", 0.05),
                                                       ("p95", 0.95))}, axis=1)
    return _tidy(out.reset_index(), ["platform"])


# ---------------------------------------------------------------- hedging and blocs


def with_hedging(traj: Frame) -> Frame:
    """Trajectories with a `hedging` column (computed from the alignment weights for
    tables written before the contract had it)."""
    if "hedging" in traj.columns or isinstance(traj, Table):
        return traj
    weights = traj[[ALIGN_PREFIX + p for p in poles(traj)]].to_numpy()
    return traj.assign(hedging=stored(hedging_from_poles(weights)))


def hedging_final(traj: Frame, config: dict | None = None, bins: int = BINS) -> pd.DataFrame:
    """The final hedging index per unit and actor: runs `n`, mean, sd and the 5%, 50%,
    95% quantiles (from histograms of `bins` bins: an error below 1/bins).

    Columns: scenario, [point, swept columns,] actor, n, n_eff (the effective runs of the
    mean: n unless runs share histories), mean, sd, q05, q50, q95."""
    df = with_hedging(with_scenario(traj, config))
    if "hedging" not in df.columns:
        raise ValueError("the trajectories have no `hedging` column and no alignment weights")
    keys = [*unit_columns(df), "actor"]
    cluster = clusters(df)
    df = readable(df, [*keys, "hedging", *cluster, "step", *unit_keys(df)])
    per = counts(df, [*keys, *cluster], final=True, values=["hedging"], squares=["hedging"])
    sums = group_total(per, keys) if cluster else per
    index, hist = histograms(df, keys, "hedging", bins, final=True)
    q = pd.DataFrame(histogram_quantiles(hist, (0.05, 0.5, 0.95)), index=index,
                     columns=["q05", "q50", "q95"])
    n = sums["n"]
    mean = sums["hedging"] / n
    sd = np.sqrt(np.maximum(sums["hedging_sq"] / n - mean ** 2, 0) * n / np.maximum(n - 1, 1))
    effective = n if not cluster else effective_runs(
        per[["hedging"]], per["n"].astype(float), keys, per[["hedging_sq"]].set_axis(
            ["hedging"], axis=1))["hedging"].reindex(n.index)
    out = pd.DataFrame({"n": n, "n_eff": effective, "mean": mean, "sd": sd}).join(q)
    return _tidy(out.reset_index(), ["actor"], df)


def hedging_histograms(traj: Frame, config: dict | None = None, bins: int = 40
                       ) -> tuple[pd.DataFrame, np.ndarray]:
    """Histograms of the final hedging index per unit and actor: (their keys as a
    frame, counts (rows, bins) over [0, 1])."""
    df = with_hedging(with_scenario(traj, config))
    keys = [*unit_columns(df), "actor"]
    df = readable(df, [*keys, "hedging", "step", *unit_keys(df)])
    index, hist = histograms(df, keys, "hedging", bins, final=True)
    return _tidy(index.to_frame(index=False), ["actor"]), hist


def bloc_probabilities(traj: Frame, config: dict | None = None,
                       level: float = LEVEL) -> pd.DataFrame:
    """Share of runs in which each state is in a bloc (full member of a platform marked
    `bloc: true`) at the end (`measure` = end) and at some recorded step (ever).

    Columns: scenario, [point, swept columns,] actor, measure, count, runs, p, lo, hi."""
    df = with_scenario(traj, config)
    if "in_bloc" not in df.columns:
        raise ValueError("the trajectories have no `in_bloc` column (written before the "
                         "contract had it)")
    keys = [*unit_columns(df), "actor"]
    cluster = clusters(df)
    df = readable(df, [*keys, "in_bloc", "run", *cluster, "step", *unit_keys(df)])
    end = counts(df, [*keys, *cluster], final=True, values=["in_bloc"])
    table = pd.DataFrame({"end": end["in_bloc"],
                          "ever": ever(df, [*keys, *cluster], "in_bloc").reindex(end.index)})
    table, effective = _shares(table, keys, cluster, end["n"])
    runs = group_total(end["n"], keys).reindex(table.index)
    out = pd.concat([pd.DataFrame({"measure": m, "count": table[m].astype(int), "runs": runs})
                     for m in ("end", "ever")]).reset_index()
    if effective is not None:
        effective = np.concatenate([effective[m].to_numpy() for m in ("end", "ever")])
    return _tidy(_with_wilson(out, "count", level, effective), ["actor"], df)


# ---------------------------------------------------------------- parameter vs chance


def spread(traj: Frame, plat: Frame | None = None, config: dict | None = None
           ) -> pd.DataFrame:
    """Each outcome's variance over runs split into parameter (variance across posterior
    draws of the within-draw mean) and chance (mean within-draw variance), per unit:
    the law of total variance with population moments, so variance = parameter +
    chance. Empty without a `draw` column.

    Outcomes: P(final posture) of each actor and posture, the final hedging index, in a
    bloc at the end, and each platform's final viability. Columns: scenario, [point,
    swept columns,] outcome, actor, item, mean, variance, parameter, chance, draws,
    runs_min, runs_max; parameter and chance are NaN where a draw has a single run."""
    whole = df = with_hedging(with_scenario(traj, config))
    if "draw" not in df.columns:
        return pd.DataFrame()
    unit = unit_columns(df)
    keys = [*unit, "draw", "actor"]
    df = readable(df, [*keys, "posture", "hedging", "in_bloc", "step", *unit_keys(df)])
    frames = []
    by_posture = _labelled(counts(df, [*keys, "posture"], final=True)["n"], "posture")
    by_posture = by_posture.reindex(columns=postures(traj), fill_value=0)
    n = by_posture.sum(axis=1)
    for posture in by_posture.columns:
        share = by_posture[posture] / n
        frames.append(_split_frame(n, share, share * (1 - share), "P(final posture)", posture))
    values = [v for v in ("hedging", "in_bloc") if v in df.columns]
    sums = counts(df, keys, final=True, values=values, squares=values)
    names = {"hedging": "final hedging", "in_bloc": "P(in bloc at the end)"}
    for v in values:
        mean = sums[v] / sums["n"]
        frames.append(_split_frame(sums["n"], mean, sums[f"{v}_sq"] / sums["n"] - mean ** 2,
                                   names[v], ""))
    if plat is not None and len(plat) and "draw" in plat.columns:
        p = with_scenario(plat, config)
        keys_p = [*unit_columns(p), "draw", "platform"]
        p = readable(p, [*keys_p, "viability", "step", *unit_keys(p)])
        s = counts(p, keys_p, final=True, values=["viability"], squares=["viability"])
        s.index = s.index.rename("actor", level="platform")
        mean = s["viability"] / s["n"]
        frames.append(_split_frame(s["n"], mean, s["viability_sq"] / s["n"] - mean ** 2,
                                   "final viability", ""))
    out = pd.concat(frames, ignore_index=True)
    # one run of a draw has no within-draw variance to measure: no split there, not 100%
    out.loc[out["runs_min"] < 2, ["parameter", "chance"]] = np.nan
    return without_absent_poles(_tidy(out, ["actor", "item"], df), whole, "item")


def _split_frame(n: pd.Series, mean: pd.Series, within: pd.Series, outcome: str,
                 item: str) -> pd.DataFrame:
    """`summary.split` of per-draw moments (index: unit columns, draw, id), per unit
    and id, as rows."""
    names = [k for k in n.index.names if k != "draw"]
    rows = []
    for key, group in n.groupby(level=names, observed=True, sort=False, dropna=False):
        at = group.index
        parts = split(group.to_numpy(), mean.reindex(at).to_numpy(),
                      np.maximum(within.reindex(at).to_numpy(), 0.0))
        row = dict(zip(names, key if isinstance(key, tuple) else (key,), strict=True))
        row.update({"outcome": outcome, "item": item, **{k: float(v) for k, v in parts.items()},
                    "draws": len(group), "runs_min": int(group.min()),
                    "runs_max": int(group.max())})
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- time series


def _bands(df: pd.DataFrame, keys: list[str], value: str,
           quantiles: tuple[float, ...]) -> pd.DataFrame:
    q = df.groupby(keys, observed=True, sort=True, dropna=False)[value].quantile(
        list(quantiles))
    wide = q.unstack(-1)
    wide.columns = [f"q{round(x * 100):02d}" for x in quantiles]
    return wide.reset_index()


def nonaligned_share(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """What the pole weights leave of 1 (the non-aligned share), from `align_*` arrays."""
    weights = [np.asarray(v, dtype=np.float64) for k, v in columns.items()
               if k.startswith(ALIGN_PREFIX)]  # null: a pole this point's world lacks
    return np.clip(1.0 - np.nansum(weights, axis=0), 0.0, 1.0)


def alignment_bands(traj: Frame, config: dict | None = None,
                    quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each state's weight on each pole and of its non-aligned
    share, per unit and date.

    Columns: scenario, [point, swept columns,] actor, date, pole, q05, q25, q50, q75, q95
    (`pole` is `nonaligned` for the non-aligned share).
    """
    columns = {pole: ALIGN_PREFIX + pole for pole in poles(traj)}
    columns[NONALIGNED] = nonaligned_share
    df = with_scenario(traj, config)
    return without_absent_poles(_long_bands(df, "actor", "pole", columns, quantiles), df,
                                "pole")


def platform_bands(plat: Frame, config: dict | None = None,
                   quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each platform's viability and depth, per unit and date.

    Columns: scenario, [point, swept columns,] platform, date, measure, q05 ... q95.
    """
    columns = {"viability": "viability", "depth": "depth"}
    return _long_bands(with_scenario(plat, config), "platform", "measure", columns, quantiles)


def hedging_bands(traj: Frame, config: dict | None = None,
                  quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each state's hedging index, per unit and date (columns as
    `platform_bands`, with `actor` and measure `hedging`)."""
    df = with_hedging(with_scenario(traj, config))
    return _long_bands(df, "actor", "measure", {"hedging": "hedging"}, quantiles)


Source = str | object  # a column name, or a function of the batch's columns (by name)


def _sources(columns: Mapping[str, Source], available: Sequence[str]) -> list[str]:
    """The table columns the sources read."""
    out = []
    for source in columns.values():
        out += [source] if isinstance(source, str) else [
            c for c in available if c.startswith(ALIGN_PREFIX)]
    return list(dict.fromkeys(out))


def _evaluate(source: Source, data: Mapping[str, np.ndarray]) -> np.ndarray:
    return (np.asarray(data[source], dtype=np.float64) if isinstance(source, str)
            else source(data))


def _long_bands(df: Frame, key: str, kind: str, columns: Mapping[str, Source],
                quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Bands of several values stacked long, with `kind` naming the value's label."""
    unit = unit_columns(df)
    needed = _sources(columns, list(df.columns))
    df = readable(df, [*unit, key, "date", *needed])
    if isinstance(df, Table):
        out = _histogram_bands(df, key, kind, columns, quantiles)
    else:
        data = {c: df[c].to_numpy() for c in needed}
        frame = df[[*unit, key, "date"]].copy()
        parts = []
        for name, source in columns.items():
            frame["_value"] = _evaluate(source, data)
            parts.append(_bands(frame, [*unit, key, "date"], "_value", quantiles).assign(
                **{kind: name}))
        out = pd.concat(parts, ignore_index=True)
    out = out[[*unit, key, "date", kind, *(c for c in out.columns if c.startswith("q")
                                              and c[1:].isdigit())]]
    return _tidy(out, [key])


def _histogram_bands(table: Table, key: str, kind: str, columns: Mapping[str, Source],
                     quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Quantile bands of values in [0, 1] over runs, per (unit, id, date), from
    histograms of `BINS` bins filled in one pass over each unit's batches (memory: ids x
    dates x BINS counts per value)."""
    ids = table.categories(key)
    labels = [f"q{round(x * 100):02d}" for x in quantiles]
    needed = _sources(columns, list(table.columns))
    rows = []
    for _, row in units(table).iterrows():
        selection = unit_of(row, unit_columns(table))
        part = table.select(**selection)
        when = part.dates()
        hist = {name: np.zeros((len(ids), len(when), BINS), dtype=np.int64) for name in columns}
        for _, batch in part.record_batches([key, "date", *needed]):
            code = id_codes(table, batch, key)
            dates = batch.column("date").to_numpy(zero_copy_only=False)
            cell = (code * len(when) + np.searchsorted(when.to_numpy(), dates)) * BINS
            data = {c: batch.column(c).to_numpy(zero_copy_only=False) for c in needed}
            for name, total in hist.items():
                values = _evaluate(columns[name], data)
                bins = np.clip((values * BINS).astype(np.int64), 0, BINS - 1)
                total += np.bincount(cell + bins, minlength=total.size).reshape(total.shape)
        for name in columns:
            values = histogram_quantiles(hist[name], quantiles)   # (ids, dates, q)
            for i, ident in enumerate(ids):
                seen = hist[name][i].sum(axis=-1) > 0
                frame = pd.DataFrame(values[i][seen], columns=labels)
                frame.insert(0, kind, name)
                frame.insert(0, "date", when[seen])
                frame.insert(0, key, ident)
                for c in reversed(unit_columns(table)):
                    frame.insert(0, c, row[c])
                rows.append(frame)
    return pd.concat(rows, ignore_index=True)


# ---------------------------------------------------------------- sweeps


def sweep_grid(traj: Frame, x: str, y: str | None, actor: str, posture: str,
               level: float = LEVEL) -> pd.DataFrame:
    """P(actor ends in posture) at each value of x (and y) of a sweep, per combination
    of the other swept columns (never pooled). Columns: [other swept columns,] x, [y,]
    count, runs, p, lo, hi."""
    for col in (x, y):
        if col is not None and col not in traj.columns:
            raise ValueError(f"column {col!r} not in the data (swept columns: "
                             f"{', '.join(swept_columns(traj)) or 'none'})")
    axes = [c for c in (x, y) if c is not None]
    others = [c for c in unit_columns(traj) if c not in ("point", *axes)]
    cluster = clusters(traj)
    df = readable(traj, [*others, *axes, "actor", "posture", *cluster, "step",
                         *unit_keys(traj)])
    known = (df.categories("actor") if isinstance(df, Table)
             else set(df["actor"].astype(str)))
    if actor not in known:
        raise ValueError(f"actor {actor!r} not in the data")
    group = [*others, *axes]
    table = _labelled(counts(select(df, actor=actor), [*group, "posture", *cluster],
                             final=True)["n"], "posture")
    out = _share_of(table, posture, group, cluster).rename(columns={"effective": "_effective"})
    out = out.astype({"count": int, "runs": int}).sort_index().reset_index()
    out = without_absent_poles(out.assign(_posture=posture), traj, "_posture", group)
    out = _with_wilson(out, "count", level, out.get("_effective"))
    return out.drop(columns=[c for c in ("_posture", "_effective") if c in out])


def most_variable_outcome(traj: Frame, by: list[str]) -> tuple[str, str]:
    """The (actor, posture) whose probability varies most across the `by` groups."""
    probs = outcome_probabilities(traj, by=by)
    spread_ = probs.groupby(["actor", "posture"])["p"].agg(lambda s: s.max() - s.min())
    actor, posture = spread_.idxmax()
    return str(actor), str(posture)


# ---------------------------------------------------------------- network


def network_snapshot(traj: Frame, mem: Frame | None = None,
                     date: str | pd.Timestamp | None = None,
                     scenario: str | None = None, unit: Mapping | None = None) -> dict:
    """Mean alignment of each state on each pole, modal membership status of each state in
    each platform and each state's modal posture, at one date (default: the last), for
    one scenario or unit (a selection of unit columns).

    Returns {"date", "alignment" (actor x pole), "status" (actor x platform, or None),
    "share" (actor x platform: share of runs at the modal status), "posture", "runs"}.
    """
    where = dict(unit or {})
    if scenario is not None:
        where["scenario"] = scenario
    df = traj
    if where:
        df = select(df, **{k: v for k, v in where.items() if k in df.columns})
    dates = (df.dates() if isinstance(df, Table)
             else pd.DatetimeIndex(pd.unique(df["date"])).sort_values())
    when = dates[-1] if date is None else dates[dates.get_indexer(
        [pd.Timestamp(date)], method="nearest")[0]]
    names = present_poles(df)
    cols = [ALIGN_PREFIX + p for p in names]
    at = select(readable(df, ["actor", "posture", "date", *cols]), date=when)
    by_posture = counts(at, ["actor", "posture"], values=cols)
    by_actor = by_posture.groupby(level="actor", observed=True).sum()
    alignment = by_actor[cols].div(by_actor["n"], axis=0)
    alignment.columns = names
    alignment.index = alignment.index.astype(str)
    modes = as_text(by_posture["n"])
    posture = modes.groupby(level=0, sort=False).idxmax().map(lambda k: k[1])
    posture = posture.reindex(alignment.index)
    status = share = None
    if mem is not None and len(mem):
        m = mem
        if where:
            m = select(m, **{k: v for k, v in where.items() if k in m.columns})
        m = select(readable(m, ["actor", "platform", "status", "date"]), date=when)
        n = as_text(counts(m, ["actor", "platform", "status"])["n"])
        total = n.groupby(level=[0, 1]).sum()
        top = n.groupby(level=[0, 1]).idxmax().map(lambda k: k[2])
        status = top.unstack(1)
        share = (n.groupby(level=[0, 1]).max() / total).unstack(1)
        status.columns.name = share.columns.name = "platform"
        status.index.name = share.index.name = "actor"
    return {"date": when, "alignment": alignment, "status": status, "share": share,
            "posture": posture, "runs": int(by_actor["n"].max())}
