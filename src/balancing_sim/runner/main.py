"""`run`: a config's replicates, chunk by chunk, into memory or a run directory."""

from __future__ import annotations

from pathlib import Path

from .. import summary as summaries
from ..config.outputs import expand
from ..config.schema import Config
from ..records import recorded_steps
from ..results import CHUNKS, Results
from ..world import Compiled, compile_config
from . import folder, store
from .jobs import chunk_size, plan
from .loop import Interrupted, drive, terminate_as_interrupt
from .sinks import DiskSink, MemorySink


def names(compiled: Compiled) -> summaries.Names:
    st = compiled.structure
    return summaries.Names(st.states, st.postures, st.platforms)


def rows(compiled: Compiled, runs: int, record_every: int) -> dict[str, int]:
    """The rows of each contract table of a finished run."""
    st = compiled.structure
    steps = runs * len(recorded_steps(compiled.n_steps, record_every))
    return {"trajectories": steps * st.n_states, "memberships": steps * st.n_states
            * st.n_platforms, "platforms": steps * st.n_platforms}


def run(config: Config, resolved: dict, out: Path | None, root: Path | None = None) -> Results:
    """Run every replicate of a config; write the output contract into `out` (or keep the
    tables in memory when `out` is None). The Results read their tables from disk only
    when asked. `root` is the directory named in the message of an interruption (a
    sweep's directory; `out` by default).

    `out` must be absent, empty, or this config's own run (unfinished: it resumes;
    finished: its tables are checked and it is returned); it is locked while in use."""
    compiled = compile_config(config)
    settings = config.run
    size = chunk_size(config, settings.workers)
    stamp = store.stamp(config, resolved)
    if out is None:
        memory = MemorySink(names(compiled), resolved)
        drive(plan(config, compiled, None, size, stamp), memory, settings, None)
        return memory.finish()
    out = expand(out)
    expected = rows(compiled, settings.runs, settings.record_every)
    stage = store.start(out, resolved)
    try:
        with terminate_as_interrupt():
            disk = DiskSink(out, stage, names(compiled), resolved, settings.backend, stamp)
            if not store.finished(out, stamp, expected, settings.runs):
                size = store.layout(out / CHUNKS, settings.runs, size)
                todo = disk.open(plan(config, compiled, stage, size, stamp))
                drive(todo, disk, settings, root or out)
                disk.finish(expected, workers=settings.workers, backend=str(settings.backend),
                            chunk_runs=size)
            store.drop_markers(out)  # a run killed after its summary was written
            return disk.results()
    except Interrupted:
        raise
    except KeyboardInterrupt:  # Ctrl-C outside the loop: while writing the summary
        raise Interrupted(root or out, store.saved(out), settings.runs) from None
    finally:
        folder.release(out)
