"""`summary.json`: computed in the workers, chunk by chunk, and combined exactly.

A chunk's share of the summary (`Part`) is counts, which add, plus each run's final
values (posture, hedging index, bloc membership, viability of each platform, and the
posterior draw it used): a few bytes per run and state, from which the parent takes
shares, means, quantiles and the split of variance over all runs in run order, so the
summary does not depend on chunking, workers or backend. Nothing in it depends on the
clock (timing goes to `timing.json`).

The split of variance (when runs carry a posterior `draw`) is the law of total
variance over runs, with population moments, so it holds exactly:
Var(Y) = Var_d(E[Y | d]) + E_d[Var(Y | d)] — the spread from the parameters (how far
the draws' means lie apart) plus the spread from chance (events and noise within a
draw), each draw weighted by its runs.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .config.schema import NONALIGNED, STATUSES
from .contract import STORED_TYPE, stored
from .measures import hedging_from_poles, hedging_index, in_bloc

if TYPE_CHECKING:
    import pandas as pd

    from .records import Records
    from .world import Structure

MEMBER = STATUSES.index("member")
QUANTILES = (("p05", 0.05), ("p95", 0.95))


@dataclass(frozen=True)
class Names:
    """The ids the summary is keyed by, in config order."""

    actors: tuple[str, ...]
    postures: tuple[str, ...]
    platforms: tuple[str, ...]


def _encode(values: np.ndarray, dtype: str) -> dict:
    v = np.ascontiguousarray(values, dtype=dtype)
    return {"shape": list(v.shape), dtype.lstrip("<|"): base64.b64encode(v.tobytes()).decode()}


def _decode(data: dict | None, dtype: str) -> np.ndarray | None:
    if data is None:
        return None
    raw = base64.b64decode(data[dtype.lstrip("<|")])
    return np.frombuffer(raw, dtype=dtype).reshape(data["shape"]).copy()


# the per-run arrays of a Part, by attribute, with their dtype in a marker
_ARRAYS = {"final_viability": "<f8", "final_posture": "|i1", "final_hedging": "<f4",
           "bloc_end": "|b1", "bloc_ever": "|b1", "draw": "<i4"}


@dataclass(frozen=True)
class Part:
    """The summary of a block of whole runs (per-run arrays in run order)."""

    first: int                   # first run of the block (parts combine in run order)
    joins: np.ndarray            # (N, K) runs in which the state was a member at some step
    final_viability: np.ndarray  # (R, K) each run's final viability (as in the tables)
    final_posture: np.ndarray    # (R, N) int8 index of each state's final posture
    final_hedging: np.ndarray    # (R, N) final hedging index (as in the tables)
    bloc_end: np.ndarray | None = None   # (R, N) in a bloc at the last recorded step
    bloc_ever: np.ndarray | None = None  # (R, N) in a bloc at some recorded step
    draw: np.ndarray | None = None       # (R,) posterior draw of each run

    @property
    def runs(self) -> int:
        return len(self.final_viability)

    def to_json(self) -> dict:
        out: dict = {"first": self.first, "joins": self.joins.tolist()}
        for name, dtype in _ARRAYS.items():
            value = getattr(self, name)
            if value is not None:
                out[name] = _encode(value, dtype)
        return out

    @staticmethod
    def from_json(data: dict) -> Part:
        arrays = {name: _decode(data.get(name), dtype) for name, dtype in _ARRAYS.items()}
        return Part(int(data["first"]), np.asarray(data["joins"], dtype=np.int64), **arrays)


def part(rec: Records, structure: Structure | None = None) -> Part:
    """A block's summary from the engine's records (every recorded step of its runs);
    with the world's structure, bloc membership too."""

    R = len(rec.runs)
    joins = (rec.status == MEMBER).any(axis=1).sum(axis=0)             # (N, K)
    final = rec.align[:, -1]                                           # (R, N, P+1)
    bloc = None if structure is None else in_bloc(rec.status, structure.bloc)  # (R, M, N)
    return Part(int(rec.runs[0]) if R else 0, joins.astype(np.int64),
                stored(rec.viability[:, -1]).astype(np.float64),
                final.argmax(axis=-1).astype(np.int8), stored(hedging_index(final)),
                None if bloc is None else bloc[:, -1].copy(),
                None if bloc is None else bloc.any(axis=1),
                None if rec.draw is None else np.asarray(rec.draw, dtype=np.int32))


# ---------------------------------------------------------------- combining


def split(n: np.ndarray, mean: np.ndarray, within: np.ndarray) -> dict[str, np.ndarray]:
    """Law of total variance from groups (draws): runs `n` (D,), means and population
    variances within each group (D, ...). Returns the overall mean and variance, and
    its parts: `parameter` (variance of the group means, weighted by runs) and `chance`
    (mean variance within a group); variance = parameter + chance exactly."""
    n = np.asarray(n, dtype=np.float64)
    w = (n / max(n.sum(), 1.0)).reshape((-1,) + (1,) * (np.ndim(mean) - 1))
    overall = (w * mean).sum(axis=0)
    parameter = (w * (mean - overall) ** 2).sum(axis=0)
    chance = (w * within).sum(axis=0)
    return {"mean": overall, "variance": parameter + chance, "parameter": parameter,
            "chance": chance}


def split_by_group(values: np.ndarray, groups: np.ndarray) -> dict[str, np.ndarray]:
    """`split` of per-run values (R, ...) over the groups (R,) they belong to (two
    passes per column: the groups' means, then squared deviations from them)."""
    codes, index = np.unique(groups, return_inverse=True)
    flat = np.asarray(values).reshape(len(index), -1)
    n = np.bincount(index, minlength=len(codes)).astype(np.float64)
    mean = np.empty((len(codes), flat.shape[1]))
    within = np.empty_like(mean)
    for j in range(flat.shape[1]):
        column = flat[:, j].astype(np.float64)
        mean[:, j] = np.bincount(index, column, len(codes)) / n
        within[:, j] = np.bincount(index, (column - mean[index, j]) ** 2, len(codes)) / n
    shape = (len(codes), *np.shape(values)[1:])
    return split(n, mean.reshape(shape), within.reshape(shape))


def split_of_codes(codes: np.ndarray, groups: np.ndarray, n_codes: int) -> dict[str, np.ndarray]:
    """`split` of the indicators `codes == c` for every c < n_codes (codes (R, N) per
    run and item): from counts, the variance of a share p being p(1 - p)."""
    _, index = np.unique(groups, return_inverse=True)
    D = int(index.max()) + 1 if len(index) else 0
    n = np.bincount(index, minlength=D).astype(np.float64)
    flat = np.asarray(codes).reshape(len(index), -1).astype(np.int64)
    counts = np.stack([np.bincount(index * n_codes + flat[:, j], minlength=D * n_codes)
                       .reshape(D, n_codes) for j in range(flat.shape[1])], axis=1)
    mean = counts / n[:, None, None]                     # (D, items, n_codes)
    shape = (D, *np.shape(codes)[1:], n_codes)
    return split(n, mean.reshape(shape), (mean * (1 - mean)).reshape(shape))


def _stacked(parts: list[Part], attr: str, shape: tuple[int, ...], dtype) -> np.ndarray | None:
    arrays = [getattr(p, attr) for p in parts]
    if any(a is None for a in arrays):
        return None
    return np.concatenate(arrays) if arrays else np.empty(shape, dtype=dtype)


def _moments(values: np.ndarray) -> dict[str, float]:
    out = {"mean": float(values.mean())}
    out.update({name: float(np.quantile(values, q)) for name, q in QUANTILES})
    return out


def _components(parts: dict[str, np.ndarray], at: tuple) -> dict[str, float]:
    return {k: float(v[at]) for k, v in parts.items()}


def combine(parts: Iterable[Part], names: Names) -> dict:
    """Per actor: share of runs ending in each posture, P(member of each platform at
    some recorded step), the final hedging index (mean, 5%, 95%), P(in a bloc at the
    end) and P(in a bloc at some recorded step); per platform: mean, 5% and 95% of the
    final viability; with posterior draws, the split of each outcome's variance into
    parameter and chance (`spread`)."""
    parts = sorted(parts, key=lambda p: p.first)
    runs = sum(p.runs for p in parts)
    N, P1, K = len(names.actors), len(names.postures), len(names.platforms)
    joins = sum((p.joins for p in parts), np.zeros((N, K), dtype=np.int64))
    posture = _stacked(parts, "final_posture", (0, N), np.int8)
    hedging = _stacked(parts, "final_hedging", (0, N), STORED_TYPE).astype(np.float64)
    final = _stacked(parts, "final_viability", (0, K), np.float64)
    bloc_end = _stacked(parts, "bloc_end", (0, N), bool)
    bloc_ever = _stacked(parts, "bloc_ever", (0, N), bool)
    counts = np.stack([np.bincount(posture[:, i], minlength=P1) for i in range(N)]) if N else (
        np.zeros((0, P1), dtype=np.int64))
    share = max(runs, 1)
    actors = {}
    for i, a in enumerate(names.actors):
        entry = {"posture": {p: float(counts[i, j]) / share for j, p in enumerate(names.postures)},
                 "joins": {k: float(joins[i, c]) / share for c, k in enumerate(names.platforms)}}
        if runs:
            entry["hedging"] = _moments(hedging[:, i])
        if bloc_end is not None and bloc_ever is not None:
            entry["in_bloc"] = {"end": float(bloc_end[:, i].sum()) / share,
                                "ever": float(bloc_ever[:, i].sum()) / share}
        actors[a] = entry
    platforms = {}
    if len(final):
        for c, k in enumerate(names.platforms):
            platforms[k] = {"viability": _moments(final[:, c])}
    out = {"runs": int(runs), "actors": actors, "platforms": platforms,
           "nonaligned_label": NONALIGNED}
    draw = _stacked(parts, "draw", (0,), np.int32)
    if draw is not None and runs:
        out["spread"] = spread(names, draw, posture, hedging, final, bloc_end, bloc_ever)
    return out


def spread(names: Names, draw: np.ndarray, posture: np.ndarray, hedging: np.ndarray,
           viability: np.ndarray, bloc_end: np.ndarray | None,
           bloc_ever: np.ndarray | None) -> dict:
    """Each outcome's variance over runs split into parameter and chance (see `split`),
    with the number of draws and of runs per draw."""
    P1 = len(names.postures)
    per_draw = np.bincount(np.unique(draw, return_inverse=True)[1])
    postures = split_of_codes(posture, draw, P1)                              # (N, P1)
    hedge = split_by_group(hedging, draw)
    blocs = {name: split_by_group(values, draw) for name, values in
             (("in_bloc_end", bloc_end), ("ever_in_bloc", bloc_ever)) if values is not None}
    actors = {}
    for i, a in enumerate(names.actors):
        entry = {"posture": {p: _components(postures, (i, j))
                             for j, p in enumerate(names.postures)},
                 "hedging": _components(hedge, (i,))}
        entry.update({name: _components(parts, (i,)) for name, parts in blocs.items()})
        actors[a] = entry
    via = split_by_group(viability, draw)
    return {"draws": len(per_draw),
            "runs_per_draw": {"min": int(per_draw.min()), "max": int(per_draw.max())},
            "actors": actors,
            "platforms": {k: {"viability": _components(via, (c,))}
                          for c, k in enumerate(names.platforms)}}


# ---------------------------------------------------------------- from tables


def _per_run(df: pd.DataFrame, values: str, names: tuple[str, ...]) -> np.ndarray:
    """(R, N) of one column of rows keyed by (run, actor), runs sorted."""
    wide = df.pivot_table(index="run", columns="actor", values=values, observed=False,
                          sort=True, aggfunc="first")
    return wide.reindex(columns=list(names)).to_numpy()


def from_frames(traj: pd.DataFrame, mem: pd.DataFrame, plat: pd.DataFrame) -> dict:
    """The same summary from the contract's tables of one run directory (pandas)."""
    import pandas as pd

    if not len(traj):
        return {}
    names = Names(tuple(map(str, traj["actor"].cat.categories)),
                  tuple(map(str, traj["posture"].cat.categories)),
                  tuple(map(str, mem["platform"].cat.categories)))
    traj = traj.assign(actor=traj["actor"].astype(str))
    if "hedging" not in traj:
        poles = [c for c in traj.columns if c.startswith("align_")]
        traj["hedging"] = stored(hedging_from_poles(traj[poles].to_numpy()))
    last = traj[traj["step"] == traj["step"].max()]
    code = pd.Categorical(last["posture"].astype(str), names.postures).codes
    posture = _per_run(last.assign(code=code), "code", names.actors).astype(np.int8)
    hedging = _per_run(last, "hedging", names.actors).astype(STORED_TYPE)
    bloc_end = bloc_ever = None
    if "in_bloc" in traj:
        bloc_end = _per_run(last, "in_bloc", names.actors).astype(bool)
        ever = traj.groupby(["run", "actor"], observed=True)["in_bloc"].any().reset_index()
        bloc_ever = _per_run(ever, "in_bloc", names.actors).astype(bool)
    member = mem[mem["status"].astype(str) == STATUSES[MEMBER]]
    ever_member = member[["run", "actor", "platform"]].astype(str).drop_duplicates()
    joins = pd.crosstab(pd.Categorical(ever_member["actor"], names.actors),
                        pd.Categorical(ever_member["platform"], names.platforms), dropna=False
                        ).reindex(index=names.actors, columns=names.platforms, fill_value=0)
    runs = np.unique(traj["run"])  # every run, also in a world without platforms
    final = plat[plat["step"] == plat["step"].max()]
    viability = final.pivot_table(index="run", columns="platform", values="viability",
                                  observed=False, sort=True
                                  ).reindex(index=runs, columns=list(names.platforms))
    draw = None
    if "draw" in traj:
        draw = last.groupby("run")["draw"].first().sort_index().to_numpy(np.int32)
    whole = Part(int(traj["run"].min()), joins.to_numpy().astype(np.int64),
                 viability.to_numpy(dtype=float), posture, hedging, bloc_end, bloc_ever, draw)
    return combine([whole], names)


# ---------------------------------------------------------------- printing


def table(summary: dict) -> list[tuple[str, dict[str, float]]]:
    """(actor, {posture: share}) rows, for printing."""
    return [(a, v["posture"]) for a, v in summary.get("actors", {}).items()]


def lines(summary: dict) -> list[str]:
    """What a run prints besides its postures: each state's final hedging index and
    bloc membership, and (with posterior draws) how much of each outcome's spread comes
    from the parameters."""
    actors = summary.get("actors", {})
    if not actors or "hedging" not in next(iter(actors.values())):
        return []
    width = max(len(a) for a in actors)
    out = ["", "Hedging index at the end (0 one side ... 1 even; mean [5%, 95%]) and bloc "
           "membership (% of runs):",
           f"{'':<{width}}  {'hedging':>18}  {'in bloc at end':>14}  {'ever in bloc':>12}"]
    for a, v in actors.items():
        h = v["hedging"]
        bloc = v.get("in_bloc", {})
        end = f"{100 * bloc['end']:.0f}" if bloc else "-"
        ever = f"{100 * bloc['ever']:.0f}" if bloc else "-"
        hedging = f"{h['mean']:.2f} [{h['p05']:.2f}, {h['p95']:.2f}]"
        out.append(f"{a:<{width}}  {hedging:>18}  {end:>14}  {ever:>12}")
    spread_ = summary.get("spread")
    if spread_:
        low, high = spread_["runs_per_draw"]["min"], spread_["runs_per_draw"]["max"]
        if low < 2:  # one run of a draw has no chance variance to measure
            return [*out, "", f"Spread from parameters vs chance: not shown, some of the "
                    f"{spread_['draws']} posterior draws have a single run (at least 2 runs "
                    "per draw are needed to tell chance from the parameters: runs >= 2 x "
                    "draws)"]
        out += ["", f"Spread from parameters vs chance ({spread_['draws']} posterior draws, "
                f"{low if low == high else f'{low}-{high}'} runs each): share of each "
                "outcome's variance due to the parameters"]
        for a, v in spread_["actors"].items():
            items = [(f"ends {p}", c) for p, c in v["posture"].items() if c["variance"] > 0]
            items += [(k.replace("_", " "), v[k]) for k in ("hedging", "in_bloc_end")
                      if k in v and v[k]["variance"] > 0]
            text = ", ".join(f"{name} {100 * c['parameter'] / c['variance']:.0f}%"
                             for name, c in items)
            out.append(f"{a:<{width}}  {text or 'no spread'}")
    return out
