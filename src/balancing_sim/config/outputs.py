"""Where a run writes, checked before anything is created.

A run writes into one folder: `out=`, or Hydra's `hydra.run.dir` when `out` is not
given (for a sweep, `hydra.sweep.dir` and a point folder `hydra.sweep.subdir` inside
it). Hydra itself writes its provenance into `hydra.output_subdir` of that folder and,
with `hydra.job.chdir=true`, changes into it. So: each named folder must be one that
can be created and written, with names the file system accepts; `output_subdir` and
`sweep.subdir` are relative paths that stay inside; `job.chdir` stays false (a relative
`out=` would otherwise land elsewhere). `~` means the home folder wherever a folder is
named (`expand`), for the checks and for the writes alike.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import ClassVar

from .errors import ConfigError, Problem

ALLOWED = "a folder that can be created and written"
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
"""A URL's scheme (`file://`, `s3://`): never a folder's name."""


def expand(path: str | os.PathLike) -> Path:
    """A folder as the user named it: `~` is the home folder."""
    return Path(os.path.expanduser(os.fspath(path)))


def _limits(existing: Path) -> tuple[int, int]:
    try:
        return os.pathconf(existing, "PC_NAME_MAX"), os.pathconf(existing, "PC_PATH_MAX")
    except (OSError, ValueError):
        return 255, 4096


def check_output_dir(out: str | os.PathLike | None, file: str = "command line",
                     key: str = "out") -> None:
    """The output folder can be created and written, checked without leaving anything
    behind: names the file system accepts, and a writable nearest existing ancestor."""
    if out is None:
        return
    if URL.match(os.fspath(out)):  # pathlib would make `file:///x` the folder ./file:/x
        raise ConfigError([Problem(file, key, str(out), f"{ALLOWED}, named as a path, "
                                   "not a URL (file:///x is /x)")])
    path = expand(out)
    try:
        exists = path.exists()
        target = next((p for p in (path, *path.parents) if p.exists()), Path(path.anchor or "."))
    except OSError as exc:  # a name too long, a loop of symbolic links
        raise ConfigError([Problem(file, key, str(out), f"{ALLOWED} ({exc.strerror or exc})")]
                          ) from None
    name_max, path_max = _limits(target if target.is_dir() else target.parent)
    long = [part for part in path.parts if len(os.fsencode(part)) > name_max]
    if long:
        raise ConfigError([Problem(file, key, str(out), f"{ALLOWED}, with names of at most "
                                   f"{name_max} bytes ({long[0][:40]}... has "
                                   f"{len(os.fsencode(long[0]))})")])
    if len(os.fsencode(str(path.absolute()))) >= path_max:
        raise ConfigError([Problem(file, key, str(out),
                                   f"{ALLOWED}, a path of at most {path_max} bytes")])
    if exists and not path.is_dir():
        raise ConfigError([Problem(file, key, str(out),
                                   "a folder path (this path is an existing file)")])
    if not target.is_dir():
        raise ConfigError([Problem(file, key, str(out),
                                   f"{ALLOWED} ({target} is a file, not a folder)")])
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".balancing-sim-probe-", dir=target))
    except OSError as exc:
        raise ConfigError([Problem(file, key, str(out),
                                   f"{ALLOWED} ({target}: {exc.strerror or exc})")]) from None


def inside(relative: object) -> bool:
    """A relative path that stays inside the folder it is joined to."""
    path = PurePath(str(relative))
    return bool(str(relative)) and not path.is_absolute() and ".." not in path.parts \
        and not str(relative).startswith("~")


@dataclass(frozen=True)
class Places:
    """Where a composed config writes (Hydra's settings, resolved)."""

    out: str | None           # out=, as given
    run_dir: str              # hydra.run.dir (out, or Hydra's dated folder)
    sweep_dir: str            # hydra.sweep.dir
    subdir: str               # hydra.sweep.subdir of this composition
    output_subdir: str | None  # hydra.output_subdir (.hydra)
    chdir: object             # hydra.job.chdir

    KEYS: ClassVar[tuple[str, ...]] = ("run.dir", "sweep.dir", "sweep.subdir", "output_subdir",
                                       "job.chdir")

    @staticmethod
    def of(hydra: Mapping[str, object], out: object) -> Places:
        """From the resolved values of `KEYS` (dotted keys of the `hydra` node)."""
        return Places(None if out in (None, "") else str(out), str(hydra["run.dir"]),
                      str(hydra["sweep.dir"]), str(hydra["sweep.subdir"]),
                      hydra["output_subdir"], hydra["job.chdir"])

    def folder(self, multirun: bool) -> Path:
        """The folder a run (or a sweep) writes into, `~` expanded."""
        return expand(self.sweep_dir if multirun else self.run_dir)


def check_places(places: Places, multirun: bool, file: str) -> None:
    """Every file Hydra or the run writes stays inside the output folder, which can be
    created and written (ConfigError naming each setting that would not)."""
    problems = []
    if places.output_subdir is not None and not inside(places.output_subdir):
        problems.append(Problem(file, "hydra.output_subdir", places.output_subdir,
                                "null or a relative folder inside the output folder "
                                "(no absolute path, no ..)"))
    if places.chdir not in (None, False):
        problems.append(Problem(file, "hydra.job.chdir", places.chdir,
                                "false (a run writes into out= and never changes folder)"))
    if multirun and not inside(places.subdir):
        problems.append(Problem(file, "hydra.sweep.subdir", places.subdir,
                                "a relative folder inside the sweep folder (no absolute "
                                "path, no ..)"))
    named = places.sweep_dir if multirun else places.run_dir
    if places.out and expand(places.out) != expand(named):
        problems.append(Problem(file, "hydra.sweep.dir" if multirun else "hydra.run.dir", named,
                                f"the folder of out= ({places.out}), or unset: a run writes "
                                "into one folder"))
    key = "out" if places.out else ("hydra.sweep.dir" if multirun else "hydra.run.dir")
    try:
        check_output_dir(named, file, key)  # as given (a Path would hide a URL's //)
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(problems)
