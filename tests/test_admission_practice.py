"""Direction tests of mechanisms 14 (an ally's interest) and 19 (no self-granted seat)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from balancing_sim.config.validate import build_config
from balancing_sim.dynamics import Context, initial_state, perceive
from balancing_sim.dynamics.decision import platform_value
from balancing_sim.dynamics.platforms import landing, next_status
from balancing_sim.dynamics.state import Draws
from balancing_sim.world import compile_config

NORTH = 0
ALPHA, BETA = 0, 1
PACT, CLUB = 0, 3
NONE, OBSERVER, PARTNER, CANDIDATE, MEMBER = range(5)


def statuses(config, compiled, s, **params) -> np.ndarray:
    """(N, K) statuses after one month, every state acting on its wish."""
    ctx = Context.build(compiled, replace(config.params, **params))
    seen = perceive(s, ctx, slice(None), 1)
    value, loose = platform_value(s, ctx, seen)
    draws = Draws(noise=np.zeros(s.align.shape), decide=np.zeros(s.status.shape))
    return next_status(s, ctx, seen, value, loose, draws)[0]


EAGER = dict(threshold_observer=-10.0, threshold_partner=-9.0, threshold_candidate=-8.0,
             threshold_member=-7.0, refusal_threat=1e6, admission_tenure=0.0,
             admission_bar=0.6, w_admission_risk=0.0)
"""Every state wants every rung; the platform's bar is what decides."""


def pact_world(tiny_dict, protection: float):
    tiny_dict["world"]["platforms"]["pact"]["grants"] = ["candidate", "member"]
    tiny_dict["world"]["platforms"]["pact"]["protection"] = {"value": protection,
                                                            "source": "test"}
    config = build_config(tiny_dict)
    return config, compile_config(config)


def test_a_pole_admits_to_its_security_bloc_the_state_it_is_allied_with(tiny_dict):
    """14. A treaty of alliance shows the pole's interest in the state: its security bloc
    admits an ally whose leaning alone is too slight, and a platform that commits no
    protection does not count the alliance."""
    config, compiled = pact_world(tiny_dict, 0.8)
    s = initial_state(compiled, 1)
    s.align[:, BETA] = [0.2, 0.1, 0.7]                  # beta leans little to north
    s.status[:, BETA, PACT] = CANDIDATE
    assert statuses(config, compiled, s, **EAGER)[BETA, PACT] == CANDIDATE
    s.alliance[:, BETA, NORTH] = 1.0                    # a treaty of alliance with north
    assert statuses(config, compiled, s, **EAGER)[BETA, PACT] == MEMBER
    config, compiled = pact_world(tiny_dict, 0.0)       # the same platform, no protection
    s2 = initial_state(compiled, 1)
    s2.align[:], s2.status[:], s2.alliance[:] = s.align, s.status, s.alliance
    s2.status[:, BETA, PACT] = CANDIDATE
    assert statuses(config, compiled, s2, **EAGER)[BETA, PACT] == CANDIDATE


def test_a_state_leaving_lands_only_on_a_seat_the_platform_offers(tiny_dict):
    """19. A member leaving a platform keeps a lesser seat only where the platform offers
    it now; where the platform grants that seat and is not deciding on it, it leaves."""
    tiny_dict["world"]["platforms"]["club"]["grants"] = ["observer", "member"]
    config = build_config(tiny_dict)
    compiled = compile_config(config)
    s = initial_state(compiled, 1)
    s.status[:, ALPHA, CLUB] = MEMBER
    s.tenure[:, ALPHA, CLUB] = 100.0
    leave = dict(threshold_observer=-10.0, threshold_partner=-9.0, threshold_candidate=50.0,
                 threshold_member=60.0, exit_margin=0.0)  # loose ties yes, membership no
    s.openness[:, CLUB, OBSERVER] = 1.0
    assert statuses(config, compiled, s, **leave)[ALPHA, CLUB] == OBSERVER
    s.openness[:, CLUB, OBSERVER] = 0.0
    assert statuses(config, compiled, s, **leave)[ALPHA, CLUB] == NONE


def test_landing_takes_the_highest_rung_on_offer_at_or_below():
    on_offer = np.array([[True, True, False, True, True],
                         [True, False, False, False, True]])
    assert landing(on_offer, np.array([2, 3])).tolist() == [OBSERVER, NONE]
    assert landing(on_offer, np.array([3, 0])).tolist() == [CANDIDATE, NONE]
