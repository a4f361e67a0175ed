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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .config.errors import ConfigError, Problem
from .config.loading import compose
from .config.schema import Config, Params
from .config.validate import Collector, Reader, build_config
from .results import Results
from .runner import run

Overrides = str | Sequence[str] | Mapping[str, Any] | None
Values = Mapping[str, Any] | None
SETTINGS = {"runs": "runs", "seed": "seed", "engine": "engine", "workers": "runner.workers",
            "chunk_runs": "runner.chunk_runs", "record_every": "runner.record_every",
            "backend": "runner.backend", "progress": "runner.progress"}
"""Keyword settings of `simulate` and `Experiment`, and the config key each sets."""
PARAM_NAMES = frozenset(f.name for f in dataclasses.fields(Params))
SOURCE = "Python values"


def override_list(overrides: Overrides) -> list[str]:
    """Hydra overrides as a list: a lone string is one override, never its characters (a
    dict of keys to values is applied as values, after composition)."""
    if overrides is None or isinstance(overrides, Mapping):
        return []
    if isinstance(overrides, str):
        return [overrides]
    return [str(o) for o in overrides]


def scenario_choice(scenario: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """The scenario names and the overrides that choose them (several compose)."""
    names = [scenario] if isinstance(scenario, str) else list(scenario)
    choice = names[0] if len(names) == 1 else "[" + ",".join(names) + "]"
    return names, [f"scenario={choice}"]


def split_values(values: Values) -> tuple[dict[str, float], dict[str, Any]]:
    """Parameters (by name or `params.<name>`) apart from other config keys."""
    params, keys = {}, {}
    for key, value in (values or {}).items():
        name = str(key).removeprefix("params.")
        if name in PARAM_NAMES:
            params[name] = value
        else:
            keys[str(key)] = value
    return params, keys


def set_key(data: dict, key: str, value: Any) -> None:
    """Set a dotted key path of a resolved config (list items by index); the key must
    exist, as on the command line."""
    node: Any = data
    parts = key.split(".")
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the config"
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            index: Any = int(part)
        elif isinstance(node, Mapping) and part in node:
            index = part
        else:
            known = (list(map(str, node)) if isinstance(node, Mapping)
                     else [str(i) for i in range(len(node))] if isinstance(node, list) else [])
            raise ConfigError([Problem(SOURCE, key, value, f"an existing key (keys of {where}: "
                                       f"{', '.join(known) or 'none'})")])
        if depth == len(parts) - 1:
            node[index] = value
        else:
            node = node[index]


def _frozen(values: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in values.items()))


class Experiment:
    """A scenario composed once, run for many parameter sets.

    `settings` are run settings (`runs`, `seed`, `engine`, `workers`, `record_every`,
    `chunk_runs`, `backend`, `progress`); `overrides` are Hydra overrides applied once;
    `params` names a parameter file of conf/params/ (e.g. "calibrated") or gives values
    every run starts from. `overrides` may also be a dict of config keys to values.
    """

    def __init__(self, scenario: str | Sequence[str] = "baseline", overrides: Overrides = (),
                 params: str | Values = None, **settings: Any):
        names, args = scenario_choice(scenario)
        args += override_list(overrides)
        if len(names) > 1 and not any(o.lstrip("+").startswith("scenario.name=") for o in args):
            args.append(f"scenario.name={'+'.join(names)}")
        if isinstance(params, str):
            args.append(f"params={params}")
            params = None
        for key, value in settings.items():
            if key not in SETTINGS:
                raise TypeError(f"unknown setting {key!r} (settings: {', '.join(SETTINGS)}; "
                                "any other key goes in overrides or values)")
            if value is not None:
                args.append(f"{SETTINGS[key]}={value}")
        self.scenario = "+".join(names)
        self.overrides = tuple(args)
        self._base = compose(args)
        self._structures: dict[tuple, tuple[Config, dict]] = {}
        self._compiled: dict[tuple, Any] = {}
        given = {**(overrides if isinstance(overrides, Mapping) else {}), **(params or {})}
        if given:
            self._base = self.configure(given)

    @property
    def config(self) -> Config:
        return self._base[0]

    @property
    def resolved(self) -> dict:
        """The resolved config as a plain dict (what `res.config` holds)."""
        return self._base[1]

    @property
    def params(self) -> dict[str, float]:
        return dataclasses.asdict(self.config.params)

    def configure(self, values: Values = None) -> tuple[Config, dict]:
        """The validated config and resolved dict with `values` applied."""
        params, keys = split_values(values)
        config, resolved = self._base
        if keys:
            frozen = _frozen(keys)
            if frozen not in self._structures:
                data = copy.deepcopy(resolved)
                for key, value in keys.items():
                    set_key(data, key, value)
                self._structures[frozen] = (build_config(data, self._files(config)), data)
            config, resolved = self._structures[frozen]
        if params:
            merged = {**resolved["params"], **params}
            config = dataclasses.replace(config, params=_read(Params, merged, "params"))
            resolved = {**resolved, "params": merged}
        return config, resolved

    def compiled(self, config: Config):
        """The compiled world of a config: once per world and scenario."""
        from .world import compile_config

        key = id(config.world), id(config.scenario)
        if key not in self._compiled:
            self._compiled[key] = compile_config(config)
        return self._compiled[key]

    def run(self, params: Values = None, runs: int | None = None, seed: int | None = None,
            out: str | Path | None = None, values: Values = None) -> Results:
        """Every replicate of one parameter set: the output contract (in memory, or also
        written to `out`). `params` and `values` are both dicts of values (parameter
        names or config keys); two names so that a call reads as what it changes."""
        config, resolved = self.configure({**(values or {}), **(params or {})})
        settings = {k: v for k, v in (("runs", runs), ("seed", seed)) if v is not None}
        for key, value in settings.items():
            low = 1 if key == "runs" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError([Problem(SOURCE, key, value, f"an integer >= {low}")])
        if settings:
            config = dataclasses.replace(config, run=dataclasses.replace(config.run,
                                                                         **settings))
            resolved = {**resolved, **settings}
        return run(config, resolved, Path(out) if out is not None else None)

    def model(self, values: Values = None, runs: int | None = None, seed: int | None = None):
        """The evaluation API's model (`evaluation.Model`) of these values."""
        from .evaluation import Model

        config, _ = self.configure(values)
        settings = config.run
        return Model(self.compiled(config), config.params,
                     settings.runs if runs is None else runs,
                     settings.seed if seed is None else seed, settings.engine,
                     settings.record_every)

    def evaluate(self, param_sets, outcomes: Mapping, workers: int = 1,
                 per_run: bool = False):
        """Outcomes of many sets of values (`evaluation.evaluate`, grouped by the world
        and scenario they need: parameter-only sets share one compiled world)."""
        import pandas as pd

        from .evaluation import evaluate

        rows = (param_sets.to_dict(orient="records") if isinstance(param_sets, pd.DataFrame)
                else [dict(p) for p in param_sets])
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(_frozen(split_values(row)[1]), []).append(i)
        pieces: dict[int, pd.DataFrame] = {}
        for members in groups.values():
            model = self.model(split_values(rows[members[0]])[1])
            table = evaluate(model, [split_values(rows[i])[0] for i in members], outcomes,
                             workers=workers, per_run=per_run, progress="off")
            found = table[[*(["run"] if per_run else []), *outcomes]]
            per = model.runs if per_run else 1
            for j, i in enumerate(members):
                block = found.iloc[j * per:(j + 1) * per].reset_index(drop=True)
                pieces[i] = pd.concat([pd.DataFrame([rows[i]] * per), block], axis=1)
        return pd.concat([pieces[i] for i in range(len(rows))], ignore_index=True)

    def __repr__(self) -> str:
        return f"Experiment({self.scenario!r}, {len(self.overrides)} overrides)"

    @staticmethod
    def _files(config: Config) -> dict[str, str]:
        return {k: f"{v} (with {SOURCE})" for k, v in config.files.items()}


def _read(cls: type, data: Mapping, key: str) -> Any:
    """One section read and checked as the config's own (ranges, names)."""
    errors = Collector()
    value = Reader(errors, SOURCE).record(cls, data, key)
    errors.raise_if_any()
    return value


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
    `balancing-sim -m ... out=DIR` does, and `load` them back as one `Results`."""
    from .config.resolvers import point_name
    from .results import load
    from .runner import write_point

    root = Path(out)
    _, choice = scenario_choice(scenario)
    for overrides in points:
        overrides = override_list(overrides)
        folder = root / "points" / point_name([*choice, *overrides])
        res = simulate(scenario, overrides, runs=runs, seed=seed, out=folder)
        write_point(folder, res.config["scenario"]["name"], [*choice, *overrides])
    return load(root)
