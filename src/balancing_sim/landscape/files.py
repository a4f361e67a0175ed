"""Landscape worlds on disk: the YAML format (docs/LANDSCAPE.md), propensity CSVs and
propensities built from codings.

A world file is read by the config layer's generic reader into the schema below, so its
mistakes come out as the model's do: one `Problem` per mistake (file, key, value, what is
allowed), all of them in one `ConfigError`. The checks a schema cannot state (a square,
symmetric matrix; pairs of known actors; exactly one propensity form) follow here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..config.errors import Collector
from ..config.schema import SOURCE, Sourced, spec
from ..config.validate import Reader
from ..config.yamlfile import load_yaml

ANY = (-math.inf, math.inf)
FORMS = ("matrix", "pairs", "csv", "codings")


@dataclass(frozen=True)
class Noted(Sourced):
    """A sourced number that may also name the judgement it rests on."""

    assumption: str | None = None


@dataclass(frozen=True, kw_only=True)
class LandscapeActor:
    name: str = spec(nonempty=True, what="a non-empty name")
    size: Noted = spec(range=ANY)
    attributes: dict[str, Any] = spec({})  # text, or {value, assumption}
    observed: Any = None


@dataclass(frozen=True, kw_only=True)
class Pair:
    a: str
    b: str
    value: Noted = spec(flat=True, range=ANY)


@dataclass(frozen=True, kw_only=True)
class ValuePair:
    pair: Any  # [u, v]: two attribute values
    value: float = spec(range=ANY)


@dataclass(frozen=True, kw_only=True)
class Factor:
    source: str = spec(**SOURCE)
    assumption: str | None = None
    attribute: str | None = None
    same: float = spec(1.0, range=ANY)
    different: float = spec(-1.0, range=ANY)
    values: tuple[ValuePair, ...] = ()
    weight: float = spec(1.0, range=ANY)
    pairs: tuple[Pair, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class Codings:
    scheme: str = ""
    factors: dict[str, Factor] = spec(need="a non-empty mapping of factors")


@dataclass(frozen=True, kw_only=True)
class Propensity:
    source: str | None = None
    matrix: Any = None
    pairs: tuple[Pair, ...] | None = None
    csv: str | None = None
    codings: Codings | None = None


@dataclass(frozen=True, kw_only=True)
class LandscapeFile:
    """The YAML layout of a landscape world."""

    title: str | None = None
    name: str = ""
    year: Any = None
    notes: Any = None
    published: Any = None
    observed_labels: tuple[str, ...] | None = spec(None, noun="bloc label")
    assumptions: Any = None
    actors: tuple[LandscapeActor, ...]
    propensity: Propensity


@dataclass(frozen=True)
class LandscapeWorld:
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


# ------------------------------------------------------------------ matrices


def _check_matrix(r: Reader, m: np.ndarray, names: Sequence[str], key: str) -> np.ndarray | None:
    """A square, finite, symmetric matrix with a zero diagonal, one row per actor."""
    n, shown = len(names), m.tolist()
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] != n:
        how = "must be square" if m.ndim != 2 or m.shape[0] != m.shape[1] else f"{n} actors"
        r.add(key, shown, f"a square matrix, one row and column per actor (shape {m.shape}, "
                          f"{how})")
        return None
    if not np.all(np.isfinite(m)):
        r.add(key, shown, "finite numbers")
        return None
    for i in np.flatnonzero(np.diag(m) != 0)[:1]:
        r.add(f"{key}[{names[i]}][{names[i]}]", float(m[i, i]),
              "0 on the diagonal (p_ii must be 0)")
        return None
    diff = np.abs(m - m.T)
    if diff.max() > 1e-9 * max(1.0, float(np.abs(m).max())):
        i, j = np.unravel_index(int(np.argmax(diff)), m.shape)
        r.add(key, shown, f"p_ij == p_ji (not symmetric: p[{names[i]}][{names[j]}] = "
                          f"{m[i, j]:g} but p[{names[j]}][{names[i]}] = {m[j, i]:g})")
        return None
    return (m + m.T) / 2.0


def _unique_names(r: Reader, names: Sequence[Any], key: str) -> bool:
    ok = True
    for i, name in enumerate(names):
        if name in names[:i]:
            r.add(f"{key}[{i}]", name, f"a name not used before (duplicate actor {name!r})")
            ok = False
    return ok


def _read_csv(r: Reader) -> tuple[list[str], np.ndarray | None]:
    """A propensity matrix with actor names as header and index (pandas)."""
    try:
        df = pd.read_csv(r.file, index_col=0)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        why = " ".join(str(exc).split())  # pandas' parser messages end in a newline
        r.add("(file)", None, f"a CSV matrix, actor names as header and first column ({why})")
        return [], None
    rows, cols = [str(x) for x in df.index], [str(x) for x in df.columns]
    if not (_unique_names(r, rows, "index") and _unique_names(r, cols, "header")):
        return rows, None
    if len(rows) != len(cols) or set(rows) != set(cols):
        r.add("header", cols, f"the names of the first column, a square matrix (found "
                              f"{len(rows)} rows and {len(cols)} columns: not square, or "
                              f"other names: {sorted(set(rows) ^ set(cols))})")
        return rows, None
    df.index, df.columns = rows, cols
    df = df.loc[rows, rows]
    bad = df.apply(pd.to_numeric, errors="coerce").isna().to_numpy()
    for i, j in np.argwhere(bad)[:1]:
        r.add(f"[{rows[i]}][{rows[j]}]", df.iat[i, j], "a number (this entry is not a number)")
        return rows, None
    return rows, _check_matrix(r, df.to_numpy(dtype=float), rows, "matrix")


def read_propensity_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read a propensity matrix with actor names as header and index; ConfigError (a
    ValueError) names the file, the entry and what is allowed."""
    errors = Collector()
    names, matrix = _read_csv(Reader(errors, str(path)))
    errors.raise_if_any()
    return names, matrix


def write_propensity_csv(path: str | Path, names: Sequence[str], matrix: Any) -> None:
    """Write a propensity matrix in the format read by :func:`read_propensity_csv`."""
    pd.DataFrame(np.asarray(matrix, dtype=float), index=list(names), columns=list(names)).to_csv(
        path, float_format="%.17g"
    )


def _pairs_matrix(r: Reader, pairs: Sequence[Pair], names: list[str], key: str,
                  assumptions: list[str]) -> np.ndarray:
    """Listed pairs (unlisted ones are 0): known actors, never one with itself, each once."""
    m = np.zeros((len(names), len(names)))
    seen: dict[tuple[int, int], int] = {}
    for k, pr in enumerate(pairs):
        where = f"{key}[{k}]"
        ends = []
        for end, who in (("a", pr.a), ("b", pr.b)):
            if who not in names:
                r.add(f"{where}.{end}", who, f"a name from actors (unknown actor {who!r}; "
                                             f"known: {', '.join(names)})")
            ends.append(names.index(who) if who in names else None)
        i, j = ends
        if i is None or j is None or pr.value is None:
            continue
        if i == j:
            r.add(where, pr.a, "two different actors (p_ii is 0)")
            continue
        if (min(i, j), max(i, j)) in seen:
            r.add(where, f"{pr.a}-{pr.b}",
                  f"a pair not given before (already in {key}[{seen[min(i, j), max(i, j)]}])")
            continue
        seen[min(i, j), max(i, j)] = k
        m[i, j] = m[j, i] = pr.value.value
        if pr.value.assumption:
            assumptions.append(f"{where} {pr.a}-{pr.b}: {pr.value.assumption}")
    return m


def _codings_matrix(r: Reader, codings: Codings, names: list[str],
                    attributes: Sequence[Mapping[str, Any]],
                    assumptions: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    n = len(names)
    total = np.zeros((n, n))
    parts: dict[str, np.ndarray] = {}
    for fname, spec_ in codings.factors.items():
        key = f"propensity.codings.factors.{fname}"
        if spec_.assumption:
            assumptions.append(f"factor {fname}: {spec_.assumption}")
        m = np.zeros((n, n))
        if spec_.attribute is not None:
            attr, vals = spec_.attribute, []
            for i, a in enumerate(attributes):
                v = a.get(attr) if isinstance(a, Mapping) else None
                if isinstance(v, Mapping):
                    if v.get("assumption"):
                        assumptions.append(f"{names[i]}.{attr}: {v['assumption']}")
                    v = v.get("value")
                if not isinstance(v, str):
                    r.add(f"actors[{i}].attributes.{attr}", v,
                          f"text (factor {fname!r} compares it for {names[i]!r})")
                vals.append(v)
            table: dict[frozenset, float] = {}
            for k, row in enumerate(spec_.values):
                if (isinstance(row.pair, list) and len(row.pair) == 2
                        and all(isinstance(v, str) for v in row.pair)):
                    table[frozenset(row.pair)] = row.value
                else:
                    r.add(f"{key}.values[{k}].pair", row.pair,
                          "two attribute values [u, v] (text)")
            for i in range(n):
                for j in range(i + 1, n):
                    same = spec_.same if vals[i] == vals[j] else spec_.different
                    m[i, j] = m[j, i] = table.get(frozenset((vals[i], vals[j])), same)
        elif spec_.pairs is not None:
            m = _pairs_matrix(r, spec_.pairs, names, f"{key}.pairs", assumptions)
        else:
            r.add(key, None, "a factor with 'attribute' or 'pairs'")
        parts[str(fname)] = m
        total += spec_.weight * m
    return total, parts


def propensity_from_codings(
    codings: Mapping[str, Any],
    names: Sequence[str],
    attributes: Sequence[Mapping[str, Any]],
    path: Any = None,
    assumptions: list[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Build p_ij as the sum of coded factors (Axelrod & Bennett 1993 style).

    Each factor is either an *attribute comparison* (``attribute``, ``same``,
    ``different``, optional ``values`` list of ``{pair: [u, v], value}`` for specific
    attribute pairs) or an explicit list of ``pairs``. Factor scores are typically
    -1/0/+1; ``weight`` (default 1) scales a factor. Returns ``(p, {factor: matrix})``.
    """
    errors = Collector()
    r = Reader(errors, str(path or "<codings>"))
    spec_ = r.record(Codings, codings, "propensity.codings")
    errors.raise_if_any()
    out = _codings_matrix(r, spec_, list(names), attributes,
                          assumptions if assumptions is not None else [])
    errors.raise_if_any()
    return out


# ------------------------------------------------------------------ worlds


def _propensity(r: Reader, prop: Propensity, names: list[str], actors: Sequence[LandscapeActor],
                assumptions: list[str]) -> tuple[np.ndarray | None, dict]:
    given = [k for k in FORMS if getattr(prop, k) is not None]
    if len(given) != 1:
        r.add("propensity", given, "exactly one of matrix, pairs, csv, codings "
                                   f"(found {given or 'none'})")
        return None, {}
    if prop.matrix is not None:
        if prop.source is None:
            r.add("propensity.source", None, "text naming the source of the matrix")
        rows = prop.matrix if isinstance(prop.matrix, list) else [prop.matrix]
        entries = [e for row in rows for e in (row if isinstance(row, list) else [row])]
        if any(isinstance(e, bool | str) for e in entries):  # numpy reads True and '1' as 1
            r.add("propensity.matrix", prop.matrix, "a numeric matrix (a list of rows of "
                                                    "numbers; no text, true or false)")
            return None, {}
        try:
            m = np.array(prop.matrix, dtype=float)
        except (TypeError, ValueError):
            r.add("propensity.matrix", prop.matrix, "a numeric matrix (a list of rows)")
            return None, {}
        return _check_matrix(r, m, names, "propensity.matrix"), {}
    if prop.pairs is not None:
        return _pairs_matrix(r, prop.pairs, names, "propensity.pairs", assumptions), {}
    if prop.codings is not None:
        return _codings_matrix(r, prop.codings, names, [a.attributes for a in actors],
                               assumptions)
    csv = Reader(r.errors, str(Path(r.file).parent / prop.csv))
    csv_names, m = _read_csv(csv)
    if m is None:
        return None, {}
    if set(csv_names) != set(names):
        r.add("propensity.csv", prop.csv, "a CSV of the same actors as the YAML (they differ: "
                                          f"{sorted(set(csv_names) ^ set(names))})")
        return None, {}
    order = [csv_names.index(nm) for nm in names]
    return m[np.ix_(order, order)], {}


def _observed(r: Reader, spec_: LandscapeFile) -> tuple[np.ndarray | None, tuple[str, str]]:
    observed = [a.observed for a in spec_.actors]
    if all(o is None for o in observed):
        return None, ("bloc 0", "bloc 1")
    labels = spec_.observed_labels
    if labels is None or len(labels) != 2 or labels[0] == labels[1]:
        r.add("observed_labels", labels, "a list of the two observed blocs' names (two "
                                         "different names)")
        return None, ("bloc 0", "bloc 1")
    for i, o in enumerate(observed):
        if o not in labels:
            r.add(f"actors[{i}].observed", o, f"one of observed_labels {list(labels)}")
    return np.array([labels.index(o) if o in labels else 0 for o in observed],
                    dtype=np.int8), (labels[0], labels[1])


def world_from_dict(doc: Any, path: Any = None) -> LandscapeWorld:
    """A landscape world from YAML data; every mistake in one ConfigError (a ValueError)."""
    errors = Collector()
    r = Reader(errors, str(path or "<world>"))
    spec_ = r.record(LandscapeFile, doc, "")
    errors.raise_if_any()
    if len(spec_.actors) < 2:
        r.add("actors", len(spec_.actors), "a list of at least two actors")
    names = [a.name for a in spec_.actors]
    _unique_names(r, names, "actors")
    assumptions: list[str] = []
    for i, a in enumerate(spec_.actors):
        if a.size.value <= 0:
            r.add(f"actors[{i}].size.value", a.size.value, f"a size > 0 (actor {a.name!r})")
        if a.size.assumption:
            assumptions.append(f"{a.name}.size: {a.size.assumption}")
    notes = spec_.assumptions
    if notes is not None and (not isinstance(notes, list)
                              or not all(isinstance(note, str) for note in notes)):
        r.add("assumptions", notes, "a list of texts, one assumption each")  # not letters
    errors.raise_if_any()
    p, parts = _propensity(r, spec_.propensity, names, spec_.actors, assumptions)
    obs, labels = _observed(r, spec_)
    errors.raise_if_any()
    assumptions += [f"assumptions[{k}]: {note}" for k, note in enumerate(spec_.assumptions or [])]
    raw = doc if isinstance(doc, Mapping) else {}
    return LandscapeWorld(
        names=tuple(names), sizes=np.array([a.size.value for a in spec_.actors]), propensity=p,
        title=str(spec_.title if spec_.title is not None else spec_.name), observed=obs,
        observed_labels=labels, components=parts, assumptions=tuple(assumptions),
        source=str(path or ""), meta={k: raw[k] for k in ("published", "year", "notes")
                                      if k in raw},
    )


def load_world(path: str | Path) -> LandscapeWorld:
    """Load a YAML world (see docs/LANDSCAPE.md); ConfigError names file, key and value."""
    return world_from_dict(load_yaml(path), Path(path))


def dump_world(world: LandscapeWorld, path: str | Path,
               source: str = "written by dump_world") -> None:
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
