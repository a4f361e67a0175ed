"""The Mesa model of one run: states, power centers and platforms over shared arrays."""

from __future__ import annotations

import logging

import mesa
import numpy as np

from .agents import Platform, PowerCenter, StateAgent
from .config.schema import Config, Params
from .dynamics import (
    MONTH,
    Actors,
    Context,
    Phase,
    RunState,
    draw_run,
    initial_state,
    run_generators,
)
from .dynamics.schedule import EVERYONE
from .records import Records, allocate, recorded_steps, store
from .world import Compiled, compile_config

logging.getLogger("MESA").setLevel(logging.WARNING)


class AlignmentModel(mesa.Model):
    """One Monte Carlo run, month by month.

    Each month runs the phases of `dynamics.MONTH`, the ensemble's schedule, with
    every agent doing its part: a power center reacts for its column, a state decides
    for its row, a platform updates its column. Run `run` of seed `seed` draws exactly
    what the ensemble engine draws for that run, so both engines produce the same
    numbers. `schedule="sequential"` lets agents act one after another, each seeing
    what those before it did this month (for states: the dynamics of landscape theory);
    the default, simultaneous, lets every agent read the month as its phase found it,
    which is what the ensemble does.
    """

    def __init__(self, config: Config | Compiled, params: Params | None = None,
                 seed: int = 0, run: int = 0, schedule: str = "simultaneous"):
        if isinstance(config, Config):
            params = params or config.params
            config = compile_config(config)
        if params is None:
            raise ValueError("params are required with a compiled world")
        if schedule not in ("simultaneous", "sequential"):
            raise ValueError(f"schedule must be simultaneous or sequential, not {schedule!r}")
        self.schedule = schedule
        generator = run_generators(seed, [run])[0]
        self.randomness = draw_run(generator, config)  # before Mesa takes its own draws
        super().__init__(rng=generator)
        self.compiled = config
        self.structure = config.structure
        self.params = params
        self.context = Context.build(config, params)  # the constants, once per model
        self.run_index = run
        self.transition = 0
        self.state = initial_state(config, 1)
        st = self.structure
        self.state_agents = [StateAgent(self, i, n) for i, n in enumerate(st.states)]
        self.power_centers = [PowerCenter(self, p, n) for p, n in enumerate(st.poles)]
        self.platform_agents = [Platform(self, k, n) for k, n in enumerate(st.platforms)]
        self.actors = {Actors.WORLD: [self], Actors.POLES: self.power_centers,
                       Actors.STATES: self.state_agents, Actors.PLATFORMS: self.platform_agents}
        self.datacollector = mesa.DataCollector(
            model_reporters={"nonaligned": lambda m: sum(a.nonaligned for a in m.state_agents)},
            agent_reporters={"posture": lambda a: getattr(a, "posture", None)},
        )
        self.datacollector.collect(self)

    @property
    def finished(self) -> bool:
        return self.transition >= self.compiled.n_steps

    def act(self, phase: Phase, view: RunState) -> None:
        """The model is the world's actor: it applies the month's events to every state."""
        phase.act(view, self.state, self.context, self.randomness, self.transition, EVERYONE)

    def step(self) -> None:
        if self.finished:
            self.running = False
            return
        self.transition += 1
        simultaneous = self.schedule == "simultaneous"
        for phase in MONTH:
            # simultaneous: every actor reads the month as its phase found it
            view = self.state.snapshot(phase.writes) if simultaneous else self.state
            for actor in self.actors[phase.actors]:
                actor.act(phase, view)
        self.datacollector.collect(self)
        self.running = not self.finished


def run_models(compiled: Compiled, params: Params, seed: int, runs: np.ndarray,
               record_every: int = 1) -> Records:
    """The reference engine: one Mesa model per run, stepped agent by agent."""
    runs = np.asarray(runs, dtype=np.int64)
    steps = recorded_steps(compiled.n_steps, record_every)
    rec = allocate(runs, steps, compiled)
    for r, run in enumerate(runs):
        model = AlignmentModel(compiled, params, seed=seed, run=int(run))
        store(rec, 0, model.state, rows=slice(r, r + 1))
        for m, target in enumerate(steps[1:], start=1):
            while model.transition < target:
                model.step()
            store(rec, m, model.state, rows=slice(r, r + 1))
    return rec
