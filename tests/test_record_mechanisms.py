"""Direction tests of the mechanisms the documented record called for (issue 11): each
changes one condition, datum or weight in the tiny synthetic world and checks that the
model moves the way the theory says. No real country is named."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from worlds import src

from balancing_sim.capabilities import capability_by_year, code_series
from balancing_sim.config.schema import STATUSES, Sourced
from balancing_sim.config.validate import build_config
from balancing_sim.dynamics import Context, alignment_utility, initial_state, perceive
from balancing_sim.dynamics.decision import platform_value
from balancing_sim.dynamics.platforms import engagement, next_status, update_platforms
from balancing_sim.dynamics.state import Draws
from balancing_sim.identities import affinity
from balancing_sim.world import compile_config

NORTH, SOUTH, NONALIGNED = 0, 1, 2
ALPHA, BETA, GAMMA = 0, 1, 2
PACT, LEAGUE, FORUM, CLUB = 0, 1, 2, 3
NONE, OBSERVER, PARTNER, CANDIDATE, MEMBER = range(5)


def context(config, compiled, **params) -> Context:
    return Context.build(compiled, replace(config.params, **params))


def utility(ctx: Context, s) -> np.ndarray:
    return alignment_utility(s, ctx, perceive(s, ctx))[0]


def statuses(ctx: Context, s, act: float = 0.0, t: int = 1) -> np.ndarray:
    """(N, K) statuses after month `t`; `act` < hazard: every state acts on its wish."""
    seen = perceive(s, ctx, slice(None), t)
    value, loose = platform_value(s, ctx, seen)
    draws = Draws(noise=np.zeros(s.align.shape), decide=np.full(s.status.shape, act))
    return next_status(s, ctx, seen, value, loose, draws)[0]


# ---------------------------------------------------------------- data


def test_capability_sums_the_codes_active_in_each_year():
    """Capabilities by year: an actor's codes count only in their years; after the last
    year of the data the last value carries forward."""
    years = np.array([2014, 2015, 2016, 2020])
    series = code_series(years, {2014: 0.1, 2015: 0.2, 2016: 0.3})
    assert series.tolist() == [0.1, 0.2, 0.3, 0.3]


def test_capability_of_a_grouping_grows_with_its_members(tiny_dict):
    """A pole that sums member states gains capability when a member joins."""
    tiny_dict["world"]["capability_data"] = "data/nmc_v6_abridged_1990_2016.csv"
    tiny_dict["world"]["poles"]["north"]["cow"] = [{"code": 2}, {"code": 290, "from": 2004}]
    world = build_config(tiny_dict).world
    cap = capability_by_year(world, np.array([2003, 2004]))
    assert cap[1, NORTH] > cap[0, NORTH]  # a member from 2004 adds to the sum
    assert cap[0, SOUTH] == cap[1, SOUTH] == 0.5  # no codes: the constant capability


def test_identity_shares_overlap():
    """Identity from census shares: more overlap in groups and faiths, more affinity."""
    def actor(tags=(), **groups):
        return SimpleNamespace(identity=tuple(tags), shares={
            "ethnic": {g: Sourced(v, "test") for g, v in groups.items()}} if groups else {})

    close = affinity(actor(a=0.7, b=0.3), actor(a=0.6, b=0.4))
    far = affinity(actor(a=0.7, b=0.3), actor(a=0.1, b=0.9))
    assert close == pytest.approx(0.9)
    assert far < close
    assert affinity(actor(["x", "y"]), actor(["y"])) == pytest.approx(0.5)  # tags: Jaccard


# ---------------------------------------------------------------- alignment terms


def test_security_dependence_pulls_toward_the_supplier(tiny_compiled):
    """11. A state hosting a pole's base and buying its arms leans more to that pole."""
    config, compiled = tiny_compiled
    ctx = context(config, compiled, w_dependence=1.0)
    s = initial_state(compiled, 1)
    before = utility(ctx, s)
    s.bases[:, GAMMA, SOUTH] = 1.0
    s.arms[:, GAMMA, SOUTH] = 0.8
    after = utility(ctx, s)
    assert after[GAMMA, SOUTH] - after[GAMMA, NONALIGNED] > (
        before[GAMMA, SOUTH] - before[GAMMA, NONALIGNED])


def test_bandwagoning_yields_to_leverage_without_shelter(tiny_compiled):
    """12. A pole's pressure pulls a state toward it when no rival can shelter the state,
    less when a credible rival is at hand (Walt's bandwagoning)."""
    config, compiled = tiny_compiled
    ctx = context(config, compiled, w_bandwagon=1.0, w_threat=0.0)
    s = initial_state(compiled, 1)
    calm = utility(ctx, s)[BETA, NORTH]
    s.pressure[:, BETA, NORTH] = 0.8
    s.credibility[:, BETA, SOUTH] = 0.0
    exposed = utility(ctx, s)[BETA, NORTH]
    s.credibility[:, BETA, SOUTH] = 1.0
    sheltered = utility(ctx, s)[BETA, NORTH]
    assert exposed > sheltered >= calm


def test_neutral_status_adds_to_autonomy(tiny_compiled):
    """A recognized neutral status raises the value of staying out."""
    config, compiled = tiny_compiled
    ctx = context(config, compiled)
    s = initial_state(compiled, 1)
    before = utility(ctx, s)[GAMMA, NONALIGNED]
    s.neutrality[:, GAMMA] = 1.0
    assert utility(ctx, s)[GAMMA, NONALIGNED] > before


# ---------------------------------------------------------------- platforms


@pytest.fixture
def pact_world(tiny_dict):
    """The pact grants candidacy and membership itself and commits to defend."""
    tiny_dict["world"]["platforms"]["pact"]["grants"] = ["candidate", "member"]
    tiny_dict["world"]["platforms"]["pact"]["cooperation"] = {"value": 0.5, "source": "test"}
    config = build_config(tiny_dict)
    return config, compile_config(config)


def eager(config, compiled, **params) -> Context:
    """Parameters under which every state wants every rung of every platform."""
    params = {"admission_tenure": 0.0, **params}
    return context(config, compiled, threshold_observer=-10.0, threshold_partner=-9.0,
                   threshold_candidate=-8.0, threshold_member=-7.0, refusal_threat=1e6,
                   **params)


def test_admission_weighs_interest_against_war_risk(pact_world):
    """14. A platform admits an applicant that leans to its leader, and declines it when a
    rival pole's troops on its territory make admitting it a risk of war."""
    config, compiled = pact_world
    ctx = eager(config, compiled, w_admission_risk=2.0, admission_bar=0.2)
    s = initial_state(compiled, 1)
    s.status[:, ALPHA, PACT] = CANDIDATE
    s.align[:, ALPHA] = [0.9, 0.0, 0.1]
    assert statuses(ctx, s)[ALPHA, PACT] == MEMBER
    s.troops[:, ALPHA, SOUTH] = 1.0
    assert statuses(ctx, s)[ALPHA, PACT] == CANDIDATE


def test_a_platform_does_not_grant_past_a_rung_states_take_themselves(tiny_dict):
    """A state must take a rung on offer (here the observer seat) before the platform
    can grant it membership."""
    config = build_config(tiny_dict)                 # club: observer on offer, grants member
    compiled = compile_config(config)
    ctx = eager(config, compiled)
    s = initial_state(compiled, 1)
    s.align[:] = [0.0, 0.0, 1.0]
    assert statuses(ctx, s)[BETA, CLUB] == OBSERVER
    assert statuses(ctx, s, act=1.0)[BETA, CLUB] == NONE  # it has not got round to it


def test_admission_waits_for_the_platforms_decisions(pact_world):
    """The platform grants a rung only while it is deciding on it (its enlargement
    rounds), whatever the applicant's wish."""
    config, compiled = pact_world
    ctx = eager(config, compiled)
    s = initial_state(compiled, 1)
    s.status[:, ALPHA, PACT] = CANDIDATE
    s.align[:, ALPHA] = [0.9, 0.0, 0.1]
    s.openness[:, PACT, MEMBER] = 0.0
    assert statuses(ctx, s)[ALPHA, PACT] == CANDIDATE
    s.openness[:, PACT, MEMBER] = 1.0
    assert statuses(ctx, s)[ALPHA, PACT] == MEMBER


def test_a_platform_grants_the_next_rung_only_after_a_record_at_the_last(pact_world):
    """A platform grants membership only to a candidate of `admission_tenure` months;
    it never grants past candidacy (its waiting room for membership)."""
    config, compiled = pact_world
    ctx = eager(config, compiled, admission_tenure=24.0)
    s = initial_state(compiled, 1)
    s.align[:, ALPHA] = [0.9, 0.0, 0.1]
    s.status[:, ALPHA, PACT] = CANDIDATE
    s.tenure[:, ALPHA, PACT] = 6.0
    assert statuses(ctx, s)[ALPHA, PACT] == CANDIDATE
    s.tenure[:, ALPHA, PACT] = 30.0
    assert statuses(ctx, s)[ALPHA, PACT] == MEMBER
    s.status[:, ALPHA, PACT] = PARTNER
    s.openness[:, PACT, CANDIDATE] = 0.0
    assert statuses(ctx, s)[ALPHA, PACT] == PARTNER  # never partner -> member at once


def test_admission_criteria_exclude_members_of_listed_blocs(tiny_dict):
    """A club admitting only states outside a bloc declines a member of that bloc as a
    member and seats it as an observer, the rung its criteria allow (18: a CSTO member
    asking the NAM for membership was left outside altogether)."""
    tiny_dict["world"]["platforms"]["club"]["admits_only_outside"] = ["pact"]
    tiny_dict["world"]["platforms"]["club"]["grants"] = ["observer", "member"]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    ctx = eager(config, compiled)
    s = initial_state(compiled, 1)
    s.align[:] = [0.0, 0.0, 1.0]
    s.status[:, ALPHA, PACT] = MEMBER
    after = statuses(ctx, s)
    assert after[ALPHA, CLUB] == OBSERVER
    assert after[BETA, CLUB] == MEMBER


def test_loose_ties_are_taken_without_wanting_membership(pact_world):
    """13. A state that values membership of a bloc far below the member rung still takes
    the partnership the bloc offers; leaning to the bloc's rival makes it worth less."""
    config, compiled = pact_world
    ctx = context(config, compiled, w_cooperation=5.0, w_signal=1.0, threshold_partner=0.4)
    s = initial_state(compiled, 1)
    s.align[:, BETA] = [0.0, 0.4, 0.6]  # beta leans somewhat to the pact's rival
    seen = perceive(s, ctx)
    value, loose = platform_value(s, ctx, seen)
    assert value[0, BETA, PACT] < ctx.params.threshold_member
    assert statuses(ctx, s)[BETA, PACT] == PARTNER
    s.align[:, BETA] = [0.0, 1.0, 0.0]
    _, rival = platform_value(s, ctx, perceive(s, ctx))
    assert rival[0, BETA, PACT] < loose[0, BETA, PACT]


def treaty_member(tiny_dict, renewal: str):
    """Gamma a member of the league, a fixed-term treaty renewed in `renewal`, and its
    valuation of the league in month 1 (under the calibrated parameters)."""
    tiny_dict["world"]["platforms"]["league"]["renewals"] = [renewal]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    s = initial_state(compiled, 1)
    s.status[:, GAMMA, LEAGUE] = MEMBER
    plain = context(config, compiled)
    value = platform_value(s, plain, perceive(s, plain, slice(None), 1))[0][0, GAMMA, LEAGUE]
    return config, compiled, s, value


def test_leaving_costs_except_at_a_treaty_renewal(tiny_dict):
    """15, 16. A member whose valuation falls a little below the member rung stays (exit
    costs); at the renewal of a fixed-term treaty it leaves."""
    config, compiled, s, value = treaty_member(tiny_dict, "2000-03")
    ctx = context(config, compiled, threshold_observer=value - 0.7,
                  threshold_partner=value - 0.5, threshold_candidate=value + 0.05,
                  threshold_member=value + 0.1, exit_margin=0.5)
    assert statuses(ctx, s)[GAMMA, LEAGUE] == MEMBER           # month 1: no renewal
    seen = perceive(s, ctx, slice(None), 2)                    # month 2: the renewal
    v, loose = platform_value(s, ctx, seen)
    draws = Draws(noise=np.zeros(s.align.shape), decide=np.ones(s.status.shape))
    assert compiled.renewing[2, LEAGUE]
    assert next_status(s, ctx, seen, v, loose, draws)[0][GAMMA, LEAGUE] < MEMBER


def test_bloc_without_core_loses_viability_when_parties_leave(tiny_dict):
    """7. A bloc addressing a known set of states (the world's and some outside it) loses
    viability as parties leave, even without a core."""
    tiny_dict["world"]["platforms"]["league"]["outside_potential"] = {"value": 2, "source": "t"}
    tiny_dict["world"]["platforms"]["league"]["outside_members"] = [
        {"from": "2000-01", "value": 1, "source": "t"}]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    ctx = context(config, compiled, viability_rate=1.0)
    full = initial_state(compiled, 1)
    full.status[:, :, LEAGUE] = MEMBER
    empty = full.copy()
    empty.status[:, :, LEAGUE] = NONE
    assert update_platforms(empty, ctx, slice(None), 1)[0][0, LEAGUE] < (
        update_platforms(full, ctx, slice(None), 1)[0][0, LEAGUE])


def test_great_powers_count_by_engagement(tiny_compiled):
    """A pole engages in a format as far as the format's states do not lean to its
    rivals: no pole props a format up by default."""
    config, compiled = tiny_compiled
    ctx = context(config, compiled)
    s = initial_state(compiled, 1)
    s.align[:] = [0.0, 0.0, 1.0]
    calm = engagement(s, ctx, slice(None))[0, FORUM, NORTH]
    s.align[:, :, :] = [0.0, 1.0, 0.0]  # every core state leans to north's rival
    assert engagement(s, ctx, slice(None))[0, FORUM, NORTH] < calm


def test_neutral_state_takes_only_loose_ties_with_binding_platforms(pact_world):
    """A state under a recognized neutral status takes at most loose ties with a platform
    that binds its members."""
    config, compiled = pact_world
    ctx = eager(config, compiled)
    s = initial_state(compiled, 1)
    s.align[:, GAMMA] = [0.9, 0.0, 0.1]
    s.neutrality[:, GAMMA] = 1.0
    s.status[:, GAMMA, PACT] = PARTNER
    assert statuses(ctx, s)[GAMMA, PACT] == PARTNER


def test_membership_criterion_on_identity(tiny_dict):
    """A platform for a group admits as members only states of that group; others may
    observe."""
    tiny_dict["world"]["states"]["alpha"]["shares"] = {"ethnic": {"g": {"value": 0.9,
                                                                          "source": "t"}}}
    tiny_dict["world"]["states"]["beta"]["shares"] = {"ethnic": {"g": {"value": 0.1,
                                                                         "source": "t"}}}
    tiny_dict["world"]["platforms"]["club"]["members_if"] = {
        "facet": "ethnic", "group": "g", "at_least": 0.5, "source": "t"}
    tiny_dict["world"]["platforms"]["club"]["grants"] = ["observer", "member"]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    assert compiled.structure.member_ok[CLUB].tolist()[:2] == [True, False]
    ctx = eager(config, compiled)
    s = initial_state(compiled, 1)
    s.align[:] = [0.0, 0.0, 1.0]
    after = statuses(ctx, s)
    assert after[ALPHA, CLUB] == MEMBER
    assert after[BETA, CLUB] == OBSERVER
    assert STATUSES[int(after[BETA, CLUB])] == "observer"


# ---------------------------------------------------------------- duress, terms, seats


def test_duress_makes_a_state_join_the_bloc_of_the_pole_deciding_its_war(pact_world):
    """17. A state losing a war on its territory that a pole can decide values the
    pole's security platform more, no longer refuses it for the pole's threat, and the
    platform admits it although the state does not lean to its leader."""
    config, compiled = pact_world
    ctx = context(config, compiled, w_duress=3.0, refusal_threat=1e6)
    s = initial_state(compiled, 1)
    s.align[:, BETA] = [0.0, 0.3, 0.7]
    s.pressure[:, BETA, NORTH] = 0.9                     # the pole bears down on it
    calm = platform_value(s, ctx, perceive(s, ctx))[0][0, BETA, PACT]
    s.duress[:, BETA, NORTH] = 1.0
    assert platform_value(s, ctx, perceive(s, ctx))[0][0, BETA, PACT] > calm
    # a bar the rival bloc's leader does not clear for this state, which leans to it
    # (below ~0.3 the rival admits it too and it enters the one it values more)
    strict = context(config, compiled, w_duress=3.0, admission_tenure=0.0,
                     refusal_threat=0.5, threshold_member=0.5, admission_bar=0.35)
    s.status[:, BETA, PACT] = PARTNER
    assert statuses(strict, s)[BETA, PACT] == CANDIDATE  # candidacy first, then membership
    s.status[:, BETA, PACT] = CANDIDATE
    assert statuses(strict, s)[BETA, PACT] == MEMBER
    s.duress[:, BETA, NORTH] = 0.0
    assert platform_value(s, strict, perceive(s, strict))[0][0, BETA, PACT] == -np.inf
    assert statuses(strict, s)[BETA, PACT] < MEMBER       # refused, and not admitted


def test_a_fixed_term_treaty_is_left_at_its_renewal_not_during_its_term(tiny_dict):
    """16. While a term runs, leaving a fixed-term treaty costs `term_margin` more than
    leaving another platform: a member whose valuation has fallen stays until the
    renewal (and leaves then)."""
    config, compiled, s, value = treaty_member(tiny_dict, "2000-06")
    levels = dict(threshold_observer=value + 1.0, threshold_partner=value + 1.1,
                  threshold_candidate=value + 1.2, threshold_member=value + 1.3,
                  exit_margin=0.5)
    assert statuses(context(config, compiled, term_margin=0.0, **levels), s,
                    )[GAMMA, LEAGUE] < MEMBER            # an ordinary platform: it leaves
    assert statuses(context(config, compiled, term_margin=1.0, **levels), s,
                    )[GAMMA, LEAGUE] == MEMBER           # in term: it stays
    after = context(config, compiled, term_margin=1.0, **levels)
    seen = perceive(s, after, slice(None), 6)            # past the last renewal: no term
    v, loose = platform_value(s, after, seen)
    draws = Draws(noise=np.zeros(s.align.shape), decide=np.zeros(s.status.shape))
    assert next_status(s, after, seen, v, loose, draws)[0][GAMMA, LEAGUE] < MEMBER


def test_a_held_observer_seat_outlasts_a_turn_away_from_its_leader(tiny_dict):
    """18. A state that turns to a pole rival to a club's pole keeps the observer seat it
    holds when the seat's signal is sunk, and drops it when it is not."""
    tiny_dict["world"]["platforms"]["club"]["pole_members"] = ["south"]
    tiny_dict["world"]["platforms"]["club"]["cooperation"] = src(0.1)
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    s = initial_state(compiled, 1)
    s.align[:, ALPHA] = [0.9, 0.0, 0.1]                  # alpha leans to south's rival
    s.status[:, ALPHA, CLUB] = OBSERVER
    kept = statuses(context(config, compiled, signal_sunk=1.0), s)
    dropped = statuses(context(config, compiled, signal_sunk=0.0), s)
    assert kept[ALPHA, CLUB] == OBSERVER
    assert dropped[ALPHA, CLUB] == NONE


def test_a_platform_that_refuses_membership_may_grant_an_observer_seat(tiny_dict):
    """18. An observer seat commits a platform to less than membership: a state whose
    leaning is too slight for membership is seated as an observer instead."""
    tiny_dict["world"]["platforms"]["league"]["statuses"] = ["none", "observer", "member"]
    tiny_dict["world"]["platforms"]["league"]["grants"] = ["observer", "member"]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    ctx = eager(config, compiled, admission_bar=0.6, w_admission_risk=0.0)
    s = initial_state(compiled, 1)
    s.align[:, GAMMA] = [0.0, 0.3, 0.7]                  # too slight a leaning for a member
    assert statuses(ctx, s)[GAMMA, LEAGUE] == OBSERVER
    s.align[:, GAMMA] = [0.0, 0.8, 0.2]
    assert statuses(ctx, s)[GAMMA, LEAGUE] == MEMBER


def club_opening(tiny_dict, opens: str):
    """Every state leaning to the club, which grants its seats and opens in `opens`:
    the context (a year's record asked) and the state at the start."""
    tiny_dict["world"]["platforms"]["club"].update(opens=opens, grants=["observer", "member"])
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    s = initial_state(compiled, 1)
    s.align[:] = [0.0, 0.0, 1.0]
    s.is_open[:, CLUB] = True
    return eager(config, compiled, admission_tenure=12.0), s


def test_a_new_state_is_admitted_only_after_a_record_as_a_state(tiny_dict):
    """14. A platform grants a state independent since the month before the start no
    rung before it has `admission_tenure` months of record as a state; a long-standing
    state needs none, and the founders of a platform enter it the month it opens."""
    tiny_dict["world"]["states"]["alpha"]["independent"] = {"from": "1999-12", "source": "t"}
    ctx, s = club_opening(tiny_dict, "2000-04")
    founding = statuses(ctx, s, t=3)                 # April 2000: the club opens
    assert founding[ALPHA, CLUB] == founding[BETA, CLUB] == MEMBER
    after = statuses(ctx, s, t=5)                    # alpha: 6 months a state
    assert after[ALPHA, CLUB] == NONE
    assert after[BETA, CLUB] == MEMBER               # long-standing
    assert statuses(ctx, s, t=11)[ALPHA, CLUB] == MEMBER  # a year of record


def test_a_platform_no_power_leads_admits_whatever_the_leaning(tiny_dict):
    """14. A movement of states has no leader's interest to weigh: it seats a state that
    does not share its stance, where a pole-led bloc declines one leaning to its rival."""
    for platform in ("club", "league"):
        tiny_dict["world"]["platforms"][platform]["statuses"] = ["none", "observer", "member"]
        tiny_dict["world"]["platforms"][platform]["grants"] = ["observer", "member"]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    ctx = eager(config, compiled, admission_bar=0.6, w_admission_risk=0.0)
    s = initial_state(compiled, 1)
    s.align[:, GAMMA] = [1.0, 0.0, 0.0]                  # all north: neither south nor club
    after = statuses(ctx, s)
    assert after[GAMMA, CLUB] == MEMBER
    assert after[GAMMA, LEAGUE] == NONE
