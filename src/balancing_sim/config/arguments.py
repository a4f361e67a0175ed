"""Command-line values the argparse commands check before any work starts.

argparse turns a `type` that raises `ArgumentTypeError` into one line naming the option
and the value, and exit code 2: the same promise as a bad config. A count below its
least value, or an output folder that cannot be created and written
(`outputs.check_output_dir`), is refused before minutes of simulation, not after.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .errors import ConfigError
from .outputs import check_output_dir, expand
from .schema import WORKERS_ALLOWED, workers_given


def _whole(text: str, fits: Callable[[int], bool], allowed: str) -> int:
    """`text` as a whole number that `fits`, or argparse's error saying what is allowed."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not fits(value):
        raise argparse.ArgumentTypeError(f"{text!r}: {allowed}")
    return value


def count(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= `least`."""

    def read(text: str) -> int:
        return _whole(text, lambda value: value >= least, f"a whole number >= {least}")

    read.__name__ = f"whole number >= {least}"
    return read


def output_folder(text: str) -> Path:
    """An argparse type: a folder that can be created and written (nothing is created)."""
    try:
        check_output_dir(text, "command line", "folder")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.problems[0].allowed}") from None
    return expand(text)


def document(*markers: str) -> Callable[[str], Path]:
    """An argparse type: an existing text file that can be written and holds every one of
    `markers` (the places a command regenerates)."""

    def read(text: str) -> Path:
        path = expand(text)
        try:
            content = path.read_text(encoding="utf-8")
            with open(path, "r+b"):
                pass
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or exc
            raise argparse.ArgumentTypeError(f"{text!r}: an existing, writable text file "
                                             f"({why})") from None
        missing = [m for m in markers if m not in content]
        if missing:
            raise argparse.ArgumentTypeError(f"{text!r}: a document with the markers "
                                             f"{' and '.join(markers)} (missing: "
                                             f"{', '.join(missing)})")
        return path

    read.__name__ = "document"
    return read


def port(text: str) -> int:
    """An argparse type: a TCP port a server can listen on (1-65535)."""
    return _whole(text, lambda value: 1 <= value <= 65535, "a port number from 1 to 65535")


def worker_count(text: str) -> int:
    """An argparse type: -1 (every core) or a number of worker processes, as
    `runner.workers` allows."""
    return _whole(text, workers_given, WORKERS_ALLOWED)


def add_overrides(parser: argparse.ArgumentParser, note: str = "",
                  example: str = "world=mine") -> None:
    """`--set OVERRIDE` (repeatable): config overrides as on balancing-sim's command line,
    checked by the config layer like any other."""
    parser.add_argument("--set", action="append", default=[], metavar="OVERRIDE",
                        help=f"{note}a config override, as on balancing-sim's command line "
                        f"(repeatable), e.g. {example}")


def refuse_chosen_groups(parser: argparse.ArgumentParser, overrides: list[str],
                         chosen: dict[str, str]) -> None:
    """`--set GROUP=...` for a group the command chooses itself (`chosen`: group -> the
    option or file that chooses it): argparse's one line and exit 2, not Hydra's
    'given 2 times' naming an override the user never wrote."""
    for override in overrides:
        group = override.split("=", 1)[0].strip().lstrip("+~")
        if group in chosen:
            parser.error(f"--set {override}: {chosen[group]}")
