"""One evaluation API: parameter sets in, outcomes out.

    >>> from balancing_sim.evaluation import Model, evaluate, final_posture
    >>> model = Model.of("baseline", runs=20, seed=1)
    >>> evaluate(model, [{"w_autonomy": 0.5}, {"w_autonomy": 1.5}],
    ...          {"p_nonaligned": final_posture("<state>", "nonaligned")})

The world is compiled once; every parameter set runs the same replicates (runs
0..R-1 of one seed: common random numbers, so differences between sets come from the
parameters, not from the noise). An outcome is a function of the recorded runs
(`validation.Panel`) returning one value per run; `evaluate` returns one row per
parameter set with the mean over runs (or one row per set and run). Calibration,
sensitivity analysis and adapters for other tools (EMA Workbench, a dashboard) sit on
top of it; nothing here writes files. A `Study` composes a scenario once and evaluates
sets of values that may change any config key, not only parameters.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from .config.errors import ConfigError, Problem
from .config.schema import (
    FREE,
    FREE_PARAMETERS,
    WORKERS_ALLOWED,
    Config,
    Params,
    workers_given,
)
from .config.validate import (
    Collector,
    Reader,
    build_config,
    find_key,
    month_index,
    month_text,
)
from .contract import ALIGN_PREFIX
from .draws import held
from .outcomes import check_outcomes
from .records import Records, steps_of
from .validation import Panel, holds
from .world import Compiled, compile_config

Outcome = Callable[[Panel], np.ndarray]
"""(R,) values, one per run, from the recorded runs of one parameter set."""
ParamSets = Sequence[Mapping[str, float]] | pd.DataFrame


@dataclass(frozen=True)
class Model:
    """A compiled world with its base parameters and replicates (picklable: built once,
    shipped to every worker)."""

    compiled: Compiled
    params: Params
    runs: int = 20
    seed: int = 1
    engine: str = "ensemble"
    record_every: int = 1
    last_step: int | None = None  # simulate only up to this month (`up_to`)

    @staticmethod
    def of(scenario: str | Config = "baseline", overrides: Sequence[str] = (),
           runs: int | None = None, seed: int | None = None) -> Model:
        """From a scenario name and overrides (as on the command line), or a Config."""
        config = scenario if isinstance(scenario, Config) else configure(scenario, overrides)[0]
        run = config.run
        return Model(compile_config(config), config.params,
                     run.runs if runs is None else runs, run.seed if seed is None else seed,
                     run.engine, run.record_every)

    def with_values(self, values: Mapping[str, float]) -> Params:
        """The base parameters with some replaced (`params.` prefixes allowed)."""
        names = set(FREE_PARAMETERS)
        clean = {str(k).removeprefix("params."): plain(v) for k, v in values.items()}
        unknown = sorted(set(clean) - names)
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(names))})")
        if not clean:
            return self.params
        checked = read_section(Params, {**dataclasses.asdict(self.params), **clean}, "params")
        return held(checked, {name: getattr(checked, name) for name in clean})

    def up_to(self, month: int | str) -> Model:
        """The model simulating only up to `month` ("YYYY-MM", or a month index), as a
        calibration scored up to a cutoff needs: the runs and their months are the whole
        scenario's, the later months are not simulated (with `record_every` > 1, up to the
        first month the whole run records at or after `month`: `records.steps_of`)."""
        if isinstance(month, bool) or not isinstance(month, str | Integral):
            raise ValueError(f"month must be 'YYYY-MM' or a month index, not {month!r}")
        first = self.compiled.start_month
        last = (month_index(month) if isinstance(month, str) else int(month)) - first
        if last < 1:
            raise ValueError(f"month {month!r} is not after the scenario's first month "
                             f"({month_text(first)}): nothing would be simulated")
        return dataclasses.replace(self, last_step=min(last, self.compiled.n_steps))

    def panel(self, params: Params) -> Panel:
        """The recorded runs of one parameter set."""
        return self.panels([params])[0]

    def panels(self, sets: Sequence[Params]) -> list[Panel]:
        """The recorded runs of each parameter set. The ensemble simulates several sets
        as one block (`sets_per_block`), each run carrying its set's parameters as (R,)
        arrays, as posterior draws do (`together`): a run's arithmetic is the same in any
        block, so the numbers are those of one set at a time (tests/test_evaluation.py),
        without paying each month's fixed cost per set (a history of 4 runs: 1.1 ms a
        month, of which 0.06 ms is the runs' own)."""
        from .runner.jobs import simulator

        simulate, size = simulator(self.engine), self.sets_per_block()
        runs = np.arange(self.runs, dtype=np.int64)
        alike: dict[tuple, list[int]] = {}  # sets drawing and holding the same parameters
        for i, p in enumerate(sets):
            alike.setdefault((p.draws, p.hold), []).append(i)
        panels: dict[int, Panel] = {}
        for indices in alike.values():
            for first in range(0, len(indices), size):
                group = indices[first:first + size]
                block = simulate(self.compiled, together([sets[i] for i in group], self.runs),
                                 self.seed, np.tile(runs, len(group)), self.record_every,
                                 self.last_step)
                for j, i in enumerate(group):
                    part = runs_of(block, slice(j * self.runs, (j + 1) * self.runs))
                    panels[i] = Panel.from_records(part, self.compiled)
        return [panels[i] for i in range(len(sets))]

    def sets_per_block(self) -> int:
        """Parameter sets one block simulates: up to `BATCH_RUNS` runs whose records take
        at most `BATCH_BYTES` (`records.allocate`); one in the Mesa engine."""
        if self.engine != "ensemble":
            return 1
        return max(1, min(BATCH_RUNS // self.runs, BATCH_BYTES // (self.runs * self.run_bytes())))

    def run_bytes(self) -> int:
        """The records of one run (`records.allocate`)."""
        st = self.compiled.structure
        N, P, K = st.n_states, st.n_poles, st.n_platforms
        months = len(steps_of(self.compiled, self.record_every, self.last_step))
        return months * (8 * N * (P + 1) + N * K + 16 * K)

    def check_memory(self, at_once: int = 1) -> None:
        """A parameter set's runs are simulated and held together, `at_once` sets at a
        time (one per worker): `runs` whose records this machine cannot hold are refused
        before any run (not a MemoryError later)."""
        from .runner.estimate import available_memory, size

        need, free = at_once * self.runs * self.run_bytes(), available_memory()
        if need > free:
            most = int(free // (at_once * self.run_bytes()))
            each = f" with {at_once} sets at once (one per worker)" if at_once > 1 else ""
            raise ConfigError([Problem(SOURCE, "runs", self.runs, (
                f"at most {most} runs per parameter set on this machine{each} (their "
                f"records would take {size(need)}, {size(free)} available)"))])


BATCH_RUNS = 512
"""Runs simulated together when the evaluation API batches parameter sets (past a few
hundred runs a block costs the same per run)."""
BATCH_BYTES = 128 * 2**20
"""The records a batched block may take (a world of 200 states records ~11 KB a run
and month, the history 0.2 MB a run)."""


def together(sets: Sequence[Params], runs: int) -> Params:
    """One parameter set for a block of `runs` runs of each set in turn (sets drawing and
    holding the same parameters): a parameter that differs between sets becomes an (R,)
    array, one that does not stays a number."""
    first = sets[0]
    varying = {name: np.repeat(np.array([getattr(p, name) for p in sets], dtype=float), runs)
               for name in FREE_PARAMETERS
               if any(getattr(p, name) != getattr(first, name) for p in sets)}
    return dataclasses.replace(first, **varying)


def runs_of(rec: Records, rows: slice) -> Records:
    """The records of some runs of a block (views)."""
    return Records(runs=rec.runs[rows], steps=rec.steps, align=rec.align[rows],
                   status=rec.status[rows], viability=rec.viability[rows],
                   depth=rec.depth[rows], draw=None if rec.draw is None else rec.draw[rows])


def configure(scenario: str = "baseline", overrides: Sequence[str] = ()) -> tuple[Config, dict]:
    """The validated config of a scenario with overrides, and its resolved dict (what
    `balancing-sim scenario=... <overrides>` runs)."""
    from .config.loading import compose

    return compose([f"scenario={scenario}", *overrides])


def _block(task: tuple[Model, Mapping[str, Outcome], list[tuple[int, Params]]]
           ) -> list[tuple[int, dict[str, np.ndarray]]]:
    model, outcomes, items = task
    panels = model.panels([params for _, params in items])
    return [(index, {name: np.asarray(f(panel), dtype=float) for name, f in outcomes.items()})
            for (index, _), panel in zip(items, panels, strict=True)]


def _rows(param_sets: ParamSets) -> list[dict]:
    if isinstance(param_sets, pd.DataFrame):
        return param_sets.to_dict(orient="records")
    if isinstance(param_sets, str | Mapping) or not isinstance(param_sets, Sequence) or any(
            not isinstance(p, Mapping) for p in param_sets):
        raise ConfigError([Problem(SOURCE, "param_sets", param_sets, "a list of dicts of "
                                   "values (one per set), or a DataFrame (one row per set)")])
    return [dict(p) for p in param_sets]


def checked_call(outcomes: object, workers: object, per_run: object) -> int:
    """The evaluation's options as the config reads them, or one ConfigError naming each
    that is not: returns the worker count (-1: every core, as `runner.workers`)."""
    problems = []
    if not isinstance(outcomes, Mapping) or not all(callable(f) for f in outcomes.values()):
        problems.append(Problem(SOURCE, "outcomes", outcomes, "a dict of names to outcomes "
                                "(functions of the recorded runs: balancing_sim.outcomes)"))
    if isinstance(workers, bool) or not isinstance(workers, Integral) or not workers_given(
            workers):
        problems.append(Problem(SOURCE, "workers", workers, WORKERS_ALLOWED))
    if not isinstance(per_run, bool):
        problems.append(Problem(SOURCE, "per_run", per_run, "True or False"))
    if problems:
        raise ConfigError(problems)
    return (os.cpu_count() or 1) if workers == -1 else int(workers)


def checked_names(outcomes: Mapping, rows: Sequence[Mapping], per_run: bool) -> None:
    """No outcome named like a column the table already has (a set's key, or `run` with
    `per_run`): one ConfigError naming each, never a table with two columns of a name."""
    taken = {str(k) for row in rows for k in row} | ({"run"} if per_run else set())
    clashes = [name for name in outcomes if str(name) in taken]
    if clashes:
        raise ConfigError([Problem(SOURCE, f"outcomes[{name!r}]", name, "a name other than "
                                   "the sets' keys" + (" and 'run'" if per_run else ""))
                           for name in clashes])


def checked_sets(model: Model, rows: Sequence[Mapping]) -> list[Params]:
    """Every set's parameters, checked before any runs: one ConfigError naming each bad
    set by its place (`param_sets[i]`), never a failure in the block that meets it."""
    sets, problems = [], []
    for i, values in enumerate(rows):
        try:
            sets.append(model.with_values(values))
        except ConfigError as exc:
            problems += [dataclasses.replace(p, key=f"param_sets[{i}].{p.key}")
                         for p in exc.problems]
        except ValueError as exc:  # unknown names
            problems.append(Problem(SOURCE, f"param_sets[{i}]", sorted(map(str, values)),
                                    str(exc)))
    if problems:
        raise ConfigError(problems)
    return sets


def evaluate(model: Model | str, param_sets: ParamSets, outcomes: Mapping[str, Outcome],
             workers: int = 1, backend: str = "loky", per_run: bool = False,
             progress: str = "auto") -> pd.DataFrame:
    """Each parameter set's outcomes: one row per set with the mean over runs (with
    `per_run`, one row per set and run, with a `run` column); the parameters first."""
    from .runner.backends import dispatch
    from .runner.loop import progress_bar

    workers = checked_call(outcomes, workers, per_run)
    model = Model.of(model) if isinstance(model, str) else model
    world = model.compiled.structure
    check_outcomes(outcomes, world.states, world.poles, world.platforms)
    rows = _rows(param_sets)
    checked_names(outcomes, rows, per_run)
    indexed = list(enumerate(checked_sets(model, rows)))  # before any worker starts
    if not rows:
        return pd.DataFrame(columns=[*(["run"] if per_run else []), *outcomes])
    model.check_memory(at_once=min(max(1, workers), len(indexed)))
    blocks = [b.tolist() for b in np.array_split(np.arange(len(indexed)),
                                                 min(len(indexed), max(1, 4 * workers)))
              if len(b)]
    tasks = [(model, dict(outcomes), [indexed[i] for i in b]) for b in blocks]
    results: dict[int, dict[str, np.ndarray]] = {}
    bar = progress_bar(len(rows), 0, progress, unit="point")
    try:
        for block in dispatch(_block, tasks, workers, backend):
            results.update(block)
            bar.update(len(block))
    finally:
        bar.close()
    params = pd.DataFrame(rows)
    if not per_run:
        means = pd.DataFrame([{k: float(v.mean()) for k, v in results[i].items()}
                              for i in range(len(rows))], columns=list(outcomes))
        return pd.concat([params, means], axis=1)
    long = [pd.DataFrame({"run": np.arange(model.runs), **results[i]}).assign(
        **{k: v for k, v in rows[i].items()}) for i in range(len(rows))]
    frame = pd.concat(long, ignore_index=True)
    return frame[[*params.columns, "run", *outcomes]]


# ---------------------------------------------------------------- outcomes


def final_posture(actor: str, posture: str) -> Outcome:
    """1 where the actor ends in the posture (a pole id or `nonaligned`), else 0; with
    `align_<pole>`, the actor's final weight on that pole (`outcomes` has the rest)."""
    from . import outcomes

    if posture.startswith(ALIGN_PREFIX):
        return outcomes.final_weight(actor, posture.removeprefix(ALIGN_PREFIX))
    return outcomes.final_posture_share(actor, posture)


def pattern(spec: Mapping) -> Outcome:
    """1 where every check of a validation pattern (conf/validation) holds, else 0."""
    return lambda panel: holds(panel, spec).astype(float)


# ---------------------------------------------------------------- studies

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
    if not isinstance(overrides, Sequence) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError([Problem(SOURCE, "overrides", overrides, "a Hydra override string, "
                                   "a list of them, or a dict of config keys to values")])
    return list(overrides)


def scenario_choice(scenario: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """The scenario names and the overrides that choose them (several compose)."""
    names = [scenario] if isinstance(scenario, str) else (
        list(scenario) if isinstance(scenario, Sequence) else [])
    if not names or not all(isinstance(n, str) for n in names):
        raise ConfigError([Problem(SOURCE, "scenario", scenario,
                                   "a scenario name, or a non-empty list of names")])
    choice = names[0] if len(names) == 1 else "[" + ",".join(names) + "]"
    return names, [f"scenario={choice}"]


def split_values(values: Values, name: str = "params") -> tuple[dict[str, float],
                                                                dict[str, Any]]:
    """Parameters (by name or `params.<name>`) apart from other config keys; anything
    but a dict (or None) is a ConfigError naming the argument `name`."""
    if values is not None and not isinstance(values, Mapping):
        raise ConfigError([Problem(SOURCE, name, values, "a dict of parameter names or "
                                   "config keys to values")])
    params, keys, spelled = {}, {}, {}
    for key, given in (values or {}).items():
        param, value = str(key).removeprefix("params."), plain(given)
        if param in PARAM_NAMES:
            if param in params:  # `w_a` and `params.w_a`: one parameter, never the last kept
                raise ConfigError([Problem(SOURCE, f"{name}[{key!r}]", value, "a parameter "
                                           f"given once (it is also given as "
                                           f"{spelled[param]!r})")])
            params[param], spelled[param] = value, key
        else:
            keys[str(key)] = value
    return params, keys


def plain(value: Any) -> Any:
    """A NumPy number (`np.int64(2)`, `np.float32(0.5)`, as arrays and tables hand out) as
    the Python number it holds, read as the config reads a number, also inside a mapping
    or a list given as a value (`{"value": np.float64(0.5), "source": ...}`); a NumPy
    bool stays a bool (refused where a number is asked)."""
    if isinstance(value, np.number):
        return value.item()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [plain(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def set_key(data: dict, key: str, value: Any) -> None:
    """Set a dotted key path of a resolved config (list items by index); the key must
    exist, as on the command line. The config holds a copy of the value: a later key
    inside it never changes the caller's object."""
    found = find_key(data, key)
    if isinstance(found, str):
        raise ConfigError([Problem(SOURCE, key, value, found)])
    node, index = found
    try:
        node[index] = copy.deepcopy(value)
    except (TypeError, copy.Error):  # no data (a lock, a generator): refused by name below
        node[index] = value


def _frozen(values: Mapping[str, Any]) -> tuple:
    """The cache key of a set of config values: in any order, unless one key lies inside
    another (`world.states.<id>.autonomy` and `world.states.<id>.autonomy.value`), where
    the later one set wins and so the order is part of the set."""
    items = [(str(k), repr(v)) for k, v in values.items()]
    keys = [k for k, _ in items]
    nested = any(b.startswith(a + ".") for a in keys for b in keys)
    return tuple(items) if nested else tuple(sorted(items))


KEPT_STRUCTURES = 16
"""Configs (and compiled worlds) of distinct non-parameter values a `Study` keeps, the
most recently used: an EMA experiment over a world value is a new structure each time,
so an unbounded cache grew by ~0.5 MB an experiment (the baseline world)."""


def _kept(cache: OrderedDict, key: Any, make: Callable[[], Any],
          fits: Callable[[Any], bool] = lambda kept: True) -> Any:
    """The cached value of `key` (made, and the least recently used one dropped past
    `KEPT_STRUCTURES`, when absent or not `fits`)."""
    kept = cache.get(key)
    if kept is None or not fits(kept):
        kept = cache[key] = make()
    cache.move_to_end(key)
    while len(cache) > KEPT_STRUCTURES:
        cache.popitem(last=False)
    return kept


class Study:
    """A scenario composed once, evaluated for many sets of values (parameters or any
    config key); `api.Experiment` adds the output contract of a set.

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
        split_values(params)  # a dict of values, or fail before composing
        for key, value in settings.items():
            if key not in SETTINGS:
                raise TypeError(f"unknown setting {key!r} (settings: {', '.join(SETTINGS)}; "
                                "any other key goes in overrides or values)")
            if value is not None:
                args.append(f"{SETTINGS[key]}={value}")
        self.scenario = "+".join(names)
        self.overrides = tuple(args)
        from .config.loading import compose

        self._base = compose(args)
        self._structures: OrderedDict[tuple, tuple[Config, dict]] = OrderedDict()
        self._compiled: OrderedDict[tuple, Any] = OrderedDict()
        given = {**(overrides if isinstance(overrides, Mapping) else {}), **(params or {})}
        if given:
            self._base = self.configure(given)

    @property
    def config(self) -> Config:
        return self._base[0]

    @property
    def resolved(self) -> dict:
        """The resolved config as a plain dict (what `res.config` holds): a copy, so that
        changing it changes no later set."""
        return copy.deepcopy(self._base[1])

    @property
    def params(self) -> dict[str, float]:
        return dataclasses.asdict(self.config.params)

    def configure(self, values: Values = None) -> tuple[Config, dict]:
        """The validated config and resolved dict with `values` applied."""
        params, keys = split_values(values)
        config, resolved = self._base
        if keys:
            config, resolved = _kept(self._structures, _frozen(keys),
                                     lambda: self._built(config, resolved, keys))
        if params:
            merged = {**resolved["params"], **params}
            merged["hold"] = sorted({*(merged.get("hold") or ()), *params} & FREE.keys())
            config = dataclasses.replace(config, params=read_section(Params, merged, "params"))
            resolved = {**resolved, "params": merged}
        return config, resolved

    def _built(self, config: Config, resolved: dict, keys: Mapping[str, Any]
               ) -> tuple[Config, dict]:
        data = copy.deepcopy(resolved)
        for key, value in keys.items():
            set_key(data, key, value)
        if "scenario.after" in keys:  # the scenario it names, composed by Hydra
            from .config.loading import searchpath_of, with_prefix

            with_prefix(data, searchpath_of(self.overrides), self._files(config)["scenario"])
        return build_config(data, self._files(config), os.cpu_count() or 1), data

    def compiled(self, config: Config):
        """The compiled world of a config: once per world and scenario. Each entry keeps
        the world and scenario it was compiled from, so an id reused after they were
        freed never serves another world's compilation."""
        from .world import compile_config

        return _kept(self._compiled, (id(config.world), id(config.scenario)),
                     lambda: (config.world, config.scenario, compile_config(config)),
                     lambda kept: kept[0] is config.world and kept[1] is config.scenario)[2]

    def model(self, values: Values = None, runs: int | None = None, seed: int | None = None):
        """The evaluation API's model (`evaluation.Model`) of these values."""
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
        checked_call(outcomes, workers, per_run)
        rows = _rows(param_sets)
        checked_names(outcomes, rows, per_run)
        split = [split_values(row) for row in rows]  # (parameters, config values) each
        checked_sets(self.model(), [params for params, _ in split])  # named by place
        if not rows:
            return evaluate(self.model(), [], outcomes, per_run=per_run)
        groups: dict[tuple, list[int]] = {}
        for i, (_, keys) in enumerate(split):
            groups.setdefault(_frozen(keys), []).append(i)
        problems = []  # every set's config values checked before any runs (the configs
        for members in groups.values():  # not held: past KEPT_STRUCTURES, built again)
            try:
                self.configure(split[members[0]][1])
            except ConfigError as exc:
                problems += [dataclasses.replace(p, key=f"param_sets[{i}].{p.key}")
                             for i in members for p in exc.problems]
        if problems:
            raise ConfigError(problems)
        pieces: dict[int, pd.DataFrame] = {}
        for members in groups.values():
            model = self.model(split[members[0]][1])
            table = evaluate(model, [split[i][0] for i in members], outcomes,
                             workers=workers, per_run=per_run, progress="off")
            found = table[[*(["run"] if per_run else []), *outcomes]]
            per = model.runs if per_run else 1
            for j, i in enumerate(members):
                block = found.iloc[j * per:(j + 1) * per].reset_index(drop=True)
                pieces[i] = pd.concat([pd.DataFrame([rows[i]] * per), block], axis=1)
        table = pd.concat([pieces[i] for i in range(len(rows))], ignore_index=True)
        given = [k for k in dict.fromkeys(k for row in rows for k in row) if k in table]
        return table[[*given, *(["run"] if per_run else []), *outcomes]]  # values first

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.scenario!r}, {len(self.overrides)} overrides)"

    @staticmethod
    def _files(config: Config) -> dict[str, str]:
        return {k: f"{v} (with {SOURCE})" for k, v in config.files.items()}


def read_section(cls: type, data: Mapping, key: str, closed: bool = True,
                 cpu_count: int = 1) -> Any:
    """One section read and checked as the config's own (ranges, names); `closed=False`
    lets other keys through, `cpu_count` resolves `auto`."""
    errors = Collector()
    value = Reader(errors, SOURCE, cpu_count=cpu_count).record(cls, data, key, closed=closed)
    errors.raise_if_any()
    return value
