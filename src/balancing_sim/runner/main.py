"""`run`: a config's replicates, chunk by chunk, into memory or a run directory."""

from __future__ import annotations

from pathlib import Path

from .. import summary as summaries
from ..config.schema import Config
from ..results import CHUNKS, Results
from ..world import Compiled, compile_config
from . import store
from .jobs import chunk_size, plan
from .loop import drive
from .sinks import DiskSink, MemorySink


def names(compiled: Compiled) -> summaries.Names:
    st = compiled.structure
    return summaries.Names(st.states, st.postures, st.platforms)


def run(config: Config, resolved: dict, out: Path | None, root: Path | None = None) -> Results:
    """Run every replicate of a config; write the output contract into `out` (or keep the
    tables in memory when `out` is None). The Results read their tables from disk only
    when asked. `root` is the directory named in the message of an interruption (a
    sweep's directory; `out` by default)."""
    compiled = compile_config(config)
    settings = config.run
    size = chunk_size(config, settings.workers)
    stamp = store.fingerprint(resolved)
    if out is None:
        memory = MemorySink(names(compiled), resolved)
        drive(plan(config, compiled, None, size, stamp), memory, settings, None)
        return memory.finish()
    store.start(out, resolved)
    disk = DiskSink(out, names(compiled), resolved, settings.backend)
    if not (out / "summary.json").is_file():
        size = store.layout(out / CHUNKS, settings.runs, size)
        todo = disk.open(plan(config, compiled, out, size, stamp))
        drive(todo, disk, settings, root or out)
        disk.finish(workers=settings.workers, backend=str(settings.backend), chunk_runs=size)
    store.drop_markers(out)  # a run killed after its summary was written
    return disk.results()
