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
    assert len(start._kept) == 1
    first.align[:] = -1.0  # the caller's copy
    kept = start.start_state(compile_config(config), config.params, 5, runs)
    fresh = start.prefix_end(compiled.prefix, config.params, 5, runs)
    for name in ("align", "status", "tenure", "viability", "openness"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name))
    assert len(start._kept) == 1
    other = config.params.__class__(**{**vars(config.params), "w_autonomy": 2.5})
    moved = start.start_state(compiled, other, 5, runs)
    reseeded = start.start_state(compiled, config.params, 6, runs)
    assert len(start._kept) == 3
    assert not np.array_equal(moved.align, kept.align)
    assert not np.array_equal(reseeded.align, kept.align)


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
