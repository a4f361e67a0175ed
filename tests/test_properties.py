"""Property-based tests: random valid worlds run to the end with every invariant holding;
random broken ones fail with ConfigError and nothing else; extreme but valid parameters
produce no NaN. Worlds are generated as plain dicts, as a user's YAML would give them."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import conf_dir
from balancing_sim.config.schema import EVENT_KINDS, FREE_PARAMETERS, STATUSES
from balancing_sim.config.schema import FREE as PARAM_RANGES
from balancing_sim.config.validate import build_config
from balancing_sim.ensemble import simulate_block
from balancing_sim.world import EVENT_CODES, compile_config

PARAMS = yaml.safe_load((conf_dir() / "params" / "calibrated.yaml").read_text())
CANDIDATE = STATUSES.index("candidate")
START = 2000 * 12  # January 2000, in months since year 0
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

unit = st.floats(0.0, 1.0, allow_nan=False)
signed = st.floats(-1.0, 1.0, allow_nan=False)
IDENTITIES = ("a", "b", "c")


def month(index: int) -> str:
    year, m = divmod(index, 12)
    return f"{year:04d}-{m + 1:02d}"


def sourced(value: float) -> dict:
    return {"value": value, "source": "test"}


@st.composite
def worlds(draw) -> dict:
    """A random valid config: 1-6 states, 1-4 poles, 0-5 platforms, ties and events."""
    n_poles, n_states = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    n_ext, n_plat = draw(st.integers(0, 2)), draw(st.integers(0, 5))
    poles = [f"p{i}" for i in range(n_poles)]
    states = [f"s{i}" for i in range(n_states)]
    external = [f"x{i}" for i in range(n_ext)]
    platforms = [f"k{i}" for i in range(n_plat)]
    actors = poles + states + external
    T = draw(st.integers(1, 30))
    start, end = START, START + T

    def subset(items):
        return draw(st.lists(st.sampled_from(items), unique=True)) if items else []

    def identity():
        return draw(st.lists(st.sampled_from(IDENTITIES), unique=True, max_size=2))

    world = {"name": "random", "poles": {}, "states": {}, "external": {}, "platforms": {}}
    for p in poles:
        world["poles"][p] = {
            "capability": sourced(draw(unit)), "coercion": sourced(draw(unit)),
            "identity": identity(),
            "rivals": {q: sourced(draw(unit)) for q in subset([q for q in poles if q != p])}}
    for s in states:
        world["states"][s] = {
            "capability": sourced(draw(unit)), "autonomy": sourced(draw(unit)),
            "identity": identity(),
            "proximity": {a: sourced(draw(unit)) for a in subset([a for a in actors if a != s])}}
    for x in external:
        world["external"][x] = {"capability": sourced(draw(unit))}
    for k in platforms:
        opens = draw(st.one_of(st.none(), st.integers(start - 12, end + 12)))
        world["platforms"][k] = {
            "leader": draw(st.sampled_from([None, "nonaligned", *poles])),
            "kind": draw(st.sampled_from(["military", "economic", "political", "regional",
                                          "signal"])),
            "bloc": draw(st.booleans()), "binding": sourced(draw(unit)),
            "protection": sourced(draw(unit)), "economic": sourced(draw(unit)),
            "identity": draw(st.sampled_from([None, *IDENTITIES])),
            "statuses": ["none", *[s for s in STATUSES[1:4] if draw(st.booleans())], "member"],
            "pole_members": subset(poles), "core": subset(states),
            "exclusive_with": subset([q for q in platforms if q != k]),
            "grants": ["member"] if draw(st.booleans()) else [],
            "cooperation": sourced(draw(unit)),
            "opens": None if opens is None else month(opens)}

    def links(other_of):
        out, seen = [], set()
        for _ in range(draw(st.integers(0, 4))):
            s = draw(st.sampled_from(states))
            others = [a for a in other_of if a != s]
            if others:
                other = draw(st.sampled_from(others))
                if frozenset((s, other)) not in seen:  # a tie is given once (one way)
                    seen.add(frozenset((s, other)))
                    out.append({"state": s, "other": other, "value": draw(unit),
                                "source": "test"})
        return out

    conditions = {"polarization": sourced(draw(unit)),
                  "credibility": {p: sourced(draw(unit)) for p in poles},
                  "depth": {k: sourced(draw(unit)) for k in subset(platforms)},
                  "viability": {k: sourced(draw(unit)) for k in subset(platforms)}}
    for section, name, pool in (("threat", "actor", actors), ("economy", "pole", poles),
                                ("alliances", "actor", actors), ("troops", "pole", poles),
                                ("pressure", "pole", poles)):
        conditions[section] = [{"state": x["state"], name: x["other"], "value": x["value"],
                                "source": "test"} for x in links(pool)]
    alignment = {}
    for s in subset(states):
        raw = np.array([draw(st.floats(0.0, 1.0)) for _ in range(n_poles + 1)]) + 1e-3
        share = raw / raw.sum()
        alignment[s] = {p: sourced(float(share[i]) * 0.999) for i, p in enumerate(poles)}
    memberships = []
    for s in states:
        held: list[str] = []
        for k in platforms:
            plat = world["platforms"][k]
            status = draw(st.sampled_from(plat["statuses"]))
            opens = plat["opens"]
            if plat["core"] and s not in plat["core"]:
                status = "none"
            if opens is not None and int(opens[:4]) * 12 + int(opens[5:]) - 1 > start:
                status = "none"
            exclusive = {q for q in held if k in world["platforms"][q]["exclusive_with"]
                         or q in plat["exclusive_with"]}
            if STATUSES.index(status) >= CANDIDATE and exclusive:
                status = max((x for x in plat["statuses"] if STATUSES.index(x) < CANDIDATE),
                             key=STATUSES.index)
            if STATUSES.index(status) >= CANDIDATE:
                held.append(k)
            if status != "none" or draw(st.booleans()):
                memberships.append({"state": s, "platform": k, "status": status,
                                    "source": "test"})
    events = {}
    for e in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(list(EVENT_KINDS)))
        needs = EVENT_KINDS[kind]
        if "platform" in needs and not platforms:
            continue
        mode = draw(st.sampled_from(["add", "set"]))
        event = {"date": month(draw(st.integers(start, end))), "kind": kind, "mode": mode,
                 "value": sourced(draw(signed if mode == "add" else unit)),
                 "probability": draw(unit), "jitter_months": draw(st.integers(0, 3)),
                 "noise": draw(st.floats(0.0, 0.3)), "source": "test"}
        state = draw(st.sampled_from(states))
        choices = {"state": [state], "pole": poles, "platform": platforms,
                   "actor": [a for a in actors if a != state], "status": list(STATUSES[1:])}
        if any(not choices[n] for n in needs):
            continue
        event.update({n: draw(st.sampled_from(choices[n])) for n in needs})
        if kind in ("credibility", "pressure") and draw(st.booleans()):
            event["states"] = subset(states)
        events[f"e{e}"] = event
    return {
        "world": world,
        "scenario": {"name": "random", "start": month(start), "end": month(end),
                     "conditions": conditions, "alignment": alignment,
                     "memberships": memberships, "events": events},
        "params": dict(PARAMS), "runs": 3, "seed": draw(st.integers(0, 2**32)),
    }


def simulate(data: dict, runs: int = 3):
    config = build_config(data)
    compiled = compile_config(config)
    rec = simulate_block(compiled, config.params, config.run.seed, np.arange(runs))
    return compiled, rec


def assert_invariants(compiled, rec) -> None:
    st_ = compiled.structure
    for name in ("align", "viability", "depth"):
        values = getattr(rec, name)
        assert np.isfinite(values).all(), f"{name} has NaN or inf"
        assert (values >= -1e-12).all() and (values <= 1 + 1e-12).all(), f"{name} outside [0, 1]"
    # each state's weights, the last (non-aligned) column included, sum to 1
    np.testing.assert_allclose(rec.align.sum(axis=-1), 1.0, atol=1e-9)
    status = rec.status.astype(int)
    assert ((status >= 0) & (status < len(STATUSES))).all()
    K = st_.n_platforms
    if K == 0:
        return
    k = np.arange(K)
    # every status is one the platform offers
    assert st_.allowed[k, status].all()
    # only eligible states are ever inside a platform
    for j in range(K):
        assert (status[..., ~st_.eligible_any[j], j] == 0).all()
    # nothing inside a platform before it opens (on its date, or by an `open` event)
    ev = compiled.events
    opened_by_event = set(ev.other[ev.kind == EVENT_CODES["open"]].tolist())
    for j in set(range(K)) - opened_by_event:
        closed = rec.steps < st_.opens_step[j]
        assert (status[:, closed, :, j] == 0).all()
        assert (rec.viability[:, closed, j] == 0).all()
    # one rung of the platform's own ladder per month at most, except a rung the
    # platform grants (it admits straight to it), a drop at a treaty's renewal, or a
    # drop past rungs the platform may not offer (mechanism 19: a state leaving lands on
    # the highest lower rung on offer; `openness` conditions and events close rungs)
    rung = np.cumsum(st_.allowed, axis=1) - 1           # (K, 5) position on the ladder
    pos = rung[k, status]                                # (R, M, N, K)
    if len(rec.steps) > 1 and (np.diff(rec.steps) == 1).all():
        jump = np.diff(pos, axis=1)
        granted = (st_.grants & st_.allowed)[k, status[:, 1:]]
        renewing = compiled.renewing[rec.steps[1:]][None, :, None, :]
        assert ((jump <= 1) | granted).all()
        closable = compiled.initial.openness <= 0.5       # (K, 5) rungs that may be closed
        opening = ev.kind == EVENT_CODES["openness"]
        closable[ev.other[opening], ev.rung[opening]] = True
        before, after = status[:, :-1], status[:, 1:]
        rungs = np.arange(len(STATUSES))
        open_skipped = ((rungs > after[..., None]) & (rungs < before[..., None])
                        & st_.allowed & ~closable).any(-1)   # a rung passed that was on offer
        assert ((jump >= -1) | renewing | ~open_skipped).all()


def assert_exclusive(compiled, rec) -> None:
    st_ = compiled.structure
    inside = (rec.status >= CANDIDATE).astype(float)     # (R, M, N, K)
    clash = np.einsum("rmnk,kl,rmnl->rmn", inside, st_.exclusive.astype(float), inside)
    assert (clash == 0).all(), "a state is inside two mutually exclusive platforms"


@SETTINGS
@given(worlds())
def test_random_valid_worlds_run_with_every_invariant(data):
    compiled, rec = simulate(data)
    assert rec.align.shape[1] == compiled.n_steps + 1
    assert_invariants(compiled, rec)


@settings(SETTINGS, phases=(Phase.explicit, Phase.generate))  # no shrinking while it fails
@given(worlds())
def test_never_inside_two_mutually_exclusive_platforms(data):
    compiled, rec = simulate(data)
    assert_exclusive(compiled, rec)


def exclusive_pair_world() -> dict:
    """The smallest world showing the simultaneous climb: one state, partner in `a`,
    nothing in `b`, two exclusive platforms it values highly, admission certain."""
    blocks = {
        name: {"leader": "p0", "kind": "military", "bloc": False, "binding": sourced(0.0),
               "protection": sourced(1.0), "economic": sourced(1.0),
               "statuses": ["none", "partner", "candidate", "member"] if name == "a"
               else ["none", "member"],
               "exclusive_with": ["b"] if name == "a" else [], "grants": []}
        for name in ("a", "b")}
    params = {**PARAMS, "decision_hazard": 1.0, "w_economy": 10.0, "threshold_member": 0.5}
    return {
        "world": {"poles": {"p0": {"capability": sourced(1), "coercion": sourced(0)}},
                  "states": {"s0": {"capability": sourced(0.1), "autonomy": sourced(0)}},
                  "platforms": blocks},
        "scenario": {"start": "2000-01", "end": "2000-03",
                     "conditions": {"polarization": sourced(0),
                                    "credibility": {"p0": sourced(1)},
                                    "viability": {"a": sourced(1), "b": sourced(1)},
                                    "depth": {"a": sourced(1), "b": sourced(1)}},
                     "memberships": [{"state": "s0", "platform": "a", "status": "partner",
                                      "source": "test"}]},
        "params": params, "runs": 1, "seed": 0,
    }


def test_the_smallest_exclusive_clash():
    compiled, rec = simulate(exclusive_pair_world(), runs=1)
    assert_exclusive(compiled, rec)


# ------------------------------------------------------------ extreme parameters


def extreme_values(name: str) -> list[float]:
    low, high = PARAM_RANGES.get(name, (0.0, 1e6))
    return sorted({v for v in (low, 0.0, 1.0, high) if low <= v <= high})


extreme_params = st.fixed_dictionaries(
    {name: st.sampled_from(extreme_values(name)) for name in FREE_PARAMETERS})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), extreme_params)
def test_extreme_but_valid_parameters_produce_no_nan(data, params):
    data["params"] = params
    compiled, rec = simulate(data, runs=2)
    assert_invariants(compiled, rec)


@pytest.mark.parametrize("value_of", ["low", "high"])
def test_every_parameter_at_its_bound_on_the_tiny_world(tiny_dict, value_of):
    for name in FREE_PARAMETERS:
        low, high = PARAM_RANGES.get(name, (0.0, 1e6))
        tiny_dict["params"][name] = low if value_of == "low" else high
    tiny_dict["scenario"]["end"] = "2001-12"
    compiled, rec = simulate(tiny_dict, runs=2)
    assert_invariants(compiled, rec)


# ------------------------------------------------------------ broken configs

BAD_VALUES = [None, True, "zz_unknown", "", -1, -1e-9, 2, 1e9, math.nan, math.inf, -math.inf,
              [], ["zz_unknown"], [1, 2], {}, {"zz": 1}, {"value": 2, "source": "x"}, "2000-13",
              1.5, 0]


def paths(node, prefix=()):
    """Every key path in a nested dict/list: the places a mutation can hit."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out.extend(paths(value, (*prefix, i)))
    return out


@st.composite
def broken(draw) -> dict:
    data = copy.deepcopy(draw(worlds()))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(data)))
        parent = data
        for part in where[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            del parent[where[-1]]  # a missing key
        elif isinstance(parent, dict) and draw(st.integers(0, 5)) == 0:
            parent[draw(st.sampled_from(["zz_unknown", 3, "Bad Id"]))] = draw(
                st.sampled_from(BAD_VALUES))  # an unknown key
        else:
            parent[where[-1]] = draw(st.sampled_from(BAD_VALUES))
    return data


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken())
def test_broken_configs_fail_with_config_error_and_nothing_else(data):
    try:
        config = build_config(data)
    except ConfigError as exc:
        assert exc.problems and all(p.file and p.key and p.allowed for p in exc.problems)
        return
    # a mutation the schema accepts (an optional key removed, a label changed) must run
    compiled = compile_config(config)
    rec = simulate_block(compiled, config.params, config.run.seed, np.arange(2))
    assert_invariants(compiled, rec)


@pytest.mark.parametrize("section", ["world", "scenario", "params"])
@pytest.mark.parametrize("bad", [None, [], "text", 3])
def test_a_whole_section_of_the_wrong_type_is_a_config_error(tiny_dict, section, bad):
    tiny_dict[section] = bad
    with pytest.raises(ConfigError):
        build_config(tiny_dict)
