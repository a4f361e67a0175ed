"""Validation errors that name the file, the key path, the bad value and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = 40
"""Problems listed in one message; the rest are counted (all stay in `.problems`)."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a config: where it is, what was found, what would be accepted."""

    file: str
    key: str
    value: object
    allowed: str

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return f"{self.file}: {self.key} = {shown}: {self.allowed}"


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
