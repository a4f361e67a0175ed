"""Public outcomes: the same numbers from engine records, Results and contract tables;
the hedging index's direction."""

from __future__ import annotations

import numpy as np
import pytest

import balancing_sim as bs
from balancing_sim import outcomes as oc
from balancing_sim.ensemble import simulate_block
from balancing_sim.validation import Panel

RUNS, SEED = 5, 2


@pytest.fixture(scope="module")
def case():
    exp = bs.Experiment("baseline", "scenario.end=2026-06", runs=RUNS, seed=SEED, workers=1)
    res = exp.run()
    compiled = exp.compiled(exp.config)
    rec = simulate_block(compiled, exp.config.params, SEED, np.arange(RUNS), 1)
    return res, rec, compiled


OUTCOMES = {
    "trajectories": [oc.final_posture_share("azerbaijan", "nonaligned"),
                     oc.final_weight("armenia", "west"),
                     oc.time_in_posture("armenia", "west", since="2025-01"),
                     oc.final_hedging("kazakhstan")],
    "memberships": [oc.p_join("armenia", "csto"), oc.joins_bloc("armenia", blocs=["csto"])],
    "platforms": [oc.platform_viability("ots")],
}


@pytest.mark.parametrize("table", list(OUTCOMES))
def test_every_source_gives_the_same_values(case, table):
    res, rec, compiled = case
    panel = Panel.from_records(rec, compiled)
    for outcome in OUTCOMES[table]:
        expected = outcome(rec, compiled)
        assert expected.shape == (RUNS,)
        for source in (panel, res, getattr(res, table), res.tables[table]):
            # tables store floats to 16 significant bits (relative error 1.5e-5)
            np.testing.assert_allclose(outcome(source), expected, atol=2e-5)


def test_blocs_come_from_the_world(case):
    res, rec, compiled = case
    blocs = [k for k, p in res.config["world"]["platforms"].items() if p.get("bloc")]
    assert blocs
    for actor in ("armenia", "georgia"):
        named = oc.joins_bloc(actor, blocs=blocs)(res)
        np.testing.assert_array_equal(oc.joins_bloc(actor)(res), named)
        np.testing.assert_array_equal(oc.joins_bloc(actor)(rec, compiled), named)
    with pytest.raises(ValueError, match="pass blocs="):
        oc.joins_bloc("armenia")(res.memberships)


def test_outcomes_agree_with_the_summary(case):
    res, _, _ = case
    actor = res.summary["actors"]["azerbaijan"]
    share = oc.final_posture_share("azerbaijan", "nonaligned")(res).mean()
    assert share == pytest.approx(actor["posture"]["nonaligned"])
    joins = res.summary["actors"]["armenia"]["joins"]["csto"]
    assert oc.p_join("armenia", "csto")(res).mean() == pytest.approx(joins)


def test_hedging_index_rises_as_a_state_spreads_its_weight():
    one_pole = np.array([1.0, 0.0, 0.0])
    leaning = np.array([0.7, 0.2, 0.1])
    even = np.full(3, 1 / 3)
    values = oc.hedging_index(np.stack([one_pole, leaning, even]))
    assert values[0] == 0.0 and values[2] == pytest.approx(1.0)
    assert values[0] < values[1] < values[2]
    assert oc.hedging_from_poles(np.array([[0.7, 0.2]])) == pytest.approx(values[1])


def test_in_bloc_counts_full_members_of_bloc_platforms_only():
    member, candidate = 4, 3
    status = np.array([[member, 0], [candidate, 0], [0, member]])
    assert oc.in_bloc(status, np.array([True, False])).tolist() == [True, False, False]


def test_unknown_names_are_refused(case):
    res, rec, compiled = case
    with pytest.raises(ValueError, match="state 'atlantis' is not in the data"):
        oc.final_hedging("atlantis")(rec, compiled)
    with pytest.raises(ValueError, match="posture 'mars'"):
        oc.final_posture_share("azerbaijan", "mars")(res)
    with pytest.raises(ValueError, match="no rows in the platforms table"):
        oc.platform_viability("atlantis")(res.platforms)
