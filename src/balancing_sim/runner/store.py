"""Chunk storage and resume: a run directory as its chunks are written.

Each finished chunk writes one part file per table straight into the table's dataset
(`<out>/<table>.parquet/part-NNNNNN.parquet`, temp file + rename), then its marker
`<out>/chunks/NNNNNN.done` (its run count, the identity of the config and seed it was
computed for, and its share of the summary). There is no merge: when every chunk is
done, the summary is combined from the markers and `chunks/` is removed. A rerun in
the same directory skips chunks whose marker carries the same identity and rewrites
the others (the leftovers of a killed attempt). The chunk size of a directory is
recorded in `chunks/layout.json` on the first attempt and reused on every resume.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import yaml

from .. import contract
from .. import results as files
from ..execution import without_execution
from ..summary import Part
from .jobs import Job

LAYOUT = "layout.json"


class OutputConflict(ValueError):
    """The output directory holds results of a different config: never mix them."""

    def __init__(self, out: Path):
        super().__init__(f"{out}: holds results of a different config (see its config.yaml); "
                         "choose another out= or delete the directory")


def identity(resolved: Mapping) -> dict:
    """The part of a resolved config that determines the results."""
    return without_execution(json.loads(json.dumps(resolved, default=str)))


def fingerprint(resolved: Mapping) -> str:
    """A short hash of `identity`: what each chunk and part file is stamped with."""
    text = json.dumps(identity(resolved), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_same(out: Path, resolved: Mapping) -> None:
    previous = out / "config.yaml"
    if not previous.is_file() or not ((out / files.CHUNKS).is_dir()
                                      or (out / "summary.json").is_file()):
        return
    try:
        before = yaml.safe_load(previous.read_text()) or {}
    except yaml.YAMLError:
        before = {}
    if not isinstance(before, Mapping) or identity(before) != identity(resolved):
        raise OutputConflict(out)


def write_chunk(out: Path, index: int, count: int, tables: dict[str, pa.Table], part: Part,
                stamp: str) -> None:
    """Each table's part atomically, then the marker: a part without it is not a result."""
    name = contract.part_name(index)
    for table in contract.TABLES:
        files.atomic_write_bytes(out / contract.table_dir(table) / name,
                                 contract.parquet_bytes(tables[table]))
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


def pending(jobs: list[Job], out: Path) -> tuple[list[Job], list[Part]]:
    """(jobs still to run, summary shares of the chunks already done). A chunk is done
    when its marker is readable and carries the job's identity; the parts of any other
    chunk, and the temp files of a killed attempt, are removed."""
    folder = out / files.CHUNKS
    folder.mkdir(parents=True, exist_ok=True)
    for table in contract.TABLES:
        for tmp in (out / contract.table_dir(table)).glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    found = files.markers(out)
    todo, done = [], []
    for job in jobs:
        marker = found.get(job.index)
        if (marker is not None and marker.get("identity") == job.identity
                and int(marker["runs"]) == job.count and "summary" in marker):
            done.append(Part.from_json(marker["summary"]))
            continue
        (folder / files.marker_name(job.index)).unlink(missing_ok=True)
        for table in contract.TABLES:
            (out / contract.table_dir(table) / contract.part_name(job.index)).unlink(
                missing_ok=True)
        todo.append(job)
    return todo, done


def saved(out: Path) -> int:
    """Runs whose chunk is complete on disk."""
    return sum(int(m["runs"]) for m in files.markers(out).values())


def finish(out: Path, summary: dict, timing: dict) -> None:
    """Write the summary (the run is finished), the timing, and drop the markers."""
    files.atomic_write_json(out / "summary.json", summary)
    files.atomic_write_json(out / "timing.json", timing)
    drop_markers(out)


def drop_markers(out: Path) -> None:
    folder = out / files.CHUNKS
    if folder.is_dir():
        for f in folder.glob("*"):
            f.unlink()
        folder.rmdir()


def start(out: Path, resolved: Mapping) -> None:
    """Refuse a directory holding another config's results; clear torn writes of a
    killed attempt; record the resolved config."""
    out.mkdir(parents=True, exist_ok=True)
    check_same(out, resolved)
    for tmp in out.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    text = yaml.safe_dump(dict(resolved), sort_keys=False, allow_unicode=True)
    files.atomic_write_bytes(out / "config.yaml", text.encode())
