"""The sequential dynamics of landscape theory: descent to a local minimum, basins of
attraction and simulated annealing, vectorised over many starts.

Actors move one at a time and only to strictly lower their own frustration. Because
``p`` is symmetric, such a move of actor ``k`` changes the energy by ``2 s_k dF_k < 0``,
so the dynamics stop in a local minimum of ``E``: a configuration where no single
switch lowers the switching actor's frustration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .energy import (
    _CHUNK,
    EXHAUSTIVE_LIMIT,
    _as_inputs,
    _spins,
    _tol,
    canonical,
    iter_splits,
    row_energies,
)

Order = Literal["greedy", "lowest", "random"]


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(np.random.SeedSequence(rng))


def _choose(gain: np.ndarray, tol: float, order: Order, rng: np.random.Generator | None):
    """Pick the mover per row (or -1): gain = dF, improving iff dF < -tol."""
    improving = gain < -tol
    active = improving.any(axis=1)
    if order == "greedy":  # largest frustration reduction; ties -> lowest index
        k = np.argmin(np.where(improving, gain, np.inf), axis=1)
    elif order == "lowest":  # lowest-index actor that can improve
        k = np.argmax(improving, axis=1)
    elif order == "random":  # uniform among improving actors
        assert rng is not None
        k = np.argmax(np.where(improving, rng.random(gain.shape), -1.0), axis=1)
    else:
        raise ValueError(f"unknown move order {order!r}; allowed: greedy, lowest, random")
    return np.where(active, k, -1)


def _descend(
    q: np.ndarray, x: np.ndarray, tol: float, order: Order, rng, max_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run the one-actor-at-a-time dynamics for many starts at once; returns (x, steps).

    Settled rows are dropped from the working set, so each step costs O(active * n).
    """
    h = x @ q.T
    steps = np.zeros(x.shape[0], dtype=np.int64)
    live = np.arange(x.shape[0])
    for _ in range(max_steps):
        if live.size == 0:
            return x, steps
        xl, hl = x[live], h[live]
        k = _choose(xl * hl, tol, order, rng)
        act = k >= 0
        live, kk = live[act], k[act]
        if live.size == 0:
            return x, steps
        old = x[live, kk]
        x[live, kk] = -old
        h[live] -= 2.0 * old[:, None] * q[:, kk].T
        steps[live] += 1
    raise RuntimeError("dynamics did not settle; energy must decrease so this is a bug")


def _unique_rows(b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(axis=0) that is fast for n <= 63 (via split codes)."""
    if b.shape[1] <= 63:
        codes = b[:, 1:].astype(np.int64) @ (np.int64(1) << np.arange(b.shape[1] - 1))
        u, first, inv, cnt = np.unique(
            codes, return_index=True, return_inverse=True, return_counts=True
        )
        return b[first], inv.ravel(), cnt
    u, inv, cnt = np.unique(b, axis=0, return_inverse=True, return_counts=True)
    return u, inv.ravel(), cnt


@dataclass(frozen=True)
class DynamicsPath:
    """States visited (steps+1, n), the actor moved at each step, energies per state."""

    states: np.ndarray
    movers: np.ndarray
    energies: np.ndarray

    @property
    def final(self) -> np.ndarray:
        return self.states[-1]


def sequential_dynamics(
    sizes: Any,
    propensity: Any,
    start_blocs: Any,
    rng: np.random.Generator | int | None = None,
    order: Order | None = None,
) -> DynamicsPath:
    """Path of single-actor moves from ``start_blocs`` to a local minimum.

    Move order: ``"greedy"`` (default when ``rng`` is None) moves the actor with
    the largest frustration reduction, ties to the lowest index; ``"lowest"``
    moves the lowest-index actor that can improve; ``"random"`` (default when an
    ``rng``/seed is given) moves a uniformly chosen improving actor.
    """
    s, p = _as_inputs(sizes, propensity)
    x, single = _spins(start_blocs, s.size)
    if not single:
        raise ValueError("sequential_dynamics takes one configuration (n,)")
    order = order or ("random" if rng is not None else "greedy")
    gen = _rng(rng) if order == "random" else None
    q = p * s[None, :]
    tol = _tol(q)
    x = x[0].copy()
    states, movers = [x.copy()], []
    h = q @ x
    for _ in range(1 << 20):
        k = int(_choose((x * h)[None, :], tol, order, gen)[0])
        if k < 0:
            break
        h -= 2.0 * x[k] * q[:, k]
        x[k] = -x[k]
        states.append(x.copy())
        movers.append(k)
    st = np.array(states)
    e = row_energies(q, s, st)
    return DynamicsPath(
        states=((1 - st) / 2).astype(np.int8), movers=np.array(movers, dtype=np.int64), energies=e
    )


@dataclass(frozen=True)
class BasinResult:
    """Where the dynamics end: minima (canonical blocs), basin sizes, per-start outcome."""

    blocs: np.ndarray  # (K, n) canonical final configurations, sorted by energy
    energies: np.ndarray  # (K,)
    sizes: np.ndarray  # (K,) number of starts ending in each
    n_starts: int
    order: str
    start_minimum: np.ndarray = field(repr=False)  # (n_starts,) index into blocs
    steps: np.ndarray = field(repr=False)  # (n_starts,) moves taken

    @property
    def fractions(self) -> np.ndarray:
        return self.sizes / self.n_starts


def basins(
    sizes: Any,
    propensity: Any,
    starts: Any | None = None,
    n_starts: int | None = None,
    order: Order = "greedy",
    rng: np.random.Generator | int | None = 0,
    chunk: int = _CHUNK,
) -> BasinResult:
    """Basin size of each minimum under the sequential dynamics.

    Starts: every split (``n <= EXHAUSTIVE_LIMIT`` and no ``n_starts``), the
    given ``starts`` array, or ``n_starts`` uniformly random configurations
    drawn from ``rng``.  Dynamics run vectorised over all starts; see
    :func:`sequential_dynamics` for the move orders.  With ``order="random"``
    the same ``rng`` also drives move choice.
    """
    s, p = _as_inputs(sizes, propensity)
    n = s.size
    gen = _rng(rng)
    if starts is not None:
        blocks: Iterator[np.ndarray] = iter([np.atleast_2d(np.asarray(starts, dtype=np.int8))])
    elif n_starts is not None:
        blocks = (
            gen.integers(0, 2, size=(min(chunk, n_starts - i), n), dtype=np.int8)
            for i in range(0, n_starts, chunk)
        )
    elif n <= EXHAUSTIVE_LIMIT:
        blocks = (b for _, b in iter_splits(n, chunk))
    else:
        raise ValueError(f"n={n} > {EXHAUSTIVE_LIMIT}: pass n_starts or starts")
    q = p * s[None, :]
    tol = _tol(q)
    finals, steps = [], []
    for b in blocks:
        x, _ = _spins(b, n)
        x, st = _descend(q, x, tol, order, gen if order == "random" else None, 64 * n * n + 64)
        finals.append(canonical(((1 - x) / 2).astype(np.int8)))
        steps.append(st)
    fin = np.concatenate(finals)
    uniq, inverse, counts = _unique_rows(fin)
    e = row_energies(q, s, 1.0 - 2.0 * uniq)
    srt = np.lexsort((-counts, np.round(e, 12)))
    rank = np.empty_like(srt)
    rank[srt] = np.arange(srt.size)
    return BasinResult(
        blocs=uniq[srt].astype(np.int8),
        energies=e[srt],
        sizes=counts[srt],
        n_starts=int(fin.shape[0]),
        order=order,
        start_minimum=rank[inverse.ravel()],
        steps=np.concatenate(steps),
    )


@dataclass(frozen=True)
class AnnealResult:
    """Best configuration found and the distinct local minima reached by the chains."""

    best: np.ndarray
    best_energy: float
    blocs: np.ndarray  # (K, n) distinct final local minima, sorted by energy
    energies: np.ndarray
    counts: np.ndarray  # chains ending in each


def anneal(
    sizes: Any,
    propensity: Any,
    rng: np.random.Generator | int | None = 0,
    n_chains: int = 64,
    n_sweeps: int = 400,
    t_start: float = 2.0,
    t_end: float = 0.01,
) -> AnnealResult:
    """Simulated annealing (Metropolis single switches) for n beyond exhaustive search.

    ``n_chains`` chains run in parallel; temperature falls geometrically from
    ``t_start`` to ``t_end`` times the mean |switch energy| at a random
    configuration.  Each chain is then quenched with the greedy dynamics, so
    every result is a genuine local minimum.  ``rng`` is a Generator or a seed
    (via SeedSequence); no global random state is used.
    """
    s, p = _as_inputs(sizes, propensity)
    gen = _rng(rng)
    n = s.size
    q = p * s[None, :]
    tol = _tol(q)
    x = 1.0 - 2.0 * gen.integers(0, 2, size=(n_chains, n))
    h = x @ q.T
    scale = float(np.mean(np.abs(2.0 * s[None, :] * x * h))) or 1.0
    temps = scale * np.geomspace(t_start, t_end, max(n_sweeps, 1))
    rows = np.arange(n_chains)
    for t in temps:
        for k in gen.permutation(n):
            de = 2.0 * s[k] * x[:, k] * h[:, k]  # energy change if k switches
            acc = (de <= 0) | (gen.random(n_chains) < np.exp(-np.clip(de, 0, None) / t))
            if acc.any():
                r = rows[acc]
                old = x[r, k]
                x[r, k] = -old
                h[r] -= 2.0 * old[:, None] * q[:, k][None, :]
    x, _ = _descend(q, x, tol, "greedy", None, 64 * n * n + 64)
    fin = canonical(((1 - x) / 2).astype(np.int8))
    uniq, _, counts = _unique_rows(fin)
    e = row_energies(q, s, 1.0 - 2.0 * uniq)
    srt = np.argsort(e, kind="stable")
    return AnnealResult(
        best=uniq[srt[0]].astype(np.int8),
        best_energy=float(e[srt[0]]),
        blocs=uniq[srt].astype(np.int8),
        energies=e[srt],
        counts=counts[srt],
    )


