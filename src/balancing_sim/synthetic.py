"""Synthetic worlds of any size, for scale tests and benchmarks.

`generate(states, poles, platforms, seed)` is a pure function: the same sizes and
seed give the same world (a dict in the layout of `conf/world/*.yaml`) and a
matching situation (conditions, alignment and memberships in the layout of
`conf/situation/*.yaml`). Actors are named by index (`s0007`, `p2`, `k3`, `x0`);
every number is marked `synthetic` as its source. Nothing here is calibrated: the
worlds exist to measure how the cost of the model grows with its size.

Config composition calls `expand` on the resolved config: a world with a `size`
mapping (conf/world/synthetic.yaml) is replaced by the generated world, and a
scenario with `synthetic: true` (conf/situation/synthetic.yaml) receives the
generated situation, so `balancing-sim world=synthetic situation=synthetic
world.size.states=200` validates and runs like any other world.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import numpy as np

from .config.schema import PLATFORM_KINDS as KINDS
from .config.schema import WorldSize

SOURCE = "synthetic"
LADDERS = (["none", "observer", "member"], ["none", "partner", "candidate", "member"],
           ["none", "member"])
DEFAULT_SIZE = asdict(WorldSize())


def _v(x: float) -> dict:
    return {"value": round(float(x), 4), "source": SOURCE}


def _neighbours(points: np.ndarray, radius: float) -> list[list[int]]:
    """For each point, the other points within about `radius`, ascending, with a small
    margin so that the caller's exact distance test decides the borderline cases: all
    pairs at once for a small world, a k-d tree query (near-linear) for a large one."""
    reach = radius * (1 + 1e-9) + 1e-12
    if len(points) <= 2000:
        gap = points[:, None, :] - points[None, :, :]
        near = (gap ** 2).sum(axis=-1) <= reach ** 2
        np.fill_diagonal(near, False)
        return [list(np.flatnonzero(row)) for row in near]
    from scipy.spatial import cKDTree

    found = cKDTree(points).query_ball_point(points, reach)
    return [sorted(j for j in near if j != i) for i, near in enumerate(found)]


def generate(states: int = 10, poles: int = 3, platforms: int = 4,
             seed: int = 0) -> tuple[dict, dict]:
    """(world, situation) of a random world with the given numbers of deciding states,
    poles and platforms. States and poles sit on the unit square; proximity falls
    with distance, so the number of neighbours per state grows with the density."""
    if states < 2 or poles < 1 or platforms < 1:
        raise ValueError("a synthetic world needs at least 2 states, 1 pole, 1 platform")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0x5157,)))
    N, P, K = int(states), int(poles), int(platforms)
    sid = [f"s{i:04d}" for i in range(N)]
    pid = [f"p{p}" for p in range(P)]
    kid = [f"k{k}" for k in range(K)]
    xid = ["x0"]
    groups = [f"g{g}" for g in range(P + 2)]
    where = {a: rng.random(2) for a in (*sid, *pid)}

    rivalry = np.zeros((P, P))
    for a in range(P):
        for b in range(a + 1, P):
            if rng.random() < 0.7:
                rivalry[a, b] = rivalry[b, a] = rng.uniform(0.2, 0.9)
    world_poles = {}
    for p, name in enumerate(pid):
        world_poles[name] = {
            "label": name.upper(), "capability": _v(rng.uniform(0.01, 0.2)),
            "coercion": _v(rng.uniform(0.2, 0.9)), "identity": [groups[p]],
            "rivals": {pid[q]: _v(rivalry[p, q]) for q in range(P) if rivalry[p, q] > 0},
        }

    radius = min(0.5, 2.5 / np.sqrt(N))  # about 20 neighbouring states whatever N
    neighbours = _neighbours(np.array([where[name] for name in sid]), radius)
    world_states, identity = {}, {}
    for i, name in enumerate(sid):
        own = sorted({groups[int(g)] for g in rng.integers(0, len(groups), 2)})
        identity[name] = own
        prox = {}
        for other in pid:
            d = float(np.linalg.norm(where[name] - where[other]))
            prox[other] = _v(max(0.1, 1.0 - d))
        for j in neighbours[i]:
            d = float(np.linalg.norm(where[name] - where[sid[j]]))
            if d < radius:
                prox[sid[j]] = _v(1.0 - d / radius)
        prox["x0"] = _v(0.2)
        world_states[name] = {
            "label": name.upper(), "capability": _v(rng.uniform(0.0002, 0.005)),
            "autonomy": _v(rng.uniform(0.2, 0.8)), "identity": own, "proximity": prox,
        }

    world_platforms = {}
    for k, name in enumerate(kid):
        led = k % 4 != 3 and k < 2 * P
        leader = pid[k % P] if led else (None if k % 2 else "nonaligned")
        plat = {
            "label": name.upper(), "leader": leader,
            "kind": KINDS[k % len(KINDS)], "bloc": bool(led and k % 2 == 0),
            "binding": _v(rng.uniform(0.1, 0.7)), "protection": _v(rng.uniform(0.0, 0.8)),
            "economic": _v(rng.uniform(0.0, 0.6)), "statuses": list(LADDERS[k % 3]),
        }
        if leader is None:  # a regional format: made viable by its core states
            size = max(2, N // 10)
            plat["core"] = [sid[i] for i in sorted(rng.choice(N, size, replace=False))]
            plat["pole_members"] = [pid[p] for p in range(P) if rng.random() < 0.3]
        if k % 3 == 2:
            plat["identity"] = groups[k % len(groups)]
        world_platforms[name] = plat
    # two blocs led by rival poles exclude each other
    for a in range(K):
        for b in range(a + 1, K):
            la, lb = world_platforms[kid[a]]["leader"], world_platforms[kid[b]]["leader"]
            if (la in pid and lb in pid and la != lb
                    and rivalry[pid.index(la), pid.index(lb)] > 0.6
                    and world_platforms[kid[a]]["kind"] == world_platforms[kid[b]]["kind"]):
                world_platforms[kid[a]].setdefault("exclusive_with", []).append(kid[b])
    world = {
        "name": f"synthetic_{N}x{P}x{K}_seed{seed}",
        "description": "generated by balancing_sim.synthetic (scale tests)",
        "poles": world_poles, "states": world_states,
        "external": {"x0": {"label": "X0", "capability": _v(0.001)}},
        "platforms": world_platforms,
    }
    situation = _situation(rng, sid, pid, xid, kid, world_platforms)
    return world, situation


def _situation(rng: np.random.Generator, sid: list[str], pid: list[str], xid: list[str],
               kid: list[str], platforms: Mapping[str, dict]) -> dict:
    actors = np.array([*pid, *sid, *xid])  # chosen from in every row: converted once
    cores = {k: set(p.get("core", ())) for k, p in platforms.items()}

    def link(state: str, key: str, other: str, low: float, high: float) -> dict:
        return {"state": state, key: other, "value": round(float(rng.uniform(low, high)), 4),
                "source": SOURCE}

    threat, economy, troops = [], [], []
    alliances: dict[frozenset, dict] = {}  # one tie a pair: an alliance binds both ways
    alignment, memberships = {}, []
    for s in sid:
        for other in rng.choice(actors, 2, replace=False):
            if other != s:
                threat.append(link(s, "actor", str(other), 0.05, 0.8))
        for p in rng.choice(pid, min(len(pid), 2), replace=False):
            economy.append(link(s, "pole", str(p), 0.05, 0.6))
        if rng.random() < 0.2:
            ally = str(rng.choice(actors))
            if ally != s:
                tie = link(s, "actor", ally, 0.1, 0.6)
                given = alliances.setdefault(frozenset((s, ally)), tie)
                given["value"] = max(given["value"], tie["value"])  # both ways: the larger
        if rng.random() < 0.1:
            troops.append(link(s, "pole", str(rng.choice(pid)), 0.1, 0.5))
        share = rng.dirichlet(np.ones(len(pid) + 1)) * 0.6
        alignment[s] = {p: _v(share[i]) for i, p in enumerate(pid) if share[i] >= 0.01}
        held: set[str] = set()
        for k in rng.choice(kid, min(len(kid), 2), replace=False):
            k = str(k)
            plat = platforms[k]
            if cores[k] and s not in cores[k]:
                continue
            if any(x in held for x in plat.get("exclusive_with", ())) or any(
                    k in platforms[h].get("exclusive_with", ()) for h in held):
                continue
            status = str(rng.choice(plat["statuses"][1:]))
            memberships.append({"state": s, "platform": k, "status": status,
                                "source": SOURCE})
            if status in ("candidate", "member"):
                held.add(k)
    return {
        "start": "2024-07",
        "conditions": {
            "polarization": _v(0.5),
            "credibility": {p: _v(rng.uniform(0.1, 0.6)) for p in pid},
            "threat": threat, "economy": economy, "alliances": list(alliances.values()),
            "troops": troops,
            "depth": {k: _v(rng.uniform(0.1, 0.8)) for k in kid},
            "viability": {k: _v(rng.uniform(0.3, 0.9)) for k in kid},
        },
        "alignment": alignment,
        "memberships": memberships,
    }


def expand(data: dict) -> dict:
    """Replace a generator spec in a resolved config by the generated world (and, when the
    scenario asks for it, the generated situation). Other configs pass unchanged."""
    world = data.get("world")
    scenario = data.get("scenario")
    wants_situation = isinstance(scenario, dict) and scenario.get("synthetic") is True
    if not (isinstance(world, dict) and isinstance(world.get("size"), Mapping)):
        return data
    size = {**DEFAULT_SIZE, **world["size"]}
    generated, situation = generate(int(size["states"]), int(size["poles"]),
                                    int(size["platforms"]), int(size["seed"]))
    data["world"] = generated
    if wants_situation:
        scenario.pop("synthetic")
        for key in ("conditions", "alignment", "memberships"):
            scenario[key] = situation[key]
        scenario.setdefault("start", situation["start"])
    return data
