"""The points of a multirun (`balancing-sim -m ...`), each composed and validated before
any of them runs.

Hydra's basic sweeper makes one job per combination of the swept values: the sweep an
experiment declares (`hydra.sweeper.params`) followed by the command line's overrides,
each job composed from Hydra's own overrides plus its list. `jobs` makes the same lists
with the sweeper's own `split_arguments`; `points` composes each (every mistake of every
point is reported at once, labelled with the point) and says where each would write.

Composing is slow (Hydra reads every file each time), so points that differ from each
other only in plain values (`params.w_autonomy=0.5`: a number or text for a key the
config has) share one composition of the rest and get their values set in a copy of its
plain dict. Anything else (a config choice, +key, ~key, a list or mapping, an
interpolation in the config, a generated world's size, the scenario a run continues) is
composed in full, as Hydra will compose the job.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError, Problem
from .loading import GROUPS, Composition, check_names, compose_run, composition
from .outputs import Places
from .schema import Config
from .validate import build_config, find_key


@dataclass(frozen=True)
class Point:
    overrides: tuple[str, ...]  # the job's own overrides (what names its folder)
    config: Config
    data: dict
    places: Places


def _is_hydra(key: str) -> bool:
    return key == "hydra" or key.startswith(("hydra.", "hydra/"))


def jobs(overrides: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """(Hydra's own overrides, each job's overrides), as Hydra's basic sweeper makes them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    overrides = list(overrides)
    parsed, _ = check_names(overrides)
    own = [o for o, p in zip(overrides, parsed, strict=True) if _is_hydra(p.key_or_group)]
    task = [o for o, p in zip(overrides, parsed, strict=True) if not _is_hydra(p.key_or_group)]
    first = [f"{p.get_key_element()}={next(iter(p.sweep_string_iterator()))}"
             if p.is_sweep_override() else o for o, p in zip(overrides, parsed, strict=True)]
    shape = [o for o, p in zip(first, OverridesParser.create().parse_overrides(first),
                               strict=True) if not _plain(p)]
    declared = OmegaConf.select(composition(shape).cfg, "hydra.sweeper.params", default=None)
    declared = [f"{k}={v}" for k, v in (OmegaConf.to_container(declared, resolve=False)
                                        if declared is not None else {}).items()]
    try:
        lists = BasicSweeper.split_arguments(
            OverridesParser.create().parse_overrides([*declared, *task]), None)
    except HydraException as exc:
        raise ConfigError([Problem("command line", "sweep", " ".join(task),
                                   f"sweeps Hydra's basic sweeper can run (a,b,c / range() / "
                                   f"choice()): {str(exc).splitlines()[0]}")]) from None
    return own, [list(job) for job in lists[0]]


def _plain(override) -> bool:
    """A plain value for a key (what a shared composition can take in its dict): not a
    generated world's size nor the scenario a run continues (each composes more)."""
    value = None if override.is_delete() else override.value()
    key = override.key_or_group
    return not (_is_hydra(key) or key in GROUPS or "/" in key or override.is_add()
                or override.is_delete() or override.is_force_add()
                or override.is_sweep_override() or isinstance(value, list | dict)
                or key.startswith("world.size") or key == "scenario.after")


def _interpolated(node: object) -> bool:
    if isinstance(node, dict):
        return any(_interpolated(v) for v in node.values())
    if isinstance(node, list):
        return any(map(_interpolated, node))
    return isinstance(node, str) and "${" in node


def _set(data: dict, key: str, value: object) -> bool:
    """Set a dotted key that exists in `data`; False when it does not."""
    found = find_key(data, key)
    if isinstance(found, str):
        return False
    found[0][found[1]] = value
    return True


def _places(base: Composition, task: list[str], data: dict) -> Places:
    """Where a job writes: Hydra's node resolved with the job's overrides and `out`
    (an interpolation of anything else raises: the job is then composed in full)."""
    node = OmegaConf.to_container(base.cfg.hydra, resolve=False)
    node["overrides"]["task"] = list(task)
    cfg = OmegaConf.create({"hydra": node, "out": data.get("out")})
    return Places.of({k: OmegaConf.select(cfg.hydra, k, throw_on_missing=True)
                      for k in Places.KEYS}, data.get("out"))


def _point(own: list[str], job: list[str], bases: dict, cpu_count: int) -> Point:
    parsed = OverridesParser.create().parse_overrides(job)
    rest = [o for o, p in zip(job, parsed, strict=True) if not _plain(p)]
    plain = [p for p in parsed if _plain(p)]
    key = tuple(rest)
    if key not in bases:
        base = composition([*own, *rest])
        raw = OmegaConf.to_container(base.cfg, resolve=False)
        raw.pop("hydra", None)
        bases[key] = None if _interpolated(raw) else base
    base = bases[key]
    if base is not None:
        data = copy.deepcopy(base.data)
        if all(_set(data, p.key_or_group, p.value()) for p in plain):
            try:
                places = _places(base, job, data)
            except OmegaConfBaseException:
                places = None
            if places is not None:
                config = build_config(data, base.files, cpu_count)
                return Point(tuple(job), config, data, places)
    config, data, places = compose_run([*own, *job], cpu_count)  # as Hydra will compose it
    return Point(tuple(job), config, data, places)


def points(overrides: Sequence[str], cpu_count: int | None = None) -> list[Point]:
    """Every point of the sweep, composed and validated; a ConfigError lists the problems
    of every point, each labelled with its overrides."""
    own, lists = jobs(overrides)
    found, failed, bases = [], {}, {}
    for job in lists:
        try:
            found.append(_point(own, job, bases, cpu_count or os.cpu_count() or 1))
        except ConfigError as exc:
            failed[" ".join(job) or "(no overrides)"] = exc.problems
    if failed:
        everywhere = set.intersection(*(set(map(repr, ps)) for ps in failed.values())) \
            if len(failed) == len(lists) else set()
        shared = [p for p in next(iter(failed.values())) if repr(p) in everywhere]
        raise ConfigError(shared + [replace(p, file=f"sweep point {label}: {p.file}")
                                    for label, ps in failed.items() for p in ps
                                    if repr(p) not in everywhere])
    return found
