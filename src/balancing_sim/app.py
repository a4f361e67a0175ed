"""A browser dashboard (Solara): `balancing-sim-app`, then open the printed address.

Pick a scenario, move the main parameters, run N replicates: the fan chart, the outcome
bars and the network map are redrawn from the run's contract tables by the same figure
functions as `balancing-sim-plot` (`analysis.plots`). Below, one run of the Mesa model
(`AlignmentModel`) steps month by month with the events realized in each month and its
network. Everything is computed in the server process; nothing is written to disk.

A researcher's own world is served as the other commands run it: `--set` overrides
(`hydra.searchpath=[file:///path/conf]`, `world=mine`...) and `--scenario` are composed and
validated by the config layer before the server starts (a mistake: one message, exit 2);
the picker then lists the scenarios of the user's folders, and every control and figure
reads that world's config. Nothing here names a shipped world or scenario.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import solara
from matplotlib import rc_context
from matplotlib.figure import Figure

from .analysis import plots
from .config.arguments import add_overrides, port, refuse_chosen_groups
from .config.errors import ConfigError, Problem
from .config.loading import check_names, composition, options
from .contract import build as build_tables
from .parameters import params as parameter_set
from .records import allocate, store

MAIN_PARAMETERS = ("w_autonomy", "w_security", "w_punishment", "w_economy", "w_identity")
RUNS = (5, 500)
TITLE = "balancing-sim"
SETUP = "BALANCING_SIM_APP"
"""Environment variable carrying the checked `--scenario` and `--set` into the server."""


@dataclass
class Ensemble:
    """The last ensemble run: its settings and its tables."""

    scenario: str = ""
    runs: int = 0
    values: dict[str, float] = field(default_factory=dict)
    traj: pd.DataFrame | None = None
    mem: pd.DataFrame | None = None
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    """What the command line chose: the scenario shown first and the overrides every
    scenario is composed with (a user's folder and world)."""

    scenario: str
    overrides: tuple[str, ...] = ()

    @classmethod
    def of(cls, scenario: str | None, overrides: Sequence[str]) -> Setup:
        """The setup, checked as a run of it is (ConfigError): with no scenario, the
        first of the user's folders, or else the config's own default."""
        overrides = tuple(overrides)
        name = scenario or next(iter(user_scenarios(overrides)), None)
        if name is None:  # the scenario conf/config.yaml's defaults list chooses
            name = str(composition(overrides).cfg.hydra.runtime.choices["scenario"])
        experiment(name, overrides)  # validated (and composed once for the server)
        return cls(name, overrides)


def searchpath(overrides: Sequence[str]) -> list[str]:
    """The user's folders the overrides add (checked by the config layer)."""
    return check_names(overrides)[1]


def user_scenarios(overrides: Sequence[str]) -> list[str]:
    """Scenarios in the user's folders (`hydra.searchpath`): those written for the
    user's world."""
    path = searchpath(overrides)
    return sorted(set(options("scenario", path)) - set(options("scenario"))) if path else []


@functools.cache
def setup() -> Setup:
    """The server's setup, as `main` checked it (none given: the shipped default)."""
    text = os.environ.get(SETUP) or "{}"
    try:
        given = json.loads(text)
    except ValueError:
        given = None
    overrides = given.get("overrides", ()) if isinstance(given, dict) else None
    if not (isinstance(overrides, list | tuple) and all(isinstance(o, str) for o in overrides)
            and isinstance(given.get("scenario"), str | None)):
        raise ConfigError([Problem("environment", SETUP, text, (
            'JSON {"scenario": NAME, "overrides": [OVERRIDE, ...]}, as balancing-sim-app '
            "writes it: start the dashboard with balancing-sim-app"))])
    return Setup.of(given.get("scenario"), overrides)


def scenarios() -> list[str]:
    """The picker's scenarios: the user's, or every one of conf/ when there are none."""
    chosen = setup()
    names = user_scenarios(chosen.overrides) or options("scenario")
    return sorted({*names, chosen.scenario})


@functools.lru_cache(maxsize=16)
def experiment(scenario: str, overrides: tuple[str, ...] = ()):
    """The scenario composed once per server process (`Experiment`, cached)."""
    from .api import Experiment

    return Experiment(scenario, overrides)


def current_experiment(name: str):
    return experiment(name, setup().overrides)


def run_ensemble(scenario: str, values: dict[str, float], runs: int, seed: int) -> Ensemble:
    res = current_experiment(scenario).run(dict(values), runs=runs, seed=seed)
    return Ensemble(scenario, runs, dict(values), res.trajectories, res.memberships,
                    res.config)


def one_run(scenario: str, values: dict[str, float], seed: int, run: int = 0):
    """Run `run` of the Mesa model, on the scenario's compiled world."""
    from .model import AlignmentModel

    exp = current_experiment(scenario)
    config, _ = exp.configure(values)
    return AlignmentModel(exp.compiled(config), config.params, rng=seed, run=run)


def month_tables(model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contract's trajectories and memberships of a Mesa model's current month."""
    rec = allocate(np.array([model.run_index]), np.array([model.transition]), model.compiled)
    store(rec, 0, model.state)
    tables = build_tables(rec, model.compiled, model.seed)
    return tables["trajectories"].to_pandas(), tables["memberships"].to_pandas()


def ensemble_figures(ens: Ensemble) -> dict[str, Figure]:
    return {"fan": plots.fan_chart(ens.traj, config=ens.config),
            "outcomes": plots.outcome_distribution(ens.traj, config=ens.config),
            "network": plots.network_map(ens.traj, ens.mem, config=ens.config)}


# ---------------------------------------------------------------- page state

scenario = solara.reactive("")  # "": the setup's scenario (`chosen`)
replicates = solara.reactive(20)
seed = solara.reactive(1)
values = solara.reactive({})
ensemble = solara.reactive(Ensemble())
stepper = solara.reactive(None)
history = solara.reactive(())  # (date, event ids) of the months stepped so far
problem = solara.reactive("")  # what was wrong with the inputs of the last action


def chosen() -> str:
    """The picked scenario; before any pick, the one the command line chose."""
    return scenario.value or setup().scenario


def shown_on_page(action: Callable[..., None]) -> Callable[..., None]:
    """A button's action whose bad inputs (a ConfigError, or any ValueError naming the
    value) are one line on the page, not a traceback in the server."""

    @functools.wraps(action)
    def act(*args, **kwargs) -> None:
        try:
            action(*args, **kwargs)
        except ValueError as exc:
            problem.set(str(exc))
        else:
            problem.set("")
    return act


@shown_on_page
def pick(name: str) -> None:
    """Another scenario (composed first: a broken one is a line on the page, not
    picked): its own config's parameter values, a new stepped run."""
    current_experiment(name)
    scenario.set(name)
    values.set({})
    restart_clicked()


@functools.cache
def parameters():
    """The free parameters' calibration ranges (the box searched), read once per server
    process; their values come from the scenario's config (`defaults`)."""
    return parameter_set()


def defaults() -> dict[str, float]:
    """The main parameters as the chosen scenario's config sets them (its params file)."""
    base = current_experiment(chosen()).params
    return {name: base[name] for name in MAIN_PARAMETERS}


def bounds(name: str) -> tuple[float, float]:
    """The calibration range, widened to hold the config's value."""
    value = defaults()[name]
    low, high = parameters().ranges.get(name, (0.0, 2 * value))
    return float(min(low, value)), float(max(high, value))


@solara.component
def Controls():
    current = {**defaults(), **values.value}
    solara.Select(label="scenario", value=chosen(), values=scenarios(), on_value=pick,
                  classes=["bs-scenario"])
    for name in MAIN_PARAMETERS:
        low, high = bounds(name)
        solara.SliderFloat(name, value=current[name], min=low, max=high,
                           step=(high - low) / 100,
                           on_value=lambda v, n=name: values.set({**values.value, n: v}))
    solara.InputInt("replicates", value=replicates, classes=["bs-replicates"])
    solara.InputInt("seed", value=seed, classes=["bs-seed"])
    solara.Button("Run replicates", color="primary", on_click=run_clicked)
    solara.Button("Reset parameters", on_click=lambda: values.set({}))
    if problem.value:
        solara.Error(problem.value, classes=["bs-problem"])


@shown_on_page
def run_clicked() -> None:
    runs = int(np.clip(replicates.value, *RUNS))
    ensemble.set(run_ensemble(chosen(), {**defaults(), **values.value}, runs,
                              int(seed.value)))


def current_key() -> tuple:
    """What the stepped run is built from: a change rebuilds it."""
    return chosen(), tuple(sorted({**defaults(), **values.value}.items())), seed.value


@shown_on_page
def step_clicked(months: int = 1) -> None:
    key, model = stepper.value or (None, None)
    if model is None or key != current_key():
        key, model = current_key(), one_run(chosen(), {**defaults(), **values.value},
                                            int(seed.value))
        history.set(())
    steps = []
    for _ in range(months):
        if not model.running:
            break
        model.step()
        steps.append((model.date, tuple(model.events_now())))
    stepper.set((key, model))
    history.set((*history.value, *steps))


def restart_clicked() -> None:
    stepper.set(None)
    history.set(())


def svg(figure: Figure) -> bytes:
    """The figure as SVG whose text stays text: the world's labels are in the page
    (searchable, readable by a screen reader and by the browser tests)."""
    out = io.BytesIO()
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg")
    return out.getvalue()


@solara.component
def Chart(figure: Figure, dependencies: list):
    image = solara.use_memo(lambda: svg(figure), dependencies)
    solara.Image(image, format="svg+xml")


@solara.component
def EnsembleView():
    ens = ensemble.value
    figures = solara.use_memo(lambda: ensemble_figures(ens) if ens.traj is not None else {},
                              [ens])
    if ens.traj is None:
        solara.Info("Choose a scenario and parameters, then press 'Run replicates'.")
        return
    changed = ", ".join(f"{k}={v:.3g}" for k, v in ens.values.items())
    solara.Markdown(f"**{ens.scenario}**: {ens.runs} replicates; {changed}")
    with solara.Card("Alignment over time (fan chart)", classes=["bs-fan"]):
        Chart(figures["fan"], dependencies=[ens])
    with solara.Columns([1, 1]):
        with solara.Card("Final postures", classes=["bs-outcomes"]):
            Chart(figures["outcomes"], dependencies=[ens])
        with solara.Card("Network at the end", classes=["bs-network"]):
            Chart(figures["network"], dependencies=[ens])


@solara.component
def RunView():
    _, model = stepper.value or (None, None)
    with solara.Row():
        solara.Button("Step one month", on_click=lambda: step_clicked(1))
        solara.Button("Step one year", on_click=lambda: step_clicked(12))
        solara.Button("Restart", on_click=restart_clicked)
    if model is None:
        solara.Info("Step through one run of the Mesa model, month by month.")
        return
    with solara.Column(classes=["bs-month"]):
        solara.Markdown(f"Month: **{model.date}** (run {model.run_index}, seed {model.seed}; "
                        f"{model.transition} of {model.compiled.n_steps} months)")
    happened = [(d, e) for d, e in history.value if e]
    lines = [f"- {d}: {', '.join(e)}" for d, e in happened[-12:]]
    with solara.Column(classes=["bs-events"]):
        solara.Markdown("Events so far:\n\n" + ("\n".join(lines) if lines else "none yet"))
    traj, mem = month_tables(model)
    config = current_experiment(chosen()).resolved
    fig = plots.network_map(traj, mem, config=config)
    with solara.Card("This run's network", classes=["bs-run-network"]):
        Chart(fig, dependencies=[model, model.transition])


@solara.component
def Page():
    solara.Title(TITLE)
    with solara.Sidebar():
        Controls()
    solara.Markdown("## Replicates")
    EnsembleView()
    solara.Markdown("## One run, month by month")
    RunView()


def main(argv: Sequence[str] | None = None) -> int:
    """`balancing-sim-app [--host H] [--port P] [--scenario S] [--set OVERRIDE]...`:
    check the choices, then serve the dashboard."""
    parser = argparse.ArgumentParser(prog="balancing-sim-app", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=port, default=8765)
    parser.add_argument("--scenario", help="the scenario shown first (default: the first "
                        "of your folders', else the config's default)")
    add_overrides(parser, example="hydra.searchpath=[file:///path/conf] world=mine")
    args = parser.parse_args(argv)
    refuse_chosen_groups(parser, args.set, {"scenario": "choose it with --scenario (the "
                                            "picker lists the others)"})
    try:  # composed and validated before the server starts
        chosen = Setup.of(args.scenario, args.set)
    except ConfigError as exc:
        print(f"balancing-sim-app: {exc}", file=sys.stderr)
        return 2
    os.environ[SETUP] = json.dumps({"scenario": chosen.scenario,
                                    "overrides": list(chosen.overrides)})
    from solara.__main__ import main as solara_main

    sys.argv = ["solara", "run", f"{__name__}:Page", "--host", args.host, "--port",
                str(args.port), "--no-open", "--production"]
    return solara_main() or 0
