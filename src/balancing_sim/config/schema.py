"""Typed schema of worlds, scenarios, parameters and run settings, with their constraints.

The YAML is plain data, read into these frozen dataclasses by `validate.Reader`. Every
constraint a single field carries sits on the field as metadata (`spec(...)`), so the
schema is the one place that says what is allowed; constraints spanning several fields or
files (an end after the start, memberships a platform's ladder allows) are the few rule
functions of `validate.py`. Numbers in a world or scenario carry their provenance
(`{value, source}`).

Field metadata read by the reader:
  range=(low, high)   bounds of a number (of `value` in a Sourced); Sourced default [0, 1]
  choices=...         allowed words (a dict maps aliases to the stored word)
  pattern=regex       text it must match; with `choices`, other text accepted besides them
  ref=name|tuple      ids of that namespace (poles, states, actors, platforms) or words;
                      on a dict: its keys; on a list: its items
  what="..."          what is allowed, when the default phrase would not say it
  noun="..."          what the ids of a list are (`one of the <noun> ids`)
  other_than=field    ids other than that field's value (the record's own id, its state)
  also=(...)          further words accepted by a ref (`nonaligned` as a leader)
  month=True          text YYYY-MM;  nonempty=True: text that is not blank
  first="YYYY-MM"     the earliest month a month field allows, `why` (default: the
                      first month the output tables can hold)
  key="a.b"           the YAML path, if not the field's name
  auto=True           "auto" (or nothing) is the number of cores
  keyed=True          a mapping id -> record, read as a tuple of records with that `id`
  flat=True           a Sourced spread over its record's own `value` and `source` keys
  need="..."          what to say when the mapping is empty (at least one ...)
  every="..."         a dict must name every id of its `ref`
  most="..."          a dict's Sourced values sum to at most 1 (what to say if not)
  inner={...}         metadata for the values of a dict, or the items of a list
  default_from=field  missing: the value of that field (a label defaults to the id)
  fields={...}        metadata for the fields of the records of a list (a link's other end)
  execution=True      a run setting that changes how a run executes, never its results
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, make_dataclass
from typing import Any

STATUSES: tuple[str, ...] = ("none", "observer", "partner", "candidate", "member")
"""Membership ladder, from outside to inside; a state moves one rung per decision."""

NONALIGNED = "nonaligned"
PLATFORM_KINDS = ("military", "economic", "political", "regional", "signal")
ENGINES = ("ensemble", "mesa")
"""Engine names; the runner maps each to its engine function."""
SEED_MAX = 2**63 - 1
"""The largest seed: seeds are stored in the contract's int64 `seed` column."""
BACKENDS = ("loky", "threading", "dask")
"""No `multiprocessing`: its pool loses the task of a killed worker and waits forever."""
_PORT = r"(6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})"
SCHEDULER = rf"\A(tcp|tls)://([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\]):{_PORT}\Z"
"""A Dask scheduler address `runner.backend` may name: tcp:// or tls://, a host, a port
1-65535 and nothing else (any other form failed in `distributed` with a traceback)."""
WORKERS = (1, 4096)
"""Worker processes a command may start (`runner.workers`; -1, or `auto`, is every core)."""
WORKERS_ALLOWED = f"-1 (every core) or a whole number from {WORKERS[0]} to {WORKERS[1]}"


def workers_given(value: int) -> bool:
    """A worker count a command line or the Python API may give: -1 or within WORKERS."""
    return value == -1 or WORKERS[0] <= value <= WORKERS[1]


PROGRESS = {"auto": "auto", "on": "on", "off": "off", True: "on", False: "off"}
CAPABILITY = (0.0, 1e6)

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
    "duress": ("state", "pole"),
}
"""Events change conditions states respond to; none sets an alignment or a membership."""


def spec(default: Any = MISSING, **rules: Any) -> Any:
    """A dataclass field with its constraints (see the module docstring)."""
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=rules)
    return field(default=default, metadata=rules)


def _links(other: str, namespace: str) -> Any:
    """A list of ties between a state and a pole or actor (`{state, <other>, value, source}`)."""
    what = f"{'an' if other[0] in 'aeiou' else 'a'} {other} id"
    return spec((), fields={"other": {"key": other, "ref": namespace, "what": what}})


SOURCE = {"nonempty": True,
          "what": "a non-empty 'source': the paper, a dataset and year, or 'assumption: <reason>'"}
"""The rules of a source: text naming where a number comes from."""


@dataclass(frozen=True)
class Sourced:
    value: float
    source: str = spec(**SOURCE)


@dataclass(frozen=True, kw_only=True)
class CowSpan:
    """A COW country code whose capability an actor sums, in the years [from, to]."""

    code: int = spec(range=(1, 999))  # years: COW's first, to the last a scenario may reach
    first: int | None = spec(None, key="from", range=(1816, 2262))
    last: int | None = spec(None, key="to", range=(1816, 2262))


LABEL = {"default_from": "id", "pattern": r"\A[^\x00-\x1f\x7f-\x9f\u2028\u2029]*\Z",
         "what": "text on one line, without control characters (a line break, a tab, ...)"}
"""A label's rules: a name drawn in figures and tables, one line, as a figure shows it."""


@dataclass(frozen=True, kw_only=True)
class Actor:
    """What every actor of a world has: an id (its key), a label, a capability (a
    constant, or by year from the COW codes it sums with the world's capability data)."""

    id: str
    label: str = spec(**LABEL)
    capability: Sourced = spec(range=CAPABILITY)
    cow: tuple[CowSpan, ...] = ()


SHARES = spec({}, inner={"what": "a group name",
                         "most": "shares of one facet summing to at most 1"})
"""Identity as sourced shares of groups per facet (`{facet: {group: {value, source}}}`)."""


@dataclass(frozen=True, kw_only=True)
class Pole(Actor):
    coercion: Sourced
    identity: tuple[str, ...] = spec((), noun="identity group")
    shares: dict[str, dict[str, Sourced]] = SHARES
    rivals: dict[str, Sourced] = spec({}, ref="poles", what="another pole id", other_than="id")


STATEHOOD = {"first": "1816-01", "why": "the COW state system's first year; a state "
             "independent before it is long-standing: leave out `independent`"}
"""The month a new state's record as a state begins (`State.independent`): within the
state system, so that a typo (1191 for 1991) cannot make a new state long-standing."""


@dataclass(frozen=True, kw_only=True)
class Since:
    """A month from which a fact holds, with its source."""

    start: str = spec(key="from", month=True)
    source: str = spec(**SOURCE)


@dataclass(frozen=True, kw_only=True)
class State(Actor):
    autonomy: Sourced
    independent: Since | None = spec(None, fields={"start": STATEHOOD})  # none: long-standing
    identity: tuple[str, ...] = spec((), noun="identity group")
    shares: dict[str, dict[str, Sourced]] = SHARES
    proximity: dict[str, Sourced] = spec(
        {}, ref="actors", other_than="id",
        what="a pole, state or external actor id other than the state itself")


@dataclass(frozen=True, kw_only=True)
class External(Actor):
    """An actor that only matters as a source of threat (it neither decides nor leads)."""


@dataclass(frozen=True, kw_only=True)
class Group:
    """A group of a facet of identity shares (the Turkic share of the ethnic facet)."""

    facet: str
    group: str
    at_least: float = spec(0.0, range=(0.0, 1.0))  # as a membership criterion
    source: str = spec(**SOURCE)


@dataclass(frozen=True, kw_only=True)
class Dated:
    """A value that holds from a month on (a step function of time)."""

    start: str = spec(key="from", month=True)
    value: float = spec(range=(0.0, 1e4))
    source: str = spec(**SOURCE)


@dataclass(frozen=True, kw_only=True)
class Platform:
    id: str
    label: str = spec(**LABEL)
    leader: str | None = spec(None, ref="poles", also=(NONALIGNED,),
                              what=f"null, {NONALIGNED} or a power center (pole) id")
    kind: str = spec(choices=PLATFORM_KINDS)
    bloc: bool = False
    binding: Sourced
    protection: Sourced
    economic: Sourced
    identity: str | None = None
    embodies: Group | None = None  # the group of identity shares it stands for
    cooperation: Sourced | None = None  # what loose ties (observer, partner seats) offer
    statuses: tuple[str, ...] = spec(("none", "member"), ref=STATUSES, noun="membership status")
    grants: tuple[str, ...] = spec(("member",), ref=STATUSES[1:], noun="status above none")
    pole_members: tuple[str, ...] = spec((), ref="poles", noun="pole")
    core: tuple[str, ...] = spec((), ref="states", noun="state")
    eligible: tuple[str, ...] = spec((), ref="states", noun="state")  # none given: the core
    members_if: Group | None = None  # identity criterion for members (at_least of a group)
    exclusive_with: tuple[str, ...] = spec((), ref="platforms", noun="other platform",
                                           other_than="id")
    admits_only_outside: tuple[str, ...] = spec((), ref="platforms", noun="other platform",
                                                other_than="id")
    outside_members: tuple[Dated, ...] = ()  # members that are not actors of the world
    outside_potential: Sourced | None = spec(None, range=(0.0, 1e4))
    renewals: tuple[str, ...] = spec((), noun="month", inner={"month": True})  # treaty re-signed
    opens: str | None = spec(None, month=True, what="null or a month YYYY-MM")


@dataclass(frozen=True, kw_only=True)
class World:
    name: str = "world"
    description: str = ""
    sources: Any = spec(None, key="_sources")  # YAML anchors of the file's sources
    poles: tuple[Pole, ...] = spec(keyed=True, need="at least one power center (pole)")
    states: tuple[State, ...] = spec(keyed=True, need="at least one deciding state")
    external: tuple[External, ...] = spec((), keyed=True)
    platforms: tuple[Platform, ...] = spec((), keyed=True)
    capability_data: str | None = spec(
        None, pattern=r"^(?!/)(?!.*\.\.).*\.csv$",
        what="null or a .csv file of COW NMC rows under the config folder")


@dataclass(frozen=True, kw_only=True)
class WorldSize:
    """A generated world (conf/world/synthetic.yaml): see synthetic.generate."""

    states: int = spec(10, range=(2, 100_000))
    poles: int = spec(3, range=(1, 10_000))
    platforms: int = spec(4, range=(1, 10_000))
    seed: int = spec(0, range=(0, SEED_MAX))


@dataclass(frozen=True, kw_only=True)
class Link:
    """A directed or symmetric condition between a state and another actor."""

    state: str = spec(ref="states", what="a deciding state id")
    other: str = spec(other_than="state")  # its key and ids are set by the section
    value: Sourced = spec(flat=True)


@dataclass(frozen=True, kw_only=True)
class Conditions:
    polarization: Sourced
    credibility: dict[str, Sourced] = spec({}, ref="poles", what="a pole id",
                                           every="a credibility for every pole")
    threat: tuple[Link, ...] = _links("actor", "actors")
    economy: tuple[Link, ...] = _links("pole", "poles")
    alliances: tuple[Link, ...] = _links("actor", "actors")
    troops: tuple[Link, ...] = _links("pole", "poles")
    pressure: tuple[Link, ...] = _links("pole", "poles")
    credibility_by_state: tuple[Link, ...] = _links("pole", "poles")
    bases: tuple[Link, ...] = _links("pole", "poles")
    arms: tuple[Link, ...] = _links("pole", "poles")
    neutrality: dict[str, Sourced] = spec({}, ref="states", what="a deciding state id")
    duress: tuple[Link, ...] = _links("pole", "poles")
    depth: dict[str, Sourced] = spec({}, ref="platforms", what="a platform id")
    viability: dict[str, Sourced] = spec({}, ref="platforms", what="a platform id")
    openness: dict[str, dict[str, Sourced]] = spec(
        {}, ref="platforms", what="a platform id",
        inner={"ref": STATUSES[1:], "what": "a status above none"})


@dataclass(frozen=True, kw_only=True)
class Membership:
    state: str = spec(ref="states", what="a deciding state id")
    platform: str = spec(ref="platforms", what="a platform id")
    status: Any  # one the platform's ladder has (checked with the platform)
    source: str


@dataclass(frozen=True, kw_only=True)
class Event:
    id: str
    date: str = spec(month=True)
    kind: str
    targets: dict[str, object]
    value: Sourced = spec(range=(-1.0, 1.0),  # [0, 1] with mode set (`validate._event`)
                          what="a finite number in [-1, 1] (in [0, 1] with mode set)")
    mode: str = spec("add", choices=("add", "set"))
    probability: float = spec(1.0, range=(0.0, 1.0))
    jitter_months: int = spec(0, range=(0, 120))
    noise: float = spec(0.0, range=(0.0, 1.0))
    source: str


@dataclass(frozen=True, kw_only=True)
class Scenario:
    name: str = "scenario"
    question: str = ""
    start: str = spec(month=True)
    end: str = spec(month=True)
    conditions: Conditions
    alignment: dict[str, dict[str, Sourced]] = spec(
        {}, ref="states", what="a deciding state id", inner={
            "ref": "poles", "what": "a pole id",
            "most": "alignment weights summing to at most 1 (the rest is non-aligned)"})
    memberships: tuple[Membership, ...] = ()
    events: tuple[Event, ...] = spec((), keyed=True)
    after: str = ""  # a scenario whose run r's end state run r starts from (config.prefix)
    histories: int = spec(0, range=(0, 10**9))  # after: run r continues run r mod histories


WEIGHT, SHARE = (0.0, 1e6), (0.0, 1.0)
FREE: dict[str, tuple[float, float]] = {
    "w_security": WEIGHT, "w_punishment": WEIGHT, "w_economy": WEIGHT, "w_identity": WEIGHT,
    "w_kinship": WEIGHT, "w_autonomy": WEIGHT, "w_polarization": WEIGHT,
    "w_alliance": WEIGHT, "w_threat": WEIGHT, "w_depth": WEIGHT, "w_viability": WEIGHT,
    "w_bloc_alignment": WEIGHT, "reach_decay": WEIGHT, "temperature": (1e-6, 1e6),
    "adjustment_rate": SHARE, "perception_noise": WEIGHT, "decision_hazard": SHARE,
    "threshold_observer": WEIGHT, "threshold_partner": WEIGHT,
    "threshold_candidate": WEIGHT, "threshold_member": WEIGHT, "refusal_threat": WEIGHT,
    "reaction_gain": WEIGHT, "carrot_gain": WEIGHT, "reaction_rate": SHARE,
    "troop_threat": WEIGHT, "viability_rate": SHARE, "depth_growth": SHARE,
    "depth_decay": SHARE, "w_dependence": WEIGHT, "w_bandwagon": WEIGHT,
    "w_cooperation": WEIGHT, "w_signal": WEIGHT, "w_admission_risk": WEIGHT,
    "admission_bar": WEIGHT, "exit_margin": WEIGHT, "admission_tenure": (0.0, 1200.0),
    "w_duress": WEIGHT, "term_margin": WEIGHT, "signal_sunk": SHARE,
}
"""The free parameters of the decision rule and their ranges, in the order of the params
files (docs/ODD.md, section Submodels): one table, so `Params` is built from it."""
FREE_PARAMETERS: tuple[str, ...] = tuple(FREE)
"""The free parameters, numbers all (`Params.draws` names a table of their draws)."""

Params = make_dataclass("Params", [
    *((name, float, spec(range=bounds)) for name, bounds in FREE.items()),
    ("draws", str | None, spec(None, what="null or a CSV table of posterior draws (a path "
                                          "relative to the config folder, e.g. "
                                          "params/posterior.csv)")),
    ("hold", tuple[str, ...], spec((), noun="free parameter")),  # held, not drawn (draws.py)
], frozen=True, kw_only=True, module=__name__, namespace={
    "__doc__": "Free parameters of the decision rule (`FREE`), a posterior table of their "
               "draws and the ones held at their value."})


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """How many runs of which seed on which engine; keys at the root of the config."""

    runs: int = spec(range=(1, 10**9))
    seed: int = spec(range=(0, SEED_MAX))
    engine: str = spec("ensemble", choices=ENGINES)
    workers: int = spec(key="runner.workers", range=WORKERS, auto=True, execution=True)
    chunk_runs: int = spec(256, key="runner.chunk_runs", range=(1, 10**7), execution=True)
    record_every: int = spec(1, key="runner.record_every", range=(1, 1200))
    out: str | None = spec(None, what="null or a directory path", execution=True)
    backend: str = spec("loky", key="runner.backend", choices=BACKENDS, pattern=SCHEDULER,
                        execution=True, what=f"{', '.join(BACKENDS)}, or a Dask scheduler "
                                             "address (tcp://host:port or tls://host:port, "
                                             "a port from 1 to 65535)")
    progress: str = spec("auto", key="runner.progress", choices=PROGRESS, what="auto, on or off",
                         execution=True)


EXECUTION_KEYS: tuple[str, ...] = tuple(
    f.metadata.get("key", name) for name, f in RunSettings.__dataclass_fields__.items()
    if f.metadata.get("execution"))
"""Settings that change how a run executes, never its results."""
EXECUTION_ONLY: tuple[str, ...] = ("experiment", *EXECUTION_KEYS)
"""Keys that never change a number: left out of a run's identity and of sweep point ids."""


@dataclass(frozen=True)
class Config:
    world: World
    scenario: Scenario
    params: Params
    run: RunSettings
    files: dict[str, str] = field(default_factory=dict)
    prefix: Scenario | None = None  # the scenario `scenario.after` names, run first
