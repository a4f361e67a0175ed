"""Files a command may replace: those a balancing-sim command wrote, never a user's own.

The analysis commands (plot, report, export, sensitivity, discover) write into a folder
the user names. Each lists what it wrote in that folder's `.balancing-sim-files`; a
later command may replace a listed file, and any file in a run's or sweep's own folder
(or in its `figures/` and `csv/`). A file that is neither (a user's own figure, notes
or CSV of the same name) is never replaced: `ForeignFile`, before it is written (the
command line: one line, exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

LIST = ".balancing-sim-files"
RUN_MARKS = (".balancing-sim", "summary.json", "point.json", "chunks", "sweep.json", "points")
"""Names that make a folder a run's or sweep point's own (its mark, written or not)."""


class ForeignFile(FileExistsError):
    """A file the command would replace that no balancing-sim command wrote."""

    def __init__(self, path: Path):
        super().__init__(f"{path}: a file balancing-sim did not write, never replaced: "
                         "choose another --out (or move the file away)")


def _listed(folder: Path) -> set[str]:
    try:
        names = json.loads((folder / LIST).read_text())
    except (OSError, ValueError):
        return set()
    return {str(n) for n in names} if isinstance(names, list) else set()


def _a_runs(folder: Path) -> bool:
    return any((f / mark).exists() for f in (folder, folder.parent) for mark in RUN_MARKS)


def check(paths: Iterable[Path]) -> None:
    """ForeignFile for the first path that exists and is not the project's to replace."""
    for path in map(Path, paths):
        if (path.exists() or path.is_symlink()) and path.name not in _listed(path.parent) \
                and not _a_runs(path.parent):
            raise ForeignFile(path)


def record(paths: Iterable[Path]) -> None:
    """Add the written paths to their folders' lists (what a later command may replace)."""
    from ..results import atomic_write_bytes

    folders: dict[Path, set[str]] = {}
    for path in map(Path, paths):
        folders.setdefault(path.parent, set()).add(path.name)
    for folder, names in folders.items():
        if not _a_runs(folder):
            listed = sorted(_listed(folder) | names)
            atomic_write_bytes(folder / LIST, (json.dumps(listed) + "\n").encode(),
                               make_parents=False)
