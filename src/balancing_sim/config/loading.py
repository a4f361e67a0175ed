"""Compose a config with Hydra and validate it.

The CLI composes through `@hydra.main`; notebooks and tests through `compose`
here. Both end in `validate.build_config`, so they accept and reject the same
things. YAML is only ever read as data: nothing in it is instantiated or evaluated.

Users keep their own worlds and scenarios in a folder of their own, laid out like
`conf/` (`world/`, `situation/`, `scenario/`, `params/`, `experiment/`), and add it
with Hydra's standard option `hydra.searchpath=[file:///path/to/folder]`. The
shipped `conf/` comes first: a user file with a shipped name is shadowed.

Every failure of composition (unknown key, missing file, YAML syntax error, bad
override syntax) becomes a `ConfigError` naming the file, the key, the value and
what is allowed.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import yaml
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import resolvers  # noqa: F401  (registers the resolvers conf/config.yaml uses)
from .errors import ConfigError, Problem
from .schema import Config
from .validate import build_config

GROUPS = ("world", "situation", "scenario", "params", "experiment")
"""Config groups: folders of `conf/` whose files are chosen by name (`scenario=history`)."""

OVERRIDE_HELP = ("key=value, +key=value or ~key "
                 "(https://hydra.cc/docs/advanced/override_grammar/basic)")


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
    dirs = [conf_dir()]
    for entry in searchpath:
        entry = str(entry)
        if entry.startswith("pkg://"):
            continue
        dirs.append(Path(entry.removeprefix("file://")).expanduser())
    return dirs


def locate(group: str, name: str, searchpath: Sequence[str] = ()) -> Path:
    """The file Hydra reads for `group=name`: the first folder that has it."""
    dirs = search_dirs(searchpath)
    for folder in dirs:
        path = folder / group / f"{name}.yaml"
        if path.is_file():
            return path
    return dirs[0] / group / f"{name}.yaml"


def options(group: str, searchpath: Sequence[str] = ()) -> list[str]:
    """Names available in a config group, across the search path."""
    names: set[str] = set()
    for folder in search_dirs(searchpath):
        if (folder / group).is_dir():
            names.update(p.stem for p in (folder / group).glob("*.yaml"))
    return sorted(names)


def source_files(choices: Mapping[str, object], root: Path | None = None,
                 searchpath: Sequence[str] = ()) -> dict[str, str]:
    """Map each config section to the file(s) it came from, for error messages."""
    root = root or conf_dir()
    files = {"main": str(root / "config.yaml")}
    for group in GROUPS:
        choice = choices.get(group)
        if choice is None:
            continue
        names = choice if isinstance(choice, list | tuple) else [choice]
        if root == conf_dir():
            paths = [str(locate(group, str(n), searchpath)) for n in names]
        else:
            paths = [str(root / group / f"{n}.yaml") for n in names]
        files[group] = ", ".join(paths)
    # scenario files also set the situation (start, conditions, initial state)
    files["scenario"] = ", ".join(filter(None, (files.get("situation"), files.get("scenario"))))
    if files.get("experiment"):  # an experiment may set any key
        for section in ("main", "world", "scenario", "params"):
            files[section] = ", ".join(filter(None, (files.get(section), files["experiment"])))
    return files


def _parse(overrides: Sequence[str]) -> tuple[list, list[Problem]]:
    """Parse each override on its own, so every malformed one is reported."""
    parser = OverridesParser.create()
    parsed, problems = [], []
    for item in overrides:
        try:
            parsed.extend(parser.parse_overrides([item]))
        except HydraException as exc:
            reason = str(exc).strip().splitlines()
            reason = reason[1] if len(reason) > 1 and "Error parsing" in reason[0] else reason[0]
            problems.append(Problem("command line", "override", item,
                                    f"{OVERRIDE_HELP}; {reason}"))
    return parsed, problems


def _searchpath(parsed: Sequence) -> list[str]:
    for o in parsed:
        if o.key_or_group == "hydra.searchpath" and not o.is_delete():
            value = o.value()
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return []


def _choices_from_overrides(overrides: Sequence[str]) -> dict[str, object]:
    choices: dict[str, object] = {"world": "eurasia", "situation": "mid2024",
                                  "scenario": "baseline", "params": "calibrated"}
    for item in overrides:
        match = re.match(r"^\+?(\w+)=(.*)$", item)
        if match and match.group(1) in GROUPS:
            value = match.group(2)
            if value.startswith("[") and value.endswith("]"):
                choices[match.group(1)] = [v.strip() for v in value[1:-1].split(",") if v]
            else:
                choices[match.group(1)] = value
    if "situation" not in {m.group(1) for m in (re.match(r"^\+?(\w+)=", o) for o in overrides)
                           if m}:
        # a scenario may pick its own situation in its defaults list
        scenario = choices.get("scenario")
        if isinstance(scenario, str):
            situation = _situation_of(scenario, _searchpath_raw(overrides))
            if situation:
                choices["situation"] = situation
    return choices


def _searchpath_raw(overrides: Sequence[str]) -> list[str]:
    for item in overrides:
        if item.startswith("hydra.searchpath="):
            value = item.split("=", 1)[1].strip()
            if value.startswith("[") and value.endswith("]"):
                return [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
            return [value]
    return []


def _situation_of(scenario: str, searchpath: Sequence[str]) -> str | None:
    """The situation a scenario file selects with `override /situation: name`, if any."""
    try:
        data = yaml.safe_load(locate("scenario", scenario, searchpath).read_text())
    except (OSError, yaml.YAMLError):
        return None
    for item in (data or {}).get("defaults", []) if isinstance(data, dict) else []:
        if isinstance(item, dict):
            for key, value in item.items():
                if str(key).replace("override", "").strip().lstrip("/") == "situation":
                    return str(value)
    return None


def yaml_problem(exc: yaml.YAMLError, file: str | None = None) -> Problem:
    """A YAML syntax error as a Problem: the file, the line and column, the line's text."""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context:
        what = f"{context}: {what}"
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
    name = file or mark.name
    text = lines[mark.line] if 0 <= mark.line < len(lines) else None
    return Problem(name, f"line {mark.line + 1}, column {mark.column + 1}", text,
                   f"valid YAML ({what})")


def _node(cfg: object, dotted: str) -> tuple[bool, list[str], str]:
    """Does `dotted` exist in cfg? If not: the keys of its deepest existing parent."""
    node, path = cfg, []
    for part in dotted.split("."):
        if isinstance(node, Mapping | DictConfig) and part in node:
            node = node[part]
            path.append(part)
            continue
        keys = list(node.keys()) if isinstance(node, Mapping | DictConfig) else []
        return False, [str(k) for k in keys if k != "hydra"], ".".join(path)
    return True, [], ".".join(path)


def _section_file(key: str, files: Mapping[str, str]) -> str:
    head = key.split(".", 1)[0]
    return files.get(head if head in ("world", "scenario", "params") else "main",
                     files.get("main", "config.yaml"))


def hydra_problem(exc: Exception, overrides: Sequence[str],
                  base: DictConfig | None = None) -> ConfigError:
    """Turn Hydra's and OmegaConf's exceptions into our one-line form."""
    overrides = list(overrides)
    parsed, problems = _parse(overrides)
    if problems:
        return ConfigError(problems)
    searchpath = _searchpath(parsed)
    files = source_files(_choices_from_overrides(overrides), searchpath=searchpath)
    if isinstance(exc, yaml.YAMLError):
        return ConfigError([yaml_problem(exc)])
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, name = exc.missing_cfg_file.rpartition("/")
        allowed = exc.options if exc.options is not None else options(group, searchpath)
        where = ", ".join(str(d / group) + "/" for d in search_dirs(searchpath))
        return ConfigError([Problem(str(locate(group, name, searchpath)), group or "config",
                                    name, f"one of: {', '.join(allowed) or '(none)'} "
                                    f"(files in {where})")])
    if first.startswith("Could not override") and base is not None:
        for o in parsed:
            if o.is_add() or o.is_delete() or o.key_or_group.startswith("hydra."):
                continue
            key = o.key_or_group
            if key in GROUPS:
                continue
            found, keys, parent = _node(base, key)
            if not found:
                where = f"keys of {parent}" if parent else "top-level keys"
                problems.append(Problem(_section_file(key, files), key, o.value(),
                                        f"an existing key ({where}: {', '.join(sorted(keys))})"))
        if problems:
            return ConfigError(problems)
    match = re.match(r"^In '([\w/\-]+)'", first)
    file = files.get("main", "config.yaml")
    if match and "/" in match.group(1):
        group, _, name = match.group(1).rpartition("/")
        file = str(locate(group, name, searchpath))
    key = getattr(exc, "full_key", None) or getattr(exc.__cause__, "full_key", None)
    reason = " ".join(line.strip() for line in text.splitlines()[1:2]) or first
    if isinstance(exc, OmegaConfBaseException) and key:  # e.g. a broken ${interpolation}
        file = _section_file(str(key), files)
        reason = f"a value that resolves ({first})"
    if "Cannot merge DictConfig with ListConfig" in text:
        reason = "a mapping of keys to values at the top of the file (found a list)"
    return ConfigError([Problem(file, str(key or "(top level)"), None, reason)])


def config_dict(cfg: DictConfig) -> dict:
    """A plain resolved dict of the composed config, without Hydra's own node."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    from ..synthetic import expand  # a generated world (conf/world/synthetic.yaml)

    check_size(data.get("world"))
    return expand(data)


SIZE_RANGES = {"states": (2, 100_000), "poles": (1, 10_000), "platforms": (1, 10_000),
               "seed": (0, 2**63 - 1)}
"""What a generated world's `size` accepts (see synthetic.generate)."""
WORLD_FILE = "<world file>"


def check_size(world: object, file: str = WORLD_FILE) -> None:
    """The `size` of a generated world holds integers in range, before anything is built."""
    if not isinstance(world, Mapping) or "size" not in world:
        return
    size = world["size"]
    if not isinstance(size, Mapping):
        raise ConfigError([Problem(file, "world.size", size,
                                   "a mapping of states, poles, platforms and seed")])
    problems = []
    for key, value in size.items():
        if key not in SIZE_RANGES:
            problems.append(Problem(file, f"world.size.{key}", value,
                                    f"unknown key; allowed: {', '.join(SIZE_RANGES)}"))
            continue
        low, high = SIZE_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(Problem(file, f"world.size.{key}", value,
                                    f"an integer in [{low}, {high}]"))
    if problems:
        raise ConfigError(problems)


def _compose_raw(overrides: Sequence[str], hydra_node: bool = False) -> DictConfig:
    with initialize_config_dir(config_dir=str(conf_dir()), version_base=None):
        return hydra_compose(config_name="config", overrides=list(overrides),
                             return_hydra_config=hydra_node)


def sweep_params(overrides: Sequence[str] = ()) -> dict[str, str]:
    """The sweep an experiment declares (`hydra.sweeper.params`), key -> Hydra sweep text.
    Call after `compose` succeeded on the same overrides."""
    cfg = _compose_raw(overrides, hydra_node=True)
    params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    if params is None:
        return {}
    return {str(k): str(v) for k, v in OmegaConf.to_container(params, resolve=False).items()}


def check_names(overrides: Sequence[str]) -> tuple[list, list[str]]:
    """What can be checked of a multirun before Hydra starts it: override syntax, config
    names (never paths, and existing), user folders. Sweeps are allowed. Returns the
    parsed overrides and the search path."""
    overrides = list(overrides)
    check_overrides(overrides)
    parsed, problems = _parse(overrides)
    if problems:
        raise ConfigError(problems)
    searchpath = _searchpath(parsed)
    check_searchpath(searchpath)
    check_choices(parsed, searchpath)
    return parsed, searchpath


def compose_dict(overrides: Sequence[str] = ()) -> tuple[dict, dict[str, str]]:
    """Compose without validating: the resolved plain dict and the source file of each
    section. Every composition failure is a ConfigError."""
    overrides = list(overrides)
    parsed, searchpath = check_names(overrides)
    files = source_files(_choices_from_overrides(overrides), searchpath=searchpath)
    try:
        cfg = _compose_raw(overrides)
        data = config_dict(cfg)
    except (HydraException, OmegaConfBaseException, yaml.YAMLError) as exc:
        base = None
        if str(exc).startswith("Could not override"):
            kept = [o for o, p in zip(overrides, parsed, strict=True)
                    if p.key_or_group in GROUPS or p.key_or_group.startswith("hydra.")]
            try:
                base = _compose_raw(kept)
            except (HydraException, OmegaConfBaseException, yaml.YAMLError):
                base = None
        raise hydra_problem(exc, overrides, base) from None
    except ConfigError as exc:  # from check_size: name the world file
        raise ConfigError([replace(p, file=files.get("world", p.file))
                           if p.file == WORLD_FILE else p for p in exc.problems]) from None
    return data, files


def compose(overrides: Sequence[str] = (), cpu_count: int | None = None) -> tuple[Config, dict]:
    """Compose and validate; return the typed config and the resolved plain dict.
    Unknown override keys are reported together with every problem of the rest."""
    overrides = list(overrides)
    try:
        data, files = compose_dict(overrides)
    except ConfigError as exc:
        unknown = {p.key for p in exc.problems if p.allowed.startswith("an existing key")}
        if not unknown:
            raise
        rest = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in unknown]
        try:
            compose(rest, cpu_count)
        except ConfigError as more:
            raise ConfigError(exc.problems + more.problems) from None
        raise
    config = build_config(data, files, cpu_count or os.cpu_count() or 1)
    return config, data


_SAFE_CHOICE = re.compile(r"^[A-Za-z0-9_\-,\[\] ]*$")


def check_overrides(overrides: Sequence[str]) -> None:
    """Config-group choices are names, never paths (`scenario=../../x` is refused)."""
    problems = []
    for item in overrides:
        match = re.match(r"^[+~]?(\w+)=(.*)$", item)
        if match and match.group(1) in GROUPS and not _SAFE_CHOICE.match(match.group(2)):
            problems.append(Problem("command line", match.group(1), match.group(2),
                                    "the name of a file in conf/" + match.group(1)
                                    + "/ (letters, digits, _ and -), not a path; add your own "
                                    "folder with hydra.searchpath=[file:///path/to/folder]"))
    if problems:
        raise ConfigError(problems)


def check_searchpath(searchpath: Sequence[str]) -> None:
    """Every user config folder exists (Hydra only warns)."""
    problems = []
    for i, entry in enumerate(searchpath):
        if entry.startswith("pkg://"):
            continue
        folder = Path(entry.removeprefix("file://")).expanduser()
        if not folder.is_dir():
            problems.append(Problem("command line", f"hydra.searchpath[{i}]", entry,
                                    "an existing folder laid out like conf/ "
                                    "(world/, situation/, scenario/, params/, experiment/)"))
    if problems:
        raise ConfigError(problems)


def check_choices(parsed: Sequence, searchpath: Sequence[str] = ()) -> None:
    """Every config chosen on the command line exists (Hydra silently skips a missing
    `optional` one, such as an experiment)."""
    problems = []
    for o in parsed:
        if o.key_or_group not in GROUPS or o.is_delete():
            continue
        if o.is_sweep_override():
            names = [n.strip("[]") for n in o.sweep_string_iterator()]
            names = [part.strip() for n in names for part in n.split(",") if part.strip()]
        else:
            value = o.value()
            names = value if isinstance(value, list) else [value]
        available = options(o.key_or_group, searchpath)
        for name in names:
            if str(name) not in available:
                where = ", ".join(str(d / o.key_or_group) + "/" for d in search_dirs(searchpath))
                problems.append(Problem(str(locate(o.key_or_group, str(name), searchpath)),
                                        o.key_or_group, name,
                                        f"one of: {', '.join(available) or '(none)'} "
                                        f"(files in {where})"))
    if problems:
        raise ConfigError(problems)


def check_output_dir(out: str | os.PathLike | None, file: str = "command line") -> None:
    """The output folder can be created and written, checked without leaving anything
    behind: the nearest existing ancestor must be a writable folder."""
    if out is None:
        return
    path = Path(out).expanduser()
    target = path
    if path.exists() and not path.is_dir():
        raise ConfigError([Problem(file, "out", str(out),
                                   "a folder path (this path is an existing file)")])
    while not target.exists():
        if target.parent == target:
            break
        target = target.parent
    allowed = "a folder that can be created and written"
    if not target.is_dir():
        raise ConfigError([Problem(file, "out", str(out),
                                   f"{allowed} ({target} is a file, not a folder)")])
    try:
        probe = tempfile.mkdtemp(prefix=".balancing-sim-probe-", dir=target)
        os.rmdir(probe)
    except OSError as exc:
        raise ConfigError([Problem(file, "out", str(out),
                                   f"{allowed} ({target}: {exc.strerror or exc})")]) from None
