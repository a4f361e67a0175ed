"""The documented record of a world, and the record as checks on recorded runs.

A record (conf/record/<world>.yaml; its header documents the layout) lists every status
spell of every deciding state in every platform, the alignment postures the literature
agrees on, facts about poles and platforms that the world fixes, and the world's gaps.
Each spell or posture is a check on model output: it holds in a run when the model
agrees with it in most of its months. `record_score` is the share of facts held in most
runs; `brier` scores yearly forecasts against the record, so that the model and naive
forecasts (`persistence_forecasts`, `base_rate_forecasts`) are measured with one rule.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .config.arguments import document
from .config.errors import Collector, ConfigError, Problem
from .config.schema import NONALIGNED, STATUSES, World
from .config.validate import build_world, month_index, month_text
from .config.yamlfile import load_yaml
from .validation import Panel
from .world import first_month

KINDS = ("membership", "posture")
STRUCTURE_STATUSES = ("member", "none", "exists")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
BEGIN, END = "<!-- record:begin -->", "<!-- record:end -->"
"""Markers around the generated part of a document (see `replace_generated`)."""

_SECTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # section -> (allowed keys, required keys)
    "memberships": (("id", "actor", "platform", "from", "to", "status", "accept", "source",
                     "note"), ("id", "actor", "platform", "from", "to", "status", "accept",
                               "source")),
    "postures": (("id", "actor", "from", "to", "status", "accept", "source", "note"),
                 ("id", "actor", "from", "to", "accept", "source")),
    "structure": (("id", "actor", "platform", "from", "to", "status", "source", "note"),
                  ("id", "platform", "from", "to", "status", "source")),
    "gaps": (("id", "what", "source", "platform", "actor"), ("id", "what", "source")),
}
_TOP = ("world", "window", "scoring", "sources", *_SECTIONS)
_TOP_REQUIRED = ("world", "window", "scoring", "sources", "memberships")


@dataclass(frozen=True)
class Window:
    """Inclusive range of months."""

    start: int
    end: int

    @staticmethod
    def of(low: str, high: str) -> Window:
        return Window(month_index(low), month_index(high))

    def clip(self, low: int, high: int) -> tuple[int, int]:
        return max(low, self.start), min(high, self.end)


@dataclass(frozen=True)
class Scoring:
    hold_share: float      # share of a fact's scored months the model must agree in
    required_share: float  # share of runs a fact must hold in to count as reproduced
    grace_months: int      # first months of a spell not scored (at most half the spell)


@dataclass(frozen=True)
class Fact:
    """A status spell (kind membership) or an alignment posture, checked on runs."""

    id: str
    kind: str
    actor: str
    platform: str | None
    start: int
    end: int
    status: str
    accept: tuple[str, ...]
    source: tuple[str, ...]
    note: str

    @property
    def subject(self) -> str:
        return self.platform or "posture"


@dataclass(frozen=True)
class StructureFact:
    """A pole sits in a platform (member/none) or a platform exists from a month."""

    id: str
    actor: str | None
    platform: str
    start: int
    end: int
    status: str
    source: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Gap:
    id: str
    what: str
    source: tuple[str, ...]
    platform: str | None
    actor: str | None


@dataclass(frozen=True)
class Record:
    world: str
    window: Window
    scoring: Scoring
    sources: Mapping[str, str]
    facts: tuple[Fact, ...]              # memberships, then postures
    structure: tuple[StructureFact, ...]
    gaps: tuple[Gap, ...]
    ladders: Mapping[str, tuple[str, ...]]  # the world's ladders, for naive forecasts
    postures: tuple[str, ...]               # the world's poles and the non-aligned stance


@dataclass(frozen=True)
class WorldIds:
    """What a record is checked against: a world's ids, status ladders, opening months
    and the poles sitting in each platform (its leader included)."""

    name: str
    states: tuple[str, ...]
    poles: tuple[str, ...]
    ladders: Mapping[str, tuple[str, ...]]
    opens: Mapping[str, int | None]
    pole_members: Mapping[str, frozenset[str]]

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self.ladders)

    @property
    def postures(self) -> tuple[str, ...]:
        return (*self.poles, NONALIGNED)

    def first_month(self, platform: str, window_start: int) -> int:
        opens = self.opens[platform]
        return window_start if opens is None else max(window_start, opens)

    @staticmethod
    def of(world: World) -> WorldIds:
        """From a checked world (`config.validate.build_world`, or a composed config's)."""
        poles = tuple(p.id for p in world.poles)
        return WorldIds(
            name=world.name, states=tuple(s.id for s in world.states), poles=poles,
            ladders={p.id: tuple(s for s in STATUSES if s in p.statuses)
                     for p in world.platforms},
            opens={p.id: month_index(p.opens) if p.opens else None for p in world.platforms},
            pole_members={p.id: frozenset(p.pole_members)
                          | ({p.leader} if p.leader in poles else set())
                          for p in world.platforms})


def load_world_ids(path: str | Path) -> WorldIds:
    """The ids of the world file at `path`, checked as any world is."""
    return WorldIds.of(build_world(load_yaml(path), str(path)))


def load_record(path: str | Path, world: WorldIds) -> Record:
    """Read and check a record; every malformed fact is reported in one ConfigError."""
    return parse_record(load_yaml(path), world, file=str(path))


def record_for_run(path: str | Path, config, hint: str = "") -> tuple[Record, WorldIds]:
    """A record to score a run of `config` on, checked against that run's world (its ids
    and ladders) and months (facts outside them would be dropped, silently); `hint`
    follows the run's name in the message."""
    world = WorldIds.of(config.world)
    record = load_record(path, world)
    # a continued run records the month before its start too (where it continues)
    start, end = first_month(config), month_index(config.scenario.end)
    if not start <= record.window.start <= record.window.end <= end:
        window = f"{month_text(record.window.start)} to {month_text(record.window.end)}"
        raise ConfigError([Problem(str(path), "window", window, (
            f"months the run records: {month_text(start)} to {month_text(end)} (scenario "
            f"{config.scenario.name}{hint})"))])
    return record, world


def parse_record(data: object, world: WorldIds, file: str = "<record>") -> Record:
    checker = _Checker(file, world)
    record = checker.record(data)
    checker.problems.raise_if_any()
    assert record is not None
    return record


class _Checker:
    """Reads a record's plain data, collecting every problem with its key path."""

    def __init__(self, file: str, world: WorldIds):
        self.file, self.world = file, world
        self.problems = Collector()
        self.window: Window | None = None
        self.sources: Mapping[str, str] = {}
        self.broken: set[tuple[object, object]] = set()  # pairs with a malformed spell

    def add(self, key: str, value: object, allowed: str) -> None:
        self.problems.add(self.file, key, value, allowed)

    def record(self, data: object) -> Record | None:
        if not isinstance(data, Mapping):
            self.add("(file)", data, f"a mapping with keys {', '.join(_TOP)}")
            return None
        self.keys("", data, _TOP, _TOP_REQUIRED)
        if "world" in data and data["world"] != self.world.name:  # the likely cause, first
            self.add("world", data["world"], (
                f"{self.world.name!r}, the world it is checked against: this record was "
                f"written for world {data['world']!r}, whose ids the problems that follow "
                f"name; score a world on a record written for it"))
        self.window = self.window_of(data.get("window"))
        scoring = self.scoring_of(data.get("scoring"))
        self.sources = self.sources_of(data.get("sources"))
        items = {name: self.section(name, data.get(name)) for name in _SECTIONS}
        facts = [f for f in items["memberships"] + items["postures"] if f is not None]
        self.unique_ids(data)
        if self.window is not None:
            self.coverage([f for f in facts if f.kind == "membership"], self.window)
        self.no_overlap([f for f in facts if f.kind == "posture"])
        if self.window is None or scoring is None:
            return None
        return Record(str(data.get("world")), self.window, scoring, dict(self.sources),
                      tuple(facts), tuple(f for f in items["structure"] if f is not None),
                      tuple(g for g in items["gaps"] if g is not None),
                      dict(self.world.ladders), self.world.postures)

    def keys(self, where: str, data: Mapping, allowed: Sequence[str],
             required: Sequence[str]) -> None:
        prefix = f"{where}." if where else ""
        for key in data:
            if key not in allowed:
                self.add(f"{prefix}{key}", data[key], f"a known key: {', '.join(allowed)}")
        for key in required:
            if key not in data:
                self.add(f"{prefix}{key}", None, "required")

    def month_of(self, key: str, value: object) -> int | None:
        try:
            return month_index(value)  # type: ignore[arg-type]
        except ValueError:
            self.add(key, value, "a month as a quoted string 'YYYY-MM'")
            return None

    def window_of(self, raw: object) -> Window | None:
        if not isinstance(raw, Mapping):
            self.add("window", raw, "a mapping {from: 'YYYY-MM', to: 'YYYY-MM'}")
            return None
        self.keys("window", raw, ("from", "to"), ("from", "to"))
        low, high = (self.month_of(f"window.{k}", raw.get(k)) for k in ("from", "to"))
        if low is None or high is None:
            return None
        if low > high:
            self.add("window.to", raw["to"], f"not before window.from ({raw['from']})")
            return None
        return Window(low, high)

    def scoring_of(self, raw: object) -> Scoring | None:
        names = ("hold_share", "required_share", "grace_months")
        if not isinstance(raw, Mapping):
            self.add("scoring", raw, f"a mapping with {', '.join(names)}")
            return None
        self.keys("scoring", raw, names, names)
        ok = True
        for name in names[:2]:
            value = raw.get(name)
            if name in raw and not (_is_number(value) and 0 < value <= 1):
                self.add(f"scoring.{name}", value, "a share in (0, 1]")
                ok = False
        grace = raw.get("grace_months")
        if "grace_months" in raw and not (isinstance(grace, int) and not isinstance(grace, bool)
                                          and grace >= 0):
            self.add("scoring.grace_months", grace, "a whole number of months >= 0")
            ok = False
        if not ok or any(name not in raw for name in names):
            return None
        return Scoring(float(raw["hold_share"]), float(raw["required_share"]), grace)

    def sources_of(self, raw: object) -> Mapping[str, str]:
        if not isinstance(raw, Mapping):
            self.add("sources", raw, "a mapping of short keys to full citations")
            return {}
        good = {}
        for key, text in raw.items():
            if isinstance(key, str) and isinstance(text, str) and text.strip():
                good[key] = text
            else:
                self.add(f"sources.{key}", text, "a non-empty citation string")
        return good

    def section(self, name: str, raw: object) -> list:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(name, raw, "a list of facts")
            return []
        return [self.item(name, i, entry) for i, entry in enumerate(raw)]

    def item(self, section: str, index: int, raw: object):
        if not isinstance(raw, Mapping):
            self.add(f"{section}[{index}]", raw, "a mapping")
            return None
        ident = raw.get("id")
        where = (f"{section}[{ident}]" if isinstance(ident, str) and ID_PATTERN.match(ident)
                 else f"{section}[{index}]")
        allowed, required = _SECTIONS[section]
        self.keys(where, raw, allowed, required)
        if "id" in raw and not (isinstance(ident, str) and ID_PATTERN.match(ident)):
            self.add(f"{where}.id", ident, "an id: lower case letters, digits, underscores")
        source = self.source_of(where, raw.get("source"))
        if section == "gaps":
            return self.gap(where, raw, source)
        span = self.span(where, raw)
        if section == "structure":
            return self.structure(where, raw, span, source)
        fact = self.fact(section, where, raw, span, source)
        if fact is None and section == "memberships":
            self.broken.add((raw.get("actor"), raw.get("platform")))
        return fact

    def source_of(self, where: str, raw: object) -> tuple[str, ...]:
        keys = (raw,) if isinstance(raw, str) else raw
        if not isinstance(keys, list | tuple) or not keys:
            self.add(f"{where}.source", raw, "a source key or a list of source keys")
            return ()
        for key in keys:
            if key not in self.sources:
                self.add(f"{where}.source", key,
                         f"a key of `sources` ({len(self.sources)} defined)")
        return tuple(str(k) for k in keys)

    def span(self, where: str, raw: Mapping) -> tuple[int, int] | None:
        low = self.month_of(f"{where}.from", raw.get("from")) if "from" in raw else None
        high = self.month_of(f"{where}.to", raw.get("to")) if "to" in raw else None
        if low is None or high is None:
            return None
        if low > high:
            self.add(f"{where}.to", raw["to"], f"not before {where}.from ({raw['from']})")
            return None
        window = self.window
        if window is not None and (low < window.start or high > window.end):
            self.add(f"{where}.from" if low < window.start else f"{where}.to",
                     raw["from"] if low < window.start else raw["to"],
                     f"inside the record's window {month_text(window.start)} to "
                     f"{month_text(window.end)}")
            return None
        return low, high

    def known(self, key: str, value: object, ids: Sequence[str], what: str) -> bool:
        if value in ids:
            return True
        self.add(key, value, f"{what}: {', '.join(ids)}")
        return False

    def fact(self, section: str, where: str, raw: Mapping, span: tuple[int, int] | None,
             source: tuple[str, ...]) -> Fact | None:
        kind = "membership" if section == "memberships" else "posture"
        ok = self.known(f"{where}.actor", raw.get("actor"), self.world.states, "a deciding state")
        platform = raw.get("platform") if kind == "membership" else None
        if kind == "membership" and not self.known(f"{where}.platform", platform,
                                                   self.world.platforms, "a platform"):
            return None
        choices = self.world.ladders[platform] if platform else self.world.postures
        what = f"statuses of {platform}" if platform else "postures"
        accept = self.accept_of(where, raw.get("accept"), choices, what)
        status = raw.get("status", "/".join(accept or ()))
        if "status" in raw and not (isinstance(status, str) and status.strip()):
            self.add(f"{where}.status", status, "the documented status in words")
            ok = False
        note = raw.get("note", "")
        if not isinstance(note, str):
            self.add(f"{where}.note", note, "text")
        if not (ok and span and accept and source) or "id" not in raw:
            return None
        return Fact(raw["id"], kind, raw["actor"], platform, span[0], span[1], status,
                    accept, source, note if isinstance(note, str) else "")

    def accept_of(self, where: str, raw: object, choices: Sequence[str],
                  what: str) -> tuple[str, ...] | None:
        allowed = f"a non-empty list without repeats, drawn from the {what}: {', '.join(choices)}"
        if not isinstance(raw, list) or not raw or len(set(map(str, raw))) < len(raw):
            self.add(f"{where}.accept", raw, allowed)
            return None
        wrong = [v for v in raw if v not in choices]
        if wrong:
            self.add(f"{where}.accept", wrong if len(wrong) > 1 else wrong[0], allowed)
            return None
        return tuple(raw)

    def structure(self, where: str, raw: Mapping, span: tuple[int, int] | None,
                  source: tuple[str, ...]) -> StructureFact | None:
        status, actor = raw.get("status"), raw.get("actor")
        ok = self.known(f"{where}.platform", raw.get("platform"), self.world.platforms,
                        "a platform")
        if not self.known(f"{where}.status", status, STRUCTURE_STATUSES, "one of"):
            return None
        if status == "exists" and actor is not None:
            self.add(f"{where}.actor", actor, "no actor: `exists` is a fact about the platform")
            ok = False
        if status != "exists":
            ok = self.known(f"{where}.actor", actor, self.world.poles, "a pole") and ok
        if not (ok and span and source) or "id" not in raw:
            return None
        return StructureFact(raw["id"], actor, raw["platform"], span[0], span[1], status,
                             source, str(raw.get("note", "")))

    def gap(self, where: str, raw: Mapping, source: tuple[str, ...]) -> Gap | None:
        what, platform, actor = raw.get("what"), raw.get("platform"), raw.get("actor")
        ok = isinstance(what, str) and bool(what.strip())
        if not ok:
            self.add(f"{where}.what", what, "a sentence saying what the world cannot express")
        if platform is not None:
            ok = self.known(f"{where}.platform", platform, self.world.platforms,
                            "a platform") and ok
        if actor is not None:
            ok = self.known(f"{where}.actor", actor, (*self.world.states, *self.world.poles),
                            "an actor") and ok
        if not (ok and source) or "id" not in raw:
            return None
        return Gap(raw["id"], what, source, platform, actor)

    def unique_ids(self, data: Mapping) -> None:
        seen: set[str] = set()
        for name in _SECTIONS:
            for entry in data.get(name) or []:
                ident = entry.get("id") if isinstance(entry, Mapping) else None
                if isinstance(ident, str) and ident in seen:
                    self.add(f"{name}[{ident}].id", ident, "an id not used by another fact")
                if isinstance(ident, str):
                    seen.add(ident)

    def coverage(self, spells: list[Fact], window: Window) -> None:
        """Each pair's spells must tile the platform's existence in the window."""
        by_pair: dict[tuple[str, str | None], list[Fact]] = defaultdict(list)
        for spell in spells:
            by_pair[(spell.actor, spell.platform)].append(spell)
        for actor in self.world.states:
            for platform in self.world.platforms:
                if (actor, platform) in self.broken:
                    continue  # its malformed spell is reported already
                first = self.world.first_month(platform, window.start)
                self.tiling(actor, platform, sorted(by_pair[(actor, platform)],
                                                    key=lambda f: f.start), first, window.end)

    def tiling(self, actor: str, platform: str, spells: list[Fact], first: int,
               last: int) -> None:
        span = f"{month_text(first)} to {month_text(last)}"
        if not spells:
            self.add("memberships", f"{actor} in {platform}", f"spells covering {span}")
            return
        expect = first
        for spell in spells:
            key = f"memberships[{spell.id}].from"
            if spell.start > expect:
                self.add(key, month_text(spell.start), f"{month_text(expect)}: the spells of "
                         f"{actor} in {platform} leave a gap (they must cover {span})")
            elif spell.start < expect and expect == first:
                self.add(key, month_text(spell.start), f"{month_text(first)} or later: "
                         f"{platform} exists in the world from {month_text(first)}")
            elif spell.start < expect:
                self.add(key, month_text(spell.start), f"{month_text(expect)}: it overlaps "
                         f"the previous spell of {actor} in {platform}")
            expect = max(expect, spell.end + 1)
        if expect <= last:
            self.add(f"memberships[{spells[-1].id}].to", month_text(spells[-1].end),
                     f"{month_text(last)}: the spells of {actor} in {platform} must cover {span}")

    def no_overlap(self, postures: list[Fact]) -> None:
        by_actor: dict[str, list[Fact]] = defaultdict(list)
        for fact in postures:
            by_actor[fact.actor].append(fact)
        for facts in by_actor.values():
            facts.sort(key=lambda f: f.start)
            for before, after in zip(facts, facts[1:], strict=False):
                if after.start <= before.end:
                    self.add(f"postures[{after.id}].from", month_text(after.start),
                             f"after {month_text(before.end)}: it overlaps posture {before.id}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------- scoring on runs

def _window(record: Record, window: Window | tuple[str, str] | None) -> Window:
    if window is None:
        return record.window
    return window if isinstance(window, Window) else Window.of(*window)


def windowed(record: Record, until: str | None) -> Record:
    """The record scored only up to `until` (a month, e.g. "2014-12"), or whole."""
    if not until:
        return record
    return replace(record, window=Window(record.window.start, month_index(until)))


def scored_span(fact: Fact, scoring: Scoring, window: Window) -> tuple[int, int]:
    """Months of a fact that are scored: after its grace months, inside the window
    (empty when low > high)."""
    grace = min(scoring.grace_months, (fact.end - fact.start + 1) // 2)
    return window.clip(fact.start + grace, fact.end)


def checkpoints(fact: Fact, scoring: Scoring, window: Window) -> list[int]:
    """Yearly forecast months of a fact: every June of its scored span, or the span's
    last month when no June falls in it."""
    low, high = scored_span(fact, scoring, window)
    if low > high:
        return []
    return [m for m in range(low, high + 1) if m % 12 == 5] or [high]


def _index(names: Sequence[str], name: str, what: str) -> int:
    if name not in names:
        raise ValueError(f"the panel has no {what} {name!r}; it has {', '.join(names)}")
    return names.index(name)


def agreement(panel: Panel, fact: Fact) -> np.ndarray:
    """(R, M) bool: does each run agree with the fact in each recorded month?"""
    n = _index(panel.states, fact.actor, "state")
    if fact.kind == "membership":
        k = _index(panel.platforms, fact.platform or "", "platform")
        return np.isin(panel.status[:, :, n, k], [STATUSES.index(s) for s in fact.accept])
    postures = (*panel.poles, NONALIGNED)
    chosen = panel.align[:, :, n, :].argmax(-1)
    return np.isin(chosen, [_index(postures, p, "posture") for p in fact.accept])


SHARE_COLUMNS = ("id", "kind", "actor", "subject", "from", "to", "status", "accept",
                 "months", "share", "source")


def fact_shares(panel: Panel, record: Record,
                window: Window | tuple[str, str] | None = None) -> pd.DataFrame:
    """One row per fact scored in the window: the share of runs holding it (NaN when the
    panel records none of its scored months)."""
    win, scoring = _window(record, window), record.scoring
    rows = []
    for fact in record.facts:
        low, high = scored_span(fact, scoring, win)
        if low > high:
            continue
        inside = (panel.months >= low) & (panel.months <= high)
        share = math.nan
        if inside.any():
            held = agreement(panel, fact)[:, inside].mean(axis=1) >= scoring.hold_share
            share = float(held.mean())
        rows.append((fact.id, fact.kind, fact.actor, fact.subject, month_text(fact.start),
                     month_text(fact.end), fact.status, ", ".join(fact.accept),
                     int(inside.sum()), share, ", ".join(fact.source)))
    return pd.DataFrame(rows, columns=list(SHARE_COLUMNS))


def facts_at(record: Record, month: int) -> list[Fact]:
    """The scored facts that hold in `month` (their span, less grace, reaches it)."""
    return [fact for fact in record.facts
            if fact.start <= month <= fact.end
            and (span := scored_span(fact, record.scoring, record.window))[0] <= span[1]]


def end_state(panel: Panel, record: Record) -> pd.DataFrame:
    """The facts of the record's last month, where forward scenarios start: the share of
    runs agreeing with each in that month (a fact held over its span, as `fact_shares`
    scores it, may still be wrong at its end, and every forward run starts there)."""
    last = min(record.window.end, int(panel.months[-1]))
    found = np.flatnonzero(panel.months == last)
    rows = [(fact.id, fact.kind, fact.actor, fact.subject, ", ".join(fact.accept),
             float(agreement(panel, fact)[:, found[0]].mean()))
            for fact in (facts_at(record, last) if found.size else [])]
    return pd.DataFrame(rows, columns=["id", "kind", "actor", "subject", "accept", "share"])


def record_score(panel: Panel, record: Record,
                 window: Window | tuple[str, str] | None = None) -> float:
    """Share of the scored facts held in at least `required_share` of runs."""
    shares = fact_shares(panel, record, window)["share"].dropna()
    return float((shares >= record.scoring.required_share).mean()) if len(shares) else math.nan


FORECAST_COLUMNS = ("id", "kind", "month", "p")


def model_forecasts(panel: Panel, record: Record,
                    window: Window | tuple[str, str] | None = None) -> pd.DataFrame:
    """At each checkpoint, p = share of runs agreeing with the fact (the latest recorded
    month at or before the checkpoint within the scored span; none recorded: no row)."""
    win, rows = _window(record, window), []
    for fact in record.facts:
        low, _ = scored_span(fact, record.scoring, win)
        points = checkpoints(fact, record.scoring, win)
        if not points:
            continue
        agree = agreement(panel, fact)
        for point in points:
            recorded = np.flatnonzero((panel.months >= low) & (panel.months <= point))
            if len(recorded):
                rows.append((fact.id, fact.kind, month_text(point),
                             float(agree[:, recorded[-1]].mean())))
    return pd.DataFrame(rows, columns=list(FORECAST_COLUMNS))


def brier(forecasts: pd.DataFrame) -> dict[str, float]:
    """Mean (1 - p)^2 over checkpoints (every fact happened: outcome 1), overall and by
    kind; 0 is a perfect forecast, 1 the worst."""
    loss = (1.0 - forecasts["p"].astype(float)) ** 2
    scores = {"all": float(loss.mean()) if len(loss) else math.nan}
    for kind in KINDS:
        mine = loss[forecasts["kind"] == kind]
        scores[kind] = float(mine.mean()) if len(mine) else math.nan
    scores["checkpoints"] = float(len(loss))
    return scores


def brier_difference(first: pd.DataFrame, second: pd.DataFrame, level: float = 0.9,
                     resamples: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    """Brier score of `first` less that of `second` on their shared checkpoints, with a
    `level` interval from a bootstrap over facts: a fact's checkpoints rise and fall
    together, so resampling checkpoints alone would overstate how sure the difference
    is. Negative: `first` forecasts better. Deterministic (fixed `seed`)."""
    both = first.merge(second, on=["id", "month"], suffixes=("_a", "_b"))
    loss = (1.0 - both["p_a"]) ** 2 - (1.0 - both["p_b"]) ** 2
    by_fact = loss.groupby(both["id"]).agg(["sum", "count"])
    total, count = by_fact["sum"].to_numpy(), by_fact["count"].to_numpy()
    picks = np.random.default_rng(seed).integers(0, len(total), (resamples, len(total)))
    spread = total[picks].sum(axis=1) / count[picks].sum(axis=1)
    tail = (1.0 - level) / 2
    low, high = np.quantile(spread, [tail, 1.0 - tail])
    return float(total.sum() / count.sum()), float(low), float(high)


# ---------------------------------------------------------------- naive forecasts

def _overlap(held: Iterable[str], accept: Iterable[str]) -> float:
    """Share of a set of acceptable statuses that also lies in another (uniform weight)."""
    held = tuple(held)
    return len(set(held) & set(accept)) / len(held)


def _same_pair(fact: Fact, other: Fact) -> bool:
    return (other.kind, other.actor, other.platform) == (fact.kind, fact.actor, fact.platform)


def _at_cutoff(record: Record, fact: Fact, cutoff: int) -> tuple[str, ...] | None:
    """The accept set of the pair in force at the cutoff; a platform not yet open has
    nobody in it; a posture without a fact at the cutoff carries its latest one."""
    earlier = [f for f in record.facts if _same_pair(fact, f) and f.start <= cutoff]
    current = [f for f in earlier if f.end >= cutoff]
    if current:
        return current[0].accept
    if fact.kind == "membership":
        return ("none",)
    return max(earlier, key=lambda f: f.end).accept if earlier else None


def _targets(record: Record, cutoff: int, window: Window | tuple[str, str] | None):
    win = _window(record, window) if window is not None else Window(cutoff + 1,
                                                                     record.window.end)
    for fact in record.facts:
        for point in checkpoints(fact, record.scoring, win):
            yield fact, point


def persistence_forecasts(record: Record, cutoff: str,
                          window: Window | tuple[str, str] | None = None) -> pd.DataFrame:
    """Every status and posture of the cutoff month carried forward: p = 1 when the
    cutoff status is in the later fact's accept set (a share when either is a set).
    Scored at the checkpoints after the cutoff unless a window is given."""
    at = month_index(cutoff)
    rows = []
    for fact, point in _targets(record, at, window):
        held = _at_cutoff(record, fact, at)
        p = _overlap(held, fact.accept) if held else len(fact.accept) / len(record.postures)
        rows.append((fact.id, fact.kind, month_text(point), p))
    return pd.DataFrame(rows, columns=list(FORECAST_COLUMNS))


def _rate(facts: Iterable[Fact], accept: tuple[str, ...], train: Window) -> float | None:
    """Month-weighted frequency with which `accept` held in the facts over `train`."""
    months = weight = 0.0
    for fact in facts:
        low, high = train.clip(fact.start, fact.end)
        if low <= high:
            months += high - low + 1
            weight += (high - low + 1) * _overlap(fact.accept, accept)
    return weight / months if months else None


def base_rate_forecasts(record: Record, cutoff: str,
                        window: Window | tuple[str, str] | None = None) -> pd.DataFrame:
    """p = how often the fact's accept set held over the training months (record start
    to cutoff): per platform for statuses (all platforms pooled for a platform that did
    not exist yet), over all states for postures (uniform when no posture is known)."""
    at = month_index(cutoff)
    train = Window(record.window.start, at)
    memberships = [f for f in record.facts if f.kind == "membership"]
    postures = [f for f in record.facts if f.kind == "posture"]
    rows = []
    for fact, point in _targets(record, at, window):
        if fact.kind == "membership":
            p = _rate([f for f in memberships if f.platform == fact.platform], fact.accept,
                      train)
            p = _rate(memberships, fact.accept, train) if p is None else p
        else:
            p = _rate(postures, fact.accept, train)
        p = len(fact.accept) / len(record.postures) if p is None else p
        rows.append((fact.id, fact.kind, month_text(point), p))
    return pd.DataFrame(rows, columns=list(FORECAST_COLUMNS))


# ---------------------------------------------------------------- structure facts

def check_structure(record: Record, world: WorldIds) -> pd.DataFrame:
    """Structure facts against the world: does the pole sit in the platform from the
    platform's first month (member), not at all (none); does the platform exist from
    the fact's month (exists)?"""
    rows = []
    for fact in record.structure:
        first = world.first_month(fact.platform, record.window.start)
        if fact.status == "exists":
            holds, found = first == fact.start, f"exists from {month_text(first)}"
        else:
            inside = fact.actor in world.pole_members[fact.platform]
            found = f"sits in it from {month_text(first)}" if inside else "does not sit in it"
            holds = (inside and first == fact.start) if fact.status == "member" else not inside
        rows.append((fact.id, fact.actor or "", fact.platform, month_text(fact.start),
                     month_text(fact.end), fact.status, holds, found))
    return pd.DataFrame(rows, columns=["id", "actor", "platform", "from", "to", "status",
                                       "holds", "world"])


# ---------------------------------------------------------------- documentation

def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _share_text(shares: Mapping[str, float] | None, ident: str) -> str:
    value = (shares or {}).get(ident)
    return "" if value is None or value != value else f"{value:.2f}"


def facts_markdown(record: Record, shares: Mapping[str, float] | None = None) -> str:
    """The table of memberships and postures; `share` is filled from `shares` (fact id
    -> share of runs holding it) and left blank otherwise."""
    return _table(
        ("id", "actor", "platform / posture", "from - to", "status", "accept", "source",
         "share"),
        ((f.id, f.actor, f.subject, f"{month_text(f.start)} - {month_text(f.end)}", f.status,
          ", ".join(f.accept), ", ".join(f.source), _share_text(shares, f.id))
         for f in record.facts))


def structure_markdown(record: Record, world: WorldIds | None = None) -> str:
    checked = ({r.id: ("yes" if r.holds else "NO") for r in check_structure(record, world)
                .itertuples()} if world else {})
    return _table(
        ("id", "pole", "platform", "from - to", "status", "source", "world agrees"),
        ((f.id, f.actor or "", f.platform, f"{month_text(f.start)} - {month_text(f.end)}",
          f.status, ", ".join(f.source), checked.get(f.id, "")) for f in record.structure))


def gaps_markdown(record: Record) -> str:
    return "\n".join(f"- **{g.id}** ({g.platform or g.actor or 'world'}): {g.what} "
                     f"[{', '.join(g.source)}]" for g in record.gaps)


def sources_markdown(record: Record) -> str:
    return "\n".join(f"- `{key}`: {text}" for key, text in record.sources.items())


def record_markdown(record: Record, world: WorldIds | None = None,
                    shares: Mapping[str, float] | None = None) -> str:
    """Every generated part of docs/VALIDATION.md, from the record itself."""
    count = {kind: sum(f.kind == kind for f in record.facts) for kind in KINDS}
    return "\n\n".join((
        f"_Generated from the record of `{record.world}`: {count['membership']} membership "
        f"spells, {count['posture']} postures, {len(record.structure)} structure facts, "
        f"{len(record.gaps)} gaps._",
        "### Facts checked on runs", facts_markdown(record, shares),
        "### Structure facts (checked against the world)", structure_markdown(record, world),
        "### Gaps", gaps_markdown(record), "### Sources", sources_markdown(record)))


def replace_generated(text: str, generated: str,
                      markers: tuple[str, str] = (BEGIN, END)) -> str:
    """Put `generated` between a document's begin and end markers (default: the record's)."""
    begin, end = markers
    head, sep, rest = text.partition(begin)
    _, sep_end, tail = rest.partition(end)
    if not (sep and sep_end):
        raise ValueError(f"the document has no {begin} ... {end} section")
    return f"{head}{begin}\n{generated}\n{end}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the record section of a document: python -m balancing_sim.record
    RECORD WORLD DOC (exit 2 with one message on a malformed record)."""
    parser = argparse.ArgumentParser(prog="python -m balancing_sim.record",
                                     description=main.__doc__)
    parser.add_argument("record", type=Path)
    parser.add_argument("world", type=Path)
    parser.add_argument("doc", type=document(BEGIN, END))
    args = parser.parse_args(argv)
    try:
        world = load_world_ids(args.world)
        record = load_record(args.record, world)
    except ConfigError as exc:
        print(exc)
        return 2
    args.doc.write_text(replace_generated(args.doc.read_text(encoding="utf-8"),
                                          record_markdown(record, world)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
