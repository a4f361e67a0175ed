"""Config -> arrays: the conditions of a situation land where the dynamics read them."""

from __future__ import annotations

import pytest
from worlds import src

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.validate import build_config
from balancing_sim.world import compile_config


def test_credibility_by_state_overrides_the_pole_default(tiny_dict):
    tiny_dict["scenario"]["conditions"]["credibility_by_state"] = [
        {"state": "beta", "pole": "north", **src(0.05)}]
    compiled = compile_config(build_config(tiny_dict))
    st, cred = compiled.structure, compiled.initial.credibility
    north = st.poles.index("north")
    assert cred[st.states.index("beta"), north] == 0.05
    assert cred[st.states.index("alpha"), north] == 0.6


def test_credibility_by_state_names_known_actors(tiny_dict):
    tiny_dict["scenario"]["conditions"]["credibility_by_state"] = [
        {"state": "beta", "pole": "east", **src(0.05)}]
    with pytest.raises(ConfigError, match="credibility_by_state"):
        build_config(tiny_dict)


def test_platform_opening_later_starts_closed(tiny_dict):
    tiny_dict["world"]["platforms"]["forum"]["opens"] = "2002-01"
    compiled = compile_config(build_config(tiny_dict))
    k = compiled.structure.platforms.index("forum")
    assert compiled.structure.opens_step[k] == 24
