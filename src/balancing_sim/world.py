"""Config -> arrays, built once per config and shared by every run.

Index conventions (used everywhere in `dynamics/`):
  N deciding states, P poles (power centers), K platforms,
  S threat sources = poles, then states, then external actors.
Arrays that change during a run carry a leading run axis R (see `Conditions`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property

import numpy as np

from .capabilities import capability_by_year
from .config.schema import NONALIGNED, STATUSES, Config, Scenario, World
from .config.validate import month_index
from .identities import identity_arrays

EVENT_CODES = {kind: i for i, kind in enumerate(
    ("threat", "credibility", "pressure", "economy", "troops", "alliance", "polarization",
     "depth", "open", "openness", "bases", "arms", "neutrality",
     "duress"))}
LONG_STANDING = -10**6
"""The independence step of a state that is not new: a record longer than any tenure."""


@dataclass(frozen=True)
class Structure:
    """What does not change within a run: actors, geography, identity, platform rules."""

    states: tuple[str, ...]
    poles: tuple[str, ...]
    platforms: tuple[str, ...]
    sources: tuple[str, ...]
    years: np.ndarray               # (Y,) calendar years the capability rows stand for
    capability: np.ndarray          # (Y, S) relative capability of each threat source
    power_ratio: np.ndarray         # (Y, N, S) cap_s / (cap_s + cap_i): how much s can hurt i
    pole_strength: np.ndarray       # (Y, P) capability relative to the strongest pole
    state_capability: np.ndarray    # (Y, N)
    autonomy: np.ndarray            # (N,) value a state places on freedom of action
    proximity: np.ndarray           # (N, S) geography: 1 neighbour ... 0 far
    coercion: np.ndarray            # (P,) capacity to punish
    rivalry: np.ndarray             # (P, P) symmetric, zero diagonal
    identity_pole: np.ndarray       # (N, P) identity a state shares with a pole, in [0, 1]
    kinship: np.ndarray             # (N, N) identity shared between states, zero diagonal
    identity_platform: np.ndarray   # (N, K) the state's share of the identity a platform embodies
    leader: np.ndarray              # (K,) pole index, P for a non-aligned stance, or -1
    bloc: np.ndarray                # (K,) bool: joining counts as joining a bloc
    binding: np.ndarray             # (K,) autonomy a member gives up
    protection: np.ndarray          # (K,) security a member receives
    economic: np.ndarray            # (K,) economic value of membership
    allowed: np.ndarray             # (K, 5) bool: statuses the platform offers
    pole_members: np.ndarray        # (K, P) bool: poles sitting in the platform
    core: np.ndarray                # (K, N) bool: states whose participation makes it viable
    exclusive: np.ndarray           # (K, K) bool: cannot be inside both
    cooperation: np.ndarray         # (K,) what loose ties (observer, partner) offer
    grants: np.ndarray              # (K, 5) bool: rungs the platform grants by its own rule
    eligible_any: np.ndarray        # (K, N) bool: may hold any rung of the platform
    member_ok: np.ndarray           # (K, N) bool: meets the platform's membership criterion
    admits_only_outside: np.ndarray  # (K, K) bool: k admits no member of these
    outside_potential: np.ndarray   # (K,) states outside the world it addresses (0: none)
    platform_rivalry: np.ndarray    # (K, P) how hostile the platform's poles are to each pole
    opens_step: np.ndarray          # (K,) first step at which the platform exists
    statehood_step: np.ndarray      # (N,) step of independence (LONG_STANDING if not new)
    ladder_snap: np.ndarray         # (K, 5) allowed rung nearest to each rung
    ladder_up: np.ndarray           # (K, 5) next allowed rung up
    ladder_down: np.ndarray         # (K, 5) next allowed rung down

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_poles(self) -> int:
        return len(self.poles)

    @property
    def n_platforms(self) -> int:
        return len(self.platforms)

    @property
    def postures(self) -> tuple[str, ...]:
        return (*self.poles, NONALIGNED)


@dataclass(frozen=True)
class Initial:
    """The starting point of every run of a scenario (no run axis)."""

    polarization: float
    credibility: np.ndarray  # (N, P)
    threat: np.ndarray       # (N, S)
    economy: np.ndarray      # (N, P)
    alliance: np.ndarray     # (N, S)
    troops: np.ndarray       # (N, P)
    pressure: np.ndarray     # (N, P)
    depth: np.ndarray        # (K,)
    viability: np.ndarray    # (K,)
    align: np.ndarray        # (N, P+1), last column non-aligned
    status: np.ndarray       # (N, K) int8 index into STATUSES
    bases: np.ndarray        # (N, P) military basing of p on i's territory by agreement
    arms: np.ndarray         # (N, P) share of i's arms imports from p
    neutrality: np.ndarray   # (N,) legal neutral status recognized internationally
    openness: np.ndarray     # (K, 5) whether the platform is deciding on each rung now
    duress: np.ndarray       # (N, P) a lost war on i's territory that p can decide


@dataclass(frozen=True)
class EventTable:
    """Scheduled shocks as columns, one row per event, in date order."""

    ids: tuple[str, ...]
    kind: np.ndarray      # (E,) code from EVENT_CODES
    step: np.ndarray      # (E,) nominal step (months after start)
    set_mode: np.ndarray  # (E,) bool: set instead of add
    value: np.ndarray     # (E,)
    state: np.ndarray     # (E,) state index, -1 for all states
    other: np.ndarray     # (E,) pole / source / platform index (by kind), -1 if none
    rung: np.ndarray      # (E,) status index an openness event concerns, -1 otherwise
    states_mask: np.ndarray  # (E, N) bool: states the event touches
    probability: np.ndarray  # (E,)
    jitter: np.ndarray       # (E,) months
    noise: np.ndarray        # (E,) sd of the magnitude


@dataclass(frozen=True)
class Compiled:
    """Everything the dynamics need, derived once from a validated config."""

    structure: Structure
    initial: Initial
    events: EventTable
    start_month: int
    n_steps: int  # transitions; records are steps 0..n_steps
    year_row: np.ndarray   # (n_steps + 1,) row of the capability arrays for each step
    outside: np.ndarray    # (n_steps + 1, K) members outside the world at each step
    renewing: np.ndarray   # (n_steps + 1, K) bool: a fixed-term treaty is renewed that month
    prefix: Compiled | None = None  # the scenario run r continues (`scenario.after`)
    histories: int = 0  # run r continues the prefix's run r mod histories (0: run r)

    def __getstate__(self) -> dict:
        """Its fields, without what `cached_property` derived from them: equal content
        pickles to equal bytes (the key of kept prefix end states, `dynamics.start`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def prefix_runs(self, runs: np.ndarray) -> np.ndarray:
        """The run of the prefix each run continues: r, or r mod `histories`."""
        runs = np.asarray(runs, dtype=np.int64)
        return runs % self.histories if self.histories else runs

    @cached_property
    def in_term(self) -> np.ndarray:
        """(n_steps + 1, K) bool: a renewal of the platform's fixed-term treaty lies after
        this month (its term runs: leaving now breaks it, mechanism 16)."""
        ahead = np.logical_or.accumulate(self.renewing[::-1], axis=0)[::-1]  # at or after
        return np.vstack([ahead[1:], np.zeros((1, self.renewing.shape[1]), dtype=bool)])

    @property
    def stream(self) -> int:
        """Which of run r's generators the run draws from: 0, or 1 after a prefix (the
        prefix draws from stream 0, exactly as its own scenario's run r does)."""
        return 0 if self.prefix is None else 1

    def dates(self) -> np.ndarray:
        months = self.start_month + np.arange(self.n_steps + 1)
        years, month = np.divmod(months, 12)
        text = [f"{y:04d}-{m + 1:02d}-01" for y, m in zip(years, month, strict=True)]
        return np.array(text, dtype="datetime64[D]")


def ladder(allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per platform and rung: the allowed rung nearest to it (ties: the lower one), and
    the next allowed rung up and down (one step of the membership ladder). A format
    without intermediate rungs is joined by states that want more than loose ties."""
    K, L = allowed.shape
    snap = np.zeros((K, L), dtype=np.int8)
    up = np.zeros((K, L), dtype=np.int8)
    down = np.zeros((K, L), dtype=np.int8)
    for k in range(K):
        rungs = np.flatnonzero(allowed[k])
        for level in range(L):
            snap[k, level] = rungs[np.argmin(np.abs(rungs - level))]
            higher, lower = rungs[rungs > level], rungs[rungs < level]
            up[k, level] = higher.min() if higher.size else level
            down[k, level] = lower.max() if lower.size else level
    return snap, up, down


def _structure(world: World, start_month: int, years: np.ndarray) -> Structure:
    states = tuple(s.id for s in world.states)
    poles = tuple(p.id for p in world.poles)
    platforms = tuple(k.id for k in world.platforms)
    sources = (*poles, *states, *(e.id for e in world.external))
    N, P, K = len(states), len(poles), len(platforms)
    src = {a: i for i, a in enumerate(sources)}
    pidx = {p: i for i, p in enumerate(poles)}
    kidx = {k: i for i, k in enumerate(platforms)}

    capability = capability_by_year(world, years)                 # (Y, S)
    pole_cap = capability[:, :P]
    pole_strength = pole_cap / np.maximum(pole_cap.max(axis=1, keepdims=True), 1e-12)
    state_cap = capability[:, P:P + N]

    proximity = np.zeros((N, len(sources)))
    for i, s in enumerate(world.states):
        for other, val in s.proximity.items():
            proximity[i, src[other]] = val.value
            j = src[other]
            if j >= P and j < P + N:  # geography between states is symmetric
                proximity[j - P, P + i] = max(proximity[j - P, P + i], val.value)

    rivalry = np.zeros((P, P))
    for i, p in enumerate(world.poles):
        for other, val in p.rivals.items():
            j = pidx[other]
            rivalry[i, j] = rivalry[j, i] = max(rivalry[i, j], val.value)

    identity_pole, kinship, identity_platform, member_ok = identity_arrays(world)

    pidx_or_stance = {**pidx, NONALIGNED: P}
    leader = np.array([pidx_or_stance[k.leader] if k.leader else -1 for k in world.platforms],
                      dtype=int)
    pole_members = np.zeros((K, P), dtype=bool)
    for k, plat in enumerate(world.platforms):
        for p in plat.pole_members:
            pole_members[k, pidx[p]] = True
        if plat.leader in pidx:
            pole_members[k, pidx[plat.leader]] = True
    platform_rivalry = np.zeros((K, P))
    for k in range(K):
        inside = np.flatnonzero(pole_members[k])
        if inside.size:
            platform_rivalry[k] = rivalry[inside].max(axis=0)
            platform_rivalry[k, inside] = 0.0
    exclusive = np.zeros((K, K), dtype=bool)
    for k, plat in enumerate(world.platforms):
        for other in plat.exclusive_with:
            exclusive[k, kidx[other]] = exclusive[kidx[other], k] = True
    core = np.zeros((K, N), dtype=bool)
    eligible_any = np.ones((K, N), dtype=bool)
    only_outside = np.zeros((K, K), dtype=bool)
    sidx = {s: i for i, s in enumerate(states)}
    for k, plat in enumerate(world.platforms):
        for s in plat.core:
            core[k, sidx[s]] = True
        if plat.eligible:
            eligible_any[k] = False
            eligible_any[k, [sidx[s] for s in plat.eligible]] = True
        for other in plat.admits_only_outside:
            only_outside[k, kidx[other]] = True
    grants = np.array([[s in k.grants for s in STATUSES] for k in world.platforms],
                      dtype=bool).reshape(K, len(STATUSES))

    allowed = np.array([[s in k.statuses for s in STATUSES] for k in world.platforms],
                       dtype=bool).reshape(K, len(STATUSES))
    snap, up, down = ladder(allowed)
    return Structure(
        ladder_snap=snap, ladder_up=up, ladder_down=down,
        states=states, poles=poles, platforms=platforms, sources=sources,
        years=years, capability=capability, pole_strength=pole_strength,
        power_ratio=capability[:, None, :] / np.maximum(
            capability[:, None, :] + state_cap[:, :, None], 1e-12),
        state_capability=state_cap,
        autonomy=np.array([s.autonomy.value for s in world.states]),
        proximity=proximity,
        coercion=np.array([p.coercion.value for p in world.poles]),
        rivalry=rivalry, identity_pole=identity_pole, kinship=kinship,
        identity_platform=identity_platform, leader=leader,
        bloc=np.array([k.bloc for k in world.platforms], dtype=bool).reshape(K),
        binding=np.array([k.binding.value for k in world.platforms]).reshape(K),
        protection=np.array([k.protection.value for k in world.platforms]).reshape(K),
        economic=np.array([k.economic.value for k in world.platforms]).reshape(K),
        allowed=allowed,
        pole_members=pole_members, core=core, exclusive=exclusive,
        cooperation=np.array([k.cooperation.value if k.cooperation else 0.0
                              for k in world.platforms]).reshape(K),
        grants=grants, eligible_any=eligible_any, member_ok=member_ok,
        admits_only_outside=only_outside,
        outside_potential=np.array([k.outside_potential.value if k.outside_potential else 0.0
                                    for k in world.platforms]).reshape(K),
        platform_rivalry=platform_rivalry,
        opens_step=np.array([
            month_index(k.opens) - start_month if k.opens else -1 for k in world.platforms
        ], dtype=int).reshape(K),
        statehood_step=np.array([
            month_index(s.independent.start) - start_month if s.independent else LONG_STANDING
            for s in world.states], dtype=int).reshape(len(world.states)),
    )


def _initial(structure: Structure, scenario: Scenario) -> Initial:
    st = structure
    N, P, K, S = st.n_states, st.n_poles, st.n_platforms, len(st.sources)
    sidx = {s: i for i, s in enumerate(st.states)}
    pidx = {p: i for i, p in enumerate(st.poles)}
    src = {a: i for i, a in enumerate(st.sources)}
    kidx = {k: i for i, k in enumerate(st.platforms)}
    c = scenario.conditions

    def links(items, shape, index) -> np.ndarray:
        out = np.zeros(shape)
        for link in items:
            out[sidx[link.state], index[link.other]] = link.value.value
        return out

    credibility = np.tile([c.credibility[p].value for p in st.poles], (N, 1)).reshape(N, P)
    for link in c.credibility_by_state:  # what a state has learnt of a protector
        credibility[sidx[link.state], pidx[link.other]] = link.value.value
    alliance = links(c.alliances, (N, S), src)
    for i in range(N):  # an alliance between two deciding states binds both
        for j in range(N):
            alliance[i, P + j] = max(alliance[i, P + j], alliance[j, P + i])
    align = np.zeros((N, P + 1))
    for sid, row in scenario.alignment.items():
        for pid, val in row.items():
            align[sidx[sid], pidx[pid]] = val.value
    align[:, P] = 1.0 - align[:, :P].sum(axis=1)
    status = np.zeros((N, K), dtype=np.int8)
    for m in scenario.memberships:
        status[sidx[m.state], kidx[m.platform]] = STATUSES.index(m.status)
    depth = np.zeros(K)
    viability = np.zeros(K)
    for kid, val in c.depth.items():
        depth[kidx[kid]] = val.value
    for kid, val in c.viability.items():
        viability[kidx[kid]] = val.value
    neutrality = np.zeros(N)
    for sid, val in c.neutrality.items():
        neutrality[sidx[sid]] = val.value
    openness = np.ones((K, len(STATUSES)))  # a platform decides on every rung unless told
    for kid, rungs in c.openness.items():
        for status_id, val in rungs.items():
            openness[kidx[kid], STATUSES.index(status_id)] = val.value
    return Initial(
        polarization=c.polarization.value, credibility=credibility,
        threat=links(c.threat, (N, S), src), economy=links(c.economy, (N, P), pidx),
        alliance=alliance, troops=links(c.troops, (N, P), pidx),
        pressure=links(c.pressure, (N, P), pidx), depth=depth, viability=viability,
        align=align, status=status, bases=links(c.bases, (N, P), pidx),
        arms=links(c.arms, (N, P), pidx), neutrality=neutrality, openness=openness,
        duress=links(c.duress, (N, P), pidx),
    )


def _events(structure: Structure, scenario: Scenario, start_month: int) -> EventTable:
    st = structure
    N = st.n_states
    sidx = {s: i for i, s in enumerate(st.states)}
    pidx = {p: i for i, p in enumerate(st.poles)}
    src = {a: i for i, a in enumerate(st.sources)}
    kidx = {k: i for i, k in enumerate(st.platforms)}
    E = len(scenario.events)
    state = np.full(E, -1, dtype=int)
    other = np.full(E, -1, dtype=int)
    mask = np.zeros((E, N), dtype=bool)
    rung = np.full(E, -1, dtype=int)
    for e, ev in enumerate(scenario.events):
        t = ev.targets
        if "status" in t:
            rung[e] = STATUSES.index(t["status"])
        if "state" in t:
            state[e] = sidx[t["state"]]
            mask[e, state[e]] = True
        elif t.get("states"):
            mask[e, [sidx[s] for s in t["states"]]] = True
        else:
            mask[e, :] = True
        if "actor" in t:
            other[e] = src[t["actor"]]
        elif "pole" in t:
            other[e] = pidx[t["pole"]]
        elif "platform" in t:
            other[e] = kidx[t["platform"]]
    return EventTable(
        ids=tuple(ev.id for ev in scenario.events),
        kind=np.array([EVENT_CODES[ev.kind] for ev in scenario.events], dtype=int),
        step=np.array([month_index(ev.date) - start_month for ev in scenario.events], dtype=int),
        set_mode=np.array([ev.mode == "set" for ev in scenario.events], dtype=bool),
        value=np.array([ev.value.value for ev in scenario.events], dtype=float),
        state=state, other=other, rung=rung, states_mask=mask,
        probability=np.array([ev.probability for ev in scenario.events], dtype=float),
        jitter=np.array([ev.jitter_months for ev in scenario.events], dtype=int),
        noise=np.array([ev.noise for ev in scenario.events], dtype=float),
    )


def _schedules(world: World, start: int, n_steps: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The capability years of a run and, per step, the row of each step's year, the
    members each platform has outside the world and whether its treaty is renewed."""
    months = start + np.arange(n_steps + 1)
    calendar = months // 12
    years = np.arange(calendar[0], calendar[-1] + 1)
    K = len(world.platforms)
    outside = np.zeros((n_steps + 1, K))
    renewing = np.zeros((n_steps + 1, K), dtype=bool)
    for k, plat in enumerate(world.platforms):
        for dated in plat.outside_members:  # a step function in date order
            outside[months >= month_index(dated.start), k] = dated.value
        for month in plat.renewals:
            renewing[months == month_index(month), k] = True
    return years, calendar - years[0], outside, renewing


def first_month(config: Config) -> int:
    """The month of step 0, where a run starts: its scenario's first month, from its
    situation; a continued scenario starts where the run it continues ends (the month
    before its first), so that its first month is simulated like every other, events and
    decisions included."""
    return month_index(config.scenario.start) - (config.prefix is not None)


def compile_config(config: Config) -> Compiled:
    """Build the arrays of a validated config (and of the scenario it continues)."""
    prefix = None
    if config.prefix is not None:
        prefix = compile_config(replace(config, scenario=config.prefix, prefix=None))
    start = first_month(config)
    n_steps = month_index(config.scenario.end) - start
    years, year_row, outside, renewing = _schedules(config.world, start, n_steps)
    structure = _structure(config.world, start, years)
    return Compiled(
        structure=structure,
        initial=_initial(structure, config.scenario),
        events=_events(structure, config.scenario, start),
        start_month=start, n_steps=n_steps,
        year_row=year_row, outside=outside, renewing=renewing, prefix=prefix,
        histories=config.scenario.histories if prefix is not None else 0,
    )
