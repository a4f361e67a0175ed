"""Typed schema of worlds, scenarios and model parameters.

The YAML is plain data: it is read into these frozen dataclasses by
`validate.py`, which checks every key and reports all problems at once.
Numbers in a world or scenario carry their provenance (`{value, source}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES: tuple[str, ...] = ("none", "observer", "partner", "candidate", "member")
"""Membership ladder, from outside to inside; a state moves one rung per decision."""

NONALIGNED = "nonaligned"

EVENT_KINDS: dict[str, tuple[str, ...]] = {
    # kind -> the target keys it needs (besides date, value, source)
    "threat": ("state", "actor"),
    "credibility": ("pole",),
    "pressure": ("pole",),
    "economy": ("state", "pole"),
    "troops": ("state", "pole"),
    "alliance": ("state", "actor"),
    "polarization": (),
    "depth": ("platform",),
    "open": ("platform",),
    "openness": ("platform", "status"),
    "bases": ("state", "pole"),
    "arms": ("state", "pole"),
    "neutrality": ("state",),
}
"""Events change conditions states respond to; none sets an alignment or a membership."""


@dataclass(frozen=True)
class Sourced:
    value: float
    source: str


@dataclass(frozen=True)
class CowSpan:
    """A COW country code whose capability an actor sums, in the years [first, last]."""

    code: int
    first: int | None = None
    last: int | None = None


Identity = tuple[str, ...] | dict[str, dict[str, Sourced]]
"""Tags (shared or not) or, sourced, shares of groups per facet (census, surveys)."""


@dataclass(frozen=True)
class Pole:
    id: str
    label: str
    capability: Sourced
    coercion: Sourced
    identity: Identity
    rivals: dict[str, Sourced]
    cow: tuple[CowSpan, ...] = ()


@dataclass(frozen=True)
class State:
    id: str
    label: str
    capability: Sourced
    autonomy: Sourced
    identity: Identity
    proximity: dict[str, Sourced]
    cow: tuple[CowSpan, ...] = ()


@dataclass(frozen=True)
class External:
    """An actor that only matters as a source of threat (it neither decides nor leads)."""

    id: str
    label: str
    capability: Sourced
    cow: tuple[CowSpan, ...] = ()


@dataclass(frozen=True)
class Dated:
    """A value that holds from a month on (a step function of time)."""

    start: str
    value: float
    source: str


@dataclass(frozen=True)
class Platform:
    id: str
    label: str
    leader: str | None
    kind: str
    bloc: bool
    binding: Sourced
    protection: Sourced
    economic: Sourced
    identity: str | tuple[str, str] | None  # a tag, or (facet, group) of identity shares
    statuses: tuple[str, ...]
    pole_members: tuple[str, ...]
    core: tuple[str, ...]
    exclusive_with: tuple[str, ...]
    opens: str | None
    cooperation: Sourced | None = None      # what loose ties (observer, partner) offer
    grants: tuple[str, ...] = ("member",)   # rungs the platform decides by its own rule
    eligible: tuple[str, ...] = ()          # states that may become members (empty: any)
    members_if: tuple[str, str, float] | None = None  # (facet, group, at least) to be member
    admits_only_outside: tuple[str, ...] = ()  # admission criterion: member of none of these
    outside_members: tuple[Dated, ...] = ()    # members that are not actors of the world
    outside_potential: Sourced | None = None   # states outside the world it addresses
    renewals: tuple[str, ...] = ()             # months a fixed-term treaty must be re-signed


@dataclass(frozen=True)
class World:
    name: str
    poles: tuple[Pole, ...]
    states: tuple[State, ...]
    external: tuple[External, ...]
    platforms: tuple[Platform, ...]
    capability_data: str | None = None  # CSV of COW NMC rows (ccode, year, cinc) under conf/


@dataclass(frozen=True)
class Link:
    """A directed or symmetric condition between a state and another actor."""

    state: str
    other: str
    value: Sourced


@dataclass(frozen=True)
class Conditions:
    polarization: Sourced
    credibility: dict[str, Sourced]
    threat: tuple[Link, ...] = ()
    economy: tuple[Link, ...] = ()
    alliances: tuple[Link, ...] = ()
    troops: tuple[Link, ...] = ()
    pressure: tuple[Link, ...] = ()
    credibility_by_state: tuple[Link, ...] = ()
    bases: tuple[Link, ...] = ()
    arms: tuple[Link, ...] = ()
    neutrality: dict[str, Sourced] = field(default_factory=dict)
    depth: dict[str, Sourced] = field(default_factory=dict)
    viability: dict[str, Sourced] = field(default_factory=dict)
    openness: dict[str, dict[str, Sourced]] = field(default_factory=dict)


@dataclass(frozen=True)
class Membership:
    state: str
    platform: str
    status: str
    source: str


@dataclass(frozen=True)
class Event:
    id: str
    date: str
    kind: str
    targets: dict[str, object]
    value: Sourced
    mode: str
    probability: float
    jitter_months: int
    noise: float
    source: str


@dataclass(frozen=True)
class Scenario:
    name: str
    question: str
    start: str
    end: str
    conditions: Conditions
    alignment: dict[str, dict[str, Sourced]]
    memberships: tuple[Membership, ...]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Params:
    """Free parameters of the decision rule; see docs/ODD.md, section Submodels."""

    w_security: float
    w_punishment: float
    w_economy: float
    w_identity: float
    w_kinship: float
    w_autonomy: float
    w_polarization: float
    w_alliance: float
    w_threat: float
    w_depth: float
    w_viability: float
    w_bloc_alignment: float
    reach_decay: float
    temperature: float
    adjustment_rate: float
    perception_noise: float
    decision_hazard: float
    threshold_observer: float
    threshold_partner: float
    threshold_candidate: float
    threshold_member: float
    refusal_threat: float
    reaction_gain: float
    carrot_gain: float
    reaction_rate: float
    troop_threat: float
    viability_rate: float
    depth_growth: float
    depth_decay: float
    w_dependence: float = 0.0
    w_bandwagon: float = 0.0
    w_cooperation: float = 0.0
    w_signal: float = 0.0
    w_admission_risk: float = 0.0
    admission_bar: float = 0.0
    exit_margin: float = 0.0
    admission_tenure: float = 0.0


@dataclass(frozen=True)
class RunSettings:
    runs: int
    seed: int
    engine: str
    workers: int
    chunk_runs: int
    record_every: int
    out: str | None
    backend: str = "loky"    # loky, threading, multiprocessing, dask, or a scheduler address
    progress: str = "auto"   # auto (a bar on a terminal), on or off


@dataclass(frozen=True)
class Config:
    world: World
    scenario: Scenario
    params: Params
    run: RunSettings
    files: dict[str, str] = field(default_factory=dict)
