"""Validation errors that name the file, the key path, the bad value and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = 40
"""Problems listed in one message; the rest are counted (all stay in `.problems`)."""
WIDTH = {"value": 80, "key": 200, "file": 300, "allowed": 600}
"""At most this many characters of each part of a problem's line: a value, a key or an
id list of any size (a YAML alias bomb, a 10^6-state world) gives a message of bounded
size, built in bounded time."""


def clip(text: str, width: int) -> str:
    """`text`, cut to `width` characters with a note of how much was left out."""
    text = str(text)
    if len(text) <= width:
        return text
    return f"{text[:width - 30]}... ({len(text) - width + 30} more characters)"


def _prefix(value: object, budget: int, seen: frozenset[int] = frozenset()) -> str:
    """The start of `repr(value)`, at least `budget` characters when the whole is longer:
    built item by item, so a container of any size (or one that holds itself) costs
    only what is shown; an integer too long for Python to print is described."""
    if isinstance(value, int) and value.bit_length() > 14_000:
        return f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    if isinstance(value, str) and len(value) > 4 * budget:
        return repr(value[:4 * budget])
    brackets = {list: "[]", tuple: "()", dict: "{}", set: "{}", frozenset: "{}"}
    kind = next((k for k in brackets if type(value) is k), None)
    if kind is None or not value:
        return repr(value)
    if id(value) in seen:
        return brackets[kind][0] + "..." + brackets[kind][1]
    seen = seen | {id(value)}
    text = brackets[kind][0]
    items = value.items() if isinstance(value, dict) else value
    for i, item in enumerate(items):
        if len(text) > budget:
            return text
        left = budget - len(text)
        text += (", " if i else "") + (
            f"{_prefix(item[0], left, seen)}: {_prefix(item[1], left, seen)}"
            if isinstance(value, dict) else _prefix(item, left, seen))
    return text + ("," if kind is tuple and len(value) == 1 else "") + brackets[kind][1]


def shown(value: object) -> str:
    """A value as a message shows it: its repr, cut at `WIDTH["value"]` characters."""
    width = WIDTH["value"]
    text = _prefix(value, width + 1)
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
