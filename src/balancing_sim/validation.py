"""Pattern-oriented validation: checks of model output against observed patterns.

Patterns are data (conf/validation/*.yaml); this module evaluates them on arrays
of recorded runs, built either from the engine's records or from any results
that follow the output contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .config.schema import NONALIGNED, STATUSES
from .config.validate import month_index, month_text
from .records import Records
from .world import Compiled


@dataclass(frozen=True)
class Panel:
    """Recorded runs as arrays, with the names needed to read them."""

    states: tuple[str, ...]
    poles: tuple[str, ...]
    platforms: tuple[str, ...]
    months: np.ndarray        # (M,) month index of each recorded step
    align: np.ndarray         # (R, M, N, P+1)
    status: np.ndarray        # (R, M, N, K)
    viability: np.ndarray     # (R, M, K)
    depth: np.ndarray         # (R, M, K)
    pole_members: dict[str, set[str]]  # platform -> poles sitting in it
    blocs: tuple[str, ...] = ()        # platforms marked `bloc: true` (when known)

    @staticmethod
    def from_records(rec: Records, compiled: Compiled) -> Panel:
        st = compiled.structure
        members = {k: {st.poles[p] for p in np.flatnonzero(st.pole_members[i])}
                   for i, k in enumerate(st.platforms)}
        blocs = tuple(k for k, flag in zip(st.platforms, st.bloc, strict=True) if flag)
        return Panel(st.states, st.poles, st.platforms, compiled.start_month + rec.steps,
                     rec.align, rec.status, rec.viability, rec.depth, members, blocs)

    @staticmethod
    def from_frames(traj: pd.DataFrame, mem: pd.DataFrame, plat: pd.DataFrame,
                    pole_members: dict[str, set[str]]) -> Panel:
        poles = tuple(c[len("align_"):] for c in traj.columns if c.startswith("align_"))
        states = tuple(str(a) for a in pd.unique(traj["actor"]))
        platforms = tuple(str(k) for k in pd.unique(plat["platform"]))
        runs, steps = np.unique(traj["run"]), np.unique(traj["step"])
        R, M, N, P, K = len(runs), len(steps), len(states), len(poles), len(platforms)
        t = traj.sort_values(["run", "step", "actor"], key=_order(states))
        weights = t[[f"align_{p}" for p in poles]].to_numpy(np.float64).reshape(R, M, N, P)
        align = np.concatenate([weights, 1.0 - weights.sum(-1, keepdims=True)], axis=-1)
        m = mem.sort_values(["run", "step", "actor", "platform"], key=_order(states, platforms))
        codes = pd.Categorical(m["status"].astype(str), categories=STATUSES).codes
        p = plat.sort_values(["run", "step", "platform"], key=_order(platforms))
        dates = pd.to_datetime(t["date"].to_numpy().reshape(R, M, N)[0, :, 0])
        months = np.array([d.year * 12 + d.month - 1 for d in dates])
        return Panel(states, poles, platforms, months, align,
                     codes.reshape(R, M, N, K), p["viability"].to_numpy().reshape(R, M, K),
                     p["depth"].to_numpy().reshape(R, M, K), pole_members)


def _order(*name_lists: tuple[str, ...]):
    rank = {n: i for names in name_lists for i, n in enumerate(names)}

    def key(col: pd.Series) -> pd.Series:
        if col.name in ("actor", "platform"):
            return col.astype(str).map(rank)
        return col
    return key


def _window(panel: Panel, window: list[str] | str) -> np.ndarray:
    """Boolean mask of recorded steps inside [from, to] (inclusive)."""
    low, high = (window, window) if isinstance(window, str) else window
    lo = panel.months[-1] if low == "end" else month_index(low)
    hi = panel.months[-1] if high == "end" else month_index(high)
    mask = (panel.months >= lo) & (panel.months <= hi)
    if not mask.any():  # no recorded step inside: take the nearest one
        mask[np.argmin(np.abs(panel.months - lo))] = True
    return mask


def check(panel: Panel, spec: dict) -> np.ndarray:
    """(R,) bool: does the check hold in each run?"""
    kind = spec["check"]
    idx = [panel.states.index(s) for s in spec.get("states", [])]
    postures = (*panel.poles, NONALIGNED)
    if kind == "posture_at":
        at = _window(panel, spec["date"])
        last = np.flatnonzero(at)[-1]
        allowed = [postures.index(p) for p in spec["posture"]]
        chosen = panel.align[:, last][:, idx].argmax(-1)
        return np.isin(chosen, allowed).all(axis=1)
    if kind == "posture_share":
        at = _window(panel, [spec["from"], spec["to"]])
        chosen = panel.align[:, at][:, :, idx].argmax(-1) == postures.index(spec["posture"])
        return (chosen.mean(axis=1) >= spec["at_least"]).all(axis=1)
    if kind == "never_status":
        names = spec.get("platforms") or [
            k for k, poles in panel.pole_members.items() if spec["platforms_with_pole"] in poles]
        ks = [panel.platforms.index(k) for k in names]
        level = STATUSES.index(spec["status"])
        at = _window(panel, [spec.get("from", str(month_text(panel.months[0]))),
                             spec.get("to", "end")])
        reached = panel.status[:, at][:, :, idx][..., ks] >= level
        return ~reached.any(axis=(1, 2, 3))
    if kind == "status_at":
        at = np.flatnonzero(_window(panel, spec["date"]))[-1]
        k = panel.platforms.index(spec["platform"])
        return (panel.status[:, at, idx, k] >= STATUSES.index(spec["status"])).all(axis=1)
    if kind == "weight_change":
        p = panel.poles.index(spec["pole"])
        w = panel.align[:, :, idx, p].mean(axis=2)
        after, before = _window(panel, spec["to"]), _window(panel, spec["from"])
        change = w[:, after].mean(1) - w[:, before].mean(1)
        return change > spec["by"] if spec["direction"] == "up" else change < -spec["by"]
    if kind == "platform_change":
        k = panel.platforms.index(spec["platform"])
        series = (panel.viability if spec["measure"] == "viability" else panel.depth)[:, :, k]
        stat = np.max if spec.get("stat") == "max" else np.mean
        before = stat(series[:, _window(panel, spec["from"])], axis=1)
        after = series[:, _window(panel, spec["to"])].mean(axis=1)
        change = after - before
        return change > spec["by"] if spec["direction"] == "up" else change < -spec["by"]
    raise ValueError(f"unknown pattern check {kind!r}")


def holds(panel: Panel, pattern: dict) -> np.ndarray:
    """(R,) bool: do all of the pattern's checks hold in each run?"""
    return np.logical_and.reduce([check(panel, c) for c in pattern["checks"]])


def evaluate(panel: Panel, patterns: dict) -> dict[str, np.ndarray]:
    """(R,) bool per pattern: all of its checks hold in the run."""
    return {name: holds(panel, spec) for name, spec in patterns["patterns"].items()}


def pass_rates(panel: Panel, patterns: dict) -> dict[str, float]:
    return {name: float(ok.mean()) for name, ok in evaluate(panel, patterns).items()}


def load_patterns(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)
