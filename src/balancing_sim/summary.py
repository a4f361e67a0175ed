"""`summary.json`: computed in the workers, chunk by chunk, and combined exactly.

A chunk's share of the summary (`Part`) is counts, which add, plus each run's final
viability of each platform (one float per run and platform, a few MB for 10^6 runs),
from which the parent takes the mean and quantiles over all runs in run order, so the
summary does not depend on chunking, workers or backend. Nothing in it depends on the
clock (timing goes to `timing.json`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .config.schema import NONALIGNED, STATUSES

if TYPE_CHECKING:
    import pandas as pd

    from .records import Records

MEMBER = STATUSES.index("member")


@dataclass(frozen=True)
class Names:
    """The ids the summary is keyed by, in config order."""

    actors: tuple[str, ...]
    postures: tuple[str, ...]
    platforms: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """The summary of a block of whole runs."""

    first: int                # first run of the block (parts combine in run order)
    postures: np.ndarray      # (N, P+1) runs ending in each posture
    joins: np.ndarray         # (N, K) runs in which the state was a member at some step
    final_viability: np.ndarray  # (R, K) each run's final viability

    @property
    def runs(self) -> int:
        return len(self.final_viability)

    def to_json(self) -> dict:
        v = np.ascontiguousarray(self.final_viability, dtype="<f8")
        return {"first": self.first, "postures": self.postures.tolist(),
                "joins": self.joins.tolist(), "final_viability": {
                    "shape": list(v.shape), "f8": base64.b64encode(v.tobytes()).decode()}}

    @staticmethod
    def from_json(data: dict) -> Part:
        v = data["final_viability"]
        values = np.frombuffer(base64.b64decode(v["f8"]), dtype="<f8").reshape(v["shape"])
        return Part(int(data["first"]), np.asarray(data["postures"], dtype=np.int64),
                    np.asarray(data["joins"], dtype=np.int64), values)


def part(rec: Records) -> Part:
    """A block's summary from the engine's records (every recorded step of its runs)."""
    R, _, N, P1 = rec.align.shape
    final = rec.align[:, -1].argmax(axis=-1)                            # (R, N)
    postures = np.bincount((np.arange(N) * P1 + final).reshape(-1),
                           minlength=N * P1).reshape(N, P1)
    joins = (rec.status == MEMBER).any(axis=1).sum(axis=0)             # (N, K)
    return Part(int(rec.runs[0]) if R else 0, postures, joins.astype(np.int64),
                rec.viability[:, -1].copy())


def combine(parts: Iterable[Part], names: Names) -> dict:
    """Per actor: share of runs ending in each posture and P(member of each platform at
    some recorded step); per platform: mean, 5% and 95% of the final viability."""
    parts = sorted(parts, key=lambda p: p.first)
    runs = sum(p.runs for p in parts)
    N, P1, K = len(names.actors), len(names.postures), len(names.platforms)
    postures = sum((p.postures for p in parts), np.zeros((N, P1), dtype=np.int64))
    joins = sum((p.joins for p in parts), np.zeros((N, K), dtype=np.int64))
    share = max(runs, 1)
    actors = {a: {"posture": {p: float(postures[i, j]) / share
                              for j, p in enumerate(names.postures)},
                  "joins": {k: float(joins[i, c]) / share for c, k in enumerate(names.platforms)}}
              for i, a in enumerate(names.actors)}
    final = (np.concatenate([p.final_viability for p in parts]) if parts
             else np.empty((0, K)))
    platforms = {}
    if len(final):
        for c, k in enumerate(names.platforms):
            v = final[:, c]
            platforms[k] = {"viability": {"mean": float(v.mean()),
                                          "p05": float(np.quantile(v, 0.05)),
                                          "p95": float(np.quantile(v, 0.95))}}
    return {"runs": int(runs), "actors": actors, "platforms": platforms,
            "nonaligned_label": NONALIGNED}


def from_frames(traj: pd.DataFrame, mem: pd.DataFrame, plat: pd.DataFrame) -> dict:
    """The same summary from the contract's tables of one run directory (pandas)."""
    import pandas as pd

    if not len(traj):
        return {}
    names = Names(tuple(map(str, traj["actor"].cat.categories)),
                  tuple(map(str, traj["posture"].cat.categories)),
                  tuple(map(str, mem["platform"].cat.categories)))
    last = traj[traj["step"] == traj["step"].max()]
    postures = pd.crosstab(pd.Categorical(last["actor"].astype(str), names.actors),
                           pd.Categorical(last["posture"].astype(str), names.postures),
                           dropna=False)
    member = mem[mem["status"].astype(str) == STATUSES[MEMBER]]
    ever = member[["run", "actor", "platform"]].astype(str).drop_duplicates()
    joins = pd.crosstab(pd.Categorical(ever["actor"], names.actors),
                        pd.Categorical(ever["platform"], names.platforms), dropna=False)
    final = plat[plat["step"] == plat["step"].max()]
    viability = final.pivot_table(index="run", columns="platform", values="viability",
                                  observed=False, sort=True).reindex(columns=list(names.platforms))
    whole = Part(int(traj["run"].min()), postures.to_numpy(), joins.to_numpy(),
                 viability.to_numpy(dtype=float))
    return combine([whole], names)


def table(summary: dict) -> list[tuple[str, dict[str, float]]]:
    """(actor, {posture: share}) rows, for printing."""
    return [(a, v["posture"]) for a, v in summary.get("actors", {}).items()]
