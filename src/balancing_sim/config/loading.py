"""Compose a config with Hydra and validate it.

The CLI composes through `@hydra.main`; notebooks and tests through `compose` here.
Both end in `validate.build_config`, so they accept and reject the same things. YAML
is only ever read as data: nothing in it is instantiated or evaluated.

Users keep their own worlds and scenarios in a folder laid out like `conf/` (`world/`,
`situation/`, `scenario/`, `params/`, `experiment/`) and add it with Hydra's option
`hydra.searchpath=[file:///path/to/folder]`; the shipped `conf/` comes first, so
choosing a user file with a shipped name is refused (Hydra would read ours). Which
file of each group was chosen (the situation a scenario picks included) is Hydra's own
`hydra.runtime.choices`; overrides are parsed only by Hydra's `OverridesParser`. Every
failure of composition becomes a `ConfigError` naming the file, the key, the value and
what is allowed.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import (
    kept,
    libyaml,
    resolvers,  # noqa: F401  (registers the resolvers conf/config.yaml uses)
)
from .errors import ConfigError, Problem, YamlError
from .hydrasettings import command_line_problems, node_problems
from .kept import config_files_digest
from .outputs import Places, check_output_dir  # noqa: F401  (check_output_dir: public here)
from .prescan import choice_names, shadowed, user_files
from .schema import Config, RunSettings
from .validate import build_config, build_size, find_key
from .yamlfile import yaml_problem

GROUPS = ("world", "situation", "scenario", "params", "experiment")
"""Config groups: folders of `conf/` whose files are chosen by name (`scenario=history`)."""
OVERRIDE_HELP = ("key=value, +key=value or ~key "
                 "(https://hydra.cc/docs/advanced/override_grammar/basic)")
NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
WORLD_FILE = "<world file>"
COMPOSE_ERRORS = (HydraException, OmegaConfBaseException, yaml.YAMLError)
SWEEP_ALLOWED = ("one value (several values are a sweep: `balancing-sim -m`; a list is "
                 "key=[a,b], a text with commas is quoted: key='a,b')")

RUN_KEYS = tuple(f.metadata.get("key", name)
                 for name, f in RunSettings.__dataclass_fields__.items())
"""Keys of a run's settings (`runs`, `seed`, `out`, `runner.*`...)."""

libyaml.install()  # Hydra reads YAML with libyaml: the same data, ~7x faster
kept.install(GROUPS, RUN_KEYS)  # Hydra composes the same files once per process


def conf_dir() -> Path:
    """The config folder: shipped inside the package, or at the repository root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "conf", here.parent.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError("balancing-sim: config folder 'conf' not found")


def search_dirs(searchpath: Sequence[str] = ()) -> list[Path]:
    """The shipped config folder, then the user's folders (`hydra.searchpath`), in
    Hydra's order. Only `file://` entries and plain paths are folders on disk."""
    return [conf_dir(), *(Path(str(e).removeprefix("file://")).expanduser()
                          for e in searchpath if not str(e).startswith("pkg://"))]


def locate(group: str, name: str, searchpath: Sequence[str] = ()) -> Path:
    """The file Hydra reads for `group=name`: the first folder that has it."""
    paths = [folder / group / f"{name}.yaml" for folder in search_dirs(searchpath)]
    return next((p for p in paths if p.is_file()), paths[0])


def options(group: str, searchpath: Sequence[str] = ()) -> list[str]:
    """Names available in a config group, across the search path."""
    return sorted({p.stem for folder in search_dirs(searchpath)
                   for p in (folder / group).glob("*.yaml")})


def source_files(choices: Mapping[str, object],
                 searchpath: Sequence[str] = ()) -> dict[str, str]:
    """Map each config section to the file(s) it came from, from Hydra's choices."""
    files = {"main": str(conf_dir() / "config.yaml")}
    for group in GROUPS:
        choice = choices.get(group)
        if choice is not None:
            names = choice if isinstance(choice, Sequence) and not isinstance(choice, str) \
                else [choice]
            files[group] = ", ".join(str(locate(group, str(n), searchpath)) for n in names)
    # a scenario is its situation (start, conditions, initial state) plus its own file
    files["scenario"] = ", ".join(filter(None, (files.get("situation"), files.get("scenario"))))
    if files.get("experiment"):  # an experiment may set any key
        for section in ("main", "world", "scenario", "params"):
            files[section] = ", ".join(filter(None, (files.get(section), files["experiment"])))
    return files


def _parse(overrides: Sequence[str]) -> list:
    """Parse each override on its own, so every malformed one is reported; a config
    choice must be a name, never a path; a key is given once; `hydra.*` keys are those
    `hydrasettings.COMMAND_LINE` allows."""
    parser = OverridesParser.create()
    parsed, problems = [], []
    for item in overrides:
        try:
            (override,) = parser.parse_overrides([item])
        except ValueError as exc:  # a number Python will not read (over 4300 digits)
            problems.append(Problem("command line", "override", item,
                                    f"{OVERRIDE_HELP}; a value Python can read ({exc})"))
            continue
        except HydraException as exc:
            key, _, value = item.partition("=")
            if key.lstrip("+~") in GROUPS:
                problems.append(_not_a_path(key.lstrip("+~"), value))
                continue
            reason = str(exc).strip().splitlines()
            reason = reason[1] if len(reason) > 1 and "Error parsing" in reason[0] else reason[0]
            problems.append(Problem("command line", "override", item,
                                    f"{OVERRIDE_HELP}; {reason}"))
            continue
        parsed.append(override)
        if override.key_or_group in GROUPS and not override.is_delete():
            problems += [_not_a_path(override.key_or_group, name) for name in choice_names(override)
                         if not NAME.match(name)]
    problems += _given_twice(overrides, parsed) + command_line_problems(parsed)
    if problems:
        raise ConfigError(problems)
    return parsed


def _given_twice(overrides: Sequence[str], parsed: Sequence) -> list[Problem]:
    """A key set twice on the command line (Hydra would keep the last one silently)."""
    given: dict[str, list[str]] = {}
    for text, o in zip(overrides, parsed, strict=False):
        given.setdefault(o.key_or_group, []).append(text)
    return [Problem("command line", key, texts, "given once (it is given "
                                                 f"{len(texts)} times)")
            for key, texts in given.items() if len(texts) > 1]


def _not_a_path(group: str, value: object) -> Problem:
    return Problem("command line", group, value,
                   f"the name of a file in conf/{group}/ (letters, digits, _ and -), not a "
                   "path; add your own folder with hydra.searchpath=[file:///path/to/folder]")


def _searchpath(parsed: Sequence) -> list[str]:
    for o in parsed:
        if o.key_or_group == "hydra.searchpath" and not o.is_delete():
            value = o.value()
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return []


def searchpath_of(overrides: Sequence[str]) -> list[str]:
    """The user folders (`hydra.searchpath`) a list of overrides names."""
    return _searchpath(_parse(overrides))


def _missing_keys(base: DictConfig, parsed: Sequence, files: Mapping[str, str]) -> list:
    """Override keys that name nothing in the composed config, with the keys that exist."""
    data = OmegaConf.to_container(base, resolve=False)
    found = {o.key_or_group: (o.value(), find_key(data, o.key_or_group)) for o in parsed
             if not (o.is_add() or o.is_delete() or o.key_or_group.startswith("hydra.")
                     or o.key_or_group in GROUPS)}
    return [Problem(_section_file(key, files), key, value, where)
            for key, (value, where) in found.items() if isinstance(where, str)]


def _section_file(key: str, files: Mapping[str, str]) -> str:
    head = key.split(".", 1)[0]
    return files.get(head if head in ("world", "scenario", "params") else "main", files["main"])


def hydra_problem(exc: Exception, overrides: Sequence[str], parsed: Sequence,
                  searchpath: Sequence[str], files: Mapping[str, str] | None) -> ConfigError:
    """Turn Hydra's and OmegaConf's exceptions into our one-line form."""
    if isinstance(exc, yaml.YAMLError):
        return YamlError([yaml_problem(exc)])
    files = files or source_files({}, searchpath)
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if first.startswith("Ambiguous value for argument"):  # several values where one runs
        return ConfigError([Problem("command line", o.key_or_group, o.input_line.split(
            "=", 1)[-1], SWEEP_ALLOWED) for o in parsed if o.is_sweep_override()])
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, name = exc.missing_cfg_file.rpartition("/")
        return ConfigError([_unknown_choice(group, name, searchpath, exc.options)])
    if first.startswith("Could not override"):  # compose what exists, then find the key
        kept = [o for o, p in zip(overrides, parsed, strict=True)
                if p.key_or_group in GROUPS or p.key_or_group.startswith("hydra.")]
        try:
            base = _compose_raw(kept)
            problems = _missing_keys(base, parsed, hydra_files(base.hydra))
        except COMPOSE_ERRORS:
            problems = []
        if problems:
            return ConfigError(problems)
    match = re.match(r"^In '([\w/\-]+)'", first)
    file = files["main"]
    if match and "/" in match.group(1):
        file = str(locate(*match.group(1).rsplit("/", 1), searchpath))
    key = getattr(exc, "full_key", None) or getattr(exc.__cause__, "full_key", None)
    reason = " ".join(line.strip() for line in text.splitlines()[1:2]) or first
    if isinstance(exc, OmegaConfBaseException) and key:  # e.g. a broken ${interpolation}
        file, reason = _section_file(str(key), files), f"a value that resolves ({first})"
    if "Cannot merge DictConfig with ListConfig" in text:
        reason = "a mapping of keys to values at the top of the file (found a list)"
    return ConfigError([Problem(file, str(key or "(top level)"), None, reason)])


def _as_data(node: object) -> object:
    """A section as plain data, interpolations resolved (against the whole config: a
    section keeps its parent; copying the config without Hydra's node cost more than
    composing it)."""
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def config_dict(cfg: DictConfig, world_file: str = WORLD_FILE,
                searchpath: Sequence[str] | None = None, scenario_file: str = "scenario file"
                ) -> dict:
    """A plain resolved dict of the composed config, without Hydra's own node; a
    generated world (conf/world/synthetic.yaml) is checked, then built."""
    from ..synthetic import expand

    data = {key: _as_data(cfg[key]) for key in cfg if key != "hydra"}
    world = data.get("world")
    if isinstance(world, Mapping) and "size" in world:
        build_size(world["size"], world_file)
    data = expand(data)
    if searchpath is None:
        searchpath = OmegaConf.select(cfg, "hydra.searchpath", default=None) or ()
    return with_prefix(data, [str(e) for e in searchpath], scenario_file)


def with_prefix(data: dict, searchpath: Sequence[str] = (), file: str = "scenario file"
                ) -> dict:
    """`data` with the continued scenario its `scenario.after` names as `prefix`
    (config.prefix), or without one when it names none; also after a caller changed
    `scenario.after` in a resolved dict (the Python API's values)."""
    data.pop("prefix", None)
    scenario = data.get("scenario")
    after = scenario.get("after") if isinstance(scenario, Mapping) else None
    if after and isinstance(after, str):
        data["prefix"] = prefix_data(after, searchpath, file)
    return data


def prefix_data(name: str, searchpath: Sequence[str] = (), file: str = "scenario file") -> dict:
    """The scenario a forward scenario continues (`scenario.after`, docs/ODD.md,
    Initialization): the scenario section Hydra composes for `scenario=<name>`, its
    situation included. It goes into the composed config as `prefix`, so a run's config
    shows what it continued and its identity changes when that timeline does."""
    known = options("scenario", searchpath)
    if name not in known:
        raise ConfigError([Problem(file, "scenario.after", name,
                                   f"a scenario of conf/scenario/ ({', '.join(known)})")])
    files = config_files_digest(search_dirs(searchpath))
    return copy.deepcopy(_continued(name, tuple(searchpath), files))


@lru_cache(maxsize=8)
def _continued(name: str, searchpath: tuple[str, ...], files: str) -> dict:
    """`prefix_data`, composed once per scenario, search path and digest of the config
    files (`config_files_digest`)."""
    overrides = [f"scenario={name}", *searchpath_override(searchpath)]
    parsed, _ = check_names(overrides)
    try:
        scenario = OmegaConf.to_container(_compose_raw(overrides).scenario, resolve=True)
    except COMPOSE_ERRORS as exc:
        raise hydra_problem(exc, overrides, parsed, searchpath, None) from None
    chained = scenario.pop("after", None)
    if chained:  # one continued scenario, no chains (each would need its own stream)
        raise ConfigError([Problem(str(locate("scenario", name, searchpath)), "scenario.after",
                                   chained, f"nothing, as {name} is continued by another "
                                   f"scenario (scenario.after={name}): a continued scenario "
                                   f"starts from its own situation; continue {chained} "
                                   f"instead and add {name}'s events")])
    return scenario


def searchpath_override(searchpath: Sequence[str]) -> list[str]:
    """`hydra.searchpath=[...]` naming these folders, quoted for Hydra's grammar."""
    quoted = ",".join("'" + str(e).replace("'", "\\'") + "'" for e in searchpath)
    return [f"hydra.searchpath=[{quoted}]"] if searchpath else []


def _compose_raw(overrides: Sequence[str]) -> DictConfig:
    """Hydra's composition of conf/config.yaml with `overrides`, its `hydra` node included
    (inside a running `@hydra.main` task, with the Hydra that runs it). Hydra keeps its
    compositions in this process (`kept`): callers get their own copy."""
    if GlobalHydra.instance().is_initialized():
        return hydra_compose(config_name="config", overrides=list(overrides),
                             return_hydra_config=True)
    with initialize_config_dir(config_dir=str(conf_dir()), version_base=None):
        return hydra_compose(config_name="config", overrides=list(overrides),
                             return_hydra_config=True)


def hydra_files(hydra: object) -> dict[str, str]:
    """The source files of a composition from its Hydra node (`cfg.hydra`, HydraConfig):
    Hydra's choices; a list of configs (`scenario=[a,b]`) is not among them, so it comes
    from the command line Hydra recorded."""
    choices = dict(hydra.runtime.choices)
    for o in OverridesParser.create().parse_overrides(list(hydra.overrides.task)):
        if o.key_or_group in GROUPS and o.key_or_group not in choices and not o.is_delete():
            choices[o.key_or_group] = choice_names(o)
    searchpath = list(hydra.searchpath or ())
    problems = shadowed(choices, conf_dir(), search_dirs(searchpath)[1:])
    if problems:
        raise ConfigError(problems)
    return source_files(choices, searchpath)


def sweep_params(overrides: Sequence[str] = ()) -> dict[str, str]:
    """The sweep an experiment declares (`hydra.sweeper.params`), key -> Hydra sweep text.
    Call after `compose` succeeded on the same overrides."""
    params = OmegaConf.select(_compose_raw(overrides), "hydra.sweeper.params", default=None)
    if params is None:
        return {}
    return {str(k): str(v) for k, v in OmegaConf.to_container(params, resolve=False).items()}


def check_names(overrides: Sequence[str]) -> tuple[list, list[str]]:
    """What can be checked of a multirun before Hydra starts it: override syntax, config
    names (never paths, and existing), user folders. Sweeps are allowed. Returns the
    parsed overrides and the search path."""
    parsed = _parse(overrides)
    searchpath = _searchpath(parsed)
    check_searchpath(searchpath)
    check_choices(parsed, searchpath)
    _, problems = user_files(parsed, search_dirs(searchpath)[1:], conf_dir(), GROUPS)
    if problems:
        raise ConfigError(problems)
    return parsed, searchpath


@dataclass(frozen=True)
class Composition:
    """A composed config: Hydra's (with its `hydra` node), the resolved plain dict, the
    source file of each section, and where a run of it writes."""

    cfg: DictConfig
    data: dict
    files: dict[str, str]
    places: Places


def composition(overrides: Sequence[str]) -> Composition:
    """Compose without validating the config's content (every composition failure and
    every Hydra setting a config may not make is a ConfigError)."""
    overrides = list(overrides)
    parsed, searchpath = check_names(overrides)
    files = None
    try:
        cfg = _compose_raw(overrides)
        files = hydra_files(cfg.hydra)
        problems = node_problems(OmegaConf.to_container(cfg.hydra, resolve=False),
                                 "composed config (command line and config files)")
        if problems:
            raise ConfigError(problems)
        places = Places.of({k: OmegaConf.select(cfg.hydra, k) for k in Places.KEYS},
                           cfg.get("out"))
        data = config_dict(cfg, files.get("world", WORLD_FILE),
                           scenario_file=files.get("scenario", "scenario file"))
        return Composition(cfg, data, files, places)
    except COMPOSE_ERRORS as exc:
        raise hydra_problem(exc, overrides, parsed, searchpath, files) from None
    except RecursionError:
        raise ConfigError([Problem(files["main"] if files else "command line", "defaults",
                                   None, "a defaults list that does not include itself, "
                                   "directly or through other files")]) from None


def compose(overrides: Sequence[str] = (), cpu_count: int | None = None) -> tuple[Config, dict]:
    """Compose and validate; return the typed config and the resolved plain dict.
    Unknown override keys are reported together with every problem of the rest."""
    config, data, _ = compose_run(overrides, cpu_count)
    return config, data


def compose_run(overrides: Sequence[str] = (), cpu_count: int | None = None
                ) -> tuple[Config, dict, Places]:
    """`compose`, and where the run would write (`outputs.Places`)."""
    overrides = list(overrides)
    try:
        found = composition(overrides)
    except ConfigError as exc:
        unknown = {p.key for p in exc.problems if p.allowed.startswith("an existing key")}
        if not unknown:
            raise
        rest = [o for o, p in zip(overrides, _parse(overrides), strict=True)
                if p.key_or_group not in unknown]
        try:
            compose(rest, cpu_count)
        except ConfigError as more:
            raise ConfigError(exc.problems + more.problems) from None
        raise
    return (build_config(found.data, found.files, cpu_count or os.cpu_count() or 1),
            found.data, found.places)


def check_searchpath(searchpath: Sequence[str]) -> None:
    """Every user config folder exists (Hydra only warns), named as Hydra reads it
    (Hydra takes `~` for a folder named `~`)."""
    problems = [Problem("command line", f"hydra.searchpath[{i}]", entry,
                        "an existing folder laid out like conf/ "
                        "(world/, situation/, scenario/, params/, experiment/)"
                        + (f"; Hydra does not read ~ as the home folder: write "
                           f"file://{Path(folder).expanduser()}" if folder[:1] == "~" else ""))
                for i, entry in enumerate(searchpath)
                for folder in [entry.removeprefix("file://")]
                if not entry.startswith("pkg://")
                and (folder[:1] == "~" or not Path(folder).is_dir())]
    if problems:
        raise ConfigError(problems)


def check_choices(parsed: Sequence, searchpath: Sequence[str] = ()) -> None:
    """Every config chosen on the command line exists (Hydra silently skips a missing
    `optional` one, such as an experiment)."""
    problems = [_unknown_choice(o.key_or_group, name, searchpath)
                for o in parsed if o.key_or_group in GROUPS and not o.is_delete()
                for name in choice_names(o) if name not in options(o.key_or_group, searchpath)]
    if problems:
        raise ConfigError(problems)


def _unknown_choice(group: str, name: str, searchpath: Sequence[str],
                    available: Sequence[str] | None = None) -> Problem:
    """A config name that no folder of the search path has, with the names that exist."""
    available = options(group, searchpath) if available is None else available
    where = ", ".join(str(d / group) + "/" for d in search_dirs(searchpath))
    return Problem(str(locate(group, name, searchpath)), group or "config", name,
                   f"one of: {', '.join(available) or '(none)'} (files in {where})")
