"""Turn a composed config (plain dicts) into typed, cross-checked dataclasses.

Every problem is collected with the file it came from and the full key path,
so a user fixing a hand-edited YAML sees all mistakes in one message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import Collector
from .schema import (
    EVENT_KINDS,
    NONALIGNED,
    STATUSES,
    Conditions,
    Config,
    CowSpan,
    Dated,
    Event,
    External,
    Link,
    Membership,
    Params,
    Platform,
    Pole,
    RunSettings,
    Scenario,
    Sourced,
    State,
    World,
)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
PLATFORM_KINDS = ("military", "economic", "political", "regional", "signal")
ENGINES = ("ensemble", "mesa")
LOCAL_BACKENDS = ("loky", "threading", "multiprocessing")
BACKENDS = (*LOCAL_BACKENDS, "dask")
PROGRESS = {"auto": "auto", "on": "on", "off": "off", True: "on", False: "off"}
RESERVED_IDS = (NONALIGNED, "none")
"""Words the engine gives a meaning of its own (the non-aligned posture, no status)."""

PARAM_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (1e-6, 1e6),
    "adjustment_rate": (0.0, 1.0),
    "decision_hazard": (0.0, 1.0),
    "reaction_rate": (0.0, 1.0),
    "viability_rate": (0.0, 1.0),
    "depth_growth": (0.0, 1.0),
    "depth_decay": (0.0, 1.0),
    "refusal_threat": (0.0, 1e6),
}
"""Parameters with a bounded range; all others must be finite and >= 0."""


def month_index(text: str) -> int:
    """Months since year 0, so date arithmetic is integer arithmetic."""
    match = MONTH_PATTERN.match(text)
    if not match:
        raise ValueError(text)
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(text)
    return year * 12 + month - 1


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _known(value: Any, ids: set[str] | dict | tuple) -> bool:
    """Membership test that never raises: a list or a mapping is simply not a known id."""
    try:
        return value in ids
    except TypeError:
        return False


class _Reader:
    """Typed access to one section of the config, recording problems instead of raising."""

    def __init__(self, errors: Collector, file: str):
        self.errors = errors
        self.file = file

    def mapping(self, data: Any, key: str) -> dict:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.errors.add(self.file, key, data, "a mapping of keys to values")
            return {}
        return dict(data)

    def unknown(self, data: Mapping, key: str, allowed: tuple[str, ...] | list[str]) -> None:
        for name in data:
            if name not in allowed:
                self.errors.add(
                    self.file, f"{key}.{name}", data[name],
                    f"unknown key; allowed: {', '.join(sorted(allowed))}",
                )

    def text(self, data: Mapping, name: str, key: str, default: str | None = None,
             required: bool = True) -> str | None:
        value = data.get(name, default)
        if value is None:
            if required:
                self.errors.add(self.file, f"{key}.{name}", None, "required text")
            return None
        if not isinstance(value, str):
            self.errors.add(self.file, f"{key}.{name}", value, "text")
            return None
        return value

    def number(self, value: Any, key: str, low: float = 0.0, high: float = math.inf,
               integer: bool = False) -> float | None:
        if integer:
            allowed = f"an integer in [{int(low)}, {int(high)}]"
        else:
            allowed = f"a finite number in [{low:g}, {high:g}]"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.errors.add(self.file, key, value, allowed)
            return None
        if not math.isfinite(value) or not low <= value <= high or (
                integer and int(value) != value):
            self.errors.add(self.file, key, value, allowed)
            return None
        return float(value)

    def sourced(self, data: Any, key: str, low: float = 0.0, high: float = 1.0) -> Sourced | None:
        """A number with its provenance: `{value: x, source: "..."}`."""
        if not isinstance(data, Mapping):
            self.errors.add(self.file, key, data,
                            f"{{value: number in [{low:g}, {high:g}], source: text}}")
            return None
        self.unknown(data, key, ("value", "source"))
        value = self.number(data.get("value"), f"{key}.value", low, high)
        source = data.get("source")
        if not isinstance(source, str) or not source.strip():
            self.errors.add(self.file, f"{key}.source", source,
                            "text naming the source (paper citation, dataset and year, "
                            "or 'assumption: reason')")
            return None
        if value is None:
            return None
        return Sourced(value, source)

    def id_list(self, data: Any, key: str, known: set[str] | None, what: str) -> tuple[str, ...]:
        if data is None:
            return ()
        if isinstance(data, str) or not isinstance(data, list | tuple):
            self.errors.add(self.file, key, data, f"a list of {what} ids")
            return ()
        out = []
        for i, item in enumerate(data):
            if known is None and not isinstance(item, str):
                self.errors.add(self.file, f"{key}[{i}]", item, f"a {what} name (text)")
            elif known is not None and not _known(item, known):
                self.errors.add(self.file, f"{key}[{i}]", item,
                                f"one of the {what} ids: {', '.join(sorted(known))}")
            else:
                out.append(item)
        return tuple(out)

    def cow(self, data: Any, key: str) -> tuple[CowSpan, ...]:
        """COW country codes an actor sums, each optionally for years [from, to]."""
        if data is None:
            return ()
        if not isinstance(data, list):
            self.errors.add(self.file, key, data, "a list of {code, from, to} (COW codes, years)")
            return ()
        out = []
        for i, item in enumerate(data):
            k = f"{key}[{i}]"
            item = self.mapping(item, k)
            self.unknown(item, k, ("code", "from", "to"))
            code = self.number(item.get("code"), f"{k}.code", 1, 999, integer=True)
            years = [None if item.get(end) is None else
                     self.number(item.get(end), f"{k}.{end}", 1816, 2100, integer=True)
                     for end in ("from", "to")]
            if code is not None:
                out.append(CowSpan(int(code), *(None if y is None else int(y) for y in years)))
        return tuple(out)

    def identity(self, data: Any, key: str) -> tuple[str, ...] | dict:
        """Identity tags, or `{facet: {group: {value, source}}}` shares (each facet <= 1)."""
        if data is None or isinstance(data, list | tuple | str):
            return self.id_list(data, key, None, "identity group")
        out = {}
        for facet, groups in self.mapping(data, key).items():
            shares = {}
            for group, val in self.mapping(groups, f"{key}.{facet}").items():
                v = self.sourced(val, f"{key}.{facet}.{group}")
                if v:
                    shares[str(group)] = v
            total = sum(v.value for v in shares.values())
            if total > 1.0 + 1e-9:
                self.errors.add(self.file, f"{key}.{facet}", round(total, 6),
                                "shares of one facet summing to at most 1")
            out[str(facet)] = shares
        return out

    def ident(self, name: Any, key: str) -> bool:
        if not isinstance(name, str) or not ID_PATTERN.match(name):
            self.errors.add(self.file, key, name,
                            "a lower-case snake_case id (a-z, 0-9 and _, starting with a letter)")
            return False
        if name in RESERVED_IDS:
            self.errors.add(self.file, key, name,
                            f"an id other than the reserved words {', '.join(RESERVED_IDS)}")
            return False
        return True


# ---------------------------------------------------------------- world


def _world(data: Any, errors: Collector, file: str) -> World:
    r = _Reader(errors, file)
    data = r.mapping(data, "world")
    r.unknown(data, "world", ("name", "description", "_sources", "poles", "states", "external",
                              "platforms", "capability_data"))
    poles_raw = r.mapping(data.get("poles"), "world.poles")
    states_raw = r.mapping(data.get("states"), "world.states")
    ext_raw = r.mapping(data.get("external"), "world.external")
    plat_raw = r.mapping(data.get("platforms"), "world.platforms")
    if not states_raw:
        errors.add(file, "world.states", data.get("states"), "at least one deciding state")
    if not poles_raw:
        errors.add(file, "world.poles", data.get("poles"), "at least one power center (pole)")
    seen: dict[str, str] = {}
    for section, raw in (("poles", poles_raw), ("states", states_raw),
                         ("external", ext_raw), ("platforms", plat_raw)):
        for name in raw:
            if r.ident(name, f"world.{section}.{name}") and name in seen:
                errors.add(file, f"world.{section}.{name}", name,
                           f"a unique id (already used in world.{seen[name]})")
            seen.setdefault(name, section)
    pole_ids = set(poles_raw)
    actor_ids = pole_ids | set(states_raw) | set(ext_raw)

    poles = []
    for pid, raw in poles_raw.items():
        key = f"world.poles.{pid}"
        if not isinstance(raw, Mapping):
            r.mapping(raw, key)
            continue
        raw = dict(raw)
        r.unknown(raw, key, ("label", "capability", "coercion", "identity", "rivals", "cow"))
        rivals = {}
        for other, val in r.mapping(raw.get("rivals"), f"{key}.rivals").items():
            if other not in pole_ids or other == pid:
                errors.add(file, f"{key}.rivals.{other}", other,
                           f"another pole id: {', '.join(sorted(pole_ids - {pid}))}")
                continue
            s = r.sourced(val, f"{key}.rivals.{other}")
            if s:
                rivals[other] = s
        poles.append(Pole(
            id=pid, label=r.text(raw, "label", key, default=pid) or pid,
            capability=r.sourced(raw.get("capability"), f"{key}.capability", 0.0, 1e6),
            coercion=r.sourced(raw.get("coercion"), f"{key}.coercion"),
            identity=r.identity(raw.get("identity"), f"{key}.identity"),
            rivals=rivals, cow=r.cow(raw.get("cow"), f"{key}.cow"),
        ))

    states = []
    for sid, raw in states_raw.items():
        key = f"world.states.{sid}"
        if not isinstance(raw, Mapping):
            r.mapping(raw, key)
            continue
        raw = dict(raw)
        r.unknown(raw, key, ("label", "capability", "autonomy", "identity", "proximity", "cow"))
        prox = {}
        for other, val in r.mapping(raw.get("proximity"), f"{key}.proximity").items():
            if other not in actor_ids or other == sid:
                errors.add(file, f"{key}.proximity.{other}", other,
                           "a pole, state or external actor id other than the state itself")
                continue
            s = r.sourced(val, f"{key}.proximity.{other}")
            if s:
                prox[other] = s
        states.append(State(
            id=sid, label=r.text(raw, "label", key, default=sid) or sid,
            capability=r.sourced(raw.get("capability"), f"{key}.capability", 0.0, 1e6),
            autonomy=r.sourced(raw.get("autonomy"), f"{key}.autonomy"),
            identity=r.identity(raw.get("identity"), f"{key}.identity"),
            proximity=prox, cow=r.cow(raw.get("cow"), f"{key}.cow"),
        ))

    external = []
    for eid, raw in ext_raw.items():
        key = f"world.external.{eid}"
        if not isinstance(raw, Mapping):
            r.mapping(raw, key)
            continue
        raw = dict(raw)
        r.unknown(raw, key, ("label", "capability", "cow"))
        external.append(External(
            id=eid, label=r.text(raw, "label", key, default=eid) or eid,
            capability=r.sourced(raw.get("capability"), f"{key}.capability", 0.0, 1e6),
            cow=r.cow(raw.get("cow"), f"{key}.cow"),
        ))

    platforms = []
    plat_ids = set(plat_raw)
    for kid, raw in plat_raw.items():
        key = f"world.platforms.{kid}"
        if not isinstance(raw, Mapping):
            r.mapping(raw, key)
            continue
        raw = dict(raw)
        r.unknown(raw, key, ("label", "leader", "kind", "bloc", "binding", "protection",
                             "economic", "identity", "statuses", "pole_members", "core",
                             "exclusive_with", "opens", "cooperation", "grants", "eligible",
                             "members_if", "admits_only_outside", "outside_members",
                             "outside_potential", "renewals"))
        leader = raw.get("leader")
        if leader is not None and not _known(leader, pole_ids | {NONALIGNED}):
            errors.add(file, f"{key}.leader", leader,
                       f"null, {NONALIGNED} or a power center (pole) id: "
                       f"{', '.join(sorted(pole_ids))}")
            leader = None
        kind = raw.get("kind")
        if not _known(kind, PLATFORM_KINDS):
            errors.add(file, f"{key}.kind", kind, f"one of {', '.join(PLATFORM_KINDS)}")
        bloc = raw.get("bloc", False)
        if not isinstance(bloc, bool):
            errors.add(file, f"{key}.bloc", bloc, "true or false")
            bloc = False
        statuses = r.id_list(raw.get("statuses", ["none", "member"]), f"{key}.statuses",
                             set(STATUSES), "membership status")
        if isinstance(raw.get("statuses", []), list) and (
                "none" not in statuses or "member" not in statuses):
            errors.add(file, f"{key}.statuses", list(statuses),
                       f"a list from {', '.join(STATUSES)} including none and member")
        opens = raw.get("opens")
        if opens is not None:
            try:
                month_index(str(opens))
            except ValueError:
                errors.add(file, f"{key}.opens", opens, "null or a month YYYY-MM")
                opens = None
        core = r.id_list(raw.get("core"), f"{key}.core", set(states_raw), "state")
        platforms.append(Platform(
            id=kid, label=r.text(raw, "label", key, default=kid) or kid,
            leader=leader, kind=kind if _known(kind, PLATFORM_KINDS) else "regional",
            bloc=bloc,
            binding=r.sourced(raw.get("binding"), f"{key}.binding"),
            protection=r.sourced(raw.get("protection"), f"{key}.protection"),
            economic=r.sourced(raw.get("economic"), f"{key}.economic"),
            identity=_platform_identity(r, raw.get("identity"), f"{key}.identity"),
            statuses=tuple(s for s in STATUSES if s in statuses),
            pole_members=r.id_list(raw.get("pole_members"), f"{key}.pole_members",
                                   pole_ids, "pole"),
            core=core,
            exclusive_with=r.id_list(raw.get("exclusive_with"), f"{key}.exclusive_with",
                                     plat_ids - {kid}, "other platform"),
            opens=None if opens is None else str(opens),
            cooperation=(None if raw.get("cooperation") is None else
                         r.sourced(raw.get("cooperation"), f"{key}.cooperation")),
            grants=r.id_list(raw.get("grants", ["member"]), f"{key}.grants",
                             set(STATUSES) - {"none"}, "status above none"),
            eligible=(r.id_list(raw["eligible"], f"{key}.eligible", set(states_raw), "state")
                      if "eligible" in raw else tuple(s for s in core if s in states_raw)),
            members_if=_members_if(r, raw.get("members_if"), f"{key}.members_if"),
            admits_only_outside=r.id_list(raw.get("admits_only_outside"),
                                          f"{key}.admits_only_outside", plat_ids - {kid},
                                          "other platform"),
            outside_members=_dated(r, raw.get("outside_members"), f"{key}.outside_members"),
            outside_potential=(None if raw.get("outside_potential") is None else
                               r.sourced(raw.get("outside_potential"),
                                         f"{key}.outside_potential", 0.0, 1e4)),
            renewals=_months(r, raw.get("renewals"), f"{key}.renewals"),
        ))
    capability_data = data.get("capability_data")
    if capability_data is not None and not (isinstance(capability_data, str)
                                            and capability_data.endswith(".csv")
                                            and ".." not in capability_data):
        errors.add(file, "world.capability_data", capability_data,
                   "null or a .csv file under the config folder (e.g. data/nmc.csv)")
        capability_data = None
    return World(name=str(data.get("name", "world")), poles=tuple(poles),
                 states=tuple(states), external=tuple(external), platforms=tuple(platforms),
                 capability_data=capability_data)


def _platform_identity(r: _Reader, data: Any, key: str) -> str | tuple[str, str] | None:
    """A platform embodies an identity tag, or a group of a facet of identity shares."""
    if data is None or isinstance(data, str):
        return data
    if not isinstance(data, Mapping):
        r.errors.add(r.file, key, data, "a tag (text) or {facet, group, source}")
        return None
    r.unknown(data, key, ("facet", "group", "source"))
    facet, group = data.get("facet"), data.get("group")
    if not (isinstance(facet, str) and isinstance(group, str)):
        r.errors.add(r.file, key, dict(data), "a tag or {facet, group, source}")
        return None
    return facet, group


def _members_if(r: _Reader, data: Any, key: str) -> tuple[str, str, float] | None:
    """Membership criterion on identity shares: `{facet, group, at_least, source}`."""
    if data is None:
        return None
    data = r.mapping(data, key)
    r.unknown(data, key, ("facet", "group", "at_least", "source"))
    facet, group = data.get("facet"), data.get("group")
    least = r.number(data.get("at_least"), f"{key}.at_least", 0.0, 1.0)
    if not (isinstance(facet, str) and isinstance(group, str)) or least is None:
        r.errors.add(r.file, key, dict(data), "{facet, group, at_least, source}")
        return None
    r.text(data, "source", key)
    return facet, group, least


def _months(r: _Reader, data: Any, key: str) -> tuple[str, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        r.errors.add(r.file, key, data, "a list of months YYYY-MM")
        return ()
    out = []
    for i, item in enumerate(data):
        try:
            month_index(str(item))
            out.append(str(item))
        except ValueError:
            r.errors.add(r.file, f"{key}[{i}]", item, "a month YYYY-MM")
    return tuple(out)


def _dated(r: _Reader, data: Any, key: str) -> tuple[Dated, ...]:
    """A step function: `[{from: YYYY-MM, value, source}, ...]` in date order."""
    if data is None:
        return ()
    if not isinstance(data, list):
        r.errors.add(r.file, key, data, "a list of {from: YYYY-MM, value, source}")
        return ()
    out = []
    for i, item in enumerate(data):
        k = f"{key}[{i}]"
        item = r.mapping(item, k)
        r.unknown(item, k, ("from", "value", "source"))
        start = item.get("from")
        try:
            month_index(str(start))
        except ValueError:
            r.errors.add(r.file, f"{k}.from", start, "a month YYYY-MM")
            continue
        v = r.sourced({"value": item.get("value"), "source": item.get("source")}, k, 0.0, 1e4)
        if v:
            out.append(Dated(str(start), v.value, v.source))
    out.sort(key=lambda d: month_index(d.start))
    return tuple(out)


# ------------------------------------------------------------- scenario

_LINK_SECTIONS = {
    # section -> (name of the other end, ids it may take)
    "threat": "actor",
    "economy": "pole",
    "alliances": "actor",
    "troops": "pole",
    "pressure": "pole",
    "credibility_by_state": "pole",
    "bases": "pole",
    "arms": "pole",
}


def _links(r: _Reader, data: Any, key: str, states: set[str], others: set[str],
           what: str) -> tuple[Link, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        r.errors.add(r.file, key, data, f"a list of {{state, {what}, value, source}}")
        return ()
    out = []
    for i, item in enumerate(data):
        k = f"{key}[{i}]"
        item = r.mapping(item, k)
        r.unknown(item, k, ("state", what, "value", "source"))
        state, other = item.get("state"), item.get(what)
        ok = True
        if not _known(state, states):
            r.errors.add(r.file, f"{k}.state", state,
                         f"a deciding state id: {', '.join(sorted(states))}")
            ok = False
        if not _known(other, others) or other == state:
            r.errors.add(r.file, f"{k}.{what}", other,
                         f"{_article(what)} {what} id: {', '.join(sorted(others - {state}))}")
            ok = False
        value = r.sourced({"value": item.get("value"), "source": item.get("source")}, k)
        if ok and value:
            out.append(Link(state, other, value))
    return tuple(out)


def _scenario(data: Any, world: World, errors: Collector, file: str) -> Scenario:
    r = _Reader(errors, file)
    data = r.mapping(data, "scenario")
    r.unknown(data, "scenario", ("name", "question", "start", "end", "conditions",
                                 "alignment", "memberships", "events"))
    states = {s.id for s in world.states}
    poles = {p.id for p in world.poles}
    actors = states | poles | {e.id for e in world.external}
    platforms = {k.id: k for k in world.platforms}

    start, end = data.get("start"), data.get("end")
    t0 = t1 = None
    for name, value in (("start", start), ("end", end)):
        try:
            idx = month_index(str(value)) if value is not None else None
        except ValueError:
            idx = None
        if idx is None:
            errors.add(file, f"scenario.{name}", value, "a month YYYY-MM")
        elif name == "start":
            t0 = idx
        else:
            t1 = idx
    if t0 is not None and t1 is not None and t1 <= t0:
        errors.add(file, "scenario.end", end, f"a month after scenario.start ({start})")

    cond = r.mapping(data.get("conditions"), "scenario.conditions")
    ck = "scenario.conditions"
    r.unknown(cond, ck, ("polarization", "credibility", *_LINK_SECTIONS, "depth", "viability",
                         "neutrality", "openness"))
    credibility = {}
    for pid, val in r.mapping(cond.get("credibility"), f"{ck}.credibility").items():
        if pid not in poles:
            errors.add(file, f"{ck}.credibility.{pid}", pid,
                       f"a pole id: {', '.join(sorted(poles))}")
            continue
        s = r.sourced(val, f"{ck}.credibility.{pid}")
        if s:
            credibility[pid] = s
    missing = poles - set(credibility)
    if missing:
        errors.add(file, f"{ck}.credibility", sorted(credibility),
                   f"a credibility for every pole (missing: {', '.join(sorted(missing))})")
    links = {
        section: _links(r, cond.get(section), f"{ck}.{section}", states,
                        actors if what == "actor" else poles, what)
        for section, what in _LINK_SECTIONS.items()
    }

    def per_platform(name: str) -> dict[str, Sourced]:
        out = {}
        for kid, val in r.mapping(cond.get(name), f"{ck}.{name}").items():
            if kid not in platforms:
                errors.add(file, f"{ck}.{name}.{kid}", kid,
                           f"a platform id: {', '.join(sorted(platforms))}")
                continue
            s = r.sourced(val, f"{ck}.{name}.{kid}")
            if s:
                out[kid] = s
        return out

    neutrality = {}
    for sid, val in r.mapping(cond.get("neutrality"), f"{ck}.neutrality").items():
        if sid not in states:
            errors.add(file, f"{ck}.neutrality.{sid}", sid,
                       f"a deciding state id: {', '.join(sorted(states))}")
            continue
        v = r.sourced(val, f"{ck}.neutrality.{sid}")
        if v:
            neutrality[sid] = v
    openness = {}
    for kid, rungs in r.mapping(cond.get("openness"), f"{ck}.openness").items():
        if kid not in platforms:
            errors.add(file, f"{ck}.openness.{kid}", kid,
                       f"a platform id: {', '.join(sorted(platforms))}")
            continue
        row = {}
        for status, val in r.mapping(rungs, f"{ck}.openness.{kid}").items():
            if status not in platforms[kid].statuses or status == "none":
                errors.add(file, f"{ck}.openness.{kid}.{status}", status,
                           f"a status {kid} offers: {', '.join(platforms[kid].statuses[1:])}")
                continue
            v = r.sourced(val, f"{ck}.openness.{kid}.{status}")
            if v:
                row[status] = v
        openness[kid] = row
    conditions = Conditions(
        polarization=r.sourced(cond.get("polarization"), f"{ck}.polarization"),
        credibility=credibility, depth=per_platform("depth"),
        viability=per_platform("viability"), neutrality=neutrality, openness=openness,
        **links,
    )

    alignment = {}
    for sid, weights in r.mapping(data.get("alignment"), "scenario.alignment").items():
        key = f"scenario.alignment.{sid}"
        if sid not in states:
            errors.add(file, key, sid, f"a deciding state id: {', '.join(sorted(states))}")
            continue
        row = {}
        for pid, val in r.mapping(weights, key).items():
            if pid not in poles:
                errors.add(file, f"{key}.{pid}", pid, f"a pole id: {', '.join(sorted(poles))}")
                continue
            s = r.sourced(val, f"{key}.{pid}")
            if s:
                row[pid] = s
        total = sum(s.value for s in row.values())
        if total > 1.0 + 1e-9:
            errors.add(file, key, round(total, 6),
                       "alignment weights summing to at most 1 (the rest is non-aligned)")
        alignment[sid] = row

    memberships: list[Membership] = []
    indexed: list[int] = []
    raw_members = data.get("memberships") or []
    if not isinstance(raw_members, list):
        errors.add(file, "scenario.memberships", raw_members,
                   "a list of {state, platform, status, source}")
        raw_members = []
    for i, item in enumerate(raw_members):
        k = f"scenario.memberships[{i}]"
        item = r.mapping(item, k)
        r.unknown(item, k, ("state", "platform", "status", "source"))
        sid, kid, status = item.get("state"), item.get("platform"), item.get("status")
        ok = True
        if not _known(sid, states):
            errors.add(file, f"{k}.state", sid, f"a deciding state id: {', '.join(sorted(states))}")
            ok = False
        if not _known(kid, platforms):
            errors.add(file, f"{k}.platform", kid,
                       f"a platform id: {', '.join(sorted(platforms))}")
            ok = False
        elif not _known(status, platforms[kid].statuses):
            errors.add(file, f"{k}.status", status,
                       f"a status that {kid} has: {', '.join(platforms[kid].statuses)}")
            ok = False
        source = r.text(item, "source", k)
        if ok and source:
            memberships.append(Membership(sid, kid, status, source))
            indexed.append(i)
    _membership_rules(r, memberships, indexed, platforms, t0)

    events = []
    for eid, raw in r.mapping(data.get("events"), "scenario.events").items():
        event = _event(r, eid, raw, states, poles, actors, set(platforms), t0, t1)
        if event:
            events.append(event)
    events.sort(key=lambda e: (month_index(e.date), e.id))
    return Scenario(
        name=str(data.get("name", "scenario")), question=str(data.get("question", "")),
        start=str(start), end=str(end), conditions=conditions, alignment=alignment,
        memberships=tuple(memberships), events=tuple(events),
    )


def _membership_rules(r: _Reader, memberships: list[Membership], indexed: list[int],
                      platforms: Mapping[str, Platform], t0: int | None) -> None:
    """Starting memberships obey the same platform rules the dynamics keep: one entry per
    state and platform, only core states inside a format that has a core, never inside
    (candidate or member) two mutually exclusive platforms, nothing in an unopened one."""
    first: dict[tuple[str, str], int] = {}
    inside: dict[str, list[tuple[str, int]]] = {}
    for m, i in zip(memberships, indexed, strict=True):
        k = f"scenario.memberships[{i}]"
        plat = platforms[m.platform]
        if (m.state, m.platform) in first:
            r.errors.add(r.file, k, {"state": m.state, "platform": m.platform},
                         f"one entry per state and platform (already at "
                         f"scenario.memberships[{first[m.state, m.platform]}])")
            continue
        first[m.state, m.platform] = i
        if m.status == "none":
            continue
        if plat.eligible and m.state not in plat.eligible:
            r.errors.add(r.file, f"{k}.state", m.state,
                         f"a state eligible for {m.platform} ({', '.join(plat.eligible)}); "
                         "other states can only have status none")
        if plat.opens and t0 is not None and month_index(plat.opens) > t0:
            r.errors.add(r.file, f"{k}.status", m.status,
                         f"none: {m.platform} opens only in {plat.opens}, after scenario.start")
        if STATUSES.index(m.status) >= STATUSES.index("candidate"):
            inside.setdefault(m.state, []).append((m.platform, m.status, i))
    for held in inside.values():
        for a, (kid, status, i) in enumerate(held):
            for other, _, j in held[:a]:
                if other in platforms[kid].exclusive_with or kid in platforms[other].exclusive_with:
                    r.errors.add(r.file, f"scenario.memberships[{i}].status", status,
                                 f"at most partner: {kid} excludes {other}, held as candidate "
                                 f"or member at scenario.memberships[{j}]")


def _event(r: _Reader, eid: str, raw: Any, states: set[str], poles: set[str],
           actors: set[str], platforms: set[str], t0: int | None, t1: int | None) -> Event | None:
    key = f"scenario.events.{eid}"
    errors, file = r.errors, r.file
    r.ident(eid, key)
    raw = r.mapping(raw, key)
    kind = raw.get("kind")
    if not _known(kind, EVENT_KINDS):
        errors.add(file, f"{key}.kind", kind, f"one of {', '.join(EVENT_KINDS)}")
        return None
    targets_needed = EVENT_KINDS[kind]
    optional = ("states",) if kind in ("credibility", "pressure") else ()
    r.unknown(raw, key, ("date", "kind", "value", "mode", "probability", "jitter_months",
                         "noise", "source", *targets_needed, *optional))
    date = raw.get("date")
    try:
        when = month_index(str(date))
    except ValueError:
        errors.add(file, f"{key}.date", date, "a month YYYY-MM")
        when = None
    if when is not None and t0 is not None and t1 is not None and not t0 <= when <= t1:
        errors.add(file, f"{key}.date", date, "a month within the scenario's start and end")
    choices = {"state": states, "actor": actors, "pole": poles, "platform": platforms,
               "status": set(STATUSES) - {"none"}}
    targets: dict[str, object] = {}
    for name in targets_needed:
        value = raw.get(name)
        if not _known(value, choices[name]):
            errors.add(file, f"{key}.{name}", value,
                       f"{_article(name)} {name} id: {', '.join(sorted(choices[name]))}")
        targets[name] = value
    if "state" in targets and targets.get("actor") == targets["state"]:
        errors.add(file, f"{key}.actor", targets["actor"], "an actor other than the state")
    if optional:
        targets["states"] = r.id_list(raw.get("states"), f"{key}.states", states, "state")
    mode = raw.get("mode", "add")
    if not _known(mode, ("add", "set")):
        errors.add(file, f"{key}.mode", mode, "add or set")
    low = -1.0 if mode == "add" else 0.0
    value = r.sourced(raw.get("value"), f"{key}.value", low, 1.0)
    probability = r.number(raw.get("probability", 1.0), f"{key}.probability", 0.0, 1.0)
    jitter = r.number(raw.get("jitter_months", 0), f"{key}.jitter_months", 0, 120, integer=True)
    noise = r.number(raw.get("noise", 0.0), f"{key}.noise", 0.0, 1.0)
    source = r.text(raw, "source", key)
    if None in (when, value, probability, jitter, noise, source) or not _known(
            mode, ("add", "set")):
        return None
    return Event(id=eid, date=str(date), kind=kind, targets=targets, value=value, mode=mode,
                 probability=probability, jitter_months=int(jitter), noise=noise, source=source)


# ---------------------------------------------------------- params, run


def _params(data: Any, errors: Collector, file: str) -> Params:
    r = _Reader(errors, file)
    data = r.mapping(data, "params")
    names = list(Params.__dataclass_fields__)
    r.unknown(data, "params", names)
    values = {}
    for name in names:
        if name not in data:
            errors.add(file, f"params.{name}", None, "required number")
            values[name] = 0.0
            continue
        low, high = PARAM_RANGES.get(name, (0.0, 1e6))
        v = r.number(data[name], f"params.{name}", low, high)
        values[name] = 0.0 if v is None else v
    return Params(**values)


def _run(data: Mapping, errors: Collector, file: str, cpu_count: int) -> RunSettings:
    r = _Reader(errors, file)
    runs = r.number(data.get("runs"), "runs", 1, 10**9, integer=True)
    seed = r.number(data.get("seed"), "seed", 0, 2**63 - 1, integer=True)
    engine = data.get("engine", "ensemble")
    if not _known(engine, ENGINES):
        errors.add(file, "engine", engine, f"one of {', '.join(ENGINES)}")
    runner = r.mapping(data.get("runner"), "runner")
    r.unknown(runner, "runner", ("workers", "chunk_runs", "record_every", "backend", "progress"))
    workers = runner.get("workers", "auto")
    if workers == "auto":
        workers = cpu_count
    workers = r.number(workers, "runner.workers", 1, 4096, integer=True)
    chunk = r.number(runner.get("chunk_runs", 256), "runner.chunk_runs", 1, 10**7, integer=True)
    every = r.number(runner.get("record_every", 1), "runner.record_every", 1, 1200, integer=True)
    backend = runner.get("backend", "loky")
    if not (isinstance(backend, str) and (backend in BACKENDS or "://" in backend)):
        errors.add(file, "runner.backend", backend,
                   f"{', '.join(BACKENDS)}, or a Dask scheduler address (tcp://host:port)")
        backend = "loky"
    progress = runner.get("progress", "auto")
    if not _known(progress, PROGRESS):
        errors.add(file, "runner.progress", progress, "auto, on or off")
        progress = "auto"
    out = data.get("out")
    if out is not None and not isinstance(out, str):
        errors.add(file, "out", out, "null or a directory path")
        out = None
    return RunSettings(
        runs=int(runs or 1), seed=int(seed or 0), engine=str(engine), workers=int(workers or 1),
        chunk_runs=int(chunk or 256), record_every=int(every or 1), out=out,
        backend=backend, progress=PROGRESS[progress],
    )


ROOT_KEYS = ("world", "scenario", "params", "runs", "seed", "engine", "runner", "out", "hydra")


def build_config(data: Mapping, files: Mapping[str, str] | None = None,
                 cpu_count: int = 1) -> Config:
    """Validate a composed config; `files` maps a section to the file it came from."""
    files = dict(files or {})
    errors = Collector()
    main = files.get("main", "config.yaml")
    if not isinstance(data, Mapping):
        errors.add(main, "config", data, "a mapping with world, scenario, params and run keys")
        errors.raise_if_any()
    _Reader(errors, main).unknown(data, "config", ROOT_KEYS)
    world = _world(data.get("world"), errors, files.get("world", main))
    scenario = _scenario(data.get("scenario"), world, errors, files.get("scenario", main))
    params = _params(data.get("params"), errors, files.get("params", main))
    run = _run(data, errors, main, cpu_count)
    errors.raise_if_any()
    return Config(world=world, scenario=scenario, params=params, run=run, files=files)


def build_world(data: Any, file: str = "world.yaml") -> World:
    """Validate a world on its own (no scenario): structure, ids, numbers and references."""
    errors = Collector()
    world = _world(data, errors, file)
    errors.raise_if_any()
    return world
