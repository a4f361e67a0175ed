"""An output folder a run owns: created by it, locked while a run uses it.

A run or sweep writes only into a folder it created, marked by the file `OWNER`
(`.balancing-sim`: the kind of folder, `run` or `sweep`), or into an empty one it then
marks. A non-empty folder without the mark belongs to someone else: refused, nothing in
it touched. A folder of the other kind (a sweep into a run's folder) is refused too.

While a run uses the folder it holds an exclusive `flock` on the mark, released by the
kernel when the process ends however it ends (no stale locks after SIGKILL); the mark
then names the holder (pid, host, start time, command), so a second run says who holds
it. Locks are re-entrant within a process: the command line claims the folder before
Hydra starts, and the runner claims it again in the same process.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..results import OWNER, owner_kind


class OutputConflict(ValueError):
    """The output folder cannot be used by this run (exit code 2, nothing touched)."""


class FolderInUse(OutputConflict):
    def __init__(self, out: Path, holder: str):
        super().__init__(f"{out}: in use by another run ({holder}); wait for it to finish, "
                         "or choose another out=")


class ForeignFolder(OutputConflict):
    def __init__(self, out: Path, names: list[str]):
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        super().__init__(f"{out}: a folder balancing-sim did not create, holding {shown}; "
                         "choose a new or empty folder for out= (a run writes only into "
                         "folders it owns)")


class WrongKind(OutputConflict):
    def __init__(self, out: Path, kind: str, wanted: str):
        what = {"run": "a single run", "sweep": "a sweep (points/<id>/ folders)"}
        super().__init__(f"{out}: holds {what[kind]}, not {what[wanted]}; choose another "
                         "out= for this " + ("sweep" if wanted == "sweep" else "run"))


_HELD: dict[Path, list] = {}
"""Folders locked by this process: real path -> [open mark file, claims]."""


def contents(out: Path) -> list[str]:
    try:
        return sorted(p.name for p in out.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def holder() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(os.path.basename(a) if i == 0 else a
                                for i, a in enumerate(sys.argv))[:500]}


def describe(out: Path) -> str:
    try:
        data = json.loads((out / OWNER).read_text())
        return (f"pid {data['pid']} on {data['host']} since {data['started']}: "
                f"{data['command']}")
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not said who it is yet"


def check(out: Path, kind: str, adopt: bool = False) -> None:
    """Can a `kind` use this folder? Absent, empty, or created by balancing-sim for the
    same kind. `adopt`: a folder without the mark that the caller has recognised as its
    own run (written before folders were marked) is accepted."""
    found = owner_kind(out)
    names = [n for n in contents(out) if n != OWNER]
    if found is None and names and not adopt:
        raise ForeignFolder(out, names)
    if found is not None and found != kind:
        raise WrongKind(out, found, kind)


def claim(out: Path, kind: str, adopt: bool = False) -> None:
    """Check the folder (`check`), create and mark it, and take its lock for this process
    (again and again: each claim is released by one `release`). FolderInUse when another
    process holds it."""
    key = out.resolve()
    if key in _HELD:
        _HELD[key][1] += 1
        return
    check(out, kind, adopt)
    out.mkdir(parents=True, exist_ok=True)
    try:  # never through a symbolic link: the mark is rewritten below
        fd = os.open(out / OWNER, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise OutputConflict(f"{out / OWNER}: cannot be used as this folder's mark "
                             f"({exc.strerror}); choose another out=") from None
    handle = os.fdopen(fd, "r+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise FolderInUse(out, describe(out)) from None
    except OSError:  # a file system without locks (some network mounts): run unlocked
        pass
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"kind": kind, **holder()}) + "\n")
    handle.flush()
    _HELD[key] = [handle, 1]


def release(out: Path) -> None:
    key = out.resolve()
    held = _HELD.get(key)
    if held is None:
        return
    held[1] -= 1
    if held[1] <= 0:
        del _HELD[key]
        held[0].close()


@contextlib.contextmanager
def claimed(out: Path, kind: str, adopt: bool = False) -> Iterator[None]:
    claim(out, kind, adopt)
    try:
        yield
    finally:
        release(out)
