"""The scenario a forward scenario continues (`scenario.after`), read as data.

A forward scenario that names `after: <scenario>` starts every run r where run r of that
scenario ends (docs/ODD.md, Initialization): the engines simulate it first, with the
same parameters and run r's own generator. Its config is the named scenario file plus
the situation its defaults list chooses, merged as Hydra merges them; it is read here
as plain YAML (no Hydra composition inside a running one) and put in the composed config
under `prefix`, so the run's config shows exactly what it continued and its identity
changes when that timeline does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import ConfigError, Problem
from .yamlfile import load_yaml

SITUATION_OVERRIDE = "override /situation"


def _merge(base: Mapping, top: Mapping) -> dict:
    """Hydra's merge of two mappings: nested mappings merge, anything else replaces."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _situation(defaults: object, file: str) -> str | None:
    """The situation a scenario file's defaults list chooses (`override /situation: x`)."""
    if defaults is None:
        return None
    found = [entry[SITUATION_OVERRIDE] for entry in defaults or ()
             if isinstance(entry, Mapping) and SITUATION_OVERRIDE in entry] \
        if isinstance(defaults, list) else None
    if found is None or len(found) != 1 or not isinstance(found[0], str):
        raise ConfigError([Problem(file, "defaults", defaults,
                                   f"a list with one '{SITUATION_OVERRIDE}: <name>' entry "
                                   "(the situation the continued scenario starts from)")])
    return found[0]


def prefix_data(name: str, searchpath: Sequence[str] = (), where: str = "scenario.after",
                default_situation: str = "mid2024") -> dict:
    """The scenario section of `scenario=<name>` (its situation merged under it)."""
    from .loading import locate, options

    known = options("scenario", searchpath)
    if name not in known:
        raise ConfigError([Problem("scenario file", where, name,
                                   f"a scenario of conf/scenario/ ({', '.join(known)})")])
    path = locate("scenario", name, searchpath)
    data = load_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("scenario"), Mapping):
        raise ConfigError([Problem(str(path), "scenario", None, "a scenario section")])
    situation = _situation(data.get("defaults"), str(path)) or default_situation
    start = load_yaml(locate("situation", situation, searchpath))
    if not isinstance(start, Mapping):
        raise ConfigError([Problem(situation, "(file)", None, "a situation mapping")])
    merged = _merge(start, data["scenario"])
    if merged.get("after"):
        raise ConfigError([Problem(str(path), "scenario.after", merged["after"],
                                   "nothing: a continued scenario starts from its situation")])
    merged.pop("after", None)
    return merged
