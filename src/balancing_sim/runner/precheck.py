"""Everything the command checks before Hydra creates anything, for one run or for every
point of a sweep before any point runs: the config (`config.loading`, `config.points`),
where it writes (`config.outputs`), the output folder (owned, locked, the same config:
`store.admit`), and what it will cost on this machine (`estimate`).

What passes is claimed: the folder is created and marked (`folder`), locked for this
process, and Hydra is told the exact folder that was checked (its dated default folder
is fixed here, so the check and the writes name the same place).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config.errors import ConfigError, Problem
from ..config.loading import compose_run
from ..config.outputs import check_places
from ..config.points import Point, points
from ..config.schema import Config
from ..results import SWEEP_MANIFEST, atomic_write_json
from . import folder, store
from .estimate import Estimate, beyond, duration, estimate, size
from .jobs import parallel_workers

SHOW_PLAN_SECONDS = 10.0


class TooBig(ValueError):
    """A run beyond what this machine has (memory, disk): refused unless --force."""


@dataclass
class Prepared:
    folder: Path
    hydra_args: list[str]                  # overrides added for Hydra
    workers: int                           # local processes the run starts
    backend: object
    notes: list[str] = field(default_factory=list)  # lines for the user (stderr)


def hydra_quote(text: str) -> str:
    """A value for Hydra's override grammar, taken literally."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${") + "'"


def _without(args: Sequence[str], key: str) -> list[str]:
    return [a for a in args if a.split("=", 1)[0].lstrip("+") != key]


def _costs(estimates: Sequence[Estimate], out: Path, force: bool, progress: object,
           what: str) -> list[str]:
    """The plan line (when the run is long or progress is on); TooBig beyond the machine."""
    total = Estimate(max(e.memory for e in estimates), sum(e.disk for e in estimates),
                     sum(e.seconds for e in estimates), estimates[0].chunk,
                     estimates[0].workers, estimates[0].per_run_memory)
    reasons = beyond(total, out)
    notes = []
    if reasons and not force:
        raise TooBig("too big for this machine: " + "; ".join(reasons)
                     + ". Add --force to run anyway")
    notes += [f"warning: {r} (running anyway: --force)" for r in reasons]
    if total.seconds > SHOW_PLAN_SECONDS or progress == "on":
        notes.append(f"{what}: about {duration(total.seconds)}, {size(total.memory)} of "
                     f"memory, {size(total.disk)} on disk (rough estimates)")
    return notes


def _workers_note(workers: int) -> list[str]:
    cores = os.cpu_count() or 1
    if workers > cores:
        return [f"warning: runner.workers={workers} is more than the {cores} cores of this "
                "machine: the run will not be faster (set runner.workers=auto)"]
    return []


def _histories_note(config: Config) -> list[str]:
    """Runs r and r + H hold different posterior draws unless H is a multiple of the
    draws: each then replays the shared history with its own draw (docs/ODD.md)."""
    h, params = config.scenario.histories, config.params
    if not config.scenario.after or not 0 < h < config.run.runs or params.draws is None:
        return []
    from ..draws import draw_count, recurrence

    m = draw_count(params)
    if h % m == 0:
        return []
    return [f"warning: scenario.histories={h} is not a multiple of the {m} posterior draws: "
            f"runs r and r + {h} hold different draws and replay their history each with "
            f"its own (valid; a history and draw recur only every {recurrence(h, params)} "
            f"runs; {m * -(-h // m)} would share them)"]


def prepare_run(overrides: Sequence[str], force: bool = False) -> Prepared:
    """Check a single run and claim its folder (ConfigError, OutputConflict, TooBig)."""
    config, data, places = compose_run(overrides)
    check_places(places, False, config.files.get("main", "command line"))
    out = places.folder(False)
    notes = _costs([estimate(config)], out, force, config.run.progress,
                   f"{config.run.runs:,} runs") + _workers_note(config.run.workers)
    notes += _histories_note(config)
    store.admit(out, data)  # held until the process ends
    args = [] if places.out else [f"hydra.run.dir={hydra_quote(str(out))}"]
    return Prepared(out, args, parallel_workers(config), config.run.backend, notes)


def _check_points(found: list[Point], root: Path) -> list[Path]:
    """Each point's folder: inside the one sweep folder, one folder per point."""
    problems, folders = [], {}
    for p in found:
        check_places(p.places, True, p.config.files.get("main", "command line"))
        if p.places.out != found[0].places.out:
            problems.append(Problem("command line", "out", p.data.get("out"),
                                    "one output folder for the whole sweep (do not sweep out=)"))
            break
        path = root / p.places.subdir
        if path in folders:
            problems.append(Problem("command line", "hydra.sweep.subdir", p.places.subdir,
                                    f"a folder of its own for each point (points "
                                    f"{' '.join(folders[path])} and {' '.join(p.overrides)} "
                                    "would share it)"))
        folders.setdefault(path, p.overrides)
    if problems:
        raise ConfigError(problems)
    return list(folders)


def legacy_sweep(root: Path) -> bool:
    """A sweep folder written before folders were marked (only points and manifests)."""
    names = folder.contents(root)
    return folder.owner_kind(root) is None and bool(names) and set(names) <= {
        "points", "multirun.yaml", SWEEP_MANIFEST}


def prepare_sweep(overrides: Sequence[str], force: bool = False) -> Prepared:
    """Check every point of a sweep, claim the sweep's folder and each point's folder
    (ConfigError, OutputConflict, TooBig); nothing runs when any point fails."""
    found = points(overrides)
    root = found[0].places.folder(True)
    paths = _check_points(found, root)
    first = found[0].config
    notes = _costs([estimate(p.config) for p in found], root, force, first.run.progress,
                   f"{len(found)} points") + _workers_note(first.run.workers)
    notes += list(dict.fromkeys(n for p in found for n in _histories_note(p.config)))
    folder.claim(root, "sweep", adopt=legacy_sweep(root))  # held until the process ends
    for point, path in zip(found, paths, strict=True):
        store.admit(path, point.data)  # absent, empty, or this point's own run
        folder.release(path)
    atomic_write_json(root / SWEEP_MANIFEST, {"points": sorted(p.name for p in paths)})
    args = [] if found[0].places.out else [f"hydra.sweep.dir={hydra_quote(str(root))}"]
    return Prepared(root, args, max(parallel_workers(p.config) for p in found),
                    first.run.backend, notes)

