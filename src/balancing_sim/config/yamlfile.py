"""Read one YAML file as plain data: `yaml.safe_load` semantics (no tag builds an
object), a key given twice refused (as Hydra does), and every syntax error a Problem
naming the file, the line and column and the line's text.

Bounded, so a hostile file cannot hang whatever reads it next: aliases (`*name`) may
repeat at most `ALIASED` values beyond what the file spells out (a "billion laughs"
file expands to 10^9), an alias may not contain itself, nesting stops at what the
parser can follow, an integer has at most `DIGITS` digits (Python refuses to read
longer ones), and a file at most `LARGEST` bytes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import ConfigError, Problem, YamlError

ALIASED = 100_000
"""Values that aliases may add to a file (legitimate files repeat a few sources)."""
DIGITS = 4_000
LARGEST = 1 << 26
"""Bytes a YAML file may hold (64 MiB): reading stops there, so a device that never ends
(`/dev/zero`, `/dev/urandom`) is refused instead of filling memory."""


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
                    f"found duplicate key {key} (given twice)", key_node.start_mark)
            seen[key] = True
        except TypeError:
            pass
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> int:
    if sum(c.isdigit() for c in node.value) > DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of at most {DIGITS} digits (this one has "
            f"{sum(c.isdigit() for c in node.value)})", node.start_mark)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def expanded_size(root: yaml.Node) -> tuple[int, int]:
    """How many values the document holds once every alias is expanded (each alias
    counts the whole of what it repeats), and how many it spells out; raises ValueError
    when an alias contains itself. Iterative and linear in the distinct nodes."""
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            continue
        if key in size:
            continue
        if key in active:
            raise ValueError("an alias that contains itself")
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return size[id(root)], len(size)


def _parse(text: str, path: Path) -> object:
    """Compose the node graph, bound it, then build plain data from it."""
    loader = _UniqueKeyLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        try:
            total, own = expanded_size(root)
        except ValueError as exc:
            raise ConfigError([Problem(str(path), "(file)", None,
                                       f"YAML without {exc}")]) from None
        if total > own + ALIASED:
            raise ConfigError([Problem(
                str(path), "(file)", None,
                f"YAML whose aliases (*name) repeat at most {ALIASED:,} values (they repeat "
                f"{total - own:,}: a 'billion laughs' file?)")])
        return loader.construct_document(root)
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> object:
    """Read one YAML file as plain data; a syntax error or a duplicate key is a
    ConfigError naming the file and the line."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(LARGEST + 1)
        if len(raw) > LARGEST:
            raise ConfigError([Problem(str(path), "(file)", None, "a YAML file of at most "
                                       f"{LARGEST >> 20} MiB (this one is larger, or a "
                                       "device that never ends)")])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError([Problem(str(path), "(file)", None,
                                   f"a readable UTF-8 YAML file ({reason})")]) from None
    try:
        return _parse(text, path)
    except RecursionError:
        raise ConfigError([Problem(str(path), "(file)", None,
                                   "YAML nested less deeply (lists or mappings inside each "
                                   "other some hundreds of levels deep)")]) from None
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


HEADER_BYTES = 512
"""Hydra reads a file's `# @key value` header lines from its first 512 characters."""


def package_of(path: str | Path) -> str | None:
    """The `# @package` header of a config file as Hydra reads it (the leading lines of
    the form `# @key value`, blank lines skipped, stopping at the first other line), or
    None; a malformed header line (Hydra would fail with a traceback) is a ConfigError."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(HEADER_BYTES)
    except OSError:
        return None
    if re.match(r"^\ufeff\s*#\s*@", head):
        raise ConfigError([Problem(str(path), "line 1", head.splitlines()[0],
                                   "a file that does not start with a byte-order mark "
                                   "(Hydra would not see its header line)")])
    found = None
    for number, line in enumerate(head.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if not re.match(r"^\s*#\s*@", line):
            break
        parts = line.lstrip("#").strip().split()
        if len(parts) != 2:
            raise ConfigError([Problem(str(path), f"line {number}", line,
                                       "a header line '# @package <package>' (one word "
                                       "after @package)")])
        if parts[0] == "@package":
            found = parts[1]
    return found
