"""Sweep glue: a Hydra multirun job becomes a sweep point's folder.

A sweep puts each point into `<out>/points/<id>/`, the id made from the point's
overrides (`config.resolvers.point_name`), with a `point.json` naming the point's
scenario and swept values; `results.load(out)` reads them all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..config.errors import ConfigError, Problem
from ..execution import EXECUTION_ONLY
from ..results import atomic_write_json


def combined_name(choice: object) -> str | None:
    """`ots_deepening+western_pressure` for a multiple selection of scenarios."""
    if isinstance(choice, list | tuple) and len(choice) > 1:
        return "+".join(str(c) for c in choice)
    return None


def scenario_choice(overrides: Sequence[str]) -> object:
    """The scenario group's selection on the command line (Hydra's `runtime.choices`
    leaves out a multiple selection), or None."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    choice = None
    for item in OverridesParser.create().parse_overrides(list(overrides)):
        if item.key_or_group == "scenario" and not item.is_delete():
            choice = item.value()
    return choice


def swept_values(overrides: Sequence[str]) -> dict:
    """The point's own values, keyed by config key, from its overrides."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    values = {}
    for item in OverridesParser.create().parse_overrides(list(overrides)):
        key = item.key_or_group
        if key in EXECUTION_ONLY or key.startswith("hydra.") or item.is_delete():
            continue
        values[key] = item.value()
    return values


def hydra_job(data: dict, hydra_cfg) -> tuple[dict, Path, Path]:
    """(config data, output dir, directory to resume) of a job run by `@hydra.main`.

    Names a combined scenario after its parts; in a multirun, the job's directory is
    Hydra's `<sweep dir>/points/<point id>` (see conf/config.yaml) and gets a
    `point.json` with the point's id, scenario and overridden values.
    """
    from hydra.types import RunMode

    overrides = list(hydra_cfg.overrides.task)
    name = combined_name(scenario_choice(overrides))
    if name and not any(o.lstrip("+").startswith("scenario.name=") for o in overrides):
        data.setdefault("scenario", {})["name"] = name
    if hydra_cfg.mode != RunMode.MULTIRUN:
        out = Path(data.get("out") or hydra_cfg.runtime.output_dir)
        return data, out, out
    root = Path(hydra_cfg.sweep.dir).resolve()
    out = Path(hydra_cfg.runtime.output_dir).resolve()
    if root not in out.parents:
        raise ConfigError([Problem("command line", "hydra.sweep.subdir", str(out),
                                   f"a directory inside the sweep directory {root}")])
    write_point(out, data.get("scenario", {}).get("name"), overrides)
    return data, out, root


def write_point(out: Path, scenario: str | None, overrides: Sequence[str]) -> None:
    """`point.json`: what `results.load` needs to label a sweep point's rows."""
    point = {"id": out.name, "scenario": scenario, "values": swept_values(overrides),
             "overrides": list(overrides)}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "point.json", json.loads(json.dumps(point, default=str)))
