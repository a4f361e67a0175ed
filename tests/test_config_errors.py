"""The catalogue of user mistakes: each gets one message naming the file, the key path,
the bad value and what is allowed (see docs/RELIABILITY.md, "Bad input").

Mistakes in the content of a world or scenario are made on the tiny synthetic world
of conftest.py and checked through `build_config`, which `compose` and the CLI both
end in; mistakes of composition (overrides, missing files, YAML syntax, paths) go
through `compose` and the real CLI.
"""

from __future__ import annotations

import math

import pytest
import yaml
from worlds import src, tiny_world_dict

from balancing_sim.config.errors import ConfigError, Problem
from balancing_sim.config.validate import build_config

FILES = {"main": "conf/config.yaml", "world": "my/world/tiny.yaml",
         "scenario": "my/scenario/tiny.yaml", "params": "my/params/p.yaml"}


def problems_of(data: dict) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        build_config(data, FILES)
    return info.value.problems


def mutate(path: str, value: object, delete: bool = False):
    """A mutation setting (or deleting) the value at a dotted path; `[i]` indexes a list."""
    def apply(data: dict) -> None:
        parts = path.replace("[", ".[").split(".")
        node = data
        for part in parts[:-1]:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        last = parts[-1]
        key = int(last[1:-1]) if last.startswith("[") else last
        if delete:
            del node[key]
        else:
            node[key] = value
    return apply


def add_event(**event):
    def apply(data: dict) -> None:
        base = {"date": "2002-01", "kind": "threat", "state": "alpha", "actor": "raider",
                "value": src(0.1), "source": "test"}
        data["scenario"]["events"]["shock"] = {
            k: v for k, v in {**base, **event}.items() if v is not None}
    return apply


def add_membership(*items):
    def apply(data: dict) -> None:
        data["scenario"]["memberships"] = [{"source": "test", **m} for m in items]
    return apply


def add_link(section: str, **link):
    def apply(data: dict) -> None:
        data["scenario"]["conditions"].setdefault(section, []).append(
            {"value": 0.5, "source": "test", **link})
    return apply


def duplicate_state_as_pole(data: dict) -> None:
    data["world"]["states"]["north"] = {"capability": src(0.1), "autonomy": src(0.5)}


def empty_world(data: dict) -> None:
    data["world"] = {"name": "empty", "poles": {}, "states": {}}


# (id, mutation, file, key, value, a phrase of what is allowed)
CATALOGUE = [
    ("unknown actor in a tie", add_link("threat", state="alpha", actor="ghost"),
     "my/scenario/tiny.yaml", "scenario.conditions.threat[1].actor", "ghost", "an actor id"),
    ("unknown pole in a tie", add_link("economy", state="beta", pole="east"),
     "my/scenario/tiny.yaml", "scenario.conditions.economy[2].pole", "east", "a pole id"),
    ("unknown state in a tie", add_link("troops", state="omega", pole="north"),
     "my/scenario/tiny.yaml", "scenario.conditions.troops[0].state", "omega",
     "a deciding state id"),
    ("unknown pole in an event", add_event(kind="pressure", pole="east", state=None, actor=None),
     "my/scenario/tiny.yaml", "scenario.events.shock.pole", "east", "a pole id"),
    ("unknown platform in an event", add_event(kind="depth", platform="nowhere", state=None,
                                               actor=None),
     "my/scenario/tiny.yaml", "scenario.events.shock.platform", "nowhere", "a platform id"),
    ("unknown state in an event", add_event(state="omega"),
     "my/scenario/tiny.yaml", "scenario.events.shock.state", "omega", "a state id"),
    ("unknown platform in a membership",
     add_membership({"state": "alpha", "platform": "nowhere", "status": "member"}),
     "my/scenario/tiny.yaml", "scenario.memberships[0].platform", "nowhere", "a platform id"),
    ("unknown state in a membership",
     add_membership({"state": "omega", "platform": "pact", "status": "member"}),
     "my/scenario/tiny.yaml", "scenario.memberships[0].state", "omega", "a deciding state id"),
    ("invalid membership status",
     add_membership({"state": "alpha", "platform": "league", "status": "partner"}),
     "my/scenario/tiny.yaml", "scenario.memberships[0].status", "partner",
     "a status that league has: none, member"),
    ("misspelt membership status",
     add_membership({"state": "alpha", "platform": "pact", "status": "membr"}),
     "my/scenario/tiny.yaml", "scenario.memberships[0].status", "membr", "a status that pact"),
    ("duplicate membership",
     add_membership({"state": "alpha", "platform": "pact", "status": "partner"},
                    {"state": "alpha", "platform": "pact", "status": "member"}),
     "my/scenario/tiny.yaml", "scenario.memberships[1]",
     {"state": "alpha", "platform": "pact"}, "one entry per state and platform"),
    ("non-core state in a core platform",
     lambda d: (d["world"]["platforms"]["forum"].update(core=["alpha", "beta"]),
                add_membership({"state": "gamma", "platform": "forum", "status": "member"})(d)),
     "my/scenario/tiny.yaml", "scenario.memberships[0].state", "gamma",
     "a state eligible for forum"),
    ("inside two mutually exclusive platforms",
     add_membership({"state": "alpha", "platform": "pact", "status": "member"},
                    {"state": "alpha", "platform": "league", "status": "member"}),
     "my/scenario/tiny.yaml", "scenario.memberships[1].status", "member",
     "league excludes pact"),
    ("member of a platform that has not opened yet",
     lambda d: (d["world"]["platforms"]["club"].update(opens="2003-01"),
                add_membership({"state": "alpha", "platform": "club", "status": "member"})(d)),
     "my/scenario/tiny.yaml", "scenario.memberships[0].status", "member", "opens only in 2003-01"),
    ("duplicate id across sections", duplicate_state_as_pole,
     "my/world/tiny.yaml", "world.states.north", "north", "a unique id"),
    ("reserved id", mutate("world.external.nonaligned", {"capability": src(0.1)}),
     "my/world/tiny.yaml", "world.external.nonaligned", "nonaligned", "reserved words"),
    ("id that is not snake_case", mutate("world.external.Bad Name", {"capability": src(0.1)}),
     "my/world/tiny.yaml", "world.external.Bad Name", "Bad Name", "snake_case id"),
    ("probability above 1", add_event(probability=1.5),
     "my/scenario/tiny.yaml", "scenario.events.shock.probability", 1.5,
     "a finite number in [0, 1]"),
    ("probability below 0", add_event(probability=-0.1),
     "my/scenario/tiny.yaml", "scenario.events.shock.probability", -0.1, "in [0, 1]"),
    ("weight (0-1 score) above 1", mutate("world.platforms.pact.binding.value", 1.2),
     "my/world/tiny.yaml", "world.platforms.pact.binding.value", 1.2, "in [0, 1]"),
    ("alignment weight outside [0, 1]", mutate("scenario.alignment.alpha.north.value", -0.2),
     "my/scenario/tiny.yaml", "scenario.alignment.alpha.north.value", -0.2, "in [0, 1]"),
    ("alignment weights summing above 1",
     mutate("scenario.alignment.alpha", {"north": src(0.7), "south": src(0.6)}),
     "my/scenario/tiny.yaml", "scenario.alignment.alpha", 1.3, "summing to at most 1"),
    ("negative capability", mutate("world.states.beta.capability.value", -0.01),
     "my/world/tiny.yaml", "world.states.beta.capability.value", -0.01, "in [0, 1e+06]"),
    ("not-a-number capability", mutate("world.poles.north.capability.value", math.nan),
     "my/world/tiny.yaml", "world.poles.north.capability.value", math.nan, "a finite number"),
    ("number without its source", mutate("world.states.beta.autonomy", 0.5),
     "my/world/tiny.yaml", "world.states.beta.autonomy", 0.5, "{value: number in [0, 1]"),
    ("event dated after the end", add_event(date="2010-01"),
     "my/scenario/tiny.yaml", "scenario.events.shock.date", "2010-01",
     "a month within the scenario's start and end (2000-01 to 2004-12)"),
    ("event dated before the start", add_event(date="1999-12"),
     "my/scenario/tiny.yaml", "scenario.events.shock.date", "1999-12", "within the scenario"),
    ("malformed event date", add_event(date="2002-13"),
     "my/scenario/tiny.yaml", "scenario.events.shock.date", "2002-13", "a month YYYY-MM"),
    ("unknown event kind", add_event(kind="earthquake"),
     "my/scenario/tiny.yaml", "scenario.events.shock.kind", "earthquake", "one of threat"),
    ("unknown key in an event", add_event(magnitude=3),
     "my/scenario/tiny.yaml", "scenario.events.shock.magnitude", 3, "unknown key; allowed"),
    ("event without a source", add_event(source=None),
     "my/scenario/tiny.yaml", "scenario.events.shock.source", None, "required text"),
    ("end before start", mutate("scenario.end", "1999-01"),
     "my/scenario/tiny.yaml", "scenario.end", "1999-01", "a month after scenario.start"),
    ("malformed start", mutate("scenario.start", "January 2000"),
     "my/scenario/tiny.yaml", "scenario.start", "January 2000", "a month YYYY-MM"),
    ("runs zero", mutate("runs", 0), "conf/config.yaml", "runs", 0, "an integer in [1, "),
    ("runs negative", mutate("runs", -5), "conf/config.yaml", "runs", -5, "an integer in [1, "),
    ("runs not a number", mutate("runs", "many"), "conf/config.yaml", "runs", "many",
     "an integer"),
    ("runs fractional", mutate("runs", 2.5), "conf/config.yaml", "runs", 2.5, "an integer"),
    ("seed negative", mutate("seed", -1), "conf/config.yaml", "seed", -1, "an integer in [0, "),
    ("unknown engine", mutate("engine", "gpu"), "conf/config.yaml", "engine", "gpu",
     "one of ensemble, mesa"),
    ("zero workers", mutate("runner", {"workers": 0}), "conf/config.yaml", "runner.workers", 0,
     "an integer in [1, 4096]"),
    ("unknown top-level key", mutate("sedd", 3), "conf/config.yaml", "config.sedd", 3,
     "unknown key; allowed"),
    ("unknown parameter", mutate("params.w_securty", 1.0), "my/params/p.yaml",
     "params.w_securty", 1.0, "unknown key; allowed"),
    ("missing parameter", mutate("params.temperature", None, delete=True), "my/params/p.yaml",
     "params.temperature", None, "required number"),
    ("parameter of the wrong type", mutate("params.w_security", "high"), "my/params/p.yaml",
     "params.w_security", "high", "a finite number in [0, 1e+06]"),
    ("parameter out of range", mutate("params.adjustment_rate", 2.0), "my/params/p.yaml",
     "params.adjustment_rate", 2.0, "in [0, 1]"),
    ("list where a mapping belongs", mutate("scenario.alignment", ["alpha"]),
     "my/scenario/tiny.yaml", "scenario.alignment", ["alpha"], "a mapping of keys to values"),
    ("text where a list belongs", mutate("world.platforms.pact.statuses", "member"),
     "my/world/tiny.yaml", "world.platforms.pact.statuses", "member",
     "a list of membership status ids"),
    ("list where an id belongs", add_link("threat", state=["alpha"], actor="raider"),
     "my/scenario/tiny.yaml", "scenario.conditions.threat[1].state", ["alpha"],
     "a deciding state id"),
    ("yes/no that is not a boolean", mutate("world.platforms.pact.bloc", "yes"),
     "my/world/tiny.yaml", "world.platforms.pact.bloc", "yes", "true or false"),
    ("platform identity that is not text", mutate("world.platforms.forum.identity", ["s"]),
     "my/world/tiny.yaml", "world.platforms.forum.identity", ["s"], "text"),
    ("platform led by a state", mutate("world.platforms.league.leader", "beta"),
     "my/world/tiny.yaml", "world.platforms.league.leader", "beta",
     "null, nonaligned or a power center (pole) id: north, south"),
    ("platform led by an unknown actor", mutate("world.platforms.league.leader", "ghost"),
     "my/world/tiny.yaml", "world.platforms.league.leader", "ghost", "a power center (pole) id"),
    ("platform without none and member", mutate("world.platforms.club.statuses", ["observer"]),
     "my/world/tiny.yaml", "world.platforms.club.statuses", ["observer"], "including none and"),
    ("unknown platform kind", mutate("world.platforms.club.kind", "club"),
     "my/world/tiny.yaml", "world.platforms.club.kind", "club", "one of military"),
    ("core member that is not a state", mutate("world.platforms.forum.core", ["alpha", "north"]),
     "my/world/tiny.yaml", "world.platforms.forum.core[1]", "north", "one of the state ids"),
    ("exclusive with an unknown platform", mutate("world.platforms.pact.exclusive_with", ["x"]),
     "my/world/tiny.yaml", "world.platforms.pact.exclusive_with[0]", "x",
     "one of the other platform ids"),
    ("rival that is not a pole", mutate("world.poles.north.rivals", {"alpha": src(0.5)}),
     "my/world/tiny.yaml", "world.poles.north.rivals.alpha", "alpha", "another pole id"),
    ("proximity to an unknown actor", mutate("world.states.gamma.proximity.mars", src(0.5)),
     "my/world/tiny.yaml", "world.states.gamma.proximity.mars", "mars", "a pole, state or"),
    ("malformed opening month", mutate("world.platforms.club.opens", "soon"),
     "my/world/tiny.yaml", "world.platforms.club.opens", "soon", "null or a month YYYY-MM"),
    ("credibility missing for a pole", mutate("scenario.conditions.credibility",
                                              {"north": src(0.5)}),
     "my/scenario/tiny.yaml", "scenario.conditions.credibility", ["north"],
     "a credibility for every pole (missing: south)"),
    # rt16, noticed: the pole whose value was wrong was also reported missing
    ("credibility out of range", mutate("scenario.conditions.credibility.north",
                                        src(2.0)),
     "my/scenario/tiny.yaml", "scenario.conditions.credibility.north.value", 2.0,
     "a finite number in [0, 1]"),
]


@pytest.mark.parametrize("case", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_each_mistake_gets_one_message_naming_file_key_value_and_allowed(case):
    _, change, file, key, value, allowed = case
    data = tiny_world_dict()
    change(data)
    problems = problems_of(data)
    assert len(problems) == 1, "\n".join(map(str, problems))
    (p,) = problems
    assert p.file == file
    assert p.key == key
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(p.value)
    else:
        assert p.value == value
    assert allowed in p.allowed
    message = str(ConfigError(problems))
    assert message.startswith("invalid config: ") and "\n" not in message
    assert file in message and key in message and allowed in message


def test_empty_world_names_missing_states_and_poles():
    data = tiny_world_dict()
    empty_world(data)
    keys = {p.key for p in problems_of(data)}
    assert {"world.states", "world.poles"} <= keys


def test_a_reference_into_an_empty_section_says_there_is_none():
    """rt16, noticed: "a deciding state id: " ended in an empty list."""
    data = tiny_world_dict()
    data["world"]["states"] = {}
    told = {p.key: p.allowed for p in problems_of(data)}
    assert told["world.states"] == "at least one deciding state"
    assert told["scenario.conditions.threat[0].state"] == "a deciding state id: none in this world"


def test_several_wrong_keys_are_reported_at_once():
    data = tiny_world_dict()
    for change in (mutate("runs", 0), mutate("world.states.beta.capability.value", -1),
                   add_event(probability=2), mutate("params.temperature", "hot")):
        change(data)
    keys = [p.key for p in problems_of(data)]
    assert keys == ["world.states.beta.capability.value", "scenario.events.shock.probability",
                    "params.temperature", "runs"]
    message = str(ConfigError(problems_of(data)))
    assert message.splitlines()[0] == "invalid config: 4 problems"


def test_a_flood_of_problems_is_cut_to_the_first_ones_with_a_count():
    problems = [Problem("f.yaml", f"k{i}", i, "x") for i in range(100)]
    lines = str(ConfigError(problems)).splitlines()
    assert lines[0] == "invalid config: 100 problems"
    assert "and 60 more" in lines[-1]


def test_a_config_that_is_not_a_mapping_is_a_config_error():
    with pytest.raises(ConfigError, match="a mapping"):
        build_config(["world"], FILES)



def test_an_event_of_a_state_without_its_state_is_one_message(tiny_dict):
    """Found by the property test: a state-only event (no `actor` target) missing its
    state raised KeyError instead of naming the missing id."""
    tiny_dict["scenario"]["events"] = {"e": {
        "date": "2000-01", "kind": "neutrality", "mode": "add", "value": src(0.5),
        "source": "test"}}
    with pytest.raises(ConfigError) as info:
        build_config(tiny_dict, FILES)
    (problem,) = info.value.problems
    assert problem.key == "scenario.events.e.state" and problem.value is None


@pytest.mark.parametrize("value", [2.0, -1.5, math.nan])
def test_an_event_set_beyond_its_range_is_told_what_its_mode_allows(value):
    """rt16: an alliance set to 2 (`mode: set`) was told "in [-1, 1]", and then -0.5 was
    refused as "in [0, 1]": the first message named a range the mode does not allow."""
    data = tiny_world_dict()
    add_event(kind="alliance", actor="gamma", mode="set", value=src(value))(data)
    (problem,) = problems_of(data)
    assert problem.key == "scenario.events.shock.value.value"
    assert "[0, 1] with mode set" in problem.allowed, problem.allowed
    # the value alone (no source) and no value at all say it too
    for raw in (0.5, None):
        data["scenario"]["events"]["shock"]["value"] = raw
        (problem,) = problems_of(data)
        assert "[0, 1] with mode set" in problem.allowed, problem.allowed

def test_a_tie_given_twice_is_refused_naming_the_pair():
    """rt16, noticed: the same pair twice in a list of ties, with two values, was read
    silently, the last value holding; an alliance between two states given both ways
    with two values was merged to the larger one."""
    data = tiny_world_dict()
    conditions = data["scenario"]["conditions"]
    conditions["economy"].append({"state": "alpha", "pole": "north", **src(0.6)})
    conditions["alliances"] = [{"state": "alpha", "actor": "beta", **src(0.3)},
                               {"state": "beta", "actor": "alpha", **src(0.5)},
                               {"state": "alpha", "actor": "north", **src(0.5)}]
    problems = {p.key: p for p in problems_of(data)}
    assert set(problems) == {"scenario.conditions.economy", "scenario.conditions.alliances"}
    assert problems["scenario.conditions.economy"].value == ["alpha-north"]
    assert problems["scenario.conditions.alliances"].value == ["alpha-beta"]
    assert "binds both" in problems["scenario.conditions.alliances"].allowed
    # the same value again says nothing new: accepted (an alliance written from both sides)
    conditions["economy"][-1]["value"] = conditions["economy"][0]["value"]
    conditions["alliances"][1]["value"] = conditions["alliances"][0]["value"]
    build_config(data, FILES)


def test_the_tiny_world_itself_is_valid():
    build_config(tiny_world_dict(), FILES)


def test_yaml_round_trip_of_the_catalogue_world_is_valid(tmp_path):
    # the tiny world written as YAML reads back to the same valid config
    text = yaml.safe_dump(tiny_world_dict())
    build_config(yaml.safe_load(text), FILES)


def test_a_whole_number_written_as_a_float_is_not_an_integer():
    data = tiny_world_dict()
    data["runs"] = 4.0
    (p,) = problems_of(data)
    assert (p.key, p.value, p.allowed) == ("runs", 4.0, "an integer in [1, 1000000000]")


def test_a_problem_is_one_line_whatever_its_key_file_or_reason_holds(tmp_path):
    """A world's id with a line break (`world.states."ga\\nm"`) split the message in two:
    the key was shown as written, the value as its repr (RELIABILITY 280)."""
    problem = Problem(f"{tmp_path}/a\nb.yaml", 'world.states.ga,"m\r\nü', 'ga,"m\nü',
                      "a snake_case id\n(a-z)")
    assert "\n" not in str(problem) and "\r" not in str(problem)
    assert str(problem) == (f"{tmp_path}/a\\nb.yaml: world.states.ga,\"m\\r\\nü = "
                            "'ga,\"m\\nü': a snake_case id\\n(a-z)")


@pytest.mark.parametrize("label", ["Al\rpha", "Al\npha", "Al\tpha", "Al\x00pha",
                                   "Al\x85pha", "Al\u2028pha", "Al\u2029pha"])
def test_a_label_is_one_line_without_control_characters(label):
    """A label is drawn in figures and tables: one holding `\\r` drew a missing glyph
    (matplotlib warned of it on stderr), a line break split a legend entry; NEL and the
    Unicode line and paragraph separators are line breaks too (rt17, noticed)."""
    data = tiny_world_dict()
    data["world"]["states"]["alpha"]["label"] = label
    data["world"]["platforms"]["league"]["label"] = label
    with pytest.raises(ConfigError) as caught:
        build_config(data)
    keys = [p.key for p in caught.value.problems]
    assert keys == ["world.states.alpha.label", "world.platforms.league.label"]
    assert caught.value.problems[0].allowed.startswith("text on one line, without control")
    data["world"]["states"]["alpha"]["label"] = "Ålpha $x$ (1992-)"
    data["world"]["platforms"]["league"]["label"] = "League, the"
    build_config(data)
