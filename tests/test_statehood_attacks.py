"""Attacks on a new state's record (`independent` in a world, `platforms._seasoned`;
docs/RELIABILITY.md, attacks 309 and after). Each test fails on the code before its fix.
No real country is named."""

from __future__ import annotations

import numpy as np
import pytest
from command import sim_cli
from test_record_mechanisms import (
    ALPHA,
    BETA,
    CANDIDATE,
    CLUB,
    MEMBER,
    NONE,
    PACT,
    PARTNER,
    club_opening,
    eager,
    statuses,
)
from worlds import user_folder

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.validate import build_config
from balancing_sim.dynamics import initial_state
from balancing_sim.world import compile_config


def independent(data: dict, state: str, month: str) -> dict:
    data["world"]["states"][state]["independent"] = {"from": month, "source": "t"}
    return data


def test_no_rung_is_granted_before_independence_to_a_state_that_took_the_ones_below(tiny_dict):
    """309. A state independent only in January 2003 took the pact's partner and
    candidate seats (on offer) in 2000, and the pact made it a member in October 2001, 15
    months before it was a state: the record as a state was asked only of a state with
    no rung at all."""
    independent(tiny_dict, "alpha", "2003-01")       # the scenario starts in 2000-01
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    ctx = eager(config, compiled, admission_tenure=12.0)
    s = initial_state(compiled, 1)
    s.align[:] = [1.0, 0.0, 0.0]                     # every state leans north
    s.status[:, ALPHA, PACT] = s.status[:, BETA, PACT] = CANDIDATE
    s.tenure[:, ALPHA, PACT] = s.tenure[:, BETA, PACT] = 24.0
    before = statuses(ctx, s, t=21)                  # 2001-10: not yet a state
    assert before[ALPHA, PACT] == CANDIDATE
    assert before[BETA, PACT] == MEMBER              # long-standing
    assert statuses(ctx, s, t=47)[ALPHA, PACT] == CANDIDATE  # 2003-12: 11 months a state
    assert statuses(ctx, s, t=48)[ALPHA, PACT] == MEMBER     # 2004-01: a year


def test_a_state_not_yet_independent_is_no_founder(tiny_dict):
    """310. The club opening in March 2001 seated as a founder a state independent only
    in January 2003 (22 months before it was a state)."""
    independent(tiny_dict, "alpha", "2003-01")
    independent(tiny_dict, "gamma", "2001-03")       # independent the month it opens
    ctx, s = club_opening(tiny_dict, "2001-03")
    founding = statuses(ctx, s, t=14)                # 2001-03: the club opens
    assert founding[ALPHA, CLUB] == NONE
    assert founding[BETA, CLUB] == founding[2, CLUB] == MEMBER


def test_a_state_not_yet_independent_takes_no_seat_on_offer(tiny_dict):
    """315. A state independent only in January 2003 took the pact's partner seat, which
    the pact offers (no decision of the platform), in 2000: the record as a state was
    asked only where the platform decides."""
    independent(tiny_dict, "alpha", "2003-01")       # the scenario starts in 2000-01
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    ctx = eager(config, compiled)
    s = initial_state(compiled, 1)
    s.align[:] = [1.0, 0.0, 0.0]                     # every state leans north
    before = statuses(ctx, s, t=1)                   # 2000-02: not yet a state
    assert before[ALPHA, PACT] == NONE
    assert before[BETA, PACT] == PARTNER             # long-standing: takes the seat
    assert statuses(ctx, s, t=36)[ALPHA, PACT] == PARTNER  # 2003-01: a state


def problem_of(data: dict):
    with pytest.raises(ConfigError) as caught:
        build_config(data, files={"world": "w.yaml", "scenario": "s.yaml"})
    [problem] = caught.value.problems
    return problem


@pytest.mark.parametrize("month", ["1815-12", "1791-12", "1677-10", "1191-12"])
def test_an_independence_before_the_state_system_is_refused(tiny_dict, month):
    """311. `from: "1791-12"` (a typo for 1991) or any month from 1677-10 to 1815-12 was
    read as an independence centuries ago, the new state silently long-standing; 1191-12
    was refused as outside 1677-10 to 2262-04, which allows 1791."""
    problem = problem_of(independent(tiny_dict, "alpha", month))
    assert (problem.file, problem.key, problem.value) == (
        "w.yaml", "world.states.alpha.independent.from", month)
    assert "a month from 1816-01" in problem.allowed
    assert "leave out `independent`" in problem.allowed


def test_an_independence_after_the_scenario_ends_is_refused(tiny_dict):
    """312. A state independent only after the scenario's end ran through it as a state
    no platform could ever admit."""
    problem = problem_of(independent(tiny_dict, "alpha", "2005-01"))  # the end: 2004-12
    assert (problem.file, problem.key, problem.value) == (
        "w.yaml", "world.states.alpha.independent.from", "2005-01")
    assert "scenario.end (2004-12)" in problem.allowed
    build_config(independent(tiny_dict, "alpha", "2004-12"))  # the last month will do


def test_a_membership_at_the_start_of_a_state_not_yet_independent_is_refused(tiny_dict):
    """313. A state independent in 2001 started the scenario (2000-01) as a member of a
    platform: a member before it was a state."""
    independent(tiny_dict, "alpha", "2001-01")
    tiny_dict["scenario"]["memberships"] = [
        {"state": "alpha", "platform": "forum", "status": "member", "source": "t"}]
    problem = problem_of(tiny_dict)
    assert (problem.file, problem.key, problem.value) == (
        "s.yaml", "scenario.memberships[0].status", "member")
    assert "alpha is independent only from 2001-01" in problem.allowed
    tiny_dict["scenario"]["memberships"][0]["status"] = "none"
    build_config(tiny_dict)
    independent(tiny_dict, "alpha", "2000-01")       # independent the month it starts
    tiny_dict["scenario"]["memberships"][0]["status"] = "member"
    build_config(tiny_dict)


def test_a_users_world_with_an_independence_before_1816_stops_with_one_message(tmp_path,
                                                                               tiny_dict):
    """311, through `hydra.searchpath`: exit 2, the user's file, no traceback, nothing
    written."""
    overrides = user_folder(tmp_path / "conf", independent(tiny_dict, "alpha", "1791-12"))
    done = sim_cli(*overrides, "runs=1", f"out={tmp_path / 'out'}", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (f"{tmp_path / 'conf' / 'world' / 'mine.yaml'}: world.states.alpha.independent"
            ".from = '1791-12': a month from 1816-01") in done.stderr
    assert not (tmp_path / "out").exists()
    assert not np.any([p.name == "outputs" for p in tmp_path.iterdir()])


def test_engines_agree_on_states_independent_during_the_scenario(tiny_dict):
    """Held: both engines, run by run, for a state independent after the start in the
    month a platform opens (its founder) and another independent 14 months later, both
    eager for every rung (the Mesa engine's `_seasoned` sees one state at a time). The
    last assertions are 309's: on the code before, alpha was a member before it was a
    state."""
    from balancing_sim.ensemble import simulate_block
    from balancing_sim.model import run_models

    independent(tiny_dict, "gamma", "2001-03")
    independent(tiny_dict, "alpha", "2002-05")
    tiny_dict["world"]["platforms"]["club"].update(opens="2001-03",
                                                   grants=["observer", "member"])
    for name in ("threshold_observer", "threshold_partner", "threshold_candidate"):
        tiny_dict["params"][name] = 0.0
    config = build_config({**tiny_dict, "runs": 3})
    compiled = compile_config(config)
    runs = np.arange(3)
    ens = simulate_block(compiled, config.params, 2, runs, record_every=1)
    ref = run_models(compiled, config.params, 2, runs, record_every=1)
    np.testing.assert_array_equal(ref.status, ens.status)
    np.testing.assert_allclose(ref.align, ens.align, rtol=0, atol=1e-9)
    tenure = config.params.admission_tenure                 # alpha: a state from step 28
    assert (ens.status[:, :28 + int(np.ceil(tenure)), ALPHA] < MEMBER).all()
    assert (ens.status[:, -1, ALPHA] == MEMBER).any()
    assert (ens.status[:, 14, 2, CLUB] == MEMBER).all()  # gamma, a founder


def test_a_territory_not_yet_independent_keeps_the_alignment_it_starts_with(tiny_dict):
    """326. A state independent only in January 2003 chose its alignment from the first
    month of 2000, as if it had a foreign policy three years before it was a state
    (only its seats waited for its independence)."""
    from balancing_sim.ensemble import simulate_block

    independent(tiny_dict, "alpha", "2003-01")       # the scenario starts in 2000-01
    config = build_config({**tiny_dict, "runs": 2})
    compiled = compile_config(config)
    rec = simulate_block(compiled, config.params, 3, np.arange(2), record_every=1)
    start = rec.align[:, :1, ALPHA]
    np.testing.assert_array_equal(rec.align[:, :36, ALPHA], np.repeat(start, 36, axis=1))
    assert not np.allclose(rec.align[:, 37, ALPHA], start[:, 0])  # 2003-02: its own choice
    assert not np.allclose(rec.align[:, 1, BETA], rec.align[:, 0, BETA])  # long-standing
