"""One test per mechanism of the decision rule, each showing its direction.

Each test changes one condition or weight in a tiny synthetic world and checks
that the utility (or the platform value, or the platform state) moves the way
the theory says.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from balancing_sim.config.validate import build_config
from balancing_sim.dynamics import (
    Context,
    alignment_utility,
    initial_state,
    perceive,
    platform_value,
)
from balancing_sim.dynamics.platforms import update_platforms
from balancing_sim.dynamics.poles import react
from balancing_sim.ensemble import simulate_block
from balancing_sim.world import compile_config

NORTH, SOUTH, NONALIGNED = 0, 1, 2
ALPHA, BETA, GAMMA = 0, 1, 2
PACT, LEAGUE, FORUM, CLUB = 0, 1, 2, 3


def evaluate(config, compiled, state=None, **params):
    """Alignment utilities (N, P+1) and platform values (N, K) at the initial state."""
    ctx = Context.build(compiled, replace(config.params, **params))
    s = state if state is not None else initial_state(compiled, 1)
    seen = perceive(s, ctx)
    return alignment_utility(s, ctx, seen)[0], platform_value(s, ctx, seen)[0][0]


def margin(u: np.ndarray, state: int, pole: int) -> float:
    """How much better leaning to `pole` is than staying non-aligned."""
    return float(u[state, pole] - u[state, NONALIGNED])


def test_security_against_autonomy(tiny_compiled):
    """1. Valuing autonomy more makes alignment and binding blocs less attractive."""
    config, compiled = tiny_compiled
    u_low, v_low = evaluate(config, compiled, w_autonomy=0.2)
    u_high, v_high = evaluate(config, compiled, w_autonomy=2.0)
    assert margin(u_high, ALPHA, NORTH) < margin(u_low, ALPHA, NORTH)
    assert v_high[ALPHA, PACT] < v_low[ALPHA, PACT]
    # a non-binding signal club costs no autonomy
    assert v_high[ALPHA, CLUB] == pytest.approx(v_low[ALPHA, CLUB])


def test_protector_credibility(tiny_compiled):
    """2. A threatened state values a protector less when its credibility falls."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    u_before, v_before = evaluate(config, compiled, s)
    s.credibility[:, ALPHA, NORTH] = 0.1
    u_after, v_after = evaluate(config, compiled, s)
    assert u_after[ALPHA, NORTH] < u_before[ALPHA, NORTH]
    assert v_after[ALPHA, PACT] < v_before[ALPHA, PACT]


def test_punishment_scaled_by_proximity(tiny_dict):
    """3. Leaning to a pole costs more the closer its rival is."""
    values = []
    for closeness in (0.2, 1.0):
        tiny_dict["world"]["states"]["alpha"]["proximity"]["south"]["value"] = closeness
        config = build_config(tiny_dict)
        u, v = evaluate(config, compile_config(config), w_security=0.0, w_punishment=1.0)
        values.append((margin(u, ALPHA, NORTH), v[ALPHA, PACT]))
    (far_u, far_v), (near_u, near_v) = values
    assert near_u < far_u
    assert near_v < far_v


def test_economic_interdependence(tiny_compiled):
    """4. Stronger economic ties with a pole pull toward it."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    base, _ = evaluate(config, compiled, s)
    s.economy[:, GAMMA, SOUTH] = 0.8
    tied, _ = evaluate(config, compiled, s)
    assert margin(tied, GAMMA, SOUTH) > margin(base, GAMMA, SOUTH)


def test_identity_and_kinship(tiny_compiled):
    """5. Shared identity pulls toward a pole; so do kin that already lean to it."""
    config, compiled = tiny_compiled
    u, _ = evaluate(config, compiled, w_identity=1.0, w_kinship=0.0)
    assert u[ALPHA, NORTH] - u[ALPHA, SOUTH] > u[BETA, NORTH] - u[BETA, SOUTH]
    s = initial_state(compiled, 1)
    before, _ = evaluate(config, compiled, s, w_kinship=1.0)
    s.align[:, BETA] = [0.0, 1.0, 0.0]  # gamma's kin (shared identity) turns south
    after, _ = evaluate(config, compiled, s, w_kinship=1.0)
    assert margin(after, GAMMA, SOUTH) > margin(before, GAMMA, SOUTH)


def test_polarization_raises_the_price_of_balancing(tiny_compiled):
    """6. Polarization makes staying non-aligned costlier."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    calm, _ = evaluate(config, compiled, s)
    s.polarization[:] = 1.0
    tense, _ = evaluate(config, compiled, s)
    assert tense[GAMMA, NONALIGNED] < calm[GAMMA, NONALIGNED]
    assert margin(tense, GAMMA, SOUTH) > margin(calm, GAMMA, SOUTH)


def test_viability_follows_participation_and_cohesion(tiny_compiled):
    """7. A format gains viability when its core joins and loses it when a participant
    leans to a rival of the powers inside it."""
    config, compiled = tiny_compiled
    ctx = Context.build(compiled, replace(config.params, viability_rate=1.0))

    def viability(s) -> float:
        return update_platforms(s, ctx)[0][0, FORUM]

    empty = initial_state(compiled, 1)
    empty.align[:] = [0.0, 0.0, 1.0]
    full = empty.copy()
    full.status[:, :, FORUM] = 4
    assert viability(full) > viability(empty)
    split = initial_state(compiled, 1)
    split.status[:, :, FORUM] = 4
    split.align[:] = [0.0, 0.0, 1.0]
    split.align[:, ALPHA] = [1.0, 0.0, 0.0]
    polarized = split.copy()
    polarized.align[:, BETA] = [0.0, 1.0, 0.0]  # beta turns to alpha's pole's rival
    assert viability(polarized) < viability(split)


def test_institutional_deepening(tiny_compiled):
    """8. A deeper platform is worth more to every state that could join it."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    _, shallow = evaluate(config, compiled, s, w_depth=1.0)
    s.depth[:, FORUM] = 0.9
    _, deep = evaluate(config, compiled, s, w_depth=1.0)
    assert (deep[:, FORUM] > shallow[:, FORUM]).all()


def test_bilateral_alliance_as_stepping_stone(tiny_compiled):
    """9. A bilateral ally covers threat: less need for a bloc, more room to stay out."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    u_alone, v_alone = evaluate(config, compiled, s)
    s.alliance[:, ALPHA, GAMMA + compiled.structure.n_poles] = 1.0
    u_allied, v_allied = evaluate(config, compiled, s)
    assert u_allied[ALPHA, NONALIGNED] > u_alone[ALPHA, NONALIGNED]
    assert u_allied[ALPHA, NORTH] < u_alone[ALPHA, NORTH]
    assert v_allied[ALPHA, PACT] < v_alone[ALPHA, PACT]


def test_an_alliance_with_a_pole_is_no_stepping_stone(tiny_compiled):
    """9. An alliance with a pole trades autonomy for its protection (Morrow 1991): it
    covers threat as any ally does (less need for a bloc), but it gives no room to stay
    out of alignment, as an alliance with a state does."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    u_alone, v_alone = evaluate(config, compiled, s)
    s.alliance[:, ALPHA, NORTH] = 1.0
    u_allied, v_allied = evaluate(config, compiled, s)
    assert u_allied[ALPHA, NONALIGNED] == pytest.approx(u_alone[ALPHA, NONALIGNED])
    assert v_allied[ALPHA, PACT] < v_alone[ALPHA, PACT]
    assert u_allied[ALPHA, SOUTH] < u_alone[ALPHA, SOUTH]


def test_threat_raises_the_value_of_protection(tiny_compiled):
    """10. A graver threat raises the value of a protector and of its bloc; a threatening
    pole repels."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    u_calm, v_calm = evaluate(config, compiled, s)
    s.threat[:, ALPHA, compiled.structure.sources.index("raider")] = 1.0
    u_threat, v_threat = evaluate(config, compiled, s)
    assert margin(u_threat, ALPHA, NORTH) > margin(u_calm, ALPHA, NORTH)
    assert v_threat[ALPHA, PACT] > v_calm[ALPHA, PACT]
    s.threat[:, GAMMA, NORTH] = 1.0
    u_menaced, _ = evaluate(config, compiled, s)
    assert u_menaced[GAMMA, NORTH] < u_calm[GAMMA, NORTH]


def test_state_refuses_formats_with_a_threatening_power(tiny_compiled):
    """Platform rule: no state sits in a format with a power that threatens it beyond
    the refusal limit, whatever else the format offers."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    s.threat[:, BETA, NORTH] = 1.0
    _, v = evaluate(config, compiled, s, refusal_threat=0.3, w_economy=100.0)
    assert v[BETA, FORUM] == -np.inf
    assert np.isfinite(v[GAMMA, FORUM])


def test_power_centers_react_to_drift(tiny_compiled):
    """Power centers press and court states that drift toward their rivals."""
    config, compiled = tiny_compiled
    s = initial_state(compiled, 1)
    s.align[:, GAMMA] = [0.0, 0.9, 0.1]
    params = replace(config.params, reaction_rate=1.0, reaction_gain=1.0, carrot_gain=1.0)
    reaction, carrots = react(s, Context.build(compiled, params))
    assert reaction[0, GAMMA, NORTH] > reaction[0, GAMMA, SOUTH]
    assert carrots[0, GAMMA, NORTH] > 0


def test_autonomy_weight_lowers_bloc_membership_over_runs(tiny_compiled):
    """End to end: states that value autonomy join fewer blocs."""
    config, compiled = tiny_compiled
    shares = []
    for weight in (0.0, 10.0):  # 10: against the calibrated weights of the other terms
        params = replace(config.params, w_autonomy=weight, decision_hazard=0.5,
                         admission_bar=0.0, admission_tenure=0.0,
                         exit_margin=0.0)  # admission and exit costs aside
        rec = simulate_block(compiled, params, seed=3, runs=np.arange(20))
        inside = rec.status[:, -1][..., [PACT, LEAGUE]] >= 3
        shares.append(inside.mean())
    assert shares[1] < shares[0]


def test_a_founding_is_a_moment_every_state_decides_on(tiny_dict):
    """20. A platform's founding month, and the month an `open` event relaunches it, is
    a decision for every state: with no state ever getting round to a rung on its own
    (`decision_hazard` 0), those who want in enter the forum that month; where it was
    open from the start and nothing relaunches it, none ever does. (The forum grants
    nothing here: membership is on offer, taken at will.)"""
    def forum_status(opens, events=None):
        tiny_dict["world"]["platforms"]["forum"].update(opens=opens, grants=[])
        tiny_dict["scenario"]["events"] = events or {}
        config = build_config(tiny_dict)
        params = replace(config.params, decision_hazard=0.0, w_economy=20.0)
        rec = simulate_block(compile_config(config), params, seed=3, runs=np.arange(4))
        return rec.steps, rec.status[..., FORUM]

    relaunch = {"relaunch": {"date": "2002-01", "kind": "open", "platform": "forum",
                             "value": {"value": 0.5, "source": "test"}, "source": "test"}}
    for opens, events, first in (("2001-01", None, 12), (None, relaunch, 24)):
        steps, status = forum_status(opens, events)  # step 12: after twelve months
        assert (status[:, steps < first] == 0).all()
        assert (status[:, steps >= first] == 4).all()
    _, always_open = forum_status(None)
    assert (always_open == 0).all()
