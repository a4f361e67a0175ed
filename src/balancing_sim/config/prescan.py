"""Read every user file a composition may load, with our own bounded reader, before Hydra.

Hydra reads YAML through OmegaConf, which expands aliases without bound (a "billion
laughs" file hangs it, memory rising), fails with a traceback on an integer Python will
not read or a malformed `# @package` line, and recurses forever on a defaults list that
includes itself. So before Hydra composes, each file it may load from a user folder
(`hydra.searchpath`) is read with `yamlfile.load_yaml` and checked for Hydra settings
(`hydrasettings.file_problems`); files of the shipped conf/ are trusted.

Which files Hydra loads depends on defaults lists inside the files, so this follows them
itself, generously: every option named on the command line, in conf/config.yaml or in a
scanned file's defaults list (read both relative to the file's group and absolute) is
scanned, a superset of what Hydra loads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from .errors import ConfigError, Problem
from .hydrasettings import file_problems
from .yamlfile import load_yaml, package_of


def _entries(defaults: object, group: str) -> Iterator[tuple[str, str]]:
    """(config path, display) pairs a defaults list may load, relative and absolute."""
    for entry in defaults if isinstance(defaults, list) else []:
        if isinstance(entry, str):
            pairs = [("", entry)] if entry != "_self_" else []
        elif isinstance(entry, Mapping):
            pairs = [(str(k).split()[-1].split("@")[0], v) for k, v in entry.items()]
        else:
            continue
        for where, names in pairs:
            for name in names if isinstance(names, list) else [names]:
                if name is None or "${" in str(name):
                    continue
                path = f"{where}/{name}".strip("/") if where else str(name)
                absolute = path.lstrip("/")
                yield absolute, absolute
                if not str(where or name).startswith("/") and group:
                    yield f"{group}/{absolute}", absolute


def choice_names(override: object) -> list[str]:
    """The config names a group override chooses: one, a list, or a sweep of either."""
    values = list(override.sweep_iterator()) if override.is_sweep_override() \
        else [override.value()]
    return [str(n) for v in values for n in (v if isinstance(v, list) else [v])]


def _choices(parsed: Sequence, groups: Sequence[str]) -> Iterator[str]:
    for o in parsed:
        if not o.is_delete() and ("/" in o.key_or_group or o.key_or_group in groups):
            yield from (f"{o.key_or_group}/{name}" for name in choice_names(o))


def user_files(parsed: Sequence, folders: Sequence[Path], shipped: Path,
               groups: Sequence[str]) -> tuple[list[Path], list[Problem]]:
    """The user files a composition may load (in the order found) and their problems."""
    queue = [*_choices(parsed, groups),
             *(p for p, _ in _entries(load_yaml(shipped / "config.yaml").get("defaults"), ""))]
    seen: dict[str, Path | None] = {}
    found, problems, edges = [], [], {}
    while queue:
        config = queue.pop(0)
        if config in seen:
            continue
        seen[config] = None
        if (shipped / f"{config}.yaml").is_file():
            continue  # the shipped conf/ comes first on the search path
        path = next((p for f in folders if (p := f / f"{config}.yaml").is_file()), None)
        if path is None:
            continue
        seen[config] = path
        found.append(path)
        try:
            data = load_yaml(path)
            package = package_of(path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        group = config.rpartition("/")[0]
        package = package if package is not None else group.replace("/", ".")
        problems += file_problems(data, package, str(path))
        nested = list(_entries(data.get("defaults") if isinstance(data, Mapping) else None,
                               group))
        edges[config] = [c for c, _ in nested]
        queue += edges[config]
    return found, problems + _cycles(edges, seen)


def _cycles(edges: Mapping[str, list[str]], paths: Mapping[str, Path | None]) -> list[Problem]:
    """A user file whose defaults list leads back to itself (Hydra would recurse forever).
    Only entries that name an existing user file count."""
    problems = []
    for start in edges:
        stack, visited = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    chain = " -> ".join(trail + [start])
                    problems.append(Problem(str(paths[start]), "defaults", chain,
                                            "a defaults list that does not lead back to the "
                                            "file itself"))
                    stack = []
                    break
                if nxt in edges and nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, trail + [nxt]))
    return problems


def shadowed(choices: Mapping[str, object], shipped: Path,
             folders: Sequence[Path]) -> list[Problem]:
    """A user's file Hydra never reads: the shipped conf/ comes first on the search path,
    so a user's `world/eurasia.yaml` would give way to the shipped one without a word."""
    problems = []
    for group, chosen in choices.items():
        for name in chosen if isinstance(chosen, list | tuple) else [chosen]:
            ours = shipped / str(group) / f"{name}.yaml"
            if name is None or not ours.is_file():
                continue
            for folder in folders:
                theirs = folder / str(group) / f"{name}.yaml"
                if theirs.is_file() and theirs.resolve() != ours.resolve():
                    problems.append(Problem(
                        str(theirs), str(group), name,
                        f"a {group} name the shipped conf/ does not use: {ours} comes first "
                        "on the search path and would be read instead (rename this file)"))
    return problems
