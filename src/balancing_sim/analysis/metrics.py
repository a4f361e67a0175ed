"""Numbers behind the figures, computed from the output contract alone.

Every function takes a contract table (`trajectories`, `memberships` or `platforms`) of
a run or of a sweep: a pandas DataFrame, or a lazy `tables.Table` as `load` returns in
`res.tables` (large Tables are streamed, see `frames`: counts add up exactly, quantile
bands come from histograms of `BINS` bins, an error below 1/BINS on values in [0, 1]).
A sweep adds a `scenario` column, a `point` column and one column per swept key; a
single run has none of them and is treated as one scenario, named from its config
(`config["scenario"]["name"]`).

Monte Carlo intervals are Wilson score intervals for a share of runs (Wilson 1927;
Brown, Cai & DasGupta 2001) and Newcombe's hybrid score interval for a difference of
two shares (Newcombe 1998, method 10).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from ..config.schema import NONALIGNED, STATUSES
from ..contract import ALIGN_PREFIX
from ..execution import is_model_input
from ..tables import Table
from .frames import (
    CONTRACT,
    Frame,
    as_text,
    batches,
    counts,
    distinct,
    final_rows,
    histogram_quantiles,
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


def event_dates(config: dict | None) -> list[tuple[pd.Timestamp, str, list[str]]]:
    """(date, event id, states it names) of the scenario's scheduled events, by date."""
    scenario = (config or {}).get("scenario") or {}
    events = scenario.get("events") or {} if isinstance(scenario, dict) else {}
    out = []
    for name, event in events.items():
        if not isinstance(event, dict) or not event.get("date"):
            continue
        states = list(event.get("states") or []) + ([event["state"]] if event.get("state")
                                                     else [])
        out.append((pd.Timestamp(str(event["date"])), str(name), [str(s) for s in states]))
    return sorted(out, key=lambda item: item[0])


def platform_leaders(config: dict | None) -> dict[str, str]:
    platforms = ((config or {}).get("world") or {}).get("platforms") or {}
    return {str(k): str(v["leader"]) for k, v in platforms.items()
            if isinstance(v, dict) and v.get("leader")}


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


def outcome_probabilities(traj: Frame, config: dict | None = None,
                          by: list[str] | None = None, level: float = LEVEL) -> pd.DataFrame:
    """Share of runs ending in each posture, per scenario (and `by` columns) and actor.

    Columns: scenario, *by, actor, posture, count, runs, p, lo, hi (Wilson interval).
    Runs of all sweep points of a scenario are pooled unless `by` names the swept columns.
    """
    keys = ["scenario", *(by or [])]
    cols = [*keys, "actor"]
    df = readable(with_scenario(traj, config), [*cols, "posture", "step", *unit_keys(traj)])
    table = _labelled(counts(df, [*cols, "posture"], final=True)["n"], "posture")
    table = table.reindex(columns=postures(traj), fill_value=0)
    runs = table.sum(axis=1)
    long = table.stack().rename("count").reset_index()
    long["runs"] = runs.reindex(pd.MultiIndex.from_frame(long[cols])).to_numpy()
    long["p"] = long["count"] / long["runs"]
    long["lo"], long["hi"] = wilson(long["count"], long["runs"], level)
    long["actor"] = long["actor"].astype(str)
    long["scenario"] = long["scenario"].astype(str)
    rank = {s: i for i, s in enumerate(scenarios(df))}
    long = long.sort_values("scenario", key=lambda c: c.map(rank), kind="stable")
    return long.reset_index(drop=True)


def outcome_differences(probs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """P(posture) of each scenario minus the baseline's, with Newcombe intervals.

    Columns: scenario, actor, posture, p, p_baseline, diff, lo, hi.
    """
    base = probs[probs["scenario"] == baseline].set_index(["actor", "posture"])
    if base.empty:
        raise ValueError(f"baseline scenario {baseline!r} not in the data "
                         f"(have: {', '.join(pd.unique(probs['scenario']))})")
    rows = []
    for name, part in probs[probs["scenario"] != baseline].groupby("scenario", sort=False):
        part = part.set_index(["actor", "posture"])
        b = base.reindex(part.index)
        d, lo, hi = newcombe(part["p"], part["lo"], part["hi"], b["p"], b["lo"], b["hi"])
        rows.append(pd.DataFrame({"scenario": name, "p": part["p"].to_numpy(),
                                  "p_baseline": b["p"].to_numpy(), "diff": d, "lo": lo,
                                  "hi": hi}, index=part.index).reset_index())
    cols = ["scenario", "actor", "posture", "p", "p_baseline", "diff", "lo", "hi"]
    return pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)


def join_probabilities(mem: Frame, config: dict | None = None,
                       level: float = LEVEL) -> pd.DataFrame:
    """Share of runs in which each actor is a member of each platform at the end."""
    keys = ["scenario", "actor", "platform"]
    df = readable(with_scenario(mem, config), [*keys, "status", "step", *unit_keys(mem)])
    table = _labelled(counts(df, [*keys, "status"], final=True)["n"], "status")
    out = pd.DataFrame({"member": table.get(MEMBER, 0), "runs": table.sum(axis=1)})
    out = out.astype(int).reset_index()
    out["p"] = out["member"] / out["runs"]
    out["lo"], out["hi"] = wilson(out["member"], out["runs"], level)
    for c in keys:
        out[c] = out[c].astype(str)
    return out


def platform_final(plat: Frame, config: dict | None = None) -> pd.DataFrame:
    """Final viability and depth per scenario and platform: mean, 5% and 95% quantiles
    (one row per run and platform is read: what the quantiles need)."""
    columns = ["scenario", "platform", "viability", "depth", "step"]
    df = with_scenario(plat, config)
    df = pd.concat(list(batches(df, [*columns, *unit_keys(df)], final=True)),
                   ignore_index=True)
    g = df.groupby(["scenario", "platform"], observed=True)
    out = pd.concat({
        f"{m}_{s}": (g[m].mean() if s == "mean" else g[m].quantile(q))
        for m in ("viability", "depth") for s, q in (("mean", None), ("p05", 0.05),
                                                       ("p95", 0.95))}, axis=1)
    out = out.reset_index()
    out["scenario"] = out["scenario"].astype(str)
    out["platform"] = out["platform"].astype(str)
    return out


# ---------------------------------------------------------------- time series


def _bands(df: pd.DataFrame, keys: list[str], value: str,
           quantiles: tuple[float, ...]) -> pd.DataFrame:
    q = df.groupby(keys, observed=True, sort=True)[value].quantile(list(quantiles))
    wide = q.unstack(-1)
    wide.columns = [f"q{round(x * 100):02d}" for x in quantiles]
    return wide.reset_index()


def alignment_bands(traj: Frame, config: dict | None = None,
                    quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each state's weight on each pole, per scenario and date.

    Columns: scenario, actor, date, pole, q05, q25, q50, q75, q95.
    """
    columns = {pole: ALIGN_PREFIX + pole for pole in poles(traj)}
    return _long_bands(with_scenario(traj, config), "actor", "pole", columns, quantiles)


def platform_bands(plat: Frame, config: dict | None = None,
                   quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each platform's viability and depth, per scenario and date.

    Columns: scenario, platform, date, measure, q05 ... q95.
    """
    columns = {"viability": "viability", "depth": "depth"}
    return _long_bands(with_scenario(plat, config), "platform", "measure", columns, quantiles)


def _long_bands(df: Frame, key: str, kind: str, columns: dict[str, str],
                quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Bands of several columns stacked long, with `kind` naming the column's label."""
    df = readable(df, ["scenario", key, "date", *columns.values()])
    if isinstance(df, Table):
        out = _histogram_bands(df, key, kind, columns, quantiles)
    else:
        out = pd.concat([_bands(df, ["scenario", key, "date"], column, quantiles).assign(
            **{kind: name}) for name, column in columns.items()], ignore_index=True)
    out = out[["scenario", key, "date", kind, *(c for c in out.columns
                                                  if c.startswith("q"))]]
    out["scenario"] = out["scenario"].astype(str)
    out[key] = out[key].astype(str)
    return out


def _histogram_bands(table: Table, key: str, kind: str, columns: dict[str, str],
                     quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Quantile bands of values in [0, 1] over runs, per (scenario, id, date), from
    histograms of `BINS` bins filled in one pass over the table's batches (memory: ids x
    dates x BINS counts per column)."""
    ids = table.categories(key)
    labels = [f"q{round(x * 100):02d}" for x in quantiles]
    rows = []
    for name in scenarios(table):
        part = table.select(scenario=name)
        when = part.dates()
        hist = {c: np.zeros((len(ids), len(when), BINS), dtype=np.int64)
                for c in columns.values()}
        for _, batch in part.record_batches([key, "date", *columns.values()]):
            column = batch.column(key)
            code = pd.Index(ids).get_indexer(column.dictionary.to_pylist())[
                column.indices.to_numpy(zero_copy_only=False)]
            dates = batch.column("date").to_numpy(zero_copy_only=False)
            cell = (code * len(when) + np.searchsorted(when.to_numpy(), dates)) * BINS
            for name_, total in hist.items():
                values = batch.column(name_).to_numpy(zero_copy_only=False)
                bins = np.clip((values.astype(np.float64) * BINS).astype(np.int64), 0, BINS - 1)
                total += np.bincount(cell + bins, minlength=total.size).reshape(total.shape)
        for label, column in columns.items():
            values = histogram_quantiles(hist[column], quantiles)   # (ids, dates, q)
            for i, ident in enumerate(ids):
                seen = hist[column][i].sum(axis=-1) > 0
                frame = pd.DataFrame(values[i][seen], columns=labels)
                frame.insert(0, kind, label)
                frame.insert(0, "date", when[seen])
                frame.insert(0, key, ident)
                frame.insert(0, "scenario", name)
                rows.append(frame)
    return pd.concat(rows, ignore_index=True)


# ---------------------------------------------------------------- sweeps


def sweep_grid(traj: Frame, x: str, y: str, actor: str, posture: str,
               level: float = LEVEL) -> pd.DataFrame:
    """P(actor ends in posture) at each (x, y) of a sweep, pooled over any other swept
    column. Columns: x, y, count, runs, p, lo, hi."""
    for col in (x, y):
        if col not in traj.columns:
            raise ValueError(f"column {col!r} not in the data (swept columns: "
                             f"{', '.join(swept_columns(traj)) or 'none'})")
    df = readable(traj, [x, y, "actor", "posture", "step", *unit_keys(traj)])
    known = (df.categories("actor") if isinstance(df, Table)
             else set(df["actor"].astype(str)))
    if actor not in known:
        raise ValueError(f"actor {actor!r} not in the data")
    table = _labelled(counts(select(df, actor=actor), [x, y, "posture"], final=True)["n"],
                      "posture")
    out = pd.DataFrame({"count": table.get(posture, 0), "runs": table.sum(axis=1)})
    out = out.astype(int).sort_index().reset_index()
    out["p"] = out["count"] / out["runs"]
    out["lo"], out["hi"] = wilson(out["count"], out["runs"], level)
    return out


def most_variable_outcome(traj: Frame, by: list[str]) -> tuple[str, str]:
    """The (actor, posture) whose probability varies most across the `by` groups."""
    probs = outcome_probabilities(traj, by=by)
    spread = probs.groupby(["actor", "posture"])["p"].agg(lambda s: s.max() - s.min())
    actor, posture = spread.idxmax()
    return str(actor), str(posture)


# ---------------------------------------------------------------- network


def network_snapshot(traj: Frame, mem: Frame | None = None,
                     date: str | pd.Timestamp | None = None,
                     scenario: str | None = None) -> dict:
    """Mean alignment of each state on each pole, modal membership status of each state in
    each platform and each state's modal posture, at one date (default: the last).

    Returns {"date", "alignment" (actor x pole), "status" (actor x platform, or None),
    "share" (actor x platform: share of runs at the modal status), "posture", "runs"}.
    """
    df = traj
    if scenario is not None and "scenario" in df.columns:
        df = select(df, scenario=scenario)
    dates = (df.dates() if isinstance(df, Table)
             else pd.DatetimeIndex(pd.unique(df["date"])).sort_values())
    when = dates[-1] if date is None else dates[dates.get_indexer(
        [pd.Timestamp(date)], method="nearest")[0]]
    names = poles(traj)
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
        if scenario is not None and "scenario" in m.columns:
            m = select(m, scenario=scenario)
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
