"""A tiny synthetic world for tests: two rival poles, three states, four platforms.
No real country is named."""

from __future__ import annotations

import yaml

from balancing_sim.config.loading import conf_dir


def src(value: float) -> dict:
    return {"value": value, "source": "test"}


def tiny_world_dict() -> dict:
    """Two rival poles (north, south), three states, a bloc, a format and a signal club."""
    params = yaml.safe_load((conf_dir() / "params" / "calibrated.yaml").read_text())
    return {
        "world": {
            "name": "tiny",
            "poles": {
                "north": {"capability": src(0.5), "coercion": src(0.8), "identity": ["n"],
                          "rivals": {"south": src(0.9)}},
                "south": {"capability": src(0.5), "coercion": src(0.5), "identity": ["s"],
                          "rivals": {"north": src(0.9)}},
            },
            "states": {
                "alpha": {"capability": src(0.01), "autonomy": src(0.5), "identity": ["n"],
                          "proximity": {"north": src(1.0), "south": src(0.5), "beta": src(1.0)}},
                "beta": {"capability": src(0.01), "autonomy": src(0.5), "identity": ["s"],
                         "proximity": {"north": src(0.5), "south": src(1.0)}},
                "gamma": {"capability": src(0.02), "autonomy": src(0.5), "identity": ["s"],
                          "proximity": {"north": src(0.5), "south": src(0.5)}},
            },
            "external": {"raider": {"capability": src(0.05)}},
            "platforms": {
                "pact": {"leader": "north", "kind": "military", "bloc": True,
                         "binding": src(0.7), "protection": src(0.8), "economic": src(0.2),
                         "statuses": ["none", "partner", "candidate", "member"],
                         "exclusive_with": ["league"]},
                "league": {"leader": "south", "kind": "military", "bloc": True,
                           "binding": src(0.7), "protection": src(0.8), "economic": src(0.2),
                           "statuses": ["none", "member"]},
                "forum": {"leader": None, "kind": "regional", "binding": src(0.1),
                          "protection": src(0.0), "economic": src(0.3),
                          "statuses": ["none", "member"], "pole_members": ["north", "south"],
                          "core": ["alpha", "beta", "gamma"]},
                "club": {"leader": "nonaligned", "kind": "signal", "binding": src(0.0),
                         "protection": src(0.0), "economic": src(0.0),
                         "statuses": ["none", "observer", "member"]},
            },
        },
        "scenario": {
            "name": "tiny", "start": "2000-01", "end": "2004-12",
            "conditions": {
                "polarization": src(0.3),
                "credibility": {"north": src(0.6), "south": src(0.6)},
                "threat": [{"state": "alpha", "actor": "raider", **src(0.5)}],
                "economy": [{"state": "alpha", "pole": "north", **src(0.3)},
                            {"state": "beta", "pole": "south", **src(0.3)}],
                "viability": {"pact": src(0.8), "league": src(0.8), "forum": src(0.3),
                              "club": src(0.5)},
                "depth": {"pact": src(0.7), "league": src(0.7), "forum": src(0.1),
                          "club": src(0.2)},
            },
            "alignment": {"alpha": {"north": src(0.3)}, "beta": {"south": src(0.3)}},
            "memberships": [],
            "events": {},
        },
        "params": params,
        "runs": 4, "seed": 1, "engine": "ensemble",
    }


def user_folder(root, data: dict, name: str = "mine") -> list[str]:
    """Write `data` (a world and a scenario, as `tiny_world_dict`) into a user's config
    folder laid out like conf/ (world/<name>.yaml, situation/<name>_start.yaml,
    scenario/<name>.yaml); return the overrides that run it."""
    for group in ("world", "situation", "scenario"):
        (root / group).mkdir(parents=True, exist_ok=True)
    (root / "world" / f"{name}.yaml").write_text(yaml.safe_dump(data["world"]))
    scenario = data["scenario"]
    situation = {k: v for k, v in scenario.items() if k not in ("name", "end", "events")}
    (root / "situation" / f"{name}_start.yaml").write_text(
        "# @package scenario\n" + yaml.safe_dump(situation))
    own = {k: scenario[k] for k in ("end", "events")}
    (root / "scenario" / f"{name}.yaml").write_text(
        f"# @package _global_\ndefaults:\n  - override /situation: {name}_start\n"
        + yaml.safe_dump({"scenario": {"name": name, **own}}))
    return [f"hydra.searchpath=[file://{root}]", f"world={name}", f"scenario={name}"]


def one_state(data: dict) -> dict:
    """The tiny world with alpha alone (a world of one deciding state)."""
    world, scenario = data["world"], data["scenario"]
    for gone in ("beta", "gamma"):
        del world["states"][gone]
        scenario["alignment"].pop(gone, None)
    del world["states"]["alpha"]["proximity"]["beta"]
    world["platforms"]["forum"]["core"] = ["alpha"]
    scenario["conditions"]["economy"] = [e for e in scenario["conditions"]["economy"]
                                         if e["state"] == "alpha"]
    return data


def one_pole(data: dict) -> dict:
    """The tiny world without south (and the league it leads): one power center."""
    world, conditions = data["world"], data["scenario"]["conditions"]
    del world["poles"]["south"], world["poles"]["north"]["rivals"], world["platforms"]["league"]
    for state in world["states"].values():
        state["proximity"].pop("south", None)
    world["platforms"]["pact"]["exclusive_with"] = []
    world["platforms"]["forum"]["pole_members"] = ["north"]
    conditions["credibility"].pop("south")
    conditions["economy"] = [e for e in conditions["economy"] if e["pole"] == "north"]
    for section in ("viability", "depth"):
        conditions[section].pop("league")
    data["scenario"]["alignment"].pop("beta")
    return data


def no_platforms(data: dict) -> dict:
    """The tiny world with no platform at all (alignment only)."""
    data["world"]["platforms"] = {}
    data["scenario"]["conditions"].update(viability={}, depth={})
    return data


def leaderless(data: dict) -> dict:
    """Only the forum (no leader; both poles sit in it): poles that lead no platform."""
    for gone in ("pact", "league", "club"):
        del data["world"]["platforms"][gone]
        for section in ("viability", "depth"):
            data["scenario"]["conditions"][section].pop(gone)
    return data


def some_rungs(data: dict) -> dict:
    """Ladders with gaps: a bloc offering candidacy but no partnership, a club with a
    partner seat it grants itself, no external actor and no threat."""
    platforms = data["world"]["platforms"]
    platforms["pact"]["statuses"] = ["none", "candidate", "member"]
    platforms["club"].update(statuses=["none", "partner", "member"], grants=["partner"])
    data["world"]["external"] = {}
    data["scenario"]["conditions"]["threat"] = []
    return data


EVENT_TARGETS = {  # every event kind, with targets of the tiny world
    "threat": {"state": "alpha", "actor": "raider"}, "credibility": {"pole": "north"},
    "pressure": {"pole": "south", "states": ["beta"]},
    "economy": {"state": "beta", "pole": "north"}, "troops": {"state": "gamma", "pole": "north"},
    "alliance": {"state": "alpha", "actor": "beta"}, "polarization": {},
    "depth": {"platform": "forum"}, "open": {"platform": "club"},
    "openness": {"platform": "pact", "status": "partner"},
    "bases": {"state": "alpha", "pole": "north"}, "arms": {"state": "beta", "pole": "south"},
    "neutrality": {"state": "gamma"}, "duress": {"state": "alpha", "pole": "south"}}


def every_event(data: dict) -> dict:
    """Events of every kind, added and set, in the first and the last month (jittered
    past either end, they happen at that end)."""
    scenario = data["scenario"]
    scenario["events"] = {
        f"{kind}_{mode}_{when[:4]}": {"date": when, "kind": kind, **targets, "mode": mode,
                                      "value": src(0.4), "jitter_months": 3, "noise": 0.1,
                                      "source": "test"}
        for when in (scenario["start"], scenario["end"])
        for kind, targets in EVENT_TARGETS.items() for mode in ("add", "set")}
    return data


SHAPES = {"one_state": one_state, "one_pole": one_pole, "no_platforms": no_platforms,
          "leaderless": leaderless, "some_rungs": some_rungs, "every_event": every_event}
"""Worlds of other shapes than any shipped one, each made from the tiny world."""
