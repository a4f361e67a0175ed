"""One evaluation API: parameter sets in, outcomes out.

    >>> from balancing_sim.evaluation import Model, evaluate, final_posture
    >>> model = Model.of("baseline", runs=20, seed=1)
    >>> evaluate(model, [{"w_autonomy": 0.5}, {"w_autonomy": 1.5}],
    ...          {"p_nonaligned": final_posture("azerbaijan", "nonaligned")})

The world is compiled once; every parameter set runs the same replicates (runs
0..R-1 of one seed: common random numbers, so differences between sets come from the
parameters, not from the noise). An outcome is a function of the recorded runs
(`validation.Panel`) returning one value per run; `evaluate` returns one row per
parameter set with the mean over runs (or one row per set and run). Calibration,
sensitivity analysis and adapters for other tools (EMA Workbench, a dashboard) sit on
top of it; nothing here writes files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config.schema import NONALIGNED, Config, Params
from .contract import ALIGN_PREFIX
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
        names = {f.name for f in dataclasses.fields(Params)}
        clean = {str(k).removeprefix("params."): float(v) for k, v in values.items()}
        unknown = sorted(set(clean) - names)
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(names))})")
        return dataclasses.replace(self.params, **clean)

    def panel(self, params: Params) -> Panel:
        """The recorded runs of one parameter set."""
        from .runner.jobs import simulator

        runs = np.arange(self.runs, dtype=np.int64)
        rec = simulator(self.engine)(self.compiled, params, self.seed, runs, self.record_every)
        return Panel.from_records(rec, self.compiled)


def configure(scenario: str = "baseline", overrides: Sequence[str] = ()) -> tuple[Config, dict]:
    """The validated config of a scenario with overrides, and its resolved dict (what
    `balancing-sim scenario=... <overrides>` runs)."""
    from .config.loading import compose

    return compose([f"scenario={scenario}", *overrides])


def _block(task: tuple[Model, Mapping[str, Outcome], list[tuple[int, dict]]]
           ) -> list[tuple[int, dict[str, np.ndarray]]]:
    model, outcomes, items = task
    out = []
    for index, values in items:
        panel = model.panel(model.with_values(values))
        out.append((index, {name: np.asarray(f(panel), dtype=float)
                            for name, f in outcomes.items()}))
    return out


def _rows(param_sets: ParamSets) -> list[dict]:
    if isinstance(param_sets, pd.DataFrame):
        return param_sets.to_dict(orient="records")
    return [dict(p) for p in param_sets]


def evaluate(model: Model | str, param_sets: ParamSets, outcomes: Mapping[str, Outcome],
             workers: int = 1, backend: str = "loky", per_run: bool = False,
             progress: str = "auto") -> pd.DataFrame:
    """Each parameter set's outcomes: one row per set with the mean over runs (with
    `per_run`, one row per set and run, with a `run` column); the parameters first."""
    from .runner.backends import dispatch
    from .runner.loop import progress_bar

    model = Model.of(model) if isinstance(model, str) else model
    rows = _rows(param_sets)
    for values in rows[:1]:
        model.with_values(values)  # bad names fail here, before any worker starts
    indexed = list(enumerate(rows))
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
    `align_<pole>`, the actor's final weight on that pole."""

    def outcome(panel: Panel) -> np.ndarray:
        i = panel.states.index(actor)
        final = panel.align[:, -1, i]
        if posture.startswith(ALIGN_PREFIX):
            return final[:, panel.poles.index(posture.removeprefix(ALIGN_PREFIX))]
        return (final.argmax(-1) == (*panel.poles, NONALIGNED).index(posture)).astype(float)

    return outcome


def pattern(spec: Mapping) -> Outcome:
    """1 where every check of a validation pattern (conf/validation) holds, else 0."""
    return lambda panel: holds(panel, spec).astype(float)
