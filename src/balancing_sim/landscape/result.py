"""A world's landscape: its local minima with basins and, when the world records the
observed alignment, how many actors each minimum places as observed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .dynamics import Order, _rng, anneal, basins
from .energy import EXHAUSTIVE_LIMIT, local_minima, row_energies
from .files import LandscapeWorld, load_world


@dataclass(frozen=True)
class LandscapeResult:
    """Minima of a world's landscape with basins and, if known, agreement with history."""

    world: LandscapeWorld
    method: str  # "exhaustive" or "annealing"
    blocs: np.ndarray  # (K, n) minima, canonical, sorted by energy (0 = global minimum)
    energies: np.ndarray
    basin_sizes: np.ndarray
    n_starts: int
    order: str
    correct: np.ndarray | None  # (K,) actors placed as observed (best bloc labelling)

    @property
    def global_min(self) -> np.ndarray:
        return self.blocs[0]

    @property
    def basin_fractions(self) -> np.ndarray:
        return self.basin_sizes / self.n_starts

    def sides(self, k: int = 0) -> tuple[list[str], list[str]]:
        """Actor names in each bloc of minimum k, labelled to best match the observation."""
        b = self._aligned(k)
        names = np.array(self.world.names)
        return names[b == 0].tolist(), names[b == 1].tolist()

    def misplaced(self, k: int = 0) -> list[str]:
        if self.world.observed is None:
            return []
        return np.array(self.world.names)[self._aligned(k) != self.world.observed].tolist()

    def _aligned(self, k: int) -> np.ndarray:
        b = self.blocs[k]
        obs = self.world.observed
        if obs is not None and int(np.sum(b == obs)) < int(np.sum((1 - b) == obs)):
            return (1 - b).astype(np.int8)
        return b

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        k = self.blocs.shape[0] if top is None else min(top, self.blocs.shape[0])
        la, lb = self.world.observed_labels
        out: dict[str, Any] = {
            "title": self.world.title,
            "n_actors": self.world.n,
            "method": self.method,
            "move_order": self.order,
            "n_starts": self.n_starts,
            "energy_convention": "E = sum_i sum_j s_i s_j p_ij d_ij over ordered pairs",
            "n_minima": int(self.blocs.shape[0]),
            "minima": [],
        }
        for i in range(k):
            a, b = self.sides(i)
            m = {
                "rank": i + 1,
                "energy": float(self.energies[i]),
                "basin_size": int(self.basin_sizes[i]),
                "basin_fraction": float(self.basin_fractions[i]),
                la: a,
                lb: b,
            }
            if self.correct is not None:
                m["correct"] = int(self.correct[i])
                m["misplaced"] = self.misplaced(i)
            out["minima"].append(m)
        return out


def analyze(
    world: LandscapeWorld | str | Path,
    order: Order = "greedy",
    n_starts: int | None = None,
    rng: np.random.Generator | int | None = 0,
) -> LandscapeResult:
    """Exhaustive landscape for n <= EXHAUSTIVE_LIMIT, simulated annealing above.

    Exhaustive: all local minima and basins from every split.  Annealing: the
    distinct minima found by annealing plus the minima reached from
    ``n_starts`` (default 4096) random starts; basins are counted on those starts.
    """
    if not isinstance(world, LandscapeWorld):
        world = load_world(world)
    s, p = world.sizes, world.propensity
    if world.n <= EXHAUSTIVE_LIMIT and n_starts is None:
        lm = local_minima(s, p)
        br = basins(s, p, order=order, rng=rng)
        method = "exhaustive"
        blocs, energies = lm.blocs, lm.energies
    else:
        gen = _rng(rng)
        ar = anneal(s, p, rng=gen)
        br = basins(s, p, n_starts=n_starts or 4096, order=order, rng=gen)
        method = "annealing"
        allb = np.concatenate([ar.blocs, br.blocs])
        blocs, first = np.unique(allb, axis=0, return_index=True)
        blocs = allb[np.sort(first)]
        energies = row_energies(p * s[None, :], s, 1.0 - 2.0 * blocs)
        srt = np.argsort(energies, kind="stable")
        blocs, energies = blocs[srt], energies[srt]
    # basin size of each listed minimum (0 if no start ended there)
    found = {row.tobytes(): int(c) for row, c in zip(br.blocs, br.sizes, strict=True)}
    sizes_ = np.array([found.get(r.astype(np.int8).tobytes(), 0) for r in blocs])
    correct = None
    if world.observed is not None:
        agree = (blocs == world.observed[None, :]).sum(axis=1)
        correct = np.maximum(agree, world.n - agree)
    return LandscapeResult(
        world=world,
        method=method,
        blocs=blocs.astype(np.int8),
        energies=np.asarray(energies),
        basin_sizes=sizes_.astype(np.int64),
        n_starts=br.n_starts,
        order=order,
        correct=correct,
    )
