"""Check users' own world, situation, scenario, params, experiment and record files
without running anything (`balancing-sim-validate PATH...`), for editors and CI.

A file's kind comes from the folder it sits in (`world/`, `situation/`, `scenario/`,
`params/`, `experiment/`, as in `conf/`) or, elsewhere, from its content. A world
is checked on its own against the schema; a situation, scenario, params or
experiment file is composed by Hydra exactly as a run would compose it (with the
shipped world, or the one given with `--world`) and the whole config validated. A record
(`record/`, as conf/record/) is checked against that world's ids and ladders.
Files are read as data only (`yaml.safe_load` semantics, duplicate keys refused).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from ..synthetic import expand
from .errors import ConfigError, Problem
from .hydrasettings import file_problems, leaves
from .loading import GROUPS, compose, searchpath_override, sweep_params
from .schema import Params, Scenario
from .validate import build_size, build_world
from .yamlfile import load_yaml, package_of

KINDS = GROUPS
SITUATION_KEYS = set(Scenario.__dataclass_fields__)
RECORD_KEYS = {"window", "scoring", "memberships"}
"""Keys only a record has (record.py reads it; it is no config group)."""


def kind_of(path: Path, data: object) -> str | None:
    """world, situation, scenario, params, experiment or record; None if it cannot be
    told."""
    if path.parent.name in (*KINDS, "record"):
        return path.parent.name
    if not isinstance(data, dict):
        return None
    if set(data) >= RECORD_KEYS:
        return "record"
    package = package_of(path)
    keys = set(data)
    if package == "_global_":
        if "world" in keys and keys <= {"world", "defaults"}:
            return "world"
        if "scenario" in keys and keys <= {"scenario", "defaults"}:
            return "scenario"
        return "experiment"
    if package == "scenario" or (keys and keys <= SITUATION_KEYS and "start" in keys):
        return "situation"
    if package == "params" or (keys and keys <= set(Params.__dataclass_fields__)):
        return "params"
    if {"poles", "states"} & keys:
        return "world"
    return None


@dataclass(frozen=True)
class Checked:
    path: str
    kind: str | None
    error: ConfigError | None


def _renamed(error: ConfigError, names: dict[str, str]) -> ConfigError:
    def fix(text: str) -> str:
        for old, new in names.items():
            text = text.replace(old, new)
        return text

    return ConfigError([replace(p, file=fix(p.file), allowed=fix(p.allowed))
                        for p in error.problems])


def _world_data(path: Path, data: object) -> object:
    if package_of(path) == "_global_" and isinstance(data, dict):
        return data.get("world")
    return data


def check_file(path: str | Path, world: str | Path | None = None) -> Checked:
    """Validate one user file; `world` is the world file a scenario is checked against
    (default: the shipped world of conf/config.yaml)."""
    path = Path(path)
    try:
        data = load_yaml(path)
        package = package_of(path)
    except ConfigError as exc:
        return Checked(str(path), None, exc)
    kind = kind_of(path, data)
    settings = file_problems(data, package if package is not None else kind, str(path))
    if settings:  # a file that would make Hydra run code is reported, never composed
        return Checked(str(path), kind, ConfigError(settings))
    if kind is None:
        return Checked(str(path), None, ConfigError([Problem(
            str(path), "(file)", None,
            "a world, situation, scenario, params, experiment or record file: put it in a "
            "folder named after its kind (world/, situation/, scenario/, params/, "
            "experiment/, record/) or give it that kind's keys")]))
    if kind == "record":
        try:
            check_record(path, world)
        except ConfigError as exc:
            return Checked(str(path), kind, exc)
        return Checked(str(path), kind, None)
    if kind == "world":
        try:
            world = _world_data(path, data)
            if isinstance(world, dict) and "size" in world:  # a generated world
                build_size(world["size"], str(path))
                world = expand({"world": dict(world)})["world"]
            build_world(world, str(path))
        except ConfigError as exc:
            return Checked(str(path), kind, exc)
        return Checked(str(path), kind, None)
    world_path = Path(world) if world is not None else None
    if world_path is not None:
        try:
            load_yaml(world_path)
        except ConfigError as exc:
            return Checked(str(path), kind, exc)
    with tempfile.TemporaryDirectory(prefix="balancing-sim-validate-") as tmp:
        root, names, overrides = Path(tmp), {}, []
        for group, source in {kind: path, "world": world_path}.items():
            if source is not None:  # a link under a name Hydra can choose (a world's
                copy = root / group / "_validate.yaml"  # data is found beside its file)
                copy.parent.mkdir()
                copy.symlink_to(source.absolute())
                names[str(copy)] = str(source)
                overrides.append(f"{group}=_validate")
        if world_path is None and kind == "situation" and isinstance(data, dict) \
                and data.get("synthetic") is True:
            overrides.append("world=synthetic")  # a generated situation needs its world
        searchpath = [f"file://{root}"]
        if path.parent.name in KINDS:  # siblings in the user's own conf-like folder
            searchpath.append(f"file://{path.parent.parent.resolve()}")
        overrides += searchpath_override(searchpath)
        try:
            _, composed = compose(overrides)
            if kind == "experiment":
                check_experiment(path, data, composed, overrides)
        except ConfigError as exc:
            return Checked(str(path), kind, _renamed(exc, names))
    return Checked(str(path), kind, None)


def check_record(path: Path, world: str | Path | None) -> None:
    """A record against the ids and ladders of `world` (a world file), or of the world a
    run composes by default."""
    from ..record import WorldIds, load_record, load_world_ids

    ids = (load_world_ids(world) if world is not None
           else WorldIds.of(compose([])[0].world))
    load_record(path, ids)


def check_experiment(path: Path, data: object, composed: dict, overrides: list[str]) -> None:
    """An experiment's own values survive composition, and every value of its sweep
    gives a valid config (each checked on its own, not the whole grid)."""
    problems = []
    own = {k: v for k, v in leaves(data if isinstance(data, dict) else {})
           if not k.startswith(("defaults", "hydra"))}
    flat = dict(leaves(composed))
    for key, value in own.items():
        if key in flat and flat[key] != value and "${" not in str(value):
            problems.append(Problem(
                str(path), key, value,
                f"a value that reaches the run (the composed config has {flat[key]!r}): "
                "in conf/config.yaml's defaults list `_self_` must come before "
                "`optional experiment`"))
    if problems:
        raise ConfigError(problems)
    parser = OverridesParser.create()
    for key, text in sweep_params(overrides).items():
        try:
            sweep = parser.parse_overrides([f"{key}={text}"])[0]
            values = list(sweep.sweep_string_iterator()) if sweep.is_sweep_override() \
                else [text]
        except HydraException as exc:
            problems.append(Problem(str(path), f"hydra.sweeper.params.{key}", text,
                                    f"a Hydra sweep (a,b,c / range() / choice()): {exc}"))
            continue
        for value in values:
            try:
                compose([*overrides, f"{key}={value}"])
            except ConfigError as exc:
                problems.extend(replace(p, file=str(path), key=f"hydra.sweeper.params.{key}",
                                        value=value, allowed=f"{p.key}: {p.allowed}")
                                for p in exc.problems)
    if problems:
        raise ConfigError(problems)


def check_files(paths: Sequence[str | Path], world: str | Path | None = None) -> list[Checked]:
    return [check_file(p, world) for p in paths]
