"""What a config may set of Hydra's own settings (`hydra.*`): configs are data.

Hydra turns some of its settings into code or into places on disk. Each entry of
`hydra.callbacks` is instantiated (any importable callable, called with the entry's
keys); `hydra.job_logging` and `hydra.hydra_logging` go to `logging.config.dictConfig`,
where a `()` key or a handler's `class` calls any importable callable and an `ext://`
value imports a module; `hydra.job.env_set` puts variables such as LD_PRELOAD into the
processes a run starts; a `pkg://` entry of `hydra.searchpath` imports a package;
`hydra.run.dir`, `output_subdir`, `job.chdir` and `sweep.*` decide where files go.

- **Group files** (world, situation, scenario, params, experiment, and any file their
  defaults lists pull in) set nothing under `hydra` but `hydra.sweeper.params`, and
  their defaults lists choose none of Hydra's own groups (`hydra/...`). That one key is
  what an experiment is: a sweep, each key a config key and each value Hydra's sweep text
  (`0.1,0.2`, `range(1,5)`), read by Hydra's override grammar and never instantiated (so
  its values must be text or numbers: a mapping there would be instantiated with the
  sweeper). Nothing else a sweep needs belongs to Hydra: where it writes is `out`, how
  it runs is `runner.*`, its point folders are the main config's `points/<id>`. These
  files are what users share, so they are the untrusted input.
- **The command line** sets only the `hydra.*` keys of `COMMAND_LINE` (user folders,
  output places that `config.outputs` then checks, sweep values, verbosity, a launcher's
  resources) and chooses only the groups of `GROUPS` (a launcher, sweeper or logging
  preset, which must come from Hydra or an installed plugin, not a user folder).
- **From any source**, the composed node has no callbacks and no environment variables,
  and its logging uses the logging module's own classes, no `()` factory and no `ext://`
  beyond the standard streams.

The shipped conf/ and the configs of Hydra and installed plugins (`pkg://`,
`structured://`) are part of the installed program and trusted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .errors import Problem

ALLOWED_IN_FILES = "hydra.sweeper.params"
COMMAND_LINE = ("hydra.searchpath", "hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir",
                "hydra.output_subdir", "hydra.job.chdir", "hydra.verbose", "hydra.mode",
                "hydra.sweeper.max_batch_size", "hydra.sweeper.params.*",
                *(f"hydra.launcher.{k}" for k in (
                    "n_jobs", "cpus_per_task", "tasks_per_node", "nodes", "mem_gb",
                    "gpus_per_node", "timeout_min", "partition", "array_parallelism")))
GROUPS = ("hydra/launcher", "hydra/sweeper", "hydra/job_logging", "hydra/hydra_logging")
LOGGING_CLASSES = ("logging.StreamHandler", "logging.FileHandler", "logging.NullHandler",
                   "logging.Formatter")
STREAMS = ("ext://sys.stdout", "ext://sys.stderr")
WHY = "a config never runs code or writes outside out="


def _allowed_key(key: str) -> bool:
    return any(key == k or (k.endswith(".*") and key.startswith(k[:-1]))
               for k in COMMAND_LINE)


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def command_line_problems(parsed: Sequence) -> list[Problem]:
    """`hydra.*` overrides outside `COMMAND_LINE` and `GROUPS`; a user folder that would
    import a package; a sweep value that is not text."""
    problems = []
    for o in parsed:
        key = o.key_or_group
        if key != "hydra" and not key.startswith(("hydra.", "hydra/")):
            continue
        value = None if o.is_delete() else (
            o.value() if not o.is_sweep_override() else list(o.sweep_string_iterator()))
        if key in GROUPS and not o.is_delete():
            continue
        if not _allowed_key(key) or o.is_delete():
            problems.append(Problem(
                "command line", key, value,
                "a Hydra setting a run may change (user folders, output places, sweep values, "
                "verbosity, launcher resources: docs/RELIABILITY.md); callbacks, logging, "
                f"environment variables and plugin classes are refused ({WHY})"))
        elif key == "hydra.searchpath":
            entries = value if isinstance(value, list) else [value]
            problems += [Problem("command line", f"hydra.searchpath[{i}]", entry,
                                 "a folder (file:///path/to/folder or a path): a pkg:// entry "
                                 "would import a Python package")
                         for i, entry in enumerate(entries) if str(entry).startswith("pkg://")]
        elif key.startswith("hydra.sweeper.params.") and not (
                _scalar(value) or isinstance(value, list) and all(map(_scalar, value))):
            problems.append(Problem("command line", key, value,
                                    "a sweep's values as text (a,b,c / range() / choice())"))
    return problems


def leaves(node: object, prefix: str = "") -> list[tuple[str, object]]:
    """(dotted key, value) of every value that is not a non-empty mapping."""
    if isinstance(node, Mapping) and node:
        return [leaf for k, v in node.items()
                for leaf in leaves(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, node)]


def _package(package: str | None) -> list[str]:
    """A package as a key path: `_global_` and '' are the root."""
    parts = [p for p in (package or "").split(".") if p]
    return parts[1:] if parts[:1] == ["_global_"] else parts


def _names_hydra(text: str) -> bool:
    return "hydra" in re.split(r"[\s/@.]+", text)


def file_problems(data: object, package: str | None, file: str) -> list[Problem]:
    """A group file's `hydra` settings: only `hydra.sweeper.params` (text or numbers), no
    defaults entry choosing a Hydra group or placing a file into Hydra's node. `package`
    is where the file's keys land ('' or `_global_` for the root, `scenario`...)."""
    problems = []
    where = _package(package)
    if where[:1] == ["hydra"]:
        return [Problem(file, "# @package", package,
                        f"a package outside Hydra's settings (hydra.*): {WHY}")]
    if not isinstance(data, Mapping):
        return []
    if not where and "hydra" in data:
        hydra = data["hydra"]
        sweep = hydra.get("sweeper", {}).get("params") if isinstance(hydra, Mapping) and \
            isinstance(hydra.get("sweeper"), Mapping) else None
        found = [(f"{ALLOWED_IN_FILES}.{k}", v) for k, v in sweep.items() if not _scalar(v)] \
            if isinstance(sweep, Mapping) else []
        rest = {**hydra, "sweeper": {k: v for k, v in hydra["sweeper"].items()
                                     if k != "params"}} if isinstance(sweep, Mapping) else hydra
        found += [(k, v) for k, v in leaves(rest, "hydra") if v != {}]
        problems += [Problem(
            file, key, value,
            f"no Hydra settings in a world, situation, scenario, params or experiment "
            f"file except {ALLOWED_IN_FILES} (a sweep's values, as text or numbers): "
            f"callbacks, logging, launchers and output paths would let a shared file "
            f"run code or write elsewhere ({WHY})") for key, value in found]
    defaults = data.get("defaults")
    for i, entry in enumerate(defaults if isinstance(defaults, list) else []):
        texts = [f"{k} {v}" for k, v in entry.items()] if isinstance(entry, Mapping) \
            else [str(entry)]
        problems += [Problem(file, f"defaults[{i}]", entry,
                             f"an entry of the world, situation, scenario, params or "
                             f"experiment groups: Hydra's own groups (hydra/...) are chosen "
                             f"on the command line only ({WHY})")
                     for text in texts if _names_hydra(text)]
    return problems


def node_problems(hydra: Mapping, file: str) -> list[Problem]:
    """The composed `hydra` node (plain data, unresolved), whatever set it: no callbacks,
    no environment variables, logging from the logging module's own classes only."""
    problems = [Problem(file, f"hydra.callbacks.{name}", value,
                        f"no Hydra callbacks ({WHY})")
                for name, value in (hydra.get("callbacks") or {}).items()]
    job = hydra.get("job") or {}
    problems += [Problem(file, f"hydra.job.{key}", job[key],
                         f"no environment variables for the run's processes ({WHY})")
                 for key in ("env_set", "env_copy") if job.get(key)]
    for section in ("job_logging", "hydra_logging"):
        for key, value in leaves(hydra.get(section) or {}, f"hydra.{section}"):
            name = key.rsplit(".", 1)[-1]
            if ("()" in key.split(".") or name == "class" and value not in LOGGING_CLASSES
                    or isinstance(value, str) and value.startswith("ext://")
                    and value not in STREAMS):
                problems.append(Problem(
                    file, key, value,
                    f"logging built from {', '.join(LOGGING_CLASSES)} writing to "
                    f"{' or '.join(STREAMS)} or a file: no () factories ({WHY})"))
    return problems
