"""Capabilities by year: the COW National Material Capabilities index (CINC) of each
actor, summed over its COW country codes, looked up by calendar year.

The data end in the file's last year; later years carry the last value forward (see
`conf/data/README.md` for why). An actor without codes keeps the constant
`capability` of its world entry. The file is looked up like a config: in the config
folder that holds the world's file (a user's folder on `hydra.searchpath`), then in the
shipped conf/.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .config.schema import World

COLUMNS = ("ccode", "year", "cinc")


def data_folders(file: str | None = None, group: str = "world") -> list[Path]:
    """Where a data file a config file names is looked up (a world's `capability_data`,
    a params file's `draws`): the config folder holding the file (the parent of its
    `group/` folder; for a link, that of the file it links to too), then the shipped
    conf/."""
    from .config.loading import conf_dir  # the config folder (loads Hydra: only when read)

    first = first_file(str(file or "")).absolute()  # a path given relative to where we are
    own = [f.parent.parent for f in (first, first.resolve()) if f.parent.name == group]
    return list(dict.fromkeys([*own, Path(conf_dir())]))


def first_file(files: str) -> Path:
    """The first of the files a section came from (`loading.source_files` joins them with
    ", "; a folder's name may hold ", " too)."""
    if Path(files).is_file():
        return Path(files)
    return Path(re.split(r"(?<=\.yaml), ", files)[0])


def data_file(name: str, file: str | None = None, group: str = "world") -> Path | None:
    """The data file a config file names: the first of `data_folders` that has it."""
    return next((p for p in (d / name for d in data_folders(file, group)) if p.is_file()),
                None)


def cinc_table(path: str) -> dict[int, dict[int, float]]:
    """{COW code: {year: CINC}} from a COW NMC CSV (`ccode`, `year`, `cinc`; -9 missing),
    `path` absolute or under the shipped conf/. Raises ValueError on another layout. Read
    each time (a file edited between two compositions is read anew), parsed once per
    content."""
    file = Path(path) if Path(path).is_absolute() else data_folders()[-1] / path
    return _parsed(file.read_bytes().decode("utf-8"))


@lru_cache(maxsize=8)
def _parsed(text: str) -> dict[int, dict[int, float]]:
    table: dict[int, dict[int, float]] = {}
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        if not set(COLUMNS) <= set(reader.fieldnames or ()):
            raise ValueError(f"a CSV with the columns {', '.join(COLUMNS)} (COW NMC)")
        for line, row in enumerate(reader, start=2):
            try:
                code, year, value = int(row["ccode"]), int(row["year"]), float(row["cinc"])
            except (TypeError, ValueError):
                raise ValueError(f"whole numbers in ccode and year and a number in cinc "
                                 f"(line {line})") from None
            if value >= 0 and np.isfinite(value):
                table.setdefault(code, {})[year] = value
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
