"""Read a composed config (plain dicts) into the typed, cross-checked schema.

One generic `Reader` walks any schema dataclass: a field's type says how to read it (a
number, text, a list, a mapping, a nested record, a Sourced number) and its metadata
(`schema.spec`) what is allowed. Every problem is collected with the file it came from
and the full key path, so a user fixing a hand-edited YAML sees all mistakes at once.
Constraints spanning fields or records are the rule functions at the end (`RULES`).

Why dataclass metadata and not pydantic: the messages are the product (file, key, value,
what is allowed, every problem in one go, in the order of the file). Pydantic would
bring its own messages, stop a field at its first error and need a custom validator and
an error translation for nearly every constraint here (ids of other sections, ranges
printed as the user should type them), plus a dependency; the reader below is smaller
than that translation layer and the schema stays plain frozen dataclasses.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import MISSING, fields, is_dataclass, replace
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from .errors import Collector, Problem
from .schema import (
    EVENT_KINDS,
    FREE,
    NONALIGNED,
    STATUSES,
    Conditions,
    Config,
    CowSpan,
    Event,
    Link,
    Params,
    Platform,
    RunSettings,
    Scenario,
    Sourced,
    World,
    WorldSize,
)
from .yamlfile import load_yaml

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
RESERVED_IDS = (NONALIGNED, "none")
"""Words the engine gives a meaning of its own (the non-aligned posture, no status)."""
SECTIONS = tuple(f.name for f in fields(World) if f.metadata.get("keyed"))
"""The sections of a world whose keys are ids (one namespace across them all)."""
ROOT_KEYS = ("world", "scenario", "params", "hydra", "prefix",
             *dict.fromkeys(f.metadata.get("key", f.name).split(".")[0]
                            for f in fields(RunSettings)))


FIRST_MONTH, LAST_MONTH = "1677-10", "2262-04"
"""The months whose first day datetime64[ns] can hold (the tables' date column)."""


def month_index(text: str) -> int:
    """Months since year 0, so date arithmetic is integer arithmetic."""
    match = MONTH_PATTERN.match(text) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a month YYYY-MM: {text!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_text(index: int) -> str:
    """The month `month_index` numbered, as YYYY-MM."""
    year, month = divmod(int(index), 12)
    return f"{year:04d}-{month + 1:02d}"


def is_month(value: Any) -> bool:
    """Text of the form YYYY-MM with a month 01-12 (any year: see MONTHS)."""
    try:
        month_index(value)
    except ValueError:
        return False
    return True


MONTHS = (month_index(FIRST_MONTH), month_index(LAST_MONTH))


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def known(value: Any, ids: Collection) -> bool:
    """Membership test that never raises: a list or a mapping is simply not a known id."""
    try:
        return value in ids
    except TypeError:
        return False


LISTED = 50
"""Ids named in one message; a world of 10^5 states gives a message of bounded size."""


def listing(ids: Collection) -> str:
    if not ids:  # a reference into an empty section (the section's own message says why)
        return "none in this world"
    if len(ids) <= LISTED:
        return ", ".join(sorted(map(str, ids)))
    first = heapq.nsmallest(LISTED, map(str, ids))
    return ", ".join(first) + f", ... and {len(ids) - LISTED:,} more"


def find_key(data: Any, key: str) -> tuple[Any, Any] | str:
    """The container and index a dotted key path names in plain config data (list items
    by index, spelled one way: `0`, never `00` or another script's digits, so two
    spellings never name one place twice); when it names nothing, what exists where the
    path leaves the data."""
    node, parts = data, key.split(".")
    for depth, part in enumerate(parts):
        if (isinstance(node, list) and part.isascii() and part.isdigit()
                and part == str(int(part)) and int(part) < len(node)):
            index: Any = int(part)
        elif isinstance(node, Mapping) and part in node:
            index = part
        else:
            names = [str(k) for k in (node if isinstance(node, Mapping) else range(len(node))
                                      if isinstance(node, list) else ()) if k != "hydra"]
            return (f"an existing key (keys of {'.'.join(parts[:depth]) or 'the config'}: "
                    f"{listing(names) or 'none'})")
        if depth == len(parts) - 1:
            return node, index
        node = node[index]
    raise AssertionError(key)


class _Without(Collection):
    """The ids of a namespace but one (a record's own id), without copying them: a
    reference is checked in constant time whatever the size of the world."""

    def __init__(self, ids: Collection, excluded: Any):
        self.ids, self.excluded = ids, excluded

    def __contains__(self, value: object) -> bool:
        return known(value, self.ids) and not known(value, (self.excluded,))

    def __iter__(self):
        return (i for i in self.ids if i != self.excluded)

    def __len__(self) -> int:
        return len(self.ids) - known(self.excluded, self.ids)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _specs(cls: type, meta: Mapping | None = None, given: Collection = ()) -> list:
    """(field, metadata) of the fields to read; `meta["fields"]` adds metadata per field."""
    overrides = (meta or {}).get("fields", {})
    return [(f, {**f.metadata, **overrides.get(f.name, {})})
            for f in fields(cls) if f.name not in given]


def _yaml_keys(cls: type, specs: list) -> list[str]:
    """The keys a record's YAML mapping may hold (a flat Sourced adds its own)."""
    keys: list[str] = []
    for f, m in specs:
        keys += list(_hints(_hints(cls)[f.name])) if m.get("flat") \
            else [m.get("key", f.name).split(".")[0]]
    return list(dict.fromkeys(keys))


def _optional(tp: Any) -> Any:
    """The inner type of `X | None`, else None."""
    if get_origin(tp) in (Union, UnionType) and type(None) in get_args(tp):
        return next(a for a in get_args(tp) if a is not type(None))
    return None


def _number_phrase(m: Mapping, integer: bool = False) -> str:
    if "what" in m:  # a range the bounds alone do not say (an event's value by its mode)
        return m["what"]
    low, high = m.get("range", (-math.inf, math.inf))
    if integer:
        return f"an integer in [{int(low)}, {int(high)}]"
    if math.isinf(low) and math.isinf(high):
        return "a finite number"
    return f"a finite number in [{low:g}, {high:g}]"


def _bounds(m: Mapping) -> dict:
    """The rules of a Sourced field's `value`: its range ([0, 1] unless the field says
    otherwise) and what is allowed, when the range alone would not say it."""
    return {"range": m.get("range", (0.0, 1.0)), **({"what": m["what"]} if "what" in m else {})}


def _sourced_phrase(m: Mapping) -> str:
    number = _number_phrase(m).removeprefix("a finite ")
    return "{value: " + ("<number>" if number == "number" else number) + ", source: <text>}"


class Reader:
    """Reads plain data into schema dataclasses, recording a Problem per mistake.

    `ids` holds the namespaces references are checked against (`poles`, `states`...)."""

    def __init__(self, errors: Collector, file: str, ids: Mapping[str, Collection] | None = None,
                 cpu_count: int = 1):
        self.errors, self.file, self.ids, self.cpu_count = errors, file, dict(ids or {}), cpu_count

    def add(self, key: str, value: Any, allowed: str) -> None:
        self.errors.add(self.file, key, value, allowed)

    def unknown(self, data: Mapping, key: str, allowed: Collection[str]) -> None:
        for name in data:
            if name not in allowed:
                self.add(f"{key}.{name}" if key else str(name), data[name],
                         f"unknown key; allowed: {listing(allowed)}")

    # ------------------------------------------------------------ records

    def record(self, cls: type, data: Any, key: str, meta: Mapping | None = None,
               given: Mapping | None = None, closed: bool = True) -> Any:
        """An instance of the dataclass `cls` from a mapping (None reads as empty)."""
        data = {} if data is None else data
        if not isinstance(data, Mapping):
            self.add(key or "(top level)", data, "a mapping of keys to values")
            return None
        given = dict(given or {})
        extra = PREPARE[cls](self, data, key, given) if cls in PREPARE else ()
        if extra is None:
            return None
        specs = _specs(cls, meta, given)
        if closed:
            self.unknown(data, key, [*_yaml_keys(cls, specs), *extra])
        nested = [m["key"].split(".")[0] for _, m in specs if "." in m.get("key", "")]
        for part in dict.fromkeys(nested):
            section = data.get(part)
            if section is not None and not isinstance(section, Mapping):
                self.add(part, section, "a mapping of keys to values")
            elif section:
                self.unknown(section, part, [m["key"].split(".", 1)[1] for _, m in specs
                                             if m.get("key", "").startswith(f"{part}.")])
        values = dict(given)
        for f, m in specs:
            values[f.name] = self.field(_hints(cls)[f.name], f, m, data, key, values)
        obj = cls(**values)
        return RULES[cls](self, obj, key, data) if cls in RULES else obj

    def field(self, tp: Any, f: Any, m: Mapping, data: Mapping, key: str, values: dict) -> Any:
        name = m.get("key", f.name)
        where = f"{key}.{name}" if key else name
        if m.get("flat"):  # a Sourced spread over the record's own keys
            raw, where = {k: data[k] for k in _hints(tp) if k in data}, key
        else:
            raw = data
            for part in name.split("."):
                raw = raw.get(part) if isinstance(raw, Mapping) else None
        if raw is None and ("every" in m or "need" in m):
            raw = {}
        if raw is not None or m.get("auto"):
            return self.value(tp, raw, where, m, values)
        if "default_from" in m:
            return values[m["default_from"]]
        if f.default is not MISSING:
            return f.default
        if f.default_factory is not MISSING:
            return f.default_factory()
        if _optional(tp) is not None:
            return None
        if isinstance(tp, type) and issubclass(tp, Sourced):
            self.add(where, None, "required " + _sourced_phrase(_bounds(m)))
            return None
        if is_dataclass(tp):
            return self.record(tp, {}, where, m)
        if tp is str and ("choices" in m or "ref" in m):
            return self.text(None, where, m, values)
        kind = "month (YYYY-MM)" if m.get("month") else {
            float: "number", int: "integer", str: "text"}.get(tp, "value")
        self.add(where, None, m.get("what") or f"required {kind}")
        return () if get_origin(tp) is tuple else None

    def value(self, tp: Any, raw: Any, key: str, m: Mapping, values: dict) -> Any:
        """`raw` read as type `tp`; on a mistake the problem is recorded and an empty
        value returned, so reading goes on and reports everything."""
        inner = _optional(tp)
        origin, args = get_origin(tp), get_args(tp)
        if inner is not None:
            return None if raw is None else self.value(inner, raw, key, m, values)
        if isinstance(tp, type) and issubclass(tp, Sourced):
            return self.sourced(tp, raw, key, m)
        if is_dataclass(tp):
            return self.record(tp, raw, key, m)
        if tp is bool:
            if isinstance(raw, bool):
                return raw
            self.add(key, raw, "true or false")
        elif tp in (int, float):
            return self.number(raw, key, m, integer=tp is int)
        elif tp is str:
            return self.text(raw, key, m, values)
        elif origin is tuple and m.get("keyed"):
            return self.keyed(args[0], raw, key, m)
        elif origin is tuple:
            return self.items(args[0], raw, key, m, values)
        elif origin is dict:
            return self.mapping(args[1], raw, key, m, values)
        else:
            return raw  # free-form
        return () if origin is tuple else None

    def number(self, raw: Any, key: str, m: Mapping, integer: bool = False) -> float | int | None:
        if m.get("auto") and raw in ("auto", None):
            raw = self.cpu_count
        low, high = m.get("range", (-math.inf, math.inf))
        if (isinstance(raw, bool) or not isinstance(raw, int | float)
                or (integer and not isinstance(raw, int))
                or not math.isfinite(raw) or not low <= raw <= high):
            self.add(key, raw, _number_phrase(m, integer))
            return None
        return int(raw) if integer else float(raw)

    def sourced(self, cls: type, raw: Any, key: str, m: Mapping) -> Any:
        """A number with its provenance: `{value: x, source: "..."}`, value in [0, 1] unless
        the field says otherwise."""
        bounds = _bounds(m)
        if not isinstance(raw, Mapping):
            self.add(key, raw, _sourced_phrase(bounds))
            return None
        count = len(self.errors.problems)
        obj = self.record(cls, raw, key, {"fields": {"value": bounds}})
        return obj if len(self.errors.problems) == count else None

    def text(self, raw: Any, key: str, m: Mapping, values: dict) -> Any:
        if "choices" in m:
            choices = m["choices"]
            if known(raw, choices):
                return choices[raw] if isinstance(choices, Mapping) else raw
            if not (isinstance(raw, str) and "pattern" in m and re.search(m["pattern"], raw)):
                self.add(key, raw, m.get("what") or f"one of {', '.join(choices)}")
                return None
        elif "ref" in m:
            ids = self.ref_ids(m, values)
            if known(raw, ids) or known(raw, m.get("also", ())):
                return raw
            self.add(key, raw, f"{m['what']}: {listing(ids)}")
            return None
        elif not (isinstance(raw, str) and (raw.strip() or not m.get("nonempty"))
                  and (is_month(raw) or not m.get("month"))
                  and re.search(m.get("pattern", ""), raw)):
            self.add(key, raw, m.get("what") or ("a month YYYY-MM" if m.get("month") else "text"))
            return None
        elif m.get("month") and not max(MONTHS[0], month_index(m.get("first", FIRST_MONTH))
                                        ) <= month_index(raw) <= MONTHS[1]:
            self.add(key, raw, f"a month from {m['first']} to {LAST_MONTH} ({m['why']})"
                     if "first" in m else f"a month from {FIRST_MONTH} to {LAST_MONTH} (the "
                     "dates the output tables can hold, numpy datetime64[ns])")
            return None
        return raw

    def ref_ids(self, m: Mapping, values: Mapping) -> Collection:
        ref = m["ref"]
        ids = self.ids.get(ref, ()) if isinstance(ref, str) else ref
        if "other_than" in m:
            ids = _Without(ids, values.get(m["other_than"]))
        return ids

    def items(self, tp: Any, raw: Any, key: str, m: Mapping, values: dict) -> tuple:
        """A list of ids, of names, or of records."""
        if isinstance(raw, str) or not isinstance(raw, list | tuple):
            if is_dataclass(tp):
                self.add(key, raw, "a list of {" + ", ".join(_yaml_keys(tp, _specs(tp, m))) + "}")
            else:
                self.add(key, raw, f"a list of {m['noun']} ids")
            return ()
        out = []
        for i, item in enumerate(raw):
            where = f"{key}[{i}]"
            if is_dataclass(tp):
                item = self.record(tp, item, where, m)
            elif "ref" in m and not known(item, ids := self.ref_ids(m, values)):
                self.add(where, item, f"one of the {m['noun']} ids: {listing(ids)}")
                item = None
            elif "ref" not in m:
                item = self.text(item, where, m.get("inner") or {
                    "what": f"{article(m['noun'])} {m['noun']} name (text)"}, values)
            if item is not None:
                out.append(item)
        return tuple(out)

    def mapping(self, tp: Any, raw: Any, key: str, m: Mapping, values: dict) -> dict:
        """A mapping whose keys are ids of `m['ref']`, read with the value type `tp`."""
        if not isinstance(raw, Mapping):
            self.add(key, raw, "a mapping of keys to values")
            return {}
        if not raw and "need" in m:
            self.add(key, raw, m["need"])
        out = {}
        ids = self.ref_ids(m, values) if "ref" in m else None
        for name, item in raw.items():
            if ids is not None and not known(name, ids):
                self.add(f"{key}.{name}", name, f"{m['what']}: {listing(ids)}")
                continue
            inner = m.get("inner", {"range": m["range"]} if "range" in m else {})
            item = self.value(tp, item, f"{key}.{name}", inner, values)
            if item is not None:
                out[name] = item
        total = sum(v.value for v in out.values() if isinstance(v, Sourced))
        if "most" in m and total > 1.0 + 1e-9:
            self.add(key, round(total, 6), m["most"])
        # every id given, a wrong value counted as given (it is told above, once)
        if "every" in m and (missing := set(ids or ()) - set(raw)):
            self.add(key, sorted(out), f"{m['every']} (missing: {listing(missing)})")
        return out

    def keyed(self, tp: Any, raw: Any, key: str, m: Mapping) -> tuple:
        """A mapping id -> record (the world's actors, a scenario's events)."""
        if not isinstance(raw, Mapping):
            self.add(key, raw, "a mapping of keys to values")
            return ()
        if not raw and "need" in m:
            self.add(key, raw, m["need"])
        records = (self.record(tp, item, f"{key}.{name}", m, {"id": name})
                   for name, item in raw.items())
        return tuple(r for r in records if r is not None)

    def ident(self, name: Any, key: str) -> bool:
        if not isinstance(name, str) or not ID_PATTERN.match(name):
            self.add(key, name, "a lower-case snake_case id (a-z, 0-9 and _, starting with a "
                                "letter)")
            return False
        if name in RESERVED_IDS:
            self.add(key, name, f"an id other than the reserved words {', '.join(RESERVED_IDS)}")
            return False
        return True


# ---------------------------------------------------------------- rules


def _platform(r: Reader, plat: Platform, key: str, data: Mapping) -> Platform:
    """A ladder holds none and member, and is kept in the order of STATUSES; the states
    eligible default to the core; the members outside the world are a step function,
    kept in date order (as written in any order), one value a month."""
    if isinstance(data.get("statuses", []), list) and (
            "none" not in plat.statuses or "member" not in plat.statuses):
        r.add(f"{key}.statuses", list(plat.statuses),
              f"a list from {', '.join(STATUSES)} including none and member")
    dated = [d for d in plat.outside_members if is_month(d.start)]
    months = [d.start for d in dated]
    twice = sorted(m for m, n in Counter(months).items() if n > 1)
    if twice:
        r.add(f"{key}.outside_members", months, f"one value from each month ({', '.join(twice)} "
              "given more than once: which would hold is not said)")
    return replace(plat, statuses=tuple(s for s in STATUSES if s in plat.statuses),
                   eligible=plat.eligible or plat.core,
                   outside_members=tuple(sorted(dated, key=lambda d: month_index(d.start))))


def _event_targets(r: Reader, data: Mapping, key: str, given: dict) -> tuple | None:
    """An event's kind says which targets it names; read them before the other keys."""
    r.ident(given["id"], key)
    kind = data.get("kind")
    if not known(kind, EVENT_KINDS):
        r.add(f"{key}.kind", kind, f"one of {', '.join(EVENT_KINDS)}")
        return None
    targets: dict[str, object] = {}
    for name in EVENT_KINDS[kind]:
        ids = STATUSES[1:] if name == "status" else r.ids[
            "actors" if name == "actor" else f"{name}s"]
        if not known(data.get(name), ids):
            r.add(f"{key}.{name}", data.get(name), f"{article(name)} {name} id: {listing(ids)}")
        targets[name] = data.get(name)
    if "state" in targets and "actor" in targets and targets["actor"] == targets["state"]:
        r.add(f"{key}.actor", targets["actor"], "an actor other than the state")
    optional = ("states",) if kind in ("credibility", "pressure") else ()
    if optional:
        targets["states"] = r.value(tuple[str, ...], data.get("states") or (), f"{key}.states",
                                    {"ref": "states", "noun": "state"}, {})
    given.update(kind=kind, targets=targets)
    return ("kind", *EVENT_KINDS[kind], *optional)


def _event(r: Reader, event: Event, key: str, data: Mapping) -> Event:
    if event.mode == "set" and event.value is not None and event.value.value < 0:
        r.add(f"{key}.value.value", event.value.value, "a finite number in [0, 1]")
    return event


def _scenario(r: Reader, sc: Scenario, key: str, data: Mapping) -> Scenario:
    """Dates in order, memberships and events within the scenario."""
    t0 = month_index(sc.start) if is_month(sc.start) else None
    t1 = month_index(sc.end) if is_month(sc.end) else None
    if t0 is not None and t1 is not None and t1 < t0 + (not sc.after):
        # a continued scenario simulates its first month (world.first_month): one will do
        r.add(f"{key}.end", sc.end, f"{key}.start ({sc.start}) or a later month"
              if sc.after else f"a month after {key}.start ({sc.start})")
    _membership_rules(r, sc, t0)
    for ev in sc.events:
        if t0 is not None and t1 is not None and is_month(ev.date) and not (
                t0 <= month_index(ev.date) <= t1):
            r.add(f"{key}.events.{ev.id}.date", ev.date,
                  f"a month within the scenario's start and end ({sc.start} to {sc.end})")
    events = sorted((e for e in sc.events if is_month(e.date)),
                    key=lambda e: (month_index(e.date), e.id))
    return replace(sc, events=tuple(events))


def _membership_rules(r: Reader, sc: Scenario, t0: int | None) -> None:
    """Starting memberships obey the same platform rules the dynamics keep: a status the
    ladder has, one entry per state and platform, only core states inside a format that
    is eligible for, never inside (candidate or member) two mutually exclusive platforms,
    nothing in an unopened one."""
    platforms: dict[str, Platform] = r.ids["platform_records"]
    first: dict[tuple[str, str], int] = {}
    inside: dict[str, list[tuple[str, str, int]]] = {}
    for i, m in enumerate(sc.memberships):
        k = f"scenario.memberships[{i}]"
        plat = platforms.get(m.platform) if known(m.platform, platforms) else None
        if plat is None or m.status is None:
            continue
        if not known(m.status, plat.statuses):
            r.add(f"{k}.status", m.status,
                  f"a status that {m.platform} has: {', '.join(plat.statuses)}")
            continue
        if m.state is None or m.source is None:
            continue
        if (m.state, m.platform) in first:
            r.add(k, {"state": m.state, "platform": m.platform},
                  f"one entry per state and platform (already at "
                  f"scenario.memberships[{first[m.state, m.platform]}])")
            continue
        first[m.state, m.platform] = i
        if m.status == "none":
            continue
        if plat.eligible and m.state not in plat.eligible:
            r.add(f"{k}.state", m.state, f"a state eligible for {m.platform} ("
                                         f"{', '.join(plat.eligible)}); other states can only "
                                         "have status none")
        if plat.opens and t0 is not None and month_index(plat.opens) > t0:
            r.add(f"{k}.status", m.status,
                  f"none: {m.platform} opens only in {plat.opens}, after scenario.start")
        since = getattr(r.ids.get("state_records", {}).get(m.state), "independent", None)
        if since is not None and t0 is not None and is_month(since.start) and (
                month_index(since.start) > t0):
            r.add(f"{k}.status", m.status,
                  f"none: {m.state} is independent only from {since.start} (world.states."
                  f"{m.state}.independent), after scenario.start")
        if STATUSES.index(m.status) >= STATUSES.index("candidate"):
            inside.setdefault(m.state, []).append((m.platform, m.status, i))
    for held in inside.values():
        for a, (kid, status, i) in enumerate(held):
            for other, _, j in held[:a]:
                if other in platforms[kid].exclusive_with or kid in platforms[other].exclusive_with:
                    r.add(f"scenario.memberships[{i}].status", status,
                          f"at most partner: {kid} excludes {other}, held as candidate "
                          f"or member at scenario.memberships[{j}]")


def _draws(r: Reader, params: Params, key: str, data: Mapping) -> Params:
    """A posterior table that exists and reads as draws (`draws.load_draws`); a drawn
    parameter set to another value than its params file gives (an override, a sweep
    point) is held at that value in every run (`hold`)."""
    for i, name in enumerate(params.hold):
        if name not in FREE:
            r.add(f"{key}.hold[{i}]", name, "the name of a free parameter")
    if params.draws is not None:
        from ..capabilities import data_file
        from ..draws import draws_path, load_draws
        from .loading import conf_dir

        found = data_file(params.draws, r.file, "params")  # as a world's capability data
        if found is not None and not found.is_relative_to(conf_dir()):  # a user's folder
            params = replace(params, draws=str(found))
        if not draws_path(params.draws).is_file():
            r.add(f"{key}.draws", params.draws, "null or an existing CSV file of draws: "
                  "absolute, or relative to the config folder holding the params file or "
                  f"to the shipped one ({conf_dir()})")
        else:
            try:
                load_draws(params.draws)
            except (ValueError, OSError) as exc:
                r.add(f"{key}.draws", params.draws, str(exc))
        option = Path(r.file)
        given = load_yaml(option) if option.suffix == ".yaml" and option.is_file() else {}
        changed = {n for n, v in (given if isinstance(given, Mapping) else {}).items()
                   if n in FREE and data.get(n) != v}
        if changed - set(params.hold):
            return replace(params, hold=tuple(sorted({*params.hold, *changed})))
    return params


def _conditions(r: Reader, c: Conditions, key: str, data: Mapping) -> Conditions:
    """A tie given more than once, or an alliance between two states given both ways (it
    binds both), gives one value: two would leave which one holds unsaid."""
    for f in fields(Conditions):
        ties = getattr(c, f.name)
        if not (isinstance(ties, tuple) and ties and isinstance(ties[0], Link)):
            continue
        values: dict[tuple, set] = {}
        for t in ties:  # (a tie naming no id, or no number, is told already)
            if isinstance(t.state, str) and isinstance(t.other, str) and t.value is not None:
                pair = (t.state, t.other)
                values.setdefault(tuple(sorted(pair)) if f.name == "alliances" else pair,
                                  set()).add(t.value.value)
        twice = sorted("-".join(p) for p, v in values.items() if len(v) > 1)
        if twice:
            r.add(f"{key}.{f.metadata.get('key', f.name)}", twice,
                  "one value for each pair (given more than once with different values: "
                  "which holds is not said"
                  + (", and an alliance between two states binds both)"
                     if f.name == "alliances" else ")"))
    return c


def _cow_span(r: Reader, span: CowSpan, key: str, data: Mapping) -> CowSpan:
    if span.first is not None and span.last is not None and span.last < span.first:
        r.add(f"{key}.to", span.last, f"a year not before {key}.from ({span.first})")
    return span


def _world_rules(r: Reader, world: World, key: str, data: Mapping) -> World:
    _identity_groups(r, world, key)
    _cow_once(r, world, key)
    return _capability_data(r, world, key, data)


def _statehood_within(errors: Collector, file: str, world: World | None,
                      scenario: Scenario | None) -> None:
    """Every state of the world is independent by the scenario's last month: a state
    independent only after it would be simulated as a state it never is."""
    if world is None or scenario is None or not is_month(scenario.end):
        return
    for state in world.states:
        since = state.independent
        if since is not None and is_month(since.start) and (
                month_index(since.start) > month_index(scenario.end)):
            errors.add(file, f"world.states.{state.id}.independent.from", since.start,
                       f"a month not after scenario.end ({scenario.end}): the state must "
                       "be independent within the scenario its world is run in")


def _cow_once(r: Reader, world: World, key: str) -> None:
    """An actor counts each COW code at most once a year: two spans of one code that
    share a year would add its CINC twice (`capabilities.capability_by_year` sums)."""
    for section in ("poles", "states", "external"):
        for actor in getattr(world, section):
            for j, span in enumerate(actor.cow):
                earlier = next((i for i, other in enumerate(actor.cow[:j])
                                if other.code == span.code and _years_meet(other, span)), None)
                if earlier is not None:
                    r.add(f"{key}.{section}.{actor.id}.cow[{j}]",
                          {"code": span.code, "from": span.first, "to": span.last},
                          f"years cow[{earlier}] does not count already (code {span.code} "
                          "in the same year twice would add its CINC twice)")


def _years_meet(a: CowSpan, b: CowSpan) -> bool:
    """Whether two spans share a year (an open end reaches every year that way)."""
    low = max((s.first for s in (a, b) if s.first is not None), default=-math.inf)
    high = min((s.last for s in (a, b) if s.last is not None), default=math.inf)
    return low <= high


def _identity_groups(r: Reader, world: World, key: str) -> None:
    """A platform's `embodies` and `members_if` name a facet and a group some actor
    reports shares of (a misspelt group would be nobody's, silently)."""
    known: dict[str, set[str]] = {}
    for actor in (*world.poles, *world.states, *world.external):
        for facet, groups in (getattr(actor, "shares", None) or {}).items():
            known.setdefault(facet, set()).update(groups)
    for plat in world.platforms:
        for name in ("embodies", "members_if"):
            group = getattr(plat, name)
            where = f"{key}.platforms.{plat.id}.{name}"
            if group is None:
                continue
            if group.facet not in known:
                r.add(f"{where}.facet", group.facet, "a facet of the actors' shares: "
                      f"{', '.join(sorted(known)) or '(no actor reports shares)'}")
            elif group.group not in known[group.facet]:
                r.add(f"{where}.group", group.group, f"a group of the facet {group.facet} in "
                      f"the actors' shares: {', '.join(sorted(known[group.facet]))}")


def _capability_data(r: Reader, world: World, key: str, data: Mapping) -> World:
    """The capability data a world names: a COW NMC table in the config folder holding
    the world's file or in the shipped conf/ (kept as the file found), with rows for
    every COW code an actor sums (an absent code would count as no capability)."""
    name = world.capability_data
    if name is None:  # codes nothing reads: the actor would keep its constant, silently
        for section in ("poles", "states", "external"):
            for actor in getattr(world, section):
                if actor.cow:
                    r.add(f"{key}.{section}.{actor.id}.cow", [c.code for c in actor.cow],
                          "COW codes read from the world's capability_data, which this "
                          "world does not name (name a COW NMC table, or drop cow: the "
                          "actor keeps its constant capability)")
        return world
    rule = next(f.metadata["pattern"] for f in fields(World) if f.name == "capability_data")
    if not isinstance(name, str) or not re.fullmatch(rule, name):
        return world  # a value the field's own rule refused
    from ..capabilities import cinc_table, data_file, data_folders

    path = data_file(name, r.file)
    if path is None:
        where = " or ".join(str(d) for d in data_folders(r.file))
        r.add(f"{key}.capability_data", name, "null or a .csv file of COW NMC rows under the "
              f"config folder ({where})")
        return world
    try:
        table = cinc_table(str(path))
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        r.add(f"{key}.capability_data", name, f"{exc} ({path})")
        return world
    for section in ("poles", "states", "external"):
        for actor in getattr(world, section):
            for i, span in enumerate(actor.cow):
                if span.code not in table:
                    r.add(f"{key}.{section}.{actor.id}.cow[{i}].code", span.code,
                          f"a COW code with CINC rows in {path}")
    return replace(world, capability_data=str(path))


PREPARE: dict[type, Callable] = {Event: _event_targets}
RULES: dict[type, Callable] = {Platform: _platform, Event: _event, Scenario: _scenario,
                               Conditions: _conditions, Params: _draws, CowSpan: _cow_span,
                               World: _world_rules}


# ---------------------------------------------------------------- entry points


def _world(data: Any, errors: Collector, file: str) -> tuple[World | None, dict]:
    """The world and the namespaces of its ids (every id unique across its sections)."""
    r = Reader(errors, file)
    raw = data if isinstance(data, Mapping) else {}
    sections = {s: raw.get(s) if isinstance(raw.get(s), Mapping) else {} for s in SECTIONS}
    seen: dict[str, str] = {}
    for section, items in sections.items():
        for name in items:
            if r.ident(name, f"world.{section}.{name}") and name in seen:
                r.add(f"world.{section}.{name}", name,
                      f"a unique id (already used in world.{seen[name]})")
            seen.setdefault(name, section)
    r.ids = {**{s: dict.fromkeys(items) for s, items in sections.items()},
             "actors": dict.fromkeys([*sections["poles"], *sections["states"],
                                      *sections["external"]])}
    world = r.record(World, data, "world")
    ids = {**r.ids, "platform_records": {p.id: p for p in world.platforms} if world else {},
           "state_records": {s.id: s for s in world.states} if world else {}}
    return world, ids


def build_config(data: Mapping, files: Mapping[str, str] | None = None,
                 cpu_count: int = 1) -> Config:
    """Validate a composed config; `files` maps a section to the file it came from."""
    files = dict(files or {})
    errors = Collector()
    main = files.get("main", "config.yaml")
    if not isinstance(data, Mapping):
        errors.add(main, "config", data, "a mapping with world, scenario, params and run keys")
        errors.raise_if_any()
    Reader(errors, main).unknown(data, "config", ROOT_KEYS)
    world, ids = _world(data.get("world"), errors, files.get("world", main))
    scenario = Reader(errors, files.get("scenario", main), ids).record(
        Scenario, data.get("scenario"), "scenario")
    params = Reader(errors, files.get("params", main)).record(Params, data.get("params"),
                                                              "params")
    run = Reader(errors, main, cpu_count=cpu_count).record(RunSettings, data, "", closed=False)
    prefix = _prefix(data, scenario, ids, errors, files.get("scenario", main))
    _statehood_within(errors, files.get("world", main), world, scenario)
    _written_for_another_world(errors, files.get("scenario", main), world, ids)
    errors.raise_if_any()
    return Config(world=world, scenario=scenario, params=params, run=run, files=files,
                  prefix=prefix)


FOREIGN_IDS = 5
"""Distinct ids a situation or scenario names that its world lacks, from which the
message first says it was written for another world."""


def _written_for_another_world(errors: Collector, file: str, world: World | None,
                               ids: Mapping[str, Collection]) -> None:
    """Put first the likely cause of many unknown ids: a situation and scenario written
    for another world (a user's own world run with the shipped situation gave 672
    problems, each one id)."""
    ours = {i for section in SECTIONS for i in ids.get(section, ())}
    foreign = dict.fromkeys(p.value for p in errors.problems if p.file == file
                            and " id" in p.allowed  # a reference to an unknown id
                            and isinstance(p.value, str) and ID_PATTERN.match(p.value)
                            and p.value not in ours)
    if world is None or len(foreign) < FOREIGN_IDS:
        return
    errors.problems.insert(0, Problem(file, "scenario", f"{len(foreign)} unknown ids", (
        f"ids of world '{world.name}': the situation and scenario name {len(foreign)} ids "
        f"it lacks ({listing(list(foreign))}), so they were written for another world; "
        f"choose this world's own (situation=..., scenario=...); the problems this causes "
        f"follow")))


def _prefix(data: Mapping, scenario: Scenario | None, ids: Any, errors: Collector,
            file: str) -> Scenario | None:
    """The continued scenario (`prefix`): read as a scenario; it ends the month before
    the scenario starts."""
    raw = data.get("prefix")
    if not raw or scenario is None or not scenario.after:
        if raw and scenario is not None:
            errors.add(file, "prefix", "(a scenario)", "no prefix unless scenario.after names one")
        return None
    prefix = Reader(errors, file, ids).record(Scenario, raw, "prefix")
    dated = prefix is not None and isinstance(prefix.end, str) and isinstance(scenario.start,
                                                                               str)
    if dated and month_index(prefix.end) + 1 != month_index(scenario.start):
        errors.add(file, "scenario.start", scenario.start,
                   f"the month after the end of scenario.after={scenario.after} "
                   f"({prefix.end}): a run continues where that run ends")
    return prefix


def build_world(data: Any, file: str = "world.yaml") -> World:
    """Validate a world on its own (no scenario): structure, ids, numbers and references."""
    errors = Collector()
    world, _ = _world(data, errors, file)
    errors.raise_if_any()
    return world


def build_size(data: Any, file: str) -> WorldSize:
    """The `size` of a generated world, checked before anything is built."""
    errors = Collector()
    size = Reader(errors, file).record(WorldSize, data, "world.size")
    errors.raise_if_any()
    return size
