"""Capabilities by year: the COW National Material Capabilities index (CINC) of each
actor, summed over its COW country codes, looked up by calendar year.

The data end in the file's last year; later years carry the last value forward (see
`conf/data/README.md` for why). An actor without codes keeps the constant
`capability` of its world entry.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np

from .config.schema import World


@cache
def cinc_table(path: str) -> dict[int, dict[int, float]]:
    """{COW code: {year: CINC}} from a COW NMC CSV (`ccode`, `year`, `cinc`; -9 missing)."""
    from .config.loading import conf_dir  # the config folder (loads Hydra: only when read)

    table: dict[int, dict[int, float]] = {}
    with open(Path(conf_dir()) / path, newline="") as handle:
        for row in csv.DictReader(handle):
            value = float(row["cinc"])
            if value >= 0:
                table.setdefault(int(row["ccode"]), {})[int(row["year"])] = value
    return table


def code_series(years: np.ndarray, by_year: dict[int, float]) -> np.ndarray:
    """(Y,) one code's CINC in each year: observed, else the nearest observed year (the
    last value carried forward, the first carried back to a state's first year)."""
    known = np.array(sorted(by_year))
    nearest = known[np.abs(known[None, :] - years[:, None]).argmin(axis=1)]
    return np.array([by_year[int(y)] for y in nearest])


def capability_by_year(world: World, years: np.ndarray) -> np.ndarray:
    """(Y, S) capability of every threat source (poles, states, external actors) in each
    year: the sum of its codes active that year, or its constant capability."""
    actors = (*world.poles, *world.states, *world.external)
    out = np.zeros((len(years), len(actors)))
    table = cinc_table(world.capability_data) if world.capability_data else {}
    for a, actor in enumerate(actors):
        if not actor.cow or not table:
            out[:, a] = actor.capability.value
            continue
        for span in actor.cow:
            active = ((span.first is None or years >= span.first)
                      & (span.last is None or years <= span.last))
            if span.code in table:
                out[:, a] += np.where(active, code_series(years, table[span.code]), 0.0)
    return out
