"""Config -> arrays, built once per config and shared by every run.

Index conventions (used everywhere in `dynamics/`):
  N deciding states, P poles (power centers), K platforms,
  S threat sources = poles, then states, then external actors.
Arrays that change during a run carry a leading run axis R (see `Conditions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config.schema import NONALIGNED, STATUSES, Config, Scenario, World
from .config.validate import month_index

EVENT_CODES = {kind: i for i, kind in enumerate(
    ("threat", "credibility", "pressure", "economy", "troops", "alliance", "polarization",
     "depth", "open"))}


@dataclass(frozen=True)
class Structure:
    """What does not change within a run: actors, geography, identity, platform rules."""

    states: tuple[str, ...]
    poles: tuple[str, ...]
    platforms: tuple[str, ...]
    sources: tuple[str, ...]
    capability: np.ndarray          # (S,) relative capability of each threat source
    power_ratio: np.ndarray         # (N, S) cap_s / (cap_s + cap_i): how much s can hurt i
    pole_strength: np.ndarray       # (P,) capability relative to the strongest pole
    state_capability: np.ndarray    # (N,)
    autonomy: np.ndarray            # (N,) value a state places on freedom of action
    proximity: np.ndarray           # (N, S) geography: 1 neighbour ... 0 far
    coercion: np.ndarray            # (P,) capacity to punish
    rivalry: np.ndarray             # (P, P) symmetric, zero diagonal
    identity_pole: np.ndarray       # (N, P) 1 where a state shares an identity with a pole
    kinship: np.ndarray             # (N, N) shared identity between states, zero diagonal
    identity_platform: np.ndarray   # (N, K)
    leader: np.ndarray              # (K,) pole index, P for a non-aligned stance, or -1
    bloc: np.ndarray                # (K,) bool: joining counts as joining a bloc
    binding: np.ndarray             # (K,) autonomy a member gives up
    protection: np.ndarray          # (K,) security a member receives
    economic: np.ndarray            # (K,) economic value of membership
    allowed: np.ndarray             # (K, 5) bool: statuses the platform offers
    pole_members: np.ndarray        # (K, P) bool: poles sitting in the platform
    core: np.ndarray                # (K, N) bool: states whose participation makes it viable
    exclusive: np.ndarray           # (K, K) bool: cannot be inside both
    accession: np.ndarray           # (K,) monthly admission chance of a candidate
    platform_rivalry: np.ndarray    # (K, P) how hostile the platform's poles are to each pole
    opens_step: np.ndarray          # (K,) first step at which the platform exists
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


def _structure(world: World, start_month: int) -> Structure:
    states = tuple(s.id for s in world.states)
    poles = tuple(p.id for p in world.poles)
    platforms = tuple(k.id for k in world.platforms)
    sources = (*poles, *states, *(e.id for e in world.external))
    N, P, K = len(states), len(poles), len(platforms)
    src = {a: i for i, a in enumerate(sources)}
    pidx = {p: i for i, p in enumerate(poles)}
    kidx = {k: i for i, k in enumerate(platforms)}

    capability = np.array(
        [p.capability.value for p in world.poles]
        + [s.capability.value for s in world.states]
        + [e.capability.value for e in world.external]
    )
    pole_cap = capability[:P]
    pole_strength = pole_cap / max(pole_cap.max(), 1e-12)

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

    identity_pole = np.array(
        [[float(bool(set(s.identity) & set(p.identity))) for p in world.poles]
         for s in world.states]).reshape(N, P)
    kinship = np.zeros((N, N))
    for i, a in enumerate(world.states):
        for j, b in enumerate(world.states):
            union = set(a.identity) | set(b.identity)
            if i != j and union:
                kinship[i, j] = len(set(a.identity) & set(b.identity)) / len(union)
    identity_platform = np.array(
        [[float(k.identity is not None and k.identity in s.identity) for k in world.platforms]
         for s in world.states]).reshape(N, K)

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
    sidx = {s: i for i, s in enumerate(states)}
    for k, plat in enumerate(world.platforms):
        for s in plat.core:
            core[k, sidx[s]] = True

    allowed = np.array([[s in k.statuses for s in STATUSES] for k in world.platforms],
                       dtype=bool).reshape(K, len(STATUSES))
    snap, up, down = ladder(allowed)
    return Structure(
        ladder_snap=snap, ladder_up=up, ladder_down=down,
        states=states, poles=poles, platforms=platforms, sources=sources,
        capability=capability, pole_strength=pole_strength,
        power_ratio=capability[None, :] / np.maximum(
            capability[None, :] + capability[P:P + N, None], 1e-12),
        state_capability=capability[P:P + N],
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
        accession=np.array([k.accession.value for k in world.platforms]).reshape(K),
        platform_rivalry=platform_rivalry,
        opens_step=np.array([
            month_index(k.opens) - start_month if k.opens else -1 for k in world.platforms
        ], dtype=int).reshape(K),
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
    return Initial(
        polarization=c.polarization.value, credibility=credibility,
        threat=links(c.threat, (N, S), src), economy=links(c.economy, (N, P), pidx),
        alliance=alliance, troops=links(c.troops, (N, P), pidx),
        pressure=links(c.pressure, (N, P), pidx), depth=depth, viability=viability,
        align=align, status=status,
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
    for e, ev in enumerate(scenario.events):
        t = ev.targets
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
        state=state, other=other, states_mask=mask,
        probability=np.array([ev.probability for ev in scenario.events], dtype=float),
        jitter=np.array([ev.jitter_months for ev in scenario.events], dtype=int),
        noise=np.array([ev.noise for ev in scenario.events], dtype=float),
    )


def compile_config(config: Config) -> Compiled:
    """Build the arrays of a validated config."""
    start = month_index(config.scenario.start)
    structure = _structure(config.world, start)
    return Compiled(
        structure=structure,
        initial=_initial(structure, config.scenario),
        events=_events(structure, config.scenario, start),
        start_month=start,
        n_steps=month_index(config.scenario.end) - start,
    )
