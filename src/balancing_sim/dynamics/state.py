"""The arrays a run carries from month to month, and the randomness it consumes.

Every array has a leading run axis R, so one call advances one run (R = 1, the
Mesa face) or a whole ensemble. Each run's randomness is drawn from its own
generator in a fixed order, which is what makes the two engines agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

import numpy as np

from ..world import Compiled


@dataclass
class RunState:
    align: np.ndarray        # (R, N, P+1) alignment weights, last column non-aligned
    status: np.ndarray       # (R, N, K) int8 membership rung (index into STATUSES)
    polarization: np.ndarray  # (R,)
    credibility: np.ndarray  # (R, N, P) how far i trusts p to protect it
    threat: np.ndarray       # (R, N, S) conflict intensity between i and each source
    economy: np.ndarray      # (R, N, P) economic ties (trade, energy, corridors)
    alliance: np.ndarray     # (R, N, S) bilateral alliance strength
    troops: np.ndarray       # (R, N, P) foreign troops of p on i's territory
    pressure: np.ndarray     # (R, N, P) exogenous coercive pressure of p on i
    reaction: np.ndarray     # (R, N, P) pressure p adds in reaction to i's moves
    carrots: np.ndarray      # (R, N, P) economic offers p adds in reaction to i's moves
    depth: np.ndarray        # (R, K) institutional depth of each platform
    viability: np.ndarray    # (R, K)
    is_open: np.ndarray      # (R, K) bool: the platform exists
    bases: np.ndarray        # (R, N, P) basing of p on i's territory by agreement
    arms: np.ndarray         # (R, N, P) share of i's arms imports from p
    neutrality: np.ndarray   # (R, N) legal neutral status recognized internationally
    openness: np.ndarray     # (R, K, 5) whether a platform is deciding on each rung now
    tenure: np.ndarray       # (R, N, K) months a state has held its current status
    duress: np.ndarray       # (R, N, P) a lost war on i's territory that p can decide
    founded: np.ndarray      # (R, K) bool: the platform is founded or relaunched this month

    def copy(self) -> RunState:
        return self.snapshot(f.name for f in fields(self))

    def snapshot(self, names: Iterable[str]) -> RunState:
        """A state whose named arrays are copies and whose others are shared: what the
        actors of a phase read while each writes its slice of the named arrays."""
        return replace(self, **{name: getattr(self, name).copy() for name in names})

    @property
    def coercion_on(self) -> np.ndarray:
        """(R, N, P) total coercive pressure each pole applies on each state."""
        return self.pressure + self.reaction


def initial_state(compiled: Compiled, runs: int) -> RunState:
    ini, st = compiled.initial, compiled.structure

    def tile(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, (runs, *np.shape(a))).copy()

    return RunState(
        align=tile(ini.align), status=tile(ini.status),
        polarization=np.full(runs, ini.polarization),
        credibility=tile(ini.credibility), threat=tile(ini.threat), economy=tile(ini.economy),
        alliance=tile(ini.alliance), troops=tile(ini.troops), pressure=tile(ini.pressure),
        reaction=np.zeros((runs, st.n_states, st.n_poles)),
        carrots=np.zeros((runs, st.n_states, st.n_poles)),
        depth=tile(ini.depth), viability=tile(np.where(st.opens_step <= 0, ini.viability, 0.0)),
        is_open=tile(st.opens_step <= 0),
        bases=tile(ini.bases), arms=tile(ini.arms), neutrality=tile(ini.neutrality),
        openness=tile(ini.openness),
        tenure=np.zeros((runs, st.n_states, st.n_platforms)),
        duress=tile(ini.duress),
        founded=np.zeros((runs, st.n_platforms), dtype=bool),
    )


@dataclass
class Randomness:
    """All draws of R runs; row r comes from run r's own generator only."""

    event_step: np.ndarray       # (R, E) realized step of each event, -1 if it did not happen
    event_value: np.ndarray      # (R, E) realized magnitude
    utility_noise: np.ndarray    # (R, T, N, P+1) perception noise (standard normal)
    decide: np.ndarray           # (R, T, N, K) uniform: does the state act on its wish now

    @staticmethod
    def stack(parts: list[Randomness]) -> Randomness:
        return Randomness(**{
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(Randomness)
        })

    def month(self, t: int, rows: np.ndarray | slice = slice(None)) -> Draws:
        """The draws the states in `rows` consume when deciding in transition t (1-based)."""
        return Draws(noise=self.utility_noise[:, t - 1, rows],
                     decide=self.decide[:, t - 1, rows])


@dataclass(frozen=True)
class Draws:
    """One month's draws of the deciding states: what `decision.decide` consumes."""

    noise: np.ndarray   # (R, n, P+1) perception noise on the alignment utilities
    decide: np.ndarray  # (R, n, K) uniform: does the state act on its wish now


def empty_randomness(compiled: Compiled, runs: int) -> Randomness:
    """Uninitialized arrays for the draws of `runs` runs (filled by `fill_run`)."""
    ev, st, T = compiled.events, compiled.structure, compiled.n_steps
    N, P, K, E = st.n_states, st.n_poles, st.n_platforms, len(ev.ids)
    return Randomness(
        event_step=np.empty((runs, E), dtype=np.int64), event_value=np.empty((runs, E)),
        utility_noise=np.empty((runs, T, N, P + 1)),
        decide=np.empty((runs, T, N, K)),
    )


def fill_run(rng: np.random.Generator, compiled: Compiled, rnd: Randomness, r: int) -> None:
    """Row r of `rnd` from one run's generator, in a fixed order: events, perception noise,
    decisions. The large arrays are drawn in place (`out=`), which yields the
    same numbers as drawing them into new arrays."""
    ev, T = compiled.events, compiled.n_steps
    E = len(ev.ids)
    happens = rng.random(E) < ev.probability
    shift = rng.integers(-ev.jitter, ev.jitter + 1) if E else np.zeros(0, dtype=int)
    value = ev.value + ev.noise * rng.standard_normal(E)
    value = np.where(ev.set_mode, np.clip(value, 0.0, 1.0), np.clip(value, -1.0, 1.0))
    rnd.event_step[r] = np.where(happens, np.clip(ev.step + shift, 1, T), -1)
    rnd.event_value[r] = value
    rng.standard_normal(out=rnd.utility_noise[r])
    rng.random(out=rnd.decide[r])


def draw_run(rng: np.random.Generator, compiled: Compiled) -> Randomness:
    """One run's draws (R = 1), in the fixed order of `fill_run`."""
    rnd = empty_randomness(compiled, 1)
    fill_run(rng, compiled, rnd, 0)
    return rnd


def draw_runs(compiled: Compiled, generators: list[np.random.Generator]) -> Randomness:
    """The draws of several runs, row r from generator r only (no stacking copies)."""
    rnd = empty_randomness(compiled, len(generators))
    for r, rng in enumerate(generators):
        fill_run(rng, compiled, rnd, r)
    return rnd


def run_generators(seed: int, runs: range | list[int] | np.ndarray,
                   stream: int = 0) -> list[np.random.Generator]:
    """Run r's generator is `SeedSequence(seed).spawn(...)[r]`: it depends on (seed, r)
    only, never on the worker or the order in which runs finish. Stream 1 is run r's
    second, independent generator (a run that continues a prefix draws from it)."""
    return [np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(int(r),) if stream == 0 else (int(r), stream))) for r in runs]
