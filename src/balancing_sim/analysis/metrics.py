"""Numbers behind the figures, computed from the output contract alone.

Every function takes the contract's DataFrames (`trajectories`, `memberships`,
`platforms`) of a run or of a sweep. A sweep adds a `scenario` column, a `point`
column and one column per swept key; a single run has none of them and is treated
as one scenario, named from its config (`config["scenario"]["name"]`).

Monte Carlo intervals are Wilson score intervals for a share of runs (Wilson 1927;
Brown, Cai & DasGupta 2001) and Newcombe's hybrid score interval for a difference of
two shares (Newcombe 1998, method 10).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

NONALIGNED = "nonaligned"
BASELINE = "baseline"  # the reference scenario's conventional name
EXECUTION = ("runner.", "hydra.", "runs", "seed", "out", "engine")  # not model inputs
ALIGN_PREFIX = "align_"
LEVEL = 0.9
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CONTRACT = frozenset({"run", "seed", "step", "date", "actor", "posture", "platform", "status",
                      "viability", "depth", "scenario", "point"})
STATUS_ORDER = ("none", "observer", "partner", "candidate", "member")


# ---------------------------------------------------------------- structure


def poles(traj: pd.DataFrame) -> list[str]:
    """Pole ids, in the order of the `align_<pole>` columns (the config's order)."""
    return [c[len(ALIGN_PREFIX):] for c in traj.columns if c.startswith(ALIGN_PREFIX)]


def postures(traj: pd.DataFrame) -> list[str]:
    """Postures: the poles, then `nonaligned` (plus any other label found in the data)."""
    found = (list(traj["posture"].cat.categories) if isinstance(
        traj["posture"].dtype, pd.CategoricalDtype) else list(pd.unique(traj["posture"])))
    order = [*poles(traj), NONALIGNED]
    return order + sorted(str(p) for p in found if str(p) not in order)


def scenario_name(config: dict | None) -> str:
    scenario = (config or {}).get("scenario")
    if isinstance(scenario, dict) and scenario.get("name"):
        return str(scenario["name"])
    return "scenario"


def with_scenario(df: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """The table with a `scenario` column (added from the config for a single run)."""
    if "scenario" in df.columns:
        return df
    return df.assign(scenario=scenario_name(config))


def scenarios(df: pd.DataFrame) -> list[str]:
    """Scenario names: `baseline` first when present, the others in order of appearance."""
    if "scenario" not in df.columns:
        return []
    names = [str(s) for s in pd.unique(df["scenario"].astype(str))]
    return sorted(names, key=lambda s: s != BASELINE)


def swept_columns(df: pd.DataFrame) -> list[str]:
    """Columns a sweep added besides `scenario` and `point` (e.g. `params.w_autonomy`)."""
    return [c for c in df.columns if c not in CONTRACT and not c.startswith(ALIGN_PREFIX)]


def model_inputs(columns: list[str]) -> list[str]:
    """Swept columns that change the model (not execution settings such as runner.*)."""
    return [c for c in columns
            if not any(c == e or (e.endswith(".") and c.startswith(e)) for e in EXECUTION)]


def unit_keys(df: pd.DataFrame) -> list[str]:
    """Columns that identify one set of replicates (a sweep point, or the one run)."""
    keys = ["scenario"] if "scenario" in df.columns else []
    keys += ["point"] if "point" in df.columns else swept_columns(df)
    return keys


def final_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the last recorded step of each set of replicates."""
    keys = unit_keys(df)
    if not keys:
        return df[df["step"] == df["step"].max()]
    last = df.groupby(keys, observed=True, dropna=False)["step"].transform("max")
    return df[df["step"] == last]


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


# ---------------------------------------------------------------- outcomes


def outcome_probabilities(traj: pd.DataFrame, config: dict | None = None,
                          by: list[str] | None = None, level: float = LEVEL) -> pd.DataFrame:
    """Share of runs ending in each posture, per scenario (and `by` columns) and actor.

    Columns: scenario, *by, actor, posture, count, runs, p, lo, hi (Wilson interval).
    Runs of all sweep points of a scenario are pooled unless `by` names the swept columns.
    """
    df = final_rows(with_scenario(traj, config))
    keys = ["scenario", *(by or [])]
    order = postures(traj)
    cols = [*keys, "actor"]
    counts = (df.assign(posture=df["posture"].astype(str))
              .groupby([*cols, "posture"], observed=True, sort=False).size()
              .unstack("posture", fill_value=0))
    counts = counts.reindex(columns=order, fill_value=0)
    runs = counts.sum(axis=1)
    long = counts.stack().rename("count").reset_index()
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


def join_probabilities(mem: pd.DataFrame, config: dict | None = None,
                       level: float = LEVEL) -> pd.DataFrame:
    """Share of runs in which each actor is a member of each platform at the end."""
    df = final_rows(with_scenario(mem, config))
    keys = ["scenario", "actor", "platform"]
    runs = df[[*unit_keys(df), "run"]].drop_duplicates().groupby(
        "scenario", observed=True).size()
    runs.index = runs.index.astype(str)
    members = (df["status"].astype(str) == "member")
    out = df.assign(member=members).groupby(keys, observed=True)["member"].sum().reset_index()
    out["runs"] = out["scenario"].astype(str).map(runs).astype(int)
    out["p"] = out["member"] / out["runs"]
    out["lo"], out["hi"] = wilson(out["member"], out["runs"], level)
    for c in keys:
        out[c] = out[c].astype(str)
    return out


def platform_final(plat: pd.DataFrame, config: dict | None = None) -> pd.DataFrame:
    """Final viability and depth per scenario and platform: mean, 5% and 95% quantiles."""
    df = final_rows(with_scenario(plat, config))
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


def alignment_bands(traj: pd.DataFrame, config: dict | None = None,
                    quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each state's weight on each pole, per scenario and date.

    Columns: scenario, actor, date, pole, q05, q25, q50, q75, q95.
    """
    columns = {pole: ALIGN_PREFIX + pole for pole in poles(traj)}
    return _long_bands(with_scenario(traj, config), "actor", "pole", columns, quantiles)


def platform_bands(plat: pd.DataFrame, config: dict | None = None,
                   quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
    """Quantiles over runs of each platform's viability and depth, per scenario and date.

    Columns: scenario, platform, date, measure, q05 ... q95.
    """
    columns = {"viability": "viability", "depth": "depth"}
    return _long_bands(with_scenario(plat, config), "platform", "measure", columns, quantiles)


def _long_bands(df: pd.DataFrame, key: str, kind: str, columns: dict[str, str],
                quantiles: tuple[float, ...]) -> pd.DataFrame:
    """Bands of several columns stacked long, with `kind` naming the column's label."""
    parts = []
    for name, column in columns.items():
        b = _bands(df, ["scenario", key, "date"], column, quantiles)
        b.insert(3, kind, name)
        parts.append(b)
    out = pd.concat(parts, ignore_index=True)
    out["scenario"] = out["scenario"].astype(str)
    out[key] = out[key].astype(str)
    return out


# ---------------------------------------------------------------- sweeps


def sweep_grid(traj: pd.DataFrame, x: str, y: str, actor: str, posture: str,
               level: float = LEVEL) -> pd.DataFrame:
    """P(actor ends in posture) at each (x, y) of a sweep, pooled over any other swept
    column. Columns: x, y, count, runs, p, lo, hi."""
    for col in (x, y):
        if col not in traj.columns:
            raise ValueError(f"column {col!r} not in the data (swept columns: "
                             f"{', '.join(swept_columns(traj)) or 'none'})")
    df = final_rows(traj)
    df = df[df["actor"].astype(str) == actor]
    if df.empty:
        raise ValueError(f"actor {actor!r} not in the data")
    hit = df["posture"].astype(str) == posture
    g = df.assign(hit=hit).groupby([x, y], observed=True)["hit"]
    out = pd.DataFrame({"count": g.sum(), "runs": g.size()}).reset_index()
    out["p"] = out["count"] / out["runs"]
    out["lo"], out["hi"] = wilson(out["count"], out["runs"], level)
    return out


def most_variable_outcome(traj: pd.DataFrame, by: list[str]) -> tuple[str, str]:
    """The (actor, posture) whose probability varies most across the `by` groups."""
    probs = outcome_probabilities(traj, by=by)
    spread = probs.groupby(["actor", "posture"])["p"].agg(lambda s: s.max() - s.min())
    actor, posture = spread.idxmax()
    return str(actor), str(posture)


# ---------------------------------------------------------------- network


def network_snapshot(traj: pd.DataFrame, mem: pd.DataFrame | None = None,
                     date: str | pd.Timestamp | None = None,
                     scenario: str | None = None) -> dict:
    """Mean alignment of each state on each pole, modal membership status of each state in
    each platform and each state's modal posture, at one date (default: the last).

    Returns {"date", "alignment" (actor x pole), "status" (actor x platform, or None),
    "share" (actor x platform: share of runs at the modal status), "posture", "runs"}.
    """
    df = traj
    if scenario is not None and "scenario" in df.columns:
        df = df[df["scenario"].astype(str) == scenario]
    dates = pd.DatetimeIndex(pd.unique(df["date"])).sort_values()
    when = dates[-1] if date is None else dates[dates.get_indexer(
        [pd.Timestamp(date)], method="nearest")[0]]
    at = df[df["date"] == when]
    cols = [ALIGN_PREFIX + p for p in poles(traj)]
    alignment = at.groupby("actor", observed=True)[cols].mean()
    alignment.columns = poles(traj)
    alignment.index = alignment.index.astype(str)
    posture = at.groupby("actor", observed=True)["posture"].agg(
        lambda s: s.astype(str).value_counts().idxmax())
    posture.index = posture.index.astype(str)
    status = share = None
    if mem is not None and len(mem):
        m = mem
        if scenario is not None and "scenario" in m.columns:
            m = m[m["scenario"].astype(str) == scenario]
        m = m[m["date"] == when]
        counts = (m.assign(status=m["status"].astype(str), actor=m["actor"].astype(str),
                           platform=m["platform"].astype(str))
                  .groupby(["actor", "platform", "status"]).size())
        total = counts.groupby(level=[0, 1]).sum()
        top = counts.groupby(level=[0, 1]).idxmax().map(lambda k: k[2])
        status = top.unstack("platform")
        share = (counts.groupby(level=[0, 1]).max() / total).unstack("platform")
    runs = len(at[[*unit_keys(at), "run"]].drop_duplicates())
    return {"date": when, "alignment": alignment, "status": status, "share": share,
            "posture": posture, "runs": runs}
