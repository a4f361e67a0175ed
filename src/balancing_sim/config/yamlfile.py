"""Read one YAML file as plain data: `yaml.safe_load` semantics (no tag builds an
object), a key given twice refused (as Hydra does), and every syntax error a Problem
naming the file, the line and column and the line's text."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ConfigError, Problem, YamlError


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (Hydra does too)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key}", key_node.start_mark)
            seen[key] = True
        except TypeError:
            pass
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


def load_yaml(path: str | Path) -> object:
    """Read one YAML file as plain data; a syntax error or a duplicate key is a
    ConfigError naming the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError([Problem(str(path), "(file)", None,
                                   f"a readable UTF-8 YAML file ({reason})")]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        for mark in (getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)):
            if mark is not None:
                mark.name = str(path)
        raise YamlError([yaml_problem(exc, str(path))]) from None


def yaml_problem(exc: yaml.YAMLError, file: str | None = None) -> Problem:
    """A YAML syntax error as a Problem: the file, the line and column, the line's text."""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if getattr(exc, "context", None):
        what = f"{exc.context}: {what}"
    marks = [m for m in (getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None))
             if m is not None]
    if not marks:
        return Problem(file or "<yaml>", "(file)", None, f"valid YAML ({what})")
    try:
        lines = Path(marks[0].name).read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    # a mark past the last line (an unclosed quote or bracket) points nowhere useful:
    # show where the unclosed construct began instead
    mark = next((m for m in marks if 0 <= m.line < len(lines)), marks[0])
    text = lines[mark.line] if 0 <= mark.line < len(lines) else None
    return Problem(file or mark.name, f"line {mark.line + 1}, column {mark.column + 1}", text,
                   f"valid YAML ({what})")
