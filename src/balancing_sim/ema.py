"""The EMA Workbench adapter: a scenario as an `ema_workbench.Model`.

    >>> from ema_workbench import perform_experiments
    >>> from ema_workbench.analysis import prim
    >>> from balancing_sim import ema, outcomes
    >>> model = ema.model("baseline", {"w_autonomy": (0.5, 3.0),
    ...                                "world.states.<id>.autonomy.value": (0.2, 1.0)},
    ...                   {"joins_bloc": outcomes.joins_bloc("<id>")}, runs=20)
    >>> experiments, results = perform_experiments(model, scenarios=200)
    >>> box = prim.Prim(ema.inputs(experiments, model), results["joins_bloc"] > 0.5).find_box()

Uncertainties are config keys: a parameter (`w_autonomy`), or any key path of the
composed config (`world.states.<id>.autonomy.value`, `scenario.events.<id>.value.value`,
`scenario.conditions.polarization.value`); EMA names them with the key's characters
that are not letters or digits as `_`, and hands the model the key itself
(`variable_name`). Outcomes are the public outcomes (`balancing_sim.outcomes`): each
experiment's value is the mean over `runs` replicates of one seed (common random
numbers). Every experiment runs through the evaluation API of one `Experiment`: the
scenario is composed once; experiments that change only parameters share its compiled
world, others compile one world per distinct set of non-parameter values (the 16
most recently used are kept: `evaluation.KEPT_STRUCTURES`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from . import outcomes as public
from .api import Experiment, Overrides
from .config.errors import ConfigError, Problem
from .evaluation import SOURCE
from .parameters import params as calibrated

Bounds = Mapping[str, tuple[float, float]]


def ema_name(key: str) -> str:
    """A config key as an EMA name (a Python identifier)."""
    name = re.sub(r"\W", "_", str(key).removeprefix("params."))
    return name if name.isidentifier() else f"_{name}"


def default_outcomes(experiment: Experiment) -> dict[str, public.Outcome]:
    """Per state: P(ends non-aligned), P(ends in a bloc), final hedging index; per
    platform: final viability."""
    world = experiment.resolved["world"]
    out: dict[str, public.Outcome] = {}
    for state in world["states"]:
        out[f"nonaligned_{state}"] = public.final_posture_share(state, "nonaligned")
        out[f"bloc_{state}"] = public.joins_bloc(state)
        out[f"hedging_{state}"] = public.final_hedging(state)
    for platform in world["platforms"]:
        out[f"viability_{platform}"] = public.platform_viability(platform)
    return out


@dataclass
class Evaluation:
    """The model function EMA calls with one experiment's values (by config key):
    returns each outcome's mean over the replicates."""

    experiment: Experiment
    outcomes: dict[str, public.Outcome]

    def __call__(self, **values: Any) -> dict[str, float]:
        table = self.experiment.evaluate([values], self.outcomes)
        return {name: float(table[name].iloc[0]) for name in self.outcomes}


def model(scenario: str | Sequence[str] = "baseline", uncertainties: Bounds | None = None,
          outcomes: Mapping[str, public.Outcome] | None = None, runs: int = 20,
          seed: int = 1, overrides: Overrides = (), name: str | None = None):
    """An `ema_workbench.Model` of a scenario: `uncertainties` maps config keys to
    (low, high) (default: every calibrated parameter over its calibration range),
    `outcomes` maps names to public outcomes (default: `default_outcomes`)."""
    with warnings.catch_warnings():  # its optional cluster backends warn when absent
        warnings.simplefilter("ignore", UserWarning)
        from ema_workbench import Model, RealParameter, ScalarOutcome

    experiment = Experiment(scenario, overrides, runs=runs, seed=seed, workers=1,
                            progress="off")
    bounds = checked_bounds(uncertainties) if uncertainties is not None \
        else calibrated().bounds()
    found = dict(outcomes) if outcomes is not None else default_outcomes(experiment)
    wrong = [name for name, f in found.items() if not callable(f)]
    if wrong:
        raise ConfigError([Problem(SOURCE, f"outcomes.{n}", found[n], "a function of the "
                                   "recorded runs (balancing_sim.outcomes)") for n in wrong])
    world = experiment.resolved["world"]
    public.check_outcomes(found, *(list(world.get(k) or {}) for k in ("states", "poles",
                                                                      "platforms")))
    named: dict[str, list[str]] = {}
    for key in bounds:
        named.setdefault(ema_name(key), []).append(key)
    shared = [Problem(SOURCE, f"uncertainties.{keys[1]}", list(bounds[keys[1]]),
                      f"a key named once (it is {keys[0]!r} too: EMA names both {n!r})")
              for n, keys in named.items() if len(keys) > 1]
    if shared:
        raise ConfigError(shared)
    for corner in (0, 1):  # every key exists and both ends of its range are valid, or fail now
        experiment.configure({key: pair[corner] for key, pair in bounds.items()})
    label = name or ema_name(experiment.scenario)
    if not isinstance(label, str) or not label.isidentifier():
        raise ConfigError([Problem(SOURCE, "name", label, "a Python identifier (EMA "
                                   "Workbench names models so): letters, digits and _")])
    ema_model = Model(label, function=Evaluation(experiment, found))
    ema_model.uncertainties = [RealParameter(ema_name(key), float(lo), float(hi),
                                             variable_name=str(key))
                               for key, (lo, hi) in bounds.items()]
    ema_model.outcomes = [ScalarOutcome(n) for n in found]
    return ema_model


def checked_bounds(uncertainties: Bounds) -> dict[str, tuple[float, float]]:
    """Each key's (low, high): two finite numbers, low below high (ConfigError naming
    every key that is not)."""
    if not isinstance(uncertainties, Mapping):
        raise ConfigError([Problem(SOURCE, "uncertainties", uncertainties,
                                   "a dict of config keys to (low, high)")])
    bounds, problems = {}, []
    for key, pair in uncertainties.items():
        if isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2 \
                and all(isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v)
                        for v in pair) and pair[0] < pair[1]:
            bounds[str(key)] = (float(pair[0]), float(pair[1]))
        else:
            problems.append(Problem(SOURCE, f"uncertainties.{key}", pair,
                                    "(low, high): two finite numbers, low below high"))
    if problems:
        raise ConfigError(problems)
    return bounds


def inputs(experiments: pd.DataFrame, ema_model: Any) -> pd.DataFrame:
    """The uncertainty columns of EMA's experiments table (what PRIM or CART take)."""
    return experiments[[u.name for u in ema_model.uncertainties]]


def prim_box(experiments: pd.DataFrame, ema_model: Any, of_interest: np.ndarray,
             **options: Any):
    """PRIM (Friedman & Fisher 1999, as the EMA Workbench implements it) on the
    experiments where `of_interest` holds: the first box found (its `peeling_trajectory`
    holds coverage and density; `box.inspect()` the limits)."""
    from ema_workbench.analysis import prim

    finder = prim.Prim(inputs(experiments, ema_model), np.asarray(of_interest, dtype=bool),
                       **options)
    return finder.find_box()
