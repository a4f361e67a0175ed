"""The notebook API: `simulate` a scenario, or compose it once as an `Experiment` and run
many parameter sets; either way a plain dict of values in, the output contract out.

    >>> import balancing_sim as bs
    >>> res = bs.simulate("baseline", params={"w_autonomy": 1.2}, runs=50, seed=1)
    >>> exp = bs.Experiment("baseline", runs=50, seed=1)      # Hydra composes once here
    >>> for w in (0.5, 1.0, 1.5):
    ...     res = exp.run({"w_autonomy": w})                  # no composition per call

Values are keyed by parameter name (`w_autonomy`, or `params.w_autonomy`) or by any
config key path (`world.states.<id>.autonomy.value`, `scenario.events.<id>.value.value`,
`scenario.end`). A parameter-only change reuses the composed config and its compiled
world; any other key rebuilds the config from the resolved dict (validated as a user's
file is; no Hydra), once per distinct set of such values.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .config.errors import ConfigError, Problem
from .config.outputs import check_output_dir
from .config.schema import RunSettings
from .evaluation import (
    SOURCE,
    Overrides,
    Study,
    Values,
    override_list,
    plain,
    read_section,
    scenario_choice,
    split_values,
)
from .results import Results
from .runner import run


class Experiment(Study):
    """A scenario composed once, run for many parameter sets (each `run` gives the
    output contract; `evaluate` gives outcomes, as `evaluation.Study`).

    `settings` are run settings (`runs`, `seed`, `engine`, `workers`, `record_every`,
    `chunk_runs`, `backend`, `progress`); `overrides` are Hydra overrides applied once
    (or a dict of config keys to values); `params` names a parameter file of
    conf/params/ (e.g. "calibrated") or gives values every run starts from.
    """

    def run(self, params: Values = None, runs: int | None = None, seed: int | None = None,
            out: str | Path | None = None, values: Values = None) -> Results:
        """Every replicate of one parameter set: the output contract (in memory, or also
        written to `out`). `params` and `values` are both dicts of values (parameter
        names or config keys); two names so that a call reads as what it changes."""
        split_values(params)
        split_values(values, "values")
        config, resolved = self.configure({**(values or {}), **(params or {})})
        settings = {k: plain(v) for k, v in (("runs", runs), ("seed", seed)) if v is not None}
        if settings:  # read as the config's own run settings (types and ranges)
            resolved = {**resolved, **settings}
            config = dataclasses.replace(config, run=read_section(
                RunSettings, resolved, "", closed=False, cpu_count=os.cpu_count() or 1))
        check_output_dir(out, SOURCE, "out")
        # the results' config is the caller's: a copy, never the study's own (changing it
        # changed every later set's parameters)
        return run(config, copy.deepcopy(resolved), Path(out) if out is not None else None)


def simulate(scenario: str | Sequence[str] = "baseline", overrides: Overrides = (),
             runs: int | None = None, seed: int | None = None,
             out: str | Path | None = None, params: str | Values = None,
             values: Values = None, **settings: Any) -> Results:
    """Run a scenario's replicates, as `balancing-sim scenario=... runs=... seed=...` does.

    `params`: a dict of parameter values (`{"w_autonomy": 1.2}`), or the name of a file
    of conf/params/ (`"calibrated"`); `values`: any other config keys as a dict;
    `overrides`: Hydra strings (a lone string is one override). `scenario` may name
    several scenarios to combine (their events add up). With `out` the output contract
    is written there too; otherwise everything stays in memory. For many parameter sets,
    compose once with `Experiment`.
    """
    experiment = Experiment(scenario, overrides, params=params, runs=runs, seed=seed,
                            **settings)
    return experiment.run(out=out, values=values)


def sweep(points: Sequence[Sequence[str]], out: str | Path, scenario: str | Sequence[str] =
          "baseline", runs: int | None = None, seed: int | None = None) -> Results:
    """Run several sweep points (each a list of overrides) into `out/points/<id>/`, as
    `balancing-sim -m ... out=DIR` does, and `load` them back as one `Results`. As there,
    every point is composed and checked, and `out` claimed as a sweep's folder, before
    any point runs."""
    from .config.outputs import expand
    from .config.resolvers import point_name
    from .results import SWEEP_MANIFEST, atomic_write_json, load
    from .runner import folder, write_point
    from .runner.precheck import legacy_sweep

    if isinstance(points, str | Mapping) or not isinstance(points, Sequence) or not points \
            or any(isinstance(p, Mapping) for p in points):
        raise ConfigError([Problem(SOURCE, "points", points, "a non-empty list of points, "
                                   "each a list of Hydra overrides ('params.w_autonomy=0.5')")])
    check_output_dir(out, SOURCE, "out")
    root = expand(out)
    _, choice = scenario_choice(scenario)
    planned: dict[Path, tuple[list[str], Experiment]] = {}
    for overrides in map(override_list, points):
        path = root / "points" / point_name([*choice, *overrides])
        if path in planned:
            raise ConfigError([Problem(SOURCE, "points", overrides, "a folder of its own for "
                                       f"each point (it shares {path.name} with "
                                       f"{planned[path][0]})")])
        planned[path] = overrides, Experiment(scenario, overrides, runs=runs, seed=seed)
    with folder.claimed(root, "sweep", adopt=legacy_sweep(root)):
        atomic_write_json(root / SWEEP_MANIFEST, {"points": sorted(p.name for p in planned)})
        for path, (overrides, experiment) in planned.items():
            res = experiment.run(out=path)
            write_point(path, res.config["scenario"]["name"], [*choice, *overrides])
    return load(root)
