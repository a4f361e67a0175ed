"""The output contract on disk and in memory: `Results`, `load`, the directory layout.

A run directory holds `config.yaml`, `summary.json` and one Parquet dataset per table
(`trajectories.parquet/`, `memberships.parquet/`, `platforms.parquet/`, each a
directory of `part-NNNNNN.parquet` files, one per chunk of runs). While a run is
unfinished, `chunks/NNNNNN.done` marks each chunk whose parts are complete (with the
chunk's share of the summary); a part without its marker is not a result. A sweep
directory holds one run directory per point in `points/<id>/`, with a `point.json`.

`load` reads either into one `Results`: its `tables` are lazy (`tables.Table`: read
columns and row groups on demand); `res.trajectories` and friends are the same tables
as pandas DataFrames, read on first access (what notebooks and small runs want).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import summary as summaries
from .contract import TABLES, categories, part_name, table_dir

if TYPE_CHECKING:  # pandas and the lazy tables are imported when results are read
    import pandas as pd
    import pyarrow as pa

    from .tables import Table

CHUNKS = "chunks"
SWEEP_MANIFEST = "sweep.json"
"""A sweep folder's list of its point ids, written before any point runs."""
__all__ = ["TABLES", "IncompleteResults", "NotResults", "Results", "Table", "load",
           "summarize"]


class NotResults(ValueError):
    """A folder that holds neither a run's tables nor a sweep's points."""


class IncompleteResults(UserWarning):
    """A run that has not finished, or a sweep some of whose points have not."""

summarize = summaries.from_frames


def marker_name(index: int) -> str:
    return f"{index:06d}.done"


class Results:
    """What `simulate` returns and `load` reads back.

    `tables` maps each table name to a lazy `Table`; the `trajectories`, `memberships`
    and `platforms` attributes are the same tables as DataFrames, read when first used.
    Results of a directory find their tables only when asked (the summary alone needs
    neither pandas nor the Parquet files).
    """

    def __init__(self, tables: Mapping[str, Table | pd.DataFrame] | None = None,
                 summary: dict | None = None, config: dict | None = None,
                 path: Path | None = None, timing: dict | None = None,
                 incomplete: list[str] | None = None):
        self.incomplete = list(incomplete or [])
        """What has not finished: `["run"]` for an unfinished run, the ids of a sweep's
        unfinished or missing points; empty when everything finished."""
        self._given = tables
        self._tables: dict[str, Table] | None = None
        self._frames: dict[str, pd.DataFrame] = {}
        self.summary = summary if summary is not None else {}
        self.config = config if config is not None else {}
        self.path = path
        self.timing = timing or {}

    @property
    def tables(self) -> dict[str, Table]:
        if self._tables is None:
            from .tables import Table, in_memory

            given = self._given
            if given is None and self.path is not None:
                given = load(self.path).tables
            self._tables = {}
            for name in TABLES:
                table = (given or {}).get(name)
                if table is not None and not isinstance(table, Table):  # a DataFrame
                    self._frames[name] = table
                    table = in_memory(table)
                self._tables[name] = table if table is not None else Table(())
        return self._tables

    def _frame(self, name: str) -> pd.DataFrame:
        table = self.tables[name]
        if name not in self._frames:
            self._frames[name] = table.to_pandas()
        return self._frames[name]

    def _set(self, name: str, df: pd.DataFrame) -> None:
        from .tables import in_memory

        self.tables[name] = in_memory(df)
        self._frames[name] = df

    trajectories = property(lambda self: self._frame("trajectories"),
                            lambda self, df: self._set("trajectories", df))
    memberships = property(lambda self: self._frame("memberships"),
                           lambda self, df: self._set("memberships", df))
    platforms = property(lambda self: self._frame("platforms"),
                         lambda self, df: self._set("platforms", df))

    def __repr__(self) -> str:
        runs = self.summary.get("runs")
        if runs is None and "points" in self.summary:
            runs = sum(p.get("runs") for p in self.summary["points"].values()
                   if isinstance(p.get("runs"), int))
        points = self.summary.get("points")
        return (f"Results({runs} runs"
                + (f", {len(points)} sweep points" if points else "")
                + (f", at {self.path}" if self.path else "") + ")")


# ---------------------------------------------------------------- files


OWNER = ".balancing-sim"
"""The mark of a folder a run or sweep created (`runner/folder.py`)."""
KINDS = ("run", "sweep")


def owner_kind(out: Path) -> str | None:
    """`run` or `sweep` if balancing-sim created this folder, else None."""
    try:
        data = json.loads((out / OWNER).read_text() or "{}")
    except (OSError, ValueError):
        return None if not (out / OWNER).is_file() else "run"
    return data.get("kind") if data.get("kind") in KINDS else "run"


def atomic_write_bytes(path: Path, data: bytes | pa.Buffer, make_parents: bool = True) -> None:
    """Write to a temp file in the same folder, fsync, then rename: readers see the
    old file or the complete new one, never a torn one. Without `make_parents` the
    folder must exist (a worker never re-creates a folder its run removed)."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, data: dict) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def read_marker(path: Path) -> dict | None:
    """A chunk's `.done` marker, or None when it is unreadable."""
    try:
        data = json.loads(path.read_text())
        int(data["runs"])
        return data
    except (OSError, ValueError, KeyError, TypeError):
        return None


def markers(folder: Path) -> dict[int, dict]:
    """The readable markers of a run directory's unfinished chunks, by chunk index."""
    found = {}
    for path in sorted((folder / CHUNKS).glob("*.done")):
        data = read_marker(path)
        if data is not None and path.stem.isdigit():
            found[int(path.stem)] = data
    return found


def run_parts(folder: Path, name: str) -> tuple[Path, ...]:
    """A run directory's part files of one table: every part of a finished run, the
    marked chunks of an unfinished one (also reads a table written as a single file)."""
    target = folder / table_dir(name)
    if target.is_file():
        return (target,)
    if (folder / "summary.json").is_file():
        return tuple(sorted(target.glob("part-*.parquet")))
    return tuple(p for i in sorted(markers(folder)) if (p := target / part_name(i)).is_file())


def _partial_summary(folder: Path, parts: tuple[Path, ...]) -> dict:
    """The summary of an unfinished run, from the markers of its finished chunks."""
    import pyarrow.parquet as pq

    found = markers(folder)
    if not found or not parts:
        return {}
    known = categories(pq.read_schema(parts[0]))
    names = summaries.Names(*(tuple(known.get(k, ())) for k in ("actor", "posture",
                                                                  "platform")))
    return summaries.combine([summaries.Part.from_json(m["summary"]) for m in found.values()
                              if "summary" in m], names)


def _column_value(value: object) -> object:
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value)
    return value


def read_manifest(root: Path) -> list[str] | None:
    """The point ids a sweep folder was made for (None: not recorded)."""
    try:
        points = json.loads((root / SWEEP_MANIFEST).read_text())["points"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [str(p) for p in points] if isinstance(points, list) else None


def _say_incomplete(root: Path, missing: list[str], total: int) -> None:
    if missing == ["run"]:
        text = f"{root}: the run has not finished (resume it with the same command)"
    else:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5
                                          else "")
        text = (f"{root}: the sweep is incomplete, {len(missing)} of {total} points have "
                f"not finished ({shown}); resume it with the same command")
    warnings.warn(text, IncompleteResults, stacklevel=3)


def load(path: str | Path) -> Results:
    """Read a run directory or a sweep directory (`points/<id>/`) into one `Results`.

    For a sweep, each table gets the columns `point` (the point id), `scenario` (the
    scenario name) and one column per swept key (e.g. `params.w_autonomy`). An unfinished
    run or sweep is read as far as it got, with an `IncompleteResults` warning and its
    unfinished parts in `Results.incomplete`; a folder with neither tables nor points is
    `NotResults`.
    """
    from .config.outputs import URL, expand
    from .tables import Part, Table

    if not isinstance(path, str | os.PathLike) or URL.match(os.fspath(path)):
        raise NotResults(f"path = {path!r}: the folder of a run or sweep, named as a path "
                         "(text or pathlib.Path; file:///x is /x)")
    root = expand(path)  # `~` is the home folder, as in out=
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a results directory")
    points = sorted(p.parent for p in root.glob("points/*/point.json"))
    expected = read_manifest(root)
    if not points and expected is None:
        parts = {t: run_parts(root, t) for t in TABLES}
        summary_path = root / "summary.json"
        if not summary_path.is_file() and not (root / CHUNKS).is_dir():
            raise NotResults(f"{root}: not a results directory (no summary.json, no "
                             f"{table_dir('trajectories')}/ and no points/*/point.json)")
        summary = _json(summary_path)
        tables = {t: Table((Part(files),) if files else ()) for t, files in parts.items()}
        _check_ours(root, tables["trajectories"], summary is not None)
        _check_tables(root, tables, parts if summary is not None else {})
        incomplete = [] if summary is not None else ["run"]
        if summary is None:
            summary = _partial_summary(root, parts["trajectories"])
        if incomplete:
            _say_incomplete(root, incomplete, 1)
        return Results(tables, summary=summary, config=config_file(root / "config.yaml"), path=root,
                       incomplete=incomplete)
    infos = {p: info for p in points if (info := _point(p / "point.json")) is not None}
    keys = sorted({k for info in infos.values() for k in info.get("values", {})} - {"scenario"})
    sources: dict[str, list[Part]] = {t: [] for t in TABLES}
    summaries_, configs = {}, {}
    for folder, info in infos.items():
        values = info.get("values", {})
        extra = {"point": folder.name, "scenario": info.get("scenario", "")}
        extra.update({k: _column_value(values.get(k)) for k in keys})
        summary = _json(folder / "summary.json")
        if summary is not None and not isinstance(summary.get("runs"), int):
            summary = None  # not a run's summary: the point has not finished
        files = {t: run_parts(folder, t) for t in TABLES}
        own = {t: Part(f, extra) for t, f in files.items() if f}  # read once: checked, kept
        _check_tables(folder, {t: Table((own[t],) if t in own else ()) for t in TABLES},
                      files if summary is not None else {})
        for t, part in own.items():
            sources[t].append(part)
        if summary is not None:
            summaries_[folder.name] = summary
        configs[folder.name] = {"values": values, "scenario": info.get("scenario")}
    ids = sorted({*(expected or ()), *(p.name for p in points)})
    incomplete = [i for i in ids if i not in summaries_]
    if incomplete:
        _say_incomplete(root, incomplete, len(ids))
    return Results({t: Table(tuple(parts)) for t, parts in sources.items()},
                   summary={"points": summaries_}, config={"points": configs}, path=root,
                   incomplete=incomplete)


KEY_COLUMNS = ("run", "step", "date", "actor", "posture")
"""Columns every trajectories table of a run has (PRODUCT.md)."""
TABLE_KEYS = {"trajectories": KEY_COLUMNS,
              "memberships": ("run", "step", "date", "actor", "platform", "status"),
              "platforms": ("run", "step", "date", "platform", "viability", "depth")}
"""Columns every table of a run has, that the summaries, figures and reports read."""


def _check_tables(root: Path, tables: Mapping[str, Table],
                  finished: Mapping[str, tuple[Path, ...]]) -> None:
    """NotResults for a run folder changed by hand: a table lacking a column of the
    contract (renamed), or, once the run has finished (`finished`: its part files), a
    part file that one table lacks and another has (removed)."""
    for name, table in tables.items():
        try:
            missing = [c for c in TABLE_KEYS[name] if table.parts and c not in table.columns]
        except (OSError, ValueError) as exc:  # pyarrow's errors are both
            raise NotResults(f"{root}: {table_dir(name)}/ cannot be read ({exc})") from None
        if missing:
            raise NotResults(f"{root}: {table_dir(name)}/ lacks the columns "
                             f"{', '.join(missing)} (changed after the run wrote it: run "
                             "it again into a new folder)")
    chunked = {t: {f.name for f in files} for t, files in finished.items()
               if not (root / table_dir(t)).is_file()}
    every = set().union(*chunked.values())
    lost = [f"{table_dir(t)}/{n}" for t, names in chunked.items() for n in sorted(every - names)]
    if lost:
        shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        raise NotResults(f"{root}: the run finished, but {shown} is missing (its other "
                         "tables have it): the folder was changed after the run wrote it; "
                         "run it again into a new folder")


def _check_ours(root: Path, trajectories: Table, summarized: bool) -> None:
    """NotResults for a folder another program wrote: a trajectories table without the
    contract's columns, or neither a summary mapping nor any table nor chunks."""
    if not trajectories.parts:
        if not summarized and not (root / CHUNKS).is_dir():
            raise NotResults(f"{root}: not a results directory (summary.json is not a "
                             f"run's summary and there is no {table_dir('trajectories')}/)")
        return
    try:
        missing = [c for c in KEY_COLUMNS if c not in trajectories.columns]
    except (OSError, ValueError) as exc:  # pyarrow's errors are both
        raise NotResults(f"{root}: not a results directory ({table_dir('trajectories')}/ "
                         f"cannot be read: {exc})") from None
    if missing:
        raise NotResults(f"{root}: not a results directory ({table_dir('trajectories')}/ "
                         f"lacks the columns {', '.join(missing)})")


def _json(path: Path) -> dict | None:
    """A JSON mapping written by a run, or None (absent, torn, not a mapping)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _point(path: Path) -> dict | None:
    """A sweep point's `point.json`, or None (absent, torn, or changed into something else:
    the point is read as unfinished)."""
    info = _json(path)
    if info is None or not isinstance(info.get("values", {}), dict) \
            or not isinstance(info.get("scenario", ""), str | None):
        return None
    return info


def config_file(path: Path) -> dict:
    """A run's `config.yaml` as plain data ({} when there is none); remembered by file
    and modification time, as figures and reports read each point's config repeatedly
    (a resolved config is some hundred kilobytes of YAML)."""
    if not path.is_file():
        return {}
    stat = path.stat()
    return copy.deepcopy(_parsed_yaml(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _parsed_yaml(path: str, mtime_ns: int, size: int) -> dict:
    import yaml

    try:
        data = config_data(Path(path).read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NotResults(f"{path}: not a run's config ({type(exc).__name__})") from None
    if not isinstance(data, dict | None):
        raise NotResults(f"{path}: not a run's config (a mapping; it holds a "
                         f"{type(data).__name__})")
    return data or {}


def config_text(data: Mapping) -> str:
    """A resolved config as the YAML of a run's `config.yaml`: `yaml.safe_dump`'s text,
    written by libyaml where PyYAML has it (the same text for every shipped scenario,
    ~4x faster; a config is some hundred kilobytes)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(dict(data), Dumper=dumper, sort_keys=False, allow_unicode=True)


def config_data(text: str) -> object:
    """`yaml.safe_load` of a run's `config.yaml`, parsed by libyaml where PyYAML has it
    (~9x faster)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
