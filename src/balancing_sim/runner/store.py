"""Chunk storage and resume: a run directory as its chunks are written.

Workers never write into the output's datasets. Each attempt has a staging folder
(`<out>/.staging/<attempt>/`, created by the run before any job starts, never by a
worker); a local worker writes its chunk's part files there (temp file + rename, in a
folder that must already exist, so a worker whose run was killed, and whose staging
folder the next attempt removed, cannot write anywhere). Only the run's own process
moves a finished chunk's parts into the datasets (`<out>/<table>.parquet/part-NNNNNN
.parquet`, one rename each) and then writes its marker `<out>/chunks/NNNNNN.done` (its
run count, the identity of the config and seed it was computed for and of the data
files it read, its share of the summary). When every chunk is done, the identity and
row count of every part are checked against the config, the summary is combined from
the markers' shares and
`chunks/` is removed. A rerun skips chunks whose marker and parts carry the config's
identity and rewrites the others. The chunk size of a directory is recorded in
`chunks/layout.json` on the first attempt and reused on every resume.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .. import contract
from .. import results as files
from ..config.schema import Config
from ..draws import draws_path
from ..execution import without_execution
from ..summary import Part
from . import folder
from .folder import OutputConflict
from .jobs import Job

LAYOUT = "layout.json"
STAGING = ".staging"
__all__ = ["OutputConflict", "ConfigChanged", "Inconsistent"]


class ConfigChanged(OutputConflict):
    """The output directory holds results of a different config: never mix them."""

    def __init__(self, out: Path):
        super().__init__(f"{out}: holds results of a different config (see its config.yaml); "
                         "choose another out= or delete the directory")


class Inconsistent(OutputConflict):
    """A directory whose tables disagree with its summary or config."""

    def __init__(self, out: Path, what: str):
        super().__init__(f"{out}: {what}; its tables do not match its config.yaml and "
                         "summary.json: delete the directory and run again, or choose "
                         "another out=")


def identity(resolved: Mapping) -> dict:
    """The part of a resolved config that determines the results."""
    return without_execution(json.loads(json.dumps(resolved, default=str)))


def data_files(config: Config) -> tuple[Path, ...]:
    """The data a run reads from files its config only names: the posterior's draws
    table and the world's capability table (edited between an interrupted run and its
    resume, they would otherwise mix two versions in one dataset)."""
    named = [draws_path(config.params.draws)] if config.params.draws else []
    if config.world.capability_data:
        named.append(Path(config.world.capability_data))
    return tuple(named)


def stamp(config: Config, resolved: Mapping) -> str:
    """What each chunk and part file of a run is stamped with: a short hash of its
    config's `identity` and of the content of the data files it reads."""
    digest = hashlib.sha256(json.dumps(identity(resolved), sort_keys=True,
                                       default=str).encode())
    for path in data_files(config):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def recorded_config(out: Path) -> Mapping | None:
    """The config.yaml of a directory as a mapping; None when there is none or it is
    not a mapping (not a run's)."""
    path = out / "config.yaml"
    try:
        before = files.config_data(path.read_text()) if path.is_file() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return before if isinstance(before, Mapping) else None


def has_results(out: Path) -> bool:
    return (out / files.CHUNKS).is_dir() or (out / "summary.json").exists()


def same_config(out: Path, resolved: Mapping) -> bool:
    before = recorded_config(out)
    return before is not None and identity(before) == identity(resolved)


def admit(out: Path, resolved: Mapping) -> None:
    """May a run of `resolved` use `out`? Claims the folder (its lock, for this process:
    `folder.claim`), and refuses results of a different config. A folder that holds a run
    of the same config written before folders were marked is adopted."""
    legacy = folder.owner_kind(out) is None and has_results(out) and same_config(out, resolved)
    folder.check(out, "run", adopt=legacy)
    if has_results(out) and not same_config(out, resolved):
        raise ConfigChanged(out)  # refused before the folder is touched
    folder.claim(out, "run", adopt=legacy)
    if has_results(out) and not same_config(out, resolved):  # again, under the lock
        folder.release(out)
        raise ConfigChanged(out)


def staging(out: Path) -> Path:
    return out / STAGING / f"{os.getpid()}"


WRITTEN = ("config.yaml", "summary.json", "timing.json", files.CHUNKS, STAGING,
           *(contract.table_dir(t) for t in contract.TABLES))
"""What a run writes in its folder."""


def no_links(out: Path) -> None:
    """None of what a run writes may be a symbolic link (it would write elsewhere)."""
    for name in WRITTEN:
        if (out / name).is_symlink():
            folder.release(out)
            raise OutputConflict(f"{out / name}: a symbolic link; a run writes only into its "
                                 "own folder (remove the link, or choose another out=)")


def start(out: Path, resolved: Mapping) -> Path:
    """Admit the run (`admit`), clear torn writes and the staging folders of earlier
    attempts, record the resolved config; return this attempt's staging folder."""
    admit(out, resolved)
    no_links(out)
    for tmp in out.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    shutil.rmtree(out / STAGING, ignore_errors=True)
    files.atomic_write_bytes(out / "config.yaml", files.config_text(resolved).encode())
    stage = staging(out)
    stage.mkdir(parents=True, exist_ok=True)
    for table in contract.TABLES:
        (out / contract.table_dir(table)).mkdir(exist_ok=True)
    return stage


def staged_name(table: str, index: int) -> str:
    return f"{table}.{contract.part_name(index)}"


def write_parts(stage: Path, index: int, tables: dict[str, pa.Table]) -> None:
    """A worker's chunk, into the run's staging folder (which it never creates)."""
    for table in contract.TABLES:
        files.atomic_write_bytes(stage / staged_name(table, index),
                                 contract.parquet_bytes(tables[table]), make_parents=False)


def publish(out: Path, stage: Path, index: int, count: int, part: Part, stamp: str,
            tables: dict[str, pa.Table] | None = None) -> None:
    """The run's own process puts a finished chunk into the datasets (its staged parts
    renamed, or `tables` written when the workers returned them), then its marker: a part
    without its marker is not a result."""
    name = contract.part_name(index)
    for table in contract.TABLES:
        target = out / contract.table_dir(table) / name
        if tables is not None:
            files.atomic_write_bytes(target, contract.parquet_bytes(tables[table]))
        else:
            os.replace(stage / staged_name(table, index), target)
    files.atomic_write_json(out / files.CHUNKS / files.marker_name(index),
                            {"runs": count, "identity": stamp, "summary": part.to_json()})


def layout(folder: Path, runs: int, proposed: int) -> int:
    """The chunk size of this directory: recorded by the first attempt, reused after."""
    path = folder / LAYOUT
    if path.is_file():
        try:
            recorded = json.loads(path.read_text())
            if recorded.get("runs") == runs and int(recorded["chunk_runs"]) >= 1:
                return int(recorded["chunk_runs"])
        except (ValueError, KeyError, TypeError):
            pass
        for f in folder.glob("*"):  # an unreadable layout: start this directory afresh
            f.unlink()
    files.atomic_write_json(path, {"runs": runs, "chunk_runs": proposed})
    return proposed


def part_fits(path: Path, job: Job) -> bool:
    """Is a part file the job's: stamped with its identity and, when its runs share
    histories, carrying the `history` column (a part written before the tables had it,
    for the same config, is rewritten rather than mixed with parts that have it)."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return False
    return contract.identity(schema) == job.identity and (
        not job.compiled.histories or "history" in schema.names)


def pending(jobs: list[Job], out: Path) -> tuple[list[Job], list[Part]]:
    """(jobs still to run, summary shares of the chunks already done). A chunk is done
    when its marker is readable and carries the job's identity, and so do its parts; the
    parts of any other chunk, and the temp files of a killed attempt, are removed."""
    folder_ = out / files.CHUNKS
    folder_.mkdir(parents=True, exist_ok=True)
    for table in contract.TABLES:
        for tmp in (out / contract.table_dir(table)).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    for tmp in folder_.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    found = files.markers(out)
    todo, done = [], []
    for job in jobs:
        marker = found.get(job.index)
        parts = [out / contract.table_dir(t) / contract.part_name(job.index)
                 for t in contract.TABLES]
        if (marker is not None and marker.get("identity") == job.identity
                and int(marker["runs"]) == job.count and "summary" in marker
                and all(part_fits(p, job) for p in parts)):
            done.append(Part.from_json(marker["summary"]))
            continue
        (folder_ / files.marker_name(job.index)).unlink(missing_ok=True)
        for path in parts:
            path.unlink(missing_ok=True)
        todo.append(job)
    return todo, done


def saved(out: Path) -> int:
    """Runs whose chunk is complete on disk."""
    return sum(int(m["runs"]) for m in files.markers(out).values())


def verify(out: Path, stamp: str, rows: Mapping[str, int]) -> None:
    """Every part of every table carries `stamp` and the tables hold `rows` rows:
    what a finished directory must be (Inconsistent otherwise)."""
    for table in contract.TABLES:
        total = 0
        for path in sorted((out / contract.table_dir(table)).glob("part-*.parquet")):
            try:
                schema = pq.read_schema(path)
                total += pq.ParquetFile(path).metadata.num_rows
            except (OSError, pa.ArrowException):
                raise Inconsistent(out, f"{path.relative_to(out)} is not readable") from None
            if contract.identity(schema) != stamp:
                raise Inconsistent(out, f"{path.relative_to(out)} was computed for another "
                                        "config or seed")
        if total != rows[table]:
            raise Inconsistent(out, f"{contract.table_dir(table)} holds {total:,} rows where "
                                    f"the config gives {rows[table]:,}")


def finished(out: Path, stamp: str, rows: Mapping[str, int], runs: int) -> bool:
    """Is this directory a finished run of this config: a summary of `runs` runs, and
    tables that `verify`? A summary beside tables that disagree is Inconsistent."""
    path = out / "summary.json"
    if not path.exists():
        return False
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        summary = None
    if not isinstance(summary, Mapping) or summary.get("runs") != runs \
            or not isinstance(summary.get("actors"), Mapping):
        raise Inconsistent(out, f"summary.json is not the summary of {runs:,} runs")
    verify(out, stamp, rows)
    return True


def finish(out: Path, summary: dict, timing: dict, stamp: str,
           rows: Mapping[str, int]) -> None:
    """Check the tables (`verify`), write the summary (the run is finished) and the
    timing, and drop the markers and the staging folders."""
    verify(out, stamp, rows)
    files.atomic_write_json(out / "summary.json", summary)
    files.atomic_write_json(out / "timing.json", timing)
    drop_markers(out)


def drop_markers(out: Path) -> None:
    """What an unfinished run keeps beside its tables: markers, layout, staging."""
    folder_ = out / files.CHUNKS
    if folder_.is_dir():
        for f in folder_.glob("*"):
            f.unlink()
        folder_.rmdir()
    shutil.rmtree(out / STAGING, ignore_errors=True)
