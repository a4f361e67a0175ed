"""Landscape theory of aggregation (Axelrod & Bennett 1993): frustration, energy, splits
and local minima, on plain arrays.

Actors with sizes ``s_i`` and symmetric pairwise propensities ``p_ij`` (zero diagonal,
possibly negative) split into two blocs. A configuration is a 0/1 vector ``b`` (``b_i``
= bloc of actor ``i``); ``d_ij = 1`` when ``i`` and ``j`` are in different blocs.

* frustration  ``F_i = sum_j s_j p_ij d_ij``
* energy       ``E = sum_i s_i F_i = sum_i sum_j s_i s_j p_ij d_ij``

The energy sums over *ordered* pairs, i.e. every split pair is counted twice: the
convention of Axelrod & Bennett (1993, footnote 2:
``E(X) = sum_A' sum_B r_ij + sum_B sum_A' r_ij`` with ``r_ij = s_i s_j p_ij``), used
everywhere in this package; ``E_unordered = E / 2``.

Many configurations are handled at once as an ``(M, n)`` 0/1 array; with spins
``x = 1 - 2 b`` and ``Q_ij = p_ij s_j`` the field ``h = x @ Q.T`` gives, per
configuration, ``F = (C - x*h) / 2`` with ``C_i = sum_j s_j p_ij`` and the frustration
change of switching actor ``k`` as ``dF_k = x_k h_k``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Largest ``n`` solved by enumerating all ``2**(n-1)`` splits.
EXHAUSTIVE_LIMIT = 22
_CHUNK = 1 << 15  # configurations per vectorised block (memory ~ chunk * n * 8 bytes)


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



def row_energies(q: np.ndarray, s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """E of each row of spins ``x`` (M, n), given ``Q = p * s`` and the sizes ``s``."""
    return (0.5 * (q.sum(axis=1)[None, :] - x * (x @ q.T))) @ s

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
    out = np.empty(1 << (n - 1))
    for start, b in iter_splits(n, chunk):
        out[start : start + b.shape[0]] = row_energies(q, s, 1.0 - 2.0 * b)
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

