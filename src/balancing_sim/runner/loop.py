"""The one loop: dispatch jobs, hand each finished chunk to a sink, show progress, and
turn Ctrl-C or SIGTERM into `Interrupted` (finished chunks are kept by the sink)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from ..config.schema import RunSettings
from .backends import dispatch
from .jobs import Done, Job, execute
from .replay import shared_starts
from .sinks import Clock


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: finished chunks are on disk; the same command resumes."""

    def __init__(self, out: Path | None, done: int, total: int):
        super().__init__(out, done, total)
        self.out, self.done, self.total = out, done, total


class WorkerLost(RuntimeError):
    """A worker process died mid-chunk (killed, or out of memory): finished chunks are on
    disk and the same command resumes."""

    def __init__(self, out: Path | None, done: int, total: int, reason: str):
        super().__init__(f"a worker process died ({reason}: killed, or out of memory)")
        self.out, self.done, self.total = out, done, total


class Sink(Protocol):
    """Where finished chunks go: memory (the Python API) or a run directory."""

    clock: Clock

    def accept(self, done: Done) -> None: ...

    def saved(self) -> int:
        """Runs kept so far (what an interruption leaves)."""
        ...


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a cluster scheduler's stop, `kill`) stops a run as Ctrl-C does: finished
    chunks are kept and the same command resumes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def progress_bar(total: int, initial: int, setting: object, unit: str = "run") -> tqdm:
    """Done, per second and time left; silent unless on a terminal (or forced on)."""
    show = sys.stderr.isatty() if setting == "auto" else setting == "on"
    return tqdm(total=total, initial=initial, unit=unit, disable=not show, smoothing=0.1,
                dynamic_ncols=True, desc=f"{unit}s")


@contextlib.contextmanager
def ticking(bar: tqdm, seconds: float = 1.0) -> Iterator[None]:
    """Redraw a shown bar every second, so elapsed time moves from the first second even
    while the first chunk (minutes, for a large world) is still running."""
    if bar.disable:
        yield
        return
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(seconds):
            bar.refresh()

    thread = threading.Thread(target=tick, name="progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def drive(jobs: list[Job], sink: Sink, settings: RunSettings, where: Path | None) -> None:
    """Run the jobs on the configured backend, each finished chunk into the sink."""
    total = settings.runs
    bar = progress_bar(total, total - sum(j.count for j in jobs), settings.progress)
    try:
        with terminate_as_interrupt(), ticking(bar):
            starts, cpu = shared_starts(
                jobs, settings.workers, settings.backend,
                lambda n: bar.set_description_str(f"replaying {n:,} shared histories"))
            if starts is not None:
                sink.clock.spent("replay", cpu)
                bar.set_description_str("runs")
            for done in dispatch(execute, jobs, settings.workers, settings.backend, starts):
                sink.accept(done)
                bar.update(done.count)
    except KeyboardInterrupt:
        raise Interrupted(where, sink.saved(), total) from None
    except BrokenExecutor as exc:  # loky's TerminatedWorkerError among them
        raise WorkerLost(where, sink.saved(), total, type(exc).__name__) from None
    finally:
        bar.close()
