"""Forward scenarios start where history ends (docs/ODD.md, Initialization).

Run r of a forward scenario continues run r of the history (same seed, same parameters),
so its June 2024 is a state the calibrated model reached, not a hand-set one; the
memberships the record documents as ongoing in June 2024 then persist into 2025 unless
a scenario event acts.
"""

from __future__ import annotations

import numpy as np
import pytest

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import compose, conf_dir
from balancing_sim.config.schema import STATUSES
from balancing_sim.config.validate import month_index
from balancing_sim.evaluation import Model
from balancing_sim.record import agreement, load_record, load_world_ids

MEMBER = STATUSES.index("member")


def panel(scenario: str, overrides=(), runs: int = 40, seed: int = 11, engine=None):
    model = Model.of(scenario, [*overrides, *([f"engine={engine}"] if engine else [])],
                     runs=runs, seed=seed)
    return model.panel(model.params)


@pytest.fixture(scope="module")
def baseline():
    return panel("baseline", runs=100)


@pytest.mark.parametrize("params", ["calibrated", "posterior"])
def test_forward_run_starts_where_the_same_history_run_ends(params):
    """Under the same parameters (each run its own draw with the posterior), dated the
    month the history ends: the forward's first month (2024-07) is its step 1."""
    choice = [f"params={params}"]
    history, forward = panel("history", choice, runs=6), panel("baseline", choice, runs=6)
    assert forward.months[0] == history.months[-1] == month_index("2024-06")
    assert forward.months[1] == month_index("2024-07")
    for name in ("align", "status", "viability", "depth"):
        np.testing.assert_array_equal(getattr(forward, name)[:, 0], getattr(history, name)[:, -1])
    assert not np.array_equal(forward.align[0, 0], forward.align[1, 0])  # per run, not one


def test_a_continued_run_decides_on_the_rungs_its_own_situation_opens():
    """The history's calendar of summits ends with its last one (the NAM's of January
    2024 closes in February); a continued run takes which rungs each platform decides on
    from its own situation (the NAM every month, the EU no candidacy), not from where
    the history's calendar stopped (rt13: no NAM seat could be granted after 2024)."""
    from balancing_sim.dynamics import start
    from balancing_sim.world import compile_config

    config, _ = compose(["scenario=baseline", "scenario.end=2024-08"])
    compiled, runs = compile_config(config), np.arange(2)
    begun = start.start_state(compiled, config.params, 5, runs)
    ended = start.prefix_end(compiled.prefix, config.params, 5, runs)
    nam, eu = compiled.structure.platforms.index("nam"), compiled.structure.platforms.index("eu")
    observer, candidate = STATUSES.index("observer"), STATUSES.index("candidate")
    assert (ended.openness[:, nam, observer] == 0).all()
    assert (begun.openness[:, nam, observer] == 1).all()
    assert (begun.openness[:, eu, candidate] == 0).all()
    np.testing.assert_array_equal(begun.openness[0], compiled.initial.openness)


def test_the_engines_agree_on_a_continued_run():
    short = ["scenario.end=2024-10"]
    mesa, ensemble = panel("baseline", short, runs=2, engine="mesa"), panel("baseline", short,
                                                                             runs=2)
    np.testing.assert_allclose(mesa.align, ensemble.align, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(mesa.status, ensemble.status)


def test_the_start_follows_the_parameters_of_the_run():
    model = Model.of("baseline", ["scenario.end=2024-08"], runs=4, seed=11)
    low = model.panel(model.with_values({"w_autonomy": 0.3}))
    high = model.panel(model.with_values({"w_autonomy": 3.0}))
    assert not np.allclose(low.align[:, 0], high.align[:, 0])


def test_a_kept_history_end_is_the_replayed_one_and_callers_cannot_change_it():
    """The end of a prefix is kept between calls (dynamics.start): the state handed out
    again equals a fresh replay, whatever the caller did to its copy; other parameters
    or another seed replay again."""
    from balancing_sim.dynamics import start
    from balancing_sim.world import compile_config

    config, _ = compose(["scenario=baseline", "scenario.end=2024-08"])
    compiled, runs = compile_config(config), np.arange(3)
    start.forget_kept()
    first = start.start_state(compiled, config.params, 5, runs)
    assert len(start._kept) == 3  # one end state a run
    first.align[:] = -1.0  # the caller's copy
    kept = start.start_state(compile_config(config), config.params, 5, runs)
    fresh = start.prefix_end(compiled.prefix, config.params, 5, runs)
    for name in ("align", "status", "tenure", "viability"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name))
    assert len(start._kept) == 3
    other = config.params.__class__(**{**vars(config.params), "w_autonomy": 2.5})
    moved = start.start_state(compiled, other, 5, runs)
    reseeded = start.start_state(compiled, config.params, 6, runs)
    assert len(start._kept) == 9
    assert not np.array_equal(moved.align, kept.align)
    assert not np.array_equal(reseeded.align, kept.align)


def shared(histories: int, params: str = "calibrated", end: str = "2024-08"):
    from balancing_sim.world import compile_config

    config, _ = compose(["scenario=baseline", f"scenario.end={end}", f"params={params}",
                         f"scenario.histories={histories}"])
    return compile_config(config), config.params


def test_runs_share_the_histories_the_scenario_names_and_differ_by_their_own_chance():
    """With `scenario.histories` H, run r starts where history run r mod H ends (with its
    own parameters); below H, and with H = 0, every run starts from its own history."""
    from balancing_sim.dynamics import start
    from balancing_sim.ensemble import simulate_block

    compiled, params = shared(2)
    start.forget_kept()
    begin = start.start_state(compiled, params, 5, np.arange(5))
    for r in (2, 4):
        np.testing.assert_array_equal(begin.align[r], begin.align[0])
    np.testing.assert_array_equal(begin.align[3], begin.align[1])
    assert not np.array_equal(begin.align[0], begin.align[1])
    own = start.prefix_end(compiled.prefix, params, 5, np.arange(5))
    np.testing.assert_array_equal(begin.align[:2], own.align[:2])
    assert not np.array_equal(begin.align[2], own.align[2])
    runs = simulate_block(compiled, params, 5, np.arange(5))
    assert not np.array_equal(runs.align[0, -1], runs.align[2, -1])  # their own chance after

    alone, _ = shared(0)
    below, _ = shared(1200)
    for other in (alone, below):
        np.testing.assert_array_equal(start.start_state(other, params, 5, np.arange(3)).align,
                                      own.align[:3])


def test_shared_histories_follow_the_posterior_draw_of_each_run():
    """A posterior of M draws and H a multiple of M: runs r and r + H hold the same draw,
    hence the same history; a block replays each history once."""
    from balancing_sim.draws import for_runs
    from balancing_sim.dynamics import start

    compiled, params = shared(240, "posterior")
    runs = np.array([1, 241, 2, 481])
    drawn, ids = for_runs(params, runs)
    assert ids.tolist() == [1, 1, 2, 1]
    start.forget_kept()
    begin = start.start_state(compiled, drawn, 3, runs)
    assert len(start._kept) == 2
    np.testing.assert_array_equal(begin.align[1], begin.align[0])
    np.testing.assert_array_equal(begin.align[3], begin.align[0])
    assert not np.array_equal(begin.align[2], begin.align[0])


def test_a_block_replays_only_the_histories_not_kept_and_blocks_do_not_change_numbers(
        monkeypatch):
    from balancing_sim.dynamics import start
    from balancing_sim.ensemble import simulate_block

    compiled, params = shared(3)
    whole = simulate_block(compiled, params, 9, np.arange(7))
    start.forget_kept()
    replayed: list[list[int]] = []
    replay = start.prefix_end
    monkeypatch.setattr(start, "prefix_end", lambda p, q, seed, runs: replayed.append(
        runs.tolist()) or replay(p, q, seed, runs))
    parts = [simulate_block(compiled, params, 9, np.arange(a, b)) for a, b in ((0, 2), (2, 7))]
    assert replayed == [[0, 1], [2]]
    for name in ("align", "status", "viability", "depth"):
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]),
                                      getattr(whole, name))


def test_the_engines_agree_on_runs_sharing_a_history():
    from balancing_sim.ensemble import simulate_block
    from balancing_sim.model import run_models

    compiled, params = shared(1, end="2024-07")
    mesa = run_models(compiled, params, 4, np.arange(2))
    ensemble = simulate_block(compiled, params, 4, np.arange(2))
    np.testing.assert_array_equal(mesa.align[:, 0], ensemble.align[:, 0])
    np.testing.assert_array_equal(mesa.align[0, 0], mesa.align[1, 0])
    np.testing.assert_allclose(mesa.align, ensemble.align, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(mesa.status, ensemble.status)


def ongoing_facts():
    record = load_record(conf_dir() / "record/eurasia.yaml",
                         load_world_ids(conf_dir() / "world/eurasia.yaml"))
    return [f for f in record.facts if f.end == record.window.end and f.kind == "membership"]


def share_at(p, fact, month: str) -> float:
    year, m = map(int, month.split("-"))
    t = int(np.flatnonzero(p.months == year * 12 + m - 1)[0])
    return float(agreement(p, fact)[:, t].mean())


def test_documented_memberships_of_june_2024_persist_into_2025(baseline):
    """Every membership the record documents as ongoing in June 2024 that the start holds
    (in >= 80% of runs) still holds in December 2025 in most runs, with no event acting."""
    held = [f for f in ongoing_facts() if share_at(baseline, f, "2024-07") >= 0.8]
    assert len(held) >= 55
    kept = [f.id for f in held if share_at(baseline, f, "2025-12") >= 0.8]
    assert len(kept) / len(held) >= 0.95, sorted({f.id for f in held} - set(kept))


@pytest.mark.parametrize("fact_id", ["kazakhstan_csto_member", "kyrgyzstan_csto_member",
                                     "armenia_eaeu_member", "kazakhstan_eaeu_member",
                                     "azerbaijan_3plus3_member", "armenia_csto_frozen",
                                     "armenia_3plus3_member", "armenia_nam_observer"])
def test_memberships_the_issue_saw_drift_now_persist(baseline, fact_id):
    """Including Armenia's NAM observer seat, which eroded as Armenia leaned West until a
    held seat's signal was sunk (mechanism 18)."""
    fact = next(f for f in ongoing_facts() if f.id == fact_id)
    assert share_at(baseline, fact, "2025-12") >= 0.8


def test_a_scenario_event_still_moves_the_outcome(baseline):
    """Armenia's pivot (events on its conditions) takes it out of the CSTO; the baseline
    keeps it in."""
    pivot = panel("armenia_pivot", runs=100)
    i, k = baseline.states.index("armenia"), baseline.platforms.index("csto")
    stay_base = (baseline.status[:, -1, i, k] == MEMBER).mean()
    stay_pivot = (pivot.status[:, -1, i, k] == MEMBER).mean()
    assert stay_base - stay_pivot >= 0.5


def test_the_hand_set_situation_is_still_available():
    config, data = compose(["scenario=baseline", "scenario.after=''"])
    assert config.prefix is None and "prefix" not in data
    config, data = compose(["scenario=baseline"])
    assert config.prefix is not None and config.prefix.end == "2024-06"
    assert data["prefix"]["name"] == "history"


def test_an_unknown_scenario_to_continue_is_one_clear_error():
    with pytest.raises(ConfigError) as info:
        compose(["scenario=baseline", "scenario.after=nowhere"])
    assert "scenario.after" in str(info.value) and "history" in str(info.value)


def test_a_gap_between_history_and_start_is_refused():
    with pytest.raises(ConfigError) as info:
        compose(["scenario=baseline", "scenario.start=2024-09"])
    assert "scenario.start" in str(info.value) and "2024-06" in str(info.value)


def test_a_continued_scenario_simulates_its_first_month_with_its_events():
    """The forward's first month (2024-07) was never simulated: step 0, dated July, held
    the history's June state and July's events acted in August. Step 0 is now dated the
    month the history ends, and an event of the first month shows in that month."""
    event = ("+scenario.events.first_month={date: '2024-07', kind: pressure, pole: west, "
             "states: [georgia], value: {value: 0.9, source: test}, probability: 1.0, "
             "jitter_months: 0, noise: 0.0, source: test}")
    short = ["scenario.end=2024-12", "params=calibrated"]
    without, pressed = panel("baseline", short, runs=4), panel("baseline", [*short, event], runs=4)
    differ = np.flatnonzero((without.align != pressed.align).any(axis=(0, 2, 3)))
    assert without.months[differ[0]] == month_index("2024-07")
    assert len(without.months) == 7  # June (the start) and July to December
