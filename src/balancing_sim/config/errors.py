"""Validation errors that name the file, the key path, the bad value and what is allowed."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

SHOWN = 40
"""Problems listed in one message; the rest are counted (all stay in `.problems`)."""
WIDTH = {"value": 80, "key": 200, "file": 300, "allowed": 600}
"""At most this many characters of each part of a problem's line: a value, a key or an
id list of any size (a YAML alias bomb, a 10^6-state world) gives a message of bounded
size, built in bounded time."""


def clip(text: str, width: int) -> str:
    """`text` on one line (a line break shown as `\\n`, as a value's repr shows it), cut to
    `width` characters with a note of how much was left out."""
    text = str(text).replace("\r", "\\r").replace("\n", "\\n")
    if len(text) <= width:
        return text
    return f"{text[:width - 30]}... ({len(text) - width + 30} more characters)"


_REPR = reprlib.Repr(maxlevel=4, maxdict=12, maxlist=12, maxtuple=12, maxset=12,
                     maxfrozenset=12, maxstring=4 * WIDTH["value"], maxother=WIDTH["value"])
"""`repr` of bounded size and cost (the standard library's): a container of any size, or
one that holds itself, costs only what is shown."""


def shown(value: object) -> str:
    """A value as a message shows it: its repr, cut at `WIDTH["value"]` characters (an
    integer too long for Python to print is described)."""
    if isinstance(value, int) and value.bit_length() > 14_000:
        return f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    text, width = _REPR.repr(value), WIDTH["value"]
    return text if len(text) <= width else text[:width - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One mistake in a config: where it is, what was found, what would be accepted."""

    file: str
    key: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return (f"{clip(self.file, WIDTH['file'])}: {clip(self.key, WIDTH['key'])} = "
                f"{shown(self.value)}: {clip(self.allowed, WIDTH['allowed'])}")


class ConfigError(ValueError):
    """All problems found in one validation pass, reported together (exit code 2)."""

    title = "invalid config"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return f"{self.title}: {self.problems[0]}"
        lines = [f"{self.title}: {len(self.problems)} problems"]
        lines += [f"  - {p}" for p in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            lines.append(f"  ... and {len(self.problems) - SHOWN} more (fix the first ones: "
                         "later ones often follow from them)")
        return "\n".join(lines)


class YamlError(ConfigError):
    """A file that is not YAML at all (syntax, a duplicate key, a Python tag)."""

    title = "invalid YAML"


class Collector:
    """Accumulates problems so every wrong key is reported in one go."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, key: str, value: object, allowed: str) -> None:
        self.problems.append(Problem(file, key, value, allowed))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)
