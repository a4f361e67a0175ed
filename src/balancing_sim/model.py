"""The Mesa model of one run: states, power centers and platforms over shared arrays."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from .agents import Platform, PowerCenter, StateAgent, _Handle
from .config.schema import NONALIGNED, SEED_MAX, Config, Params
from .draws import draw_ids, for_run, held
from .dynamics import (
    MONTH,
    Actors,
    Context,
    Phase,
    RunState,
    draw_run,
    run_generators,
    start_state,
)
from .dynamics.schedule import EVERYONE
from .records import Records, allocate, steps_of, store
from .world import Compiled, compile_config

logging.getLogger("MESA").setLevel(logging.WARNING)


AGENT_TYPES: dict[Actors, type[_Handle]] = {
    Actors.POLES: PowerCenter, Actors.STATES: StateAgent, Actors.PLATFORMS: Platform}
"""The Mesa agent type that acts in each phase (the world's part is the model's)."""


@functools.lru_cache(maxsize=8)
def _experiment(scenario: str, overrides: tuple[str, ...]):
    """A scenario composed once per process (batch runs and dashboards build many models)."""
    from .evaluation import Study

    return Study(scenario, list(overrides))


class AlignmentModel(mesa.Model):
    """One Monte Carlo run, month by month.

    Each month runs the phases of `dynamics.MONTH`, the ensemble's schedule: the model
    applies the month's events, then each agent type does its part through Mesa
    (`agents_by_type[PowerCenter].do("step")`, then the states, then the platforms),
    each agent its own row or column. Run `run` of seed `rng` draws exactly what the
    ensemble engine draws for that run, so both engines produce the same numbers.
    `schedule="sequential"` lets agents act one after another, each seeing what those
    before it did this month (for states: the dynamics of landscape theory); the
    default, simultaneous, lets every agent read the month as its phase found it, which
    is what the ensemble does. `model.time` counts the months simulated.

    Built from a scenario name with keyword parameters (what `mesa.batch_run` and
    SolaraViz do): `AlignmentModel(scenario="baseline", w_autonomy=1.2, rng=1)`, or
    `AlignmentModel.from_scenario("baseline", w_autonomy=1.2)`; keyword values may also
    be any config key path given in `values`. Mesa's DataCollector records every month
    unless `collect=False` (the reference engine, `run_models`, stores its own records).
    """

    def __init__(self, scenario: str | Config | Compiled = "baseline",
                 params: Params | None = None, rng: int | None = None, run: int = 0,
                 schedule: str = "simultaneous", overrides: str | tuple[str, ...] = (),
                 values: Mapping[str, Any] | None = None, collect: bool = True,
                 **param_values: float):
        if isinstance(scenario, str):
            overrides = (overrides,) if isinstance(overrides, str) else tuple(overrides)
            experiment = _experiment(scenario, overrides)
            config = experiment.configure({**(values or {}), **param_values})[0]
            scenario, params = experiment.compiled(config), params or config.params
            rng = config.run.seed if rng is None else rng
        elif isinstance(scenario, Config):
            params = params or scenario.params
            rng = scenario.run.seed if rng is None else rng
            scenario = compile_config(scenario)
        if params is None:
            raise ValueError("params are required with a compiled world")
        unknown = sorted(set(param_values) - {f.name for f in dataclasses.fields(Params)})
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(unknown)}")
        if param_values:
            params = held(dataclasses.replace(params, **param_values), param_values)
        params, self.draw = for_run(params, run)  # posterior draws: draw run mod M
        if schedule not in ("simultaneous", "sequential"):
            raise ValueError(f"schedule must be simultaneous or sequential, not {schedule!r}")
        self.schedule = schedule
        seed = _seed(rng)
        generator = run_generators(seed, [run], scenario.stream)[0]
        self.randomness = draw_run(generator, scenario)  # before Mesa takes its own draws
        super().__init__(rng=generator)
        self.seed = seed
        self.compiled = scenario
        self.structure = scenario.structure
        self.params = params
        self.context = Context.build(scenario, params)  # the constants, once per model
        self.run_index = run
        self.state = start_state(scenario, params, seed, np.array([run]))
        self.phase: Phase = MONTH[0]
        self.view: RunState = self.state
        st = self.structure
        self.state_agents = [StateAgent(self, i, n) for i, n in enumerate(st.states)]
        self.power_centers = [PowerCenter(self, p, n) for p, n in enumerate(st.poles)]
        self.platform_agents = [Platform(self, k, n) for k, n in enumerate(st.platforms)]
        self.collect = collect  # Mesa's DataCollector each month (`run_models` stores instead)
        self.datacollector = mesa.DataCollector(
            model_reporters={"date": lambda m: m.date,
                             "nonaligned": lambda m: sum(a.nonaligned for a in m.state_agents)},
            agenttype_reporters=reporters(st.poles),
        )
        if collect:
            self.datacollector.collect(self)

    @classmethod
    def from_scenario(cls, name: str = "baseline", rng: int | None = None, run: int = 0,
                      schedule: str = "simultaneous", overrides: str | tuple[str, ...] = (),
                      **params: float) -> AlignmentModel:
        """The model of run `run` of a shipped (or searchpath) scenario, with parameters
        as keywords: `mesa.batch_run(AlignmentModel.from_scenario, {"name": "baseline",
        "w_autonomy": [0.5, 1.5]})`."""
        return cls(name, rng=rng, run=run, schedule=schedule, overrides=overrides, **params)

    @property
    def transition(self) -> int:
        """Months simulated so far (`model.time`, at most the scenario's length)."""
        return min(int(self.time), self.compiled.n_steps)

    @property
    def finished(self) -> bool:
        return int(self.time) >= self.compiled.n_steps

    @property
    def date(self) -> str:
        """The month the state is at, YYYY-MM."""
        year, month = divmod(self.compiled.start_month + self.transition, 12)
        return f"{year:04d}-{month + 1:02d}"

    def events_now(self) -> list[str]:
        """Ids of the scheduled events realized in the month just simulated."""
        ev = self.compiled.events
        hits = np.flatnonzero(self.randomness.event_step[0] == self.transition)
        return [ev.ids[i] for i in hits]

    def act(self, phase: Phase, view: RunState) -> None:
        """The model is the world's actor: it applies the month's events to every state."""
        phase.act(view, self.state, self.context, self.randomness, self.transition, EVERYONE)

    def step(self) -> None:
        if int(self.time) > self.compiled.n_steps:
            self.running = False
            return
        simultaneous = self.schedule == "simultaneous"
        for phase in MONTH:
            self.phase = phase
            # simultaneous: every actor reads the month as its phase found it
            self.view = self.state.snapshot(phase.writes) if simultaneous else self.state
            if phase.actors is Actors.WORLD:
                self.act(phase, self.view)
            elif (agents := self.agents_by_type.get(AGENT_TYPES[phase.actors])) is not None:
                agents.do("step")  # none of a type (a world without platforms): no part
        if self.collect:
            self.datacollector.collect(self)
        self.running = not self.finished


def _seed(rng: object) -> int:
    """The run's seed: an integer, or one drawn from a numpy Generator."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(SEED_MAX))
    if (isinstance(rng, bool) or not isinstance(rng, int | np.integer)
            or not 0 <= rng <= SEED_MAX):
        raise ValueError(f"rng must be a non-negative integer seed, at most {SEED_MAX} "
                         f"(the contract's int64 seed column), not {rng!r}")
    return int(rng)


def reporters(poles: tuple[str, ...]) -> dict[type, dict[str, Any]]:
    """Per-type DataCollector reporters: each state's weight on each pole, non-aligned
    share, posture and hedging index; each platform's viability and depth."""
    states: dict[str, Any] = {f"align_{p}": functools.partial(_weight, pole=p) for p in poles}
    states.update(nonaligned_share=functools.partial(_weight, pole=NONALIGNED),
                  posture="posture", hedging="hedging")
    return {StateAgent: states, Platform: {"viability": "viability", "depth": "depth"}}


def _weight(agent: StateAgent, pole: str) -> float:
    return agent.alignment[pole]


def run_models(compiled: Compiled, params: Params, seed: int, runs: np.ndarray,
               record_every: int = 1, last_step: int | None = None) -> Records:
    """The reference engine: one Mesa model per run, stepped agent by agent (up to
    `last_step`, as `ensemble.simulate_block`)."""
    runs = np.asarray(runs, dtype=np.int64)
    steps = steps_of(compiled, record_every, last_step)
    rec = allocate(runs, steps, compiled)
    rec.draw = draw_ids(params, runs)
    for r, run in enumerate(runs):
        model = AlignmentModel(compiled, params, rng=seed, run=int(run), collect=False)
        store(rec, 0, model.state, rows=slice(r, r + 1))
        for m, target in enumerate(steps[1:], start=1):
            while model.transition < target:
                model.step()
            store(rec, m, model.state, rows=slice(r, r + 1))
    return rec
