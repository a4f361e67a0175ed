"""Files a command may replace: those a balancing-sim command wrote, never a user's own.

The analysis commands (plot, report, export, sensitivity, discover) write into a folder
the user names. Each lists what it wrote in that folder's `.balancing-sim-files`; a
later command may replace a listed file, and any file in a run's or sweep's own folder
(the folder a run marked `.balancing-sim`, a sweep's point, or their `figures/` and
`csv/`). A file that is neither (a user's own figure, notes or CSV of the same name) is
never replaced: `ForeignFile`, before it is written (the command line: one line, exit 2).
A link is never written through (it may lead to a user's file anywhere), and a
`.balancing-sim-files` that is not a list of names is a user's file, never replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..results import atomic_write_bytes, owner_kind

LIST = ".balancing-sim-files"
LIST_MOST = 1 << 22
"""A list larger than this (4 MiB, some 100,000 names) is no list a command wrote."""
OWN_SUBFOLDERS = ("figures", "csv")
"""The folders of a run or sweep (point) the commands write into by default."""


class ForeignFile(FileExistsError):
    """A file the command would replace that no balancing-sim command wrote."""

    def __init__(self, path: Path, what: str = "a file balancing-sim did not write"):
        super().__init__(f"{path}: {what}, never replaced: "
                         "choose another --out (or move the file away)")


def _listed(folder: Path) -> set[str] | None:
    """The names listed in the folder; None when its list is not one (a user's file)."""
    path = folder / LIST
    if not (path.exists() or path.is_symlink()):
        return set()
    if path.is_symlink() or not path.is_file() or path.stat().st_size > LIST_MOST:
        return None
    try:
        names = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return set(names)


def _a_runs(folder: Path) -> bool:
    """The folder is a run's or sweep point's own (or their figures/ or csv/): marked."""
    if folder.name in OWN_SUBFOLDERS and _a_runs_own(folder.parent):
        return True
    return _a_runs_own(folder)


def _a_runs_own(folder: Path) -> bool:
    if folder.is_symlink() or not folder.is_dir():
        return False
    point = folder.parent.name == "points" and owner_kind(folder.parent.parent) == "sweep"
    return point or owner_kind(folder) is not None


def check(paths: Iterable[Path]) -> None:
    """ForeignFile for the first path that exists and is not the project's to replace."""
    for path in map(Path, paths):
        if path.is_symlink():
            raise ForeignFile(path, "a link (balancing-sim never writes through one)")
        if _a_runs(path.parent):
            continue
        listed = _listed(path.parent)
        if listed is None:
            raise ForeignFile(path.parent / LIST, "not the list of files balancing-sim "
                              "wrote (a JSON list of names)")
        if path.exists() and path.name not in listed:
            raise ForeignFile(path)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """The folder locked (flock) while its list is read and rewritten: two commands
    writing into one folder at once both keep their names."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def record(paths: Iterable[Path]) -> None:
    """Add the written paths to their folders' lists (what a later command may replace)."""
    folders: dict[Path, set[str]] = {}
    for path in map(Path, paths):
        folders.setdefault(path.parent, set()).add(path.name)
    for folder, names in folders.items():
        if _a_runs(folder):
            continue
        with _locked(folder):
            listed = _listed(folder)
            if listed is None:  # a user's file of that name: checked before, never replaced
                raise ForeignFile(folder / LIST, "not the list of files balancing-sim wrote")
            atomic_write_bytes(folder / LIST, (json.dumps(sorted(listed | names)) + "\n")
                               .encode(), make_parents=False)


def discard(paths: Iterable[Path]) -> None:
    """Remove the files an earlier command wrote that this one does not write again (a
    rerun's results must not sit beside another outcome's); never a user's (ForeignFile)."""
    present = [path for path in map(Path, paths) if path.exists() or path.is_symlink()]
    check(present)
    for path in present:
        path.unlink()
