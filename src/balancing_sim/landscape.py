"""Landscape theory of aggregation (Axelrod & Bennett 1993) as a small numpy API.

Actors with sizes ``s_i`` and symmetric pairwise propensities ``p_ij`` (zero
diagonal, possibly negative) split into two blocs.  A configuration is a 0/1
vector ``b`` (``b_i`` = bloc of actor ``i``); ``d_ij = 1`` when ``i`` and ``j``
are in different blocs.

* frustration  ``F_i = sum_j s_j p_ij d_ij``
* energy       ``E = sum_i s_i F_i = sum_i sum_j s_i s_j p_ij d_ij``

The energy sums over *ordered* pairs, i.e. every split pair is counted twice.
This is the convention of Axelrod & Bennett (1993, footnote 2:
``E(X) = sum_A' sum_B r_ij + sum_B sum_A' r_ij`` with ``r_ij = s_i s_j p_ij``)
and is used everywhere in this module; ``E_unordered = E / 2``.

Actors move one at a time and only to strictly lower their own frustration.
Because ``p`` is symmetric, such a move of actor ``k`` changes the energy by
``2 s_k dF_k < 0``, so the dynamics stop in a local minimum of ``E``: a
configuration where no single switch lowers the switching actor's frustration.

Everything is plain arrays in, plain arrays out.  Many configurations are
handled at once as an ``(M, n)`` 0/1 array; with spins ``x = 1 - 2 b`` and
``Q_ij = p_ij s_j`` the field ``h = x @ Q.T`` gives, per configuration,
``F = (C - x*h) / 2`` with ``C_i = sum_j s_j p_ij`` and the frustration change
of switching actor ``k`` as ``dF_k = x_k h_k``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "EXHAUSTIVE_LIMIT",
    "AnnealResult",
    "BasinResult",
    "DynamicsPath",
    "LandscapeResult",
    "LocalMinima",
    "World",
    "all_splits",
    "analyze",
    "anneal",
    "basins",
    "canonical",
    "energy",
    "energy_all",
    "flip_gain",
    "frustration",
    "load_world",
    "local_minima",
    "main",
    "propensity_from_codings",
    "read_propensity_csv",
    "sequential_dynamics",
    "split_codes",
    "dump_world",
    "write_propensity_csv",
]

#: Largest ``n`` solved by enumerating all ``2**(n-1)`` splits.
EXHAUSTIVE_LIMIT = 22
_CHUNK = 1 << 15  # configurations per vectorised block (memory ~ chunk * n * 8 bytes)

Order = Literal["greedy", "lowest", "random"]


# --------------------------------------------------------------------------- core maths


def _as_inputs(sizes: Any, propensity: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert; errors are ValueError so callers can report them."""
    s = np.asarray(sizes, dtype=float)
    p = np.asarray(propensity, dtype=float)
    if s.ndim != 1:
        raise ValueError(f"sizes must be a 1-d array, got shape {s.shape}")
    if p.ndim != 2 or p.shape[0] != p.shape[1]:
        raise ValueError(f"propensity must be a square matrix, got shape {p.shape}")
    if p.shape[0] != s.shape[0]:
        raise ValueError(f"propensity is {p.shape[0]}x{p.shape[1]} but there are {s.size} sizes")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(p))):
        raise ValueError("sizes and propensities must be finite numbers")
    if np.any(s <= 0):
        bad = int(np.flatnonzero(s <= 0)[0])
        raise ValueError(f"size of actor {bad} is {s[bad]}; sizes must be > 0")
    if not np.allclose(p, p.T, rtol=1e-9, atol=1e-12):
        i, j = np.unravel_index(int(np.argmax(np.abs(p - p.T))), p.shape)
        raise ValueError(
            f"propensity matrix is not symmetric: p[{i}][{j}]={p[i, j]} but "
            f"p[{j}][{i}]={p[j, i]} (landscape theory needs p_ij == p_ji)"
        )
    if np.any(np.diag(p) != 0):
        raise ValueError("propensity matrix must have a zero diagonal (p_ii = 0)")
    return s, p


def _spins(blocs: Any, n: int) -> tuple[np.ndarray, bool]:
    b = np.asarray(blocs)
    single = b.ndim == 1
    b2 = np.atleast_2d(b)
    if b2.shape[-1] != n:
        raise ValueError(f"blocs have {b2.shape[-1]} actors, expected {n}")
    if not np.all((b2 == 0) | (b2 == 1)):
        raise ValueError("blocs must contain only 0 and 1")
    return 1.0 - 2.0 * b2.astype(float), single


def _tol(q: np.ndarray) -> float:
    """Absolute tolerance for 'strictly lower' so float noise never triggers a move."""
    return 1e-9 * float(np.abs(q).sum(axis=1).max() + 1e-300)


def frustration(sizes: Any, propensity: Any, blocs: Any) -> np.ndarray:
    """F_i = sum_j s_j p_ij d_ij for one configuration (n,) or many (M, n)."""
    s, p = _as_inputs(sizes, propensity)
    x, single = _spins(blocs, s.size)
    q = p * s[None, :]
    f = 0.5 * (q.sum(axis=1)[None, :] - x * (x @ q.T))
    return f[0] if single else f


def energy(sizes: Any, propensity: Any, blocs: Any) -> np.ndarray | float:
    """E = sum_i s_i F_i (ordered pairs, as in Axelrod & Bennett); scalar or (M,)."""
    s, _ = _as_inputs(sizes, propensity)
    e = np.atleast_2d(frustration(sizes, propensity, blocs)) @ s
    return float(e[0]) if np.asarray(blocs).ndim == 1 else e


def flip_gain(sizes: Any, propensity: Any, blocs: Any) -> np.ndarray:
    """dF_k: change of actor k's frustration if k alone switches (negative = wants to move).

    The energy change of that switch is ``2 * s_k * dF_k``.
    """
    s, p = _as_inputs(sizes, propensity)
    x, single = _spins(blocs, s.size)
    g = x * (x @ (p * s[None, :]).T)
    return g[0] if single else g


# --------------------------------------------------------------------------- splits


def _split_block(n: int, start: int, stop: int) -> np.ndarray:
    codes = np.arange(start, stop, dtype=np.int64)
    out = np.zeros((codes.size, n), dtype=np.int8)
    if n > 1:
        out[:, 1:] = (codes[:, None] >> np.arange(n - 1, dtype=np.int64)) & 1
    return out


def all_splits(n: int) -> np.ndarray:
    """All 2**(n-1) two-bloc splits, actor 0 fixed in bloc 0 (row r has code r).

    Actor ``i >= 1`` is in bloc ``(r >> (i-1)) & 1``; no Python loop per split.
    """
    if n < 1:
        raise ValueError(f"need at least one actor, got n={n}")
    if n > 30:
        raise ValueError(f"n={n} would need 2**{n - 1} rows; use iter_splits or anneal")
    return _split_block(n, 0, 1 << (n - 1))


def iter_splits(n: int, chunk: int = _CHUNK) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first_code, blocs) blocks covering all splits, so n ~ 22 fits in memory."""
    total = 1 << (n - 1)
    for start in range(0, total, chunk):
        yield start, _split_block(n, start, min(start + chunk, total))


def canonical(blocs: Any) -> np.ndarray:
    """Relabel blocs so actor 0 is in bloc 0 (the two labels are interchangeable)."""
    b = np.array(blocs, dtype=np.int8, copy=True)
    b2 = np.atleast_2d(b)
    flip = b2[:, 0] == 1
    b2[flip] = 1 - b2[flip]
    return b2[0] if b.ndim == 1 else b2


def split_codes(blocs: Any) -> np.ndarray | int:
    """Inverse of :func:`all_splits`: the row index of each (canonicalised) split."""
    b = np.atleast_2d(canonical(blocs)).astype(np.int64)
    n = b.shape[1]
    if n > 63:
        raise ValueError("split codes need n <= 63; compare bloc rows instead")
    codes = b[:, 1:] @ (np.int64(1) << np.arange(n - 1, dtype=np.int64))
    return int(codes[0]) if np.asarray(blocs).ndim == 1 else codes


def energy_all(sizes: Any, propensity: Any, chunk: int = _CHUNK) -> np.ndarray:
    """Energy of every split (index = split code), computed in chunks."""
    s, p = _as_inputs(sizes, propensity)
    n = s.size
    if n > EXHAUSTIVE_LIMIT:
        raise ValueError(f"exhaustive enumeration limited to n <= {EXHAUSTIVE_LIMIT}, got {n}")
    q = p * s[None, :]
    c = q.sum(axis=1)
    out = np.empty(1 << (n - 1))
    for start, b in iter_splits(n, chunk):
        x = 1.0 - 2.0 * b
        out[start : start + b.shape[0]] = (0.5 * (c[None, :] - x * (x @ q.T))) @ s
    return out


@dataclass(frozen=True)
class LocalMinima:
    """Local minima of the landscape, sorted by energy (index 0 = global minimum)."""

    blocs: np.ndarray  # (K, n) int8, actor 0 in bloc 0
    energies: np.ndarray  # (K,)
    codes: np.ndarray  # (K,) split codes

    @property
    def global_min(self) -> np.ndarray:
        return self.blocs[0]


def local_minima(sizes: Any, propensity: Any, chunk: int = _CHUNK) -> LocalMinima:
    """Every split where no single switch strictly lowers the switcher's frustration.

    Vectorised: for a block of splits ``dF = x * (x @ Q.T)``; a split is a local
    minimum iff ``dF >= -tol`` for every actor.  The global minimum is always
    among them (any improving switch lowers E).
    """
    s, p = _as_inputs(sizes, propensity)
    n = s.size
    if n > EXHAUSTIVE_LIMIT:
        raise ValueError(f"exhaustive search limited to n <= {EXHAUSTIVE_LIMIT}; use anneal()")
    q = p * s[None, :]
    c = q.sum(axis=1)
    tol = _tol(q)
    codes, energies = [], []
    for start, b in iter_splits(n, chunk):
        x = 1.0 - 2.0 * b
        h = x @ q.T
        ok = np.all(x * h >= -tol, axis=1)
        if ok.any():
            idx = np.flatnonzero(ok)
            codes.append(idx + start)
            energies.append((0.5 * (c[None, :] - x[idx] * h[idx])) @ s)
    codes_a = np.concatenate(codes).astype(np.int64)
    e = np.concatenate(energies)
    order = np.lexsort((codes_a, np.round(e, 12)))
    codes_a, e = codes_a[order], e[order]
    blocs = _split_block(n, 0, 1)[:0]
    if codes_a.size:
        blocs = ((codes_a[:, None] >> np.arange(n - 1, dtype=np.int64)) & 1).astype(np.int8)
        blocs = np.concatenate([np.zeros((codes_a.size, 1), np.int8), blocs], axis=1)
    return LocalMinima(blocs=blocs, energies=e, codes=codes_a)


# --------------------------------------------------------------------------- dynamics


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
    c = q.sum(axis=1)
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
    e = (0.5 * (c[None, :] - st * (st @ q.T))) @ s
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
    c = q.sum(axis=1)
    tol = _tol(q)
    finals, steps = [], []
    for b in blocks:
        x, _ = _spins(b, n)
        x, st = _descend(q, x, tol, order, gen if order == "random" else None, 64 * n * n + 64)
        finals.append(canonical(((1 - x) / 2).astype(np.int8)))
        steps.append(st)
    fin = np.concatenate(finals)
    uniq, inverse, counts = _unique_rows(fin)
    xu = 1.0 - 2.0 * uniq
    e = (0.5 * (c[None, :] - xu * (xu @ q.T))) @ s
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
    c = q.sum(axis=1)
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
    xu = 1.0 - 2.0 * uniq
    e = (0.5 * (c[None, :] - xu * (xu @ q.T))) @ s
    srt = np.argsort(e, kind="stable")
    return AnnealResult(
        best=uniq[srt[0]].astype(np.int8),
        best_energy=float(e[srt[0]]),
        blocs=uniq[srt].astype(np.int8),
        energies=e[srt],
        counts=counts[srt],
    )


# --------------------------------------------------------------------------- worlds & IO


@dataclass(frozen=True)
class World:
    """A landscape case: actors, sizes, propensities, optionally the observed alignment."""

    names: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray
    title: str = ""
    observed: np.ndarray | None = None  # (n,) 0/1, None if unknown
    observed_labels: tuple[str, str] = ("bloc 0", "bloc 1")
    components: dict[str, np.ndarray] = field(default_factory=dict)  # coding factor matrices
    assumptions: tuple[str, ...] = ()
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)  # free-form, e.g. published results

    @property
    def n(self) -> int:
        return len(self.names)


def _where(path: Any, key: str) -> str:
    return f"{path}: {key}" if path else key


def _num(value: Any, path: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{_where(path, key)} = {value!r} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"{_where(path, key)} = {value!r} must be finite")
    return float(value)


def _sourced(entry: Any, path: Any, key: str) -> tuple[float, str | None]:
    """A number given as {value, source} (source required) -> (value, assumption)."""
    if not isinstance(entry, Mapping):
        raise ValueError(
            f"{_where(path, key)} = {entry!r}: give a mapping {{value: <number>, source: <text>}}"
        )
    if "value" not in entry:
        raise ValueError(f"{_where(path, key)} has no 'value'")
    src = entry.get("source")
    if not isinstance(src, str) or not src.strip():
        raise ValueError(f"{_where(path, key)} needs a non-empty 'source' string")
    return _num(entry["value"], path, f"{key}.value"), entry.get("assumption")


def _check_names(names: Sequence[Any], path: Any, key: str) -> list[str]:
    out: list[str] = []
    for i, nm in enumerate(names):
        if not isinstance(nm, str) or not nm.strip():
            raise ValueError(f"{_where(path, f'{key}[{i}]')} = {nm!r} is not a non-empty name")
        if nm in out:
            raise ValueError(f"{_where(path, key)}: duplicate actor {nm!r}")
        out.append(nm)
    return out


def _check_matrix(m: np.ndarray, names: Sequence[str], path: Any, key: str) -> np.ndarray:
    n = len(names)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{_where(path, key)}: matrix is {m.shape}, must be square")
    if m.shape[0] != n:
        raise ValueError(f"{_where(path, key)}: matrix is {m.shape[0]}x{m.shape[1]}, {n} actors")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{_where(path, key)}: matrix entries must be finite numbers")
    for i in range(n):
        if m[i, i] != 0:
            raise ValueError(
                f"{_where(path, key)}: diagonal p[{names[i]}][{names[i]}] = {m[i, i]:g}; must be 0"
            )
    diff = np.abs(m - m.T)
    if diff.max() > 1e-9 * max(1.0, float(np.abs(m).max())):
        i, j = np.unravel_index(int(np.argmax(diff)), m.shape)
        raise ValueError(
            f"{_where(path, key)}: not symmetric: p[{names[i]}][{names[j]}] = {m[i, j]:g} but "
            f"p[{names[j]}][{names[i]}] = {m[j, i]:g} (allowed: p_ij == p_ji)"
        )
    return (m + m.T) / 2.0


def read_propensity_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read a propensity matrix with actor names as header and index (pandas)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, index_col=0)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot parse CSV ({exc})") from exc
    rows = _check_names([str(x) for x in df.index], path, "index (first column)")
    cols = _check_names([str(x) for x in df.columns], path, "header")
    if len(rows) != len(cols):
        raise ValueError(f"{path}: matrix has {len(rows)} rows and {len(cols)} columns; not square")
    if set(rows) != set(cols):
        extra = sorted(set(rows) ^ set(cols))
        raise ValueError(f"{path}: header and index name different actors: {extra}")
    df.index, df.columns = rows, cols
    df = df.loc[rows, rows]
    bad = df.apply(pd.to_numeric, errors="coerce").isna()
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise ValueError(f"{path}: entry [{rows[r]}][{rows[c]}] = {df.iat[r, c]!r} is not a number")
    return rows, _check_matrix(df.to_numpy(dtype=float), rows, path, "matrix")


def write_propensity_csv(path: str | Path, names: Sequence[str], matrix: Any) -> None:
    """Write a propensity matrix in the format read by :func:`read_propensity_csv`."""
    pd.DataFrame(np.asarray(matrix, dtype=float), index=list(names), columns=list(names)).to_csv(
        path, float_format="%.17g"
    )


def _actor_index(names: list[str], who: Any, path: Any, key: str) -> int:
    if who not in names:
        raise ValueError(f"{_where(path, key)}: unknown actor {who!r} (known: {', '.join(names)})")
    return names.index(who)


def _pairs_matrix(pairs: Any, names: list[str], path: Any, key: str, assumptions: list[str]):
    if not isinstance(pairs, list):
        raise ValueError(f"{_where(path, key)} must be a list of {{a, b, value, source}}")
    m = np.zeros((len(names), len(names)))
    seen: dict[tuple[int, int], int] = {}
    for k, pr in enumerate(pairs):
        kk = f"{key}[{k}]"
        if not isinstance(pr, Mapping) or not {"a", "b"} <= set(pr):
            raise ValueError(f"{_where(path, kk)} = {pr!r}: need keys a, b, value, source")
        i = _actor_index(names, pr["a"], path, f"{kk}.a")
        j = _actor_index(names, pr["b"], path, f"{kk}.b")
        if i == j:
            raise ValueError(f"{_where(path, kk)}: pair of {pr['a']!r} with itself; p_ii is 0")
        v, assumption = _sourced(pr, path, kk)
        key_ij = (min(i, j), max(i, j))
        if key_ij in seen:
            raise ValueError(
                f"{_where(path, kk)}: pair {pr['a']}-{pr['b']} already given in "
                f"{key}[{seen[key_ij]}]"
            )
        seen[key_ij] = k
        m[i, j] = m[j, i] = v
        if assumption:
            assumptions.append(f"{kk} {pr['a']}-{pr['b']}: {assumption}")
    return m


def propensity_from_codings(
    codings: Mapping[str, Any],
    names: Sequence[str],
    attributes: Sequence[Mapping[str, Any]],
    path: Any = None,
    assumptions: list[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Build p_ij as the sum of coded factors (Axelrod & Bennett 1993 style).

    Each factor is either an *attribute comparison* (``attribute``, ``same``,
    ``different``, optional ``values`` list of ``{pair: [u, v], value}`` for
    specific attribute pairs) or an explicit list of ``pairs``.  Factor scores
    are typically -1/0/+1; ``weight`` (default 1) scales a factor.  Returns
    ``(p, {factor: matrix})``.
    """
    names = list(names)
    assumptions = assumptions if assumptions is not None else []
    factors = codings.get("factors")
    if not isinstance(factors, Mapping) or not factors:
        raise ValueError(f"{_where(path, 'propensity.codings.factors')} must be a non-empty map")
    n = len(names)
    total = np.zeros((n, n))
    parts: dict[str, np.ndarray] = {}
    for fname, spec in factors.items():
        key = f"propensity.codings.factors.{fname}"
        if not isinstance(spec, Mapping):
            raise ValueError(f"{_where(path, key)} must be a mapping")
        if not isinstance(spec.get("source"), str) or not spec["source"].strip():
            raise ValueError(f"{_where(path, key)} needs a non-empty 'source' string")
        if spec.get("assumption"):
            assumptions.append(f"factor {fname}: {spec['assumption']}")
        m = np.zeros((n, n))
        if "attribute" in spec:
            attr = spec["attribute"]
            vals = []
            for i, a in enumerate(attributes):
                v = a.get(attr) if isinstance(a, Mapping) else None
                if isinstance(v, Mapping):
                    if v.get("assumption"):
                        assumptions.append(f"{names[i]}.{attr}: {v['assumption']}")
                    v = v.get("value")
                if not isinstance(v, str):
                    raise ValueError(
                        f"{_where(path, f'actors[{i}].attributes.{attr}')} missing for "
                        f"{names[i]!r} (factor {fname!r} compares it)"
                    )
                vals.append(v)
            same = _num(spec.get("same", 1), path, f"{key}.same")
            diff = _num(spec.get("different", -1), path, f"{key}.different")
            table: dict[frozenset[str], float] = {}
            for k, row in enumerate(spec.get("values", []) or []):
                pair = row.get("pair") if isinstance(row, Mapping) else None
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise ValueError(f"{_where(path, f'{key}.values[{k}]')}: need pair: [u, v]")
                table[frozenset(pair)] = _num(row.get("value"), path, f"{key}.values[{k}].value")
            for i in range(n):
                for j in range(i + 1, n):
                    pair_key = frozenset((vals[i], vals[j]))
                    v = table.get(pair_key, same if vals[i] == vals[j] else diff)
                    m[i, j] = m[j, i] = v
        elif "pairs" in spec:
            m = _pairs_matrix(spec["pairs"], names, path, f"{key}.pairs", assumptions)
        else:
            raise ValueError(f"{_where(path, key)}: give 'attribute' or 'pairs'")
        w = _num(spec.get("weight", 1), path, f"{key}.weight")
        parts[str(fname)] = m
        total += w * m
    return total, parts


def _world_from_dict(doc: Any, path: Any = None) -> World:
    if not isinstance(doc, Mapping):
        raise ValueError(f"{_where(path, 'top level')} must be a mapping")
    actors = doc.get("actors")
    if not isinstance(actors, list) or len(actors) < 2:
        raise ValueError(f"{_where(path, 'actors')} must list at least two actors")
    names_raw, sizes, attrs, observed = [], [], [], []
    assumptions: list[str] = []
    for i, a in enumerate(actors):
        if not isinstance(a, Mapping) or "name" not in a or "size" not in a:
            raise ValueError(f"{_where(path, f'actors[{i}]')} needs 'name' and 'size'")
        names_raw.append(a["name"])
        v, assumption = _sourced(a["size"], path, f"actors[{i}].size")
        if v <= 0:
            raise ValueError(
                f"{_where(path, f'actors[{i}].size.value')} = {v:g} for {a['name']!r}; "
                "sizes must be > 0"
            )
        if assumption:
            assumptions.append(f"{a['name']}.size: {assumption}")
        sizes.append(v)
        attrs.append(a.get("attributes", {}) or {})
        observed.append(a.get("observed"))
    names = _check_names(names_raw, path, "actors")
    prop = doc.get("propensity")
    if not isinstance(prop, Mapping):
        raise ValueError(f"{_where(path, 'propensity')} must give matrix, pairs, csv or codings")
    given = [k for k in ("matrix", "pairs", "csv", "codings") if k in prop]
    if len(given) != 1:
        raise ValueError(
            f"{_where(path, 'propensity')}: give exactly one of matrix, pairs, csv, codings "
            f"(found {given or 'none'})"
        )
    parts: dict[str, np.ndarray] = {}
    if "matrix" in prop:
        try:
            m = np.array(prop["matrix"], dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{_where(path, 'propensity.matrix')}: not a numeric matrix") from exc
        if not isinstance(prop.get("source"), str):
            raise ValueError(f"{_where(path, 'propensity')} needs a 'source' string")
        p = _check_matrix(m, names, path, "propensity.matrix")
    elif "pairs" in prop:
        p = _pairs_matrix(prop["pairs"], names, path, "propensity.pairs", assumptions)
    elif "csv" in prop:
        base = Path(path).parent if path else Path(".")
        csv_names, m = read_propensity_csv(base / str(prop["csv"]))
        if set(csv_names) != set(names):
            raise ValueError(
                f"{_where(path, 'propensity.csv')}: CSV and YAML actors differ: "
                f"{sorted(set(csv_names) ^ set(names))}"
            )
        order = [csv_names.index(nm) for nm in names]
        p = m[np.ix_(order, order)]
    else:
        p, parts = propensity_from_codings(prop["codings"], names, attrs, path, assumptions)
    obs = None
    labels = ("bloc 0", "bloc 1")
    if any(o is not None for o in observed):
        lab = doc.get("observed_labels")
        if not (isinstance(lab, list) and len(lab) == 2 and all(isinstance(x, str) for x in lab)):
            raise ValueError(f"{_where(path, 'observed_labels')} must be a list of two bloc names")
        labels = (lab[0], lab[1])
        obs_l = []
        for i, o in enumerate(observed):
            if o not in labels:
                raise ValueError(
                    f"{_where(path, f'actors[{i}].observed')} = {o!r}; allowed: {list(labels)}"
                )
            obs_l.append(labels.index(o))
        obs = np.array(obs_l, dtype=np.int8)
    for k, note in enumerate(doc.get("assumptions", []) or []):
        assumptions.append(f"assumptions[{k}]: {note}")
    return World(
        names=tuple(names),
        sizes=np.array(sizes),
        propensity=p,
        title=str(doc.get("title", doc.get("name", ""))),
        observed=obs,
        observed_labels=labels,
        components=parts,
        assumptions=tuple(assumptions),
        source=str(path or ""),
        meta={k: doc[k] for k in ("published", "year", "notes") if k in doc},
    )


def load_world(path: str | Path) -> World:
    """Load a YAML world (see docs/LANDSCAPE.md); ValueError names file, key and value."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: invalid YAML ({str(exc).splitlines()[0]})") from exc
    return _world_from_dict(doc, path)


def dump_world(world: World, path: str | Path, source: str = "written by dump_world") -> None:
    """Write a world as YAML with a full matrix (round-trips through :func:`load_world`)."""
    doc: dict[str, Any] = {"title": world.title, "actors": []}
    for i, nm in enumerate(world.names):
        a: dict[str, Any] = {"name": nm, "size": {"value": float(world.sizes[i]), "source": source}}
        if world.observed is not None:
            a["observed"] = world.observed_labels[int(world.observed[i])]
        doc["actors"].append(a)
    if world.observed is not None:
        doc["observed_labels"] = list(world.observed_labels)
    doc["propensity"] = {"source": source, "matrix": world.propensity.tolist()}
    Path(path).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class LandscapeResult:
    """Minima of a world's landscape with basins and, if known, agreement with history."""

    world: World
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
    world: World | str | Path,
    order: Order = "greedy",
    n_starts: int | None = None,
    rng: np.random.Generator | int | None = 0,
) -> LandscapeResult:
    """Exhaustive landscape for n <= EXHAUSTIVE_LIMIT, simulated annealing above.

    Exhaustive: all local minima and basins from every split.  Annealing: the
    distinct minima found by annealing plus the minima reached from
    ``n_starts`` (default 4096) random starts; basins are counted on those starts.
    """
    if not isinstance(world, World):
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
        x = 1.0 - 2.0 * blocs
        q = p * s[None, :]
        energies = (0.5 * (q.sum(axis=1)[None, :] - x * (x @ q.T))) @ s
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


# --------------------------------------------------------------------------- CLI


def _format(res: LandscapeResult, top: int) -> str:
    w = res.world
    la, lb = w.observed_labels
    lines = [
        f"{w.title or w.source}: {w.n} actors, {res.method}, {res.blocs.shape[0]} local minima, "
        f"basins from {res.n_starts} starts (move order: {res.order})",
        "energy E = sum_i sum_j s_i s_j p_ij d_ij over ordered pairs (each split pair twice)",
    ]
    for i in range(min(top, res.blocs.shape[0])):
        a, b = res.sides(i)
        head = "global minimum" if i == 0 else f"local minimum {i + 1}"
        lines.append(
            f"{head}: E = {res.energies[i]:.6g}, basin {res.basin_sizes[i]} "
            f"({100 * res.basin_fractions[i]:.1f}%)"
        )
        lines.append(f"  {la}: {', '.join(a)}")
        lines.append(f"  {lb}: {', '.join(b)}")
        if res.correct is not None:
            wrong = res.misplaced(i)
            lines.append(
                f"  matches observed alignment for {res.correct[i]}/{w.n}"
                + (f"; misplaced: {', '.join(wrong)}" if wrong else "")
            )
    if res.blocs.shape[0] > top:
        lines.append(f"... {res.blocs.shape[0] - top} more (use --top)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Console script ``balancing-sim-landscape WORLD [--top K] [--json]``."""
    ap = argparse.ArgumentParser(
        prog="balancing-sim-landscape",
        description="Local minima and basins of an Axelrod-Bennett landscape world (YAML).",
    )
    ap.add_argument("world", help="YAML world file (see docs/LANDSCAPE.md)")
    ap.add_argument("--top", type=int, default=10, help="minima to print (default 10)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    ap.add_argument(
        "--order",
        choices=["greedy", "lowest", "random"],
        default="greedy",
        help="move order of the sequential dynamics (default greedy)",
    )
    ap.add_argument("--seed", type=int, default=0, help="seed for random order / annealing")
    args = ap.parse_args(argv)
    if args.top < 1:
        print("balancing-sim-landscape: error: --top must be >= 1", file=sys.stderr)
        return 2
    try:
        res = analyze(args.world, order=args.order, rng=args.seed)
    except ValueError as exc:
        print(f"balancing-sim-landscape: error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(res.to_dict(top=args.top), indent=2) if args.json else _format(res, args.top)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit-time flush
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
