"""Where the loop puts finished chunks: in memory, or in a run directory on disk."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from .. import summary as summaries
from ..contract import TABLES
from ..results import Results
from . import store
from .backends import remote
from .jobs import Done, Job


class Clock:
    """Wall-clock seconds of this attempt and CPU seconds of the workers, per phase."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.cpu: dict[str, float] = {}
        self.runs = 0

    def add(self, done: Done) -> None:
        self.runs += done.count
        for phase, seconds in done.cpu.items():
            self.spent(phase, seconds)

    def spent(self, phase: str, seconds: float) -> None:
        self.cpu[phase] = self.cpu.get(phase, 0.0) + seconds

    def record(self, **extra: object) -> dict:
        """For `timing.json` and `Results.timing`: never part of the summary."""
        return {"seconds": round(time.perf_counter() - self.started, 3),
                "runs_this_attempt": self.runs,
                "worker_cpu_seconds": {k: round(v, 3) for k, v in self.cpu.items()},
                **extra}


class MemorySink:
    """Chunks kept in memory, concatenated in run order at the end."""

    def __init__(self, names: summaries.Names, resolved: Mapping):
        self.names, self.resolved = names, resolved
        self.done: dict[int, Done] = {}
        self.clock = Clock()

    def accept(self, done: Done) -> None:
        self.done[done.index] = done
        self.clock.add(done)

    def saved(self) -> int:
        return 0

    def finish(self) -> Results:
        from ..tables import in_memory

        ordered = [self.done[i] for i in sorted(self.done)]
        tables = {t: in_memory(pa.concat_tables([d.tables[t] for d in ordered]))
                  for t in TABLES}
        summary = summaries.combine([d.summary for d in ordered], self.names)
        return Results(tables, summary=summary, config=dict(self.resolved),
                       timing=self.clock.record())


class DiskSink:
    """Chunks put into a run directory by this process (staged by local workers, or
    returned by remote ones), resumable: chunks done by an earlier attempt count as done."""

    def __init__(self, out: Path, stage: Path, names: summaries.Names, resolved: Mapping,
                 backend: object, stamp: str):
        self.out, self.stage, self.names, self.resolved = out, stage, names, resolved
        self.stamp = stamp  # `store.stamp`: what the chunks of this run are stamped with
        self.parts: list[summaries.Part] = []
        self.remote = remote(backend)
        self.clock = Clock()

    def open(self, jobs: list[Job]) -> list[Job]:
        """The jobs still to run (the others' summary shares are read from their markers)."""
        todo, self.parts = store.pending(jobs, self.out)
        if self.remote:  # remote workers return their tables; this process writes them
            todo = [replace(j, folder=None) for j in todo]
        return todo

    def accept(self, done: Done) -> None:
        store.publish(self.out, self.stage, done.index, done.count, done.summary, self.stamp,
                      done.tables)
        self.parts.append(done.summary)
        self.clock.add(done)

    def saved(self) -> int:
        return store.saved(self.out)

    def finish(self, rows: Mapping[str, int], **timing: object) -> None:
        summary = summaries.combine(self.parts, self.names)
        store.finish(self.out, summary, self.clock.record(**timing), self.stamp, rows)

    def results(self) -> Results:
        """The finished directory (its tables are read when asked)."""
        def read(name: str) -> dict:
            path = self.out / name
            return json.loads(path.read_text()) if path.is_file() else {}

        return Results(summary=read("summary.json"), config=dict(self.resolved), path=self.out,
                       timing=read("timing.json"))
