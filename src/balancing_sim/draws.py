"""Posterior draws as the parameters of runs: run r uses draw r mod M.

`params.draws` names a CSV table of equally weighted parameter sets (a `draw` column,
then one column per parameter; extra score columns are ignored), relative to the
config folder holding the params file (`params/posterior.csv`; the config checks make a
user folder's path absolute) or to the shipped one, or absolute. Which draw a run uses
depends only on its index, so results do not depend on the engine, the number of
workers or the chunk size. The ensemble engine gets each drawn parameter as an (R,)
array over its block of runs (`for_runs`; the dynamics broadcast it with
`dynamics.runs.per_run`), the Mesa engine one scalar set per run (`for_run`): the
arithmetic per run is the same.
Parameters named in `params.hold` are not drawn: they keep their value in every run
(a parameter set explicitly, by an override, a sweep or the evaluation API, is held).
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from .config.schema import FREE, Params
from .config.schema import FREE_PARAMETERS as PARAM_NAMES

DRAW = "draw"


def draws_path(name: str) -> Path:
    """Where a `params.draws` value points: absolute, or inside the config folder."""
    from .config.loading import conf_dir

    path = Path(name).expanduser()
    return path if path.is_absolute() else conf_dir() / path


def load_draws(name: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The drawn parameters' names and their (M, n) values: read each time (a table
    edited between two runs of one process is read anew), parsed once per content.
    Raises ValueError on a table without draws or without any parameter column, or with
    a column named nearly like a parameter (other columns, scores, are ignored)."""
    return _draws(draws_path(name).read_bytes().decode("utf-8"))


@lru_cache(maxsize=8)
def _draws(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    with io.StringIO(text, newline="") as handle:
        rows = list(csv.reader(handle))  # no pandas: the engines' workers never load it
    columns = rows[0] if rows else []
    names = tuple(c for c in columns if c in PARAM_NAMES)
    if len(rows) < 2 or not names:
        raise ValueError("a table with at least one row and one parameter column "
                         f"({', '.join(PARAM_NAMES[:3])}, ...)")
    misspelt = [(c, close[0]) for c in columns if c not in PARAM_NAMES
                for close in [difflib.get_close_matches(c, PARAM_NAMES, n=1, cutoff=0.8)]
                if close]
    if misspelt:
        column, name = misspelt[0]
        raise ValueError(f"a parameter's name or a column of scores ({column}: {name} "
                         "misspelt? it would not be drawn)")
    repeated = sorted({c for c in (*names, DRAW) if columns.count(c) > 1})
    if repeated:
        raise ValueError(f"one column per parameter ({', '.join(repeated)} repeated)")
    try:
        table = np.array([[float(row[columns.index(c)]) for c in (*names, *(
            [DRAW] if DRAW in columns else []))] for row in rows[1:]], dtype=np.float64)
    except (ValueError, IndexError):
        raise ValueError("a number in every parameter cell of every row") from None
    if DRAW in columns and not np.array_equal(table[:, -1], np.arange(len(table))):
        raise ValueError(f"a '{DRAW}' column numbering the rows 0, 1, 2, ...")
    values = table[:, :len(names)]
    if not np.isfinite(values).all():
        raise ValueError("finite parameter values")
    for j, name in enumerate(names):  # the ranges a params file is held to
        low, high = FREE[name]
        bad = np.flatnonzero((values[:, j] < low) | (values[:, j] > high))
        if len(bad):
            raise ValueError(f"{name} in [{low:g}, {high:g}] in every row (row "
                             f"{bad[0] + 1} of the table has {values[bad[0], j]:g})")
    return names, values


def held(params: Params, values: Mapping[str, float]) -> Params:
    """`params` with the parameters just set (`values`) held at their value, not drawn."""
    hold = tuple(sorted({*params.hold, *values}))
    return params if hold == params.hold else dataclasses.replace(params, hold=hold)


def draw_count(params: Params) -> int:
    """How many parameter sets the runs cycle through (1 for a point)."""
    return 1 if params.draws is None else len(load_draws(params.draws)[1])


def recurrence(histories: int, params: Params) -> int:
    """Runs after which a forward run's shared history and its draw recur together:
    run r continues history r mod H and holds draw r mod M (lcm(H, M))."""
    return math.lcm(histories, draw_count(params))


def draw_ids(params: Params, runs: np.ndarray) -> np.ndarray | None:
    """(R,) the draw each run uses, or None when the parameters are one point."""
    if params.draws is None:
        return None
    return np.asarray(runs, dtype=np.int64) % draw_count(params)


def for_runs(params: Params, runs: np.ndarray) -> tuple[Params, np.ndarray | None]:
    """The parameters of a block of runs (each drawn one an (R,) array) and the draw ids."""
    if params.draws is None:
        return params, None
    names, values = load_draws(params.draws)  # read once for the ids and the values
    ids = np.asarray(runs, dtype=np.int64) % len(values)
    return dataclasses.replace(params, **{n: values[ids, j] for j, n in enumerate(names)
                                          if n not in params.hold}), ids


def for_run(params: Params, run: int) -> tuple[Params, int | None]:
    """The scalar parameters of one run and its draw id (None for a point)."""
    if params.draws is None:
        return params, None
    names, values = load_draws(params.draws)
    draw = int(run) % len(values)
    return dataclasses.replace(params, **{n: float(values[draw, j]) for j, n in enumerate(names)
                                          if n not in params.hold}), draw
