"""The model contains Axelrod and Bennett's landscape theory as a special case.

With every mechanism off except kinship (the pairwise propensity term), two poles
and no pressure, a state's utility for a pole is minus its landscape frustration up
to a positive factor and a constant; with sequential activation and best responses
the model moves exactly as landscape theory says and stops in its local minima.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from worlds import src, tiny_world_dict

from balancing_sim import landscape
from balancing_sim.config.schema import FREE_PARAMETERS
from balancing_sim.config.validate import build_config
from balancing_sim.dynamics import Context, Perceived, alignment_utility, initial_state
from balancing_sim.model import AlignmentModel
from balancing_sim.world import compile_config


def landscape_case(n: int, rng: np.random.Generator):
    """A random landscape instance as a model world: n states, two rival poles."""
    data = tiny_world_dict()
    data["world"]["states"] = {
        f"s{i}": {"capability": src(0.01), "autonomy": src(0.5), "identity": [],
                  "proximity": {}} for i in range(n)}
    data["world"]["platforms"] = {}
    data["world"].pop("external")
    data["scenario"]["conditions"] = {
        "polarization": src(1.0), "credibility": {"north": src(0.5), "south": src(0.5)}}
    data["scenario"]["alignment"] = {}
    params = {name: 0.0 for name in FREE_PARAMETERS}
    params.update(w_kinship=1.0, w_polarization=1e3, temperature=1e-6, adjustment_rate=1.0)
    data["params"] = params
    config = build_config(data)
    compiled = compile_config(config)
    sizes = rng.uniform(0.5, 3.0, n)
    propensity = rng.uniform(-1, 1, (n, n))
    propensity = np.triu(propensity, 1) + np.triu(propensity, 1).T
    st = compiled.structure
    capability = st.capability.copy()          # (years, sources)
    capability[:, st.n_poles:st.n_poles + n] = sizes
    st = replace(st, kinship=propensity, capability=capability,
                 state_capability=capability[:, st.n_poles:st.n_poles + n])
    return config, replace(compiled, structure=st), sizes, propensity


def one_hot(blocs: np.ndarray) -> np.ndarray:
    align = np.zeros((len(blocs), 3))
    align[np.arange(len(blocs)), blocs] = 1.0
    return align


@pytest.mark.parametrize("seed", range(8))
def test_utility_is_minus_frustration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    config, compiled, sizes, propensity = landscape_case(n, rng)
    st = compiled.structure
    blocs = rng.integers(0, 2, n)
    s = initial_state(compiled, 1)
    s.align[0] = one_hot(blocs)
    zeros = np.zeros((1, n, st.n_poles + n))
    calm = Perceived(rows=np.arange(n), t=0, year=0, eff=zeros, stepping_stones=np.zeros((1, n)),
                     need=zeros[..., :2], reach=zeros[..., :2], strength=np.zeros((n, 2)))
    u = alignment_utility(s, Context.build(compiled, config.params), calm)[0]
    factor = 1.0 / sizes.max()                       # sizes enter relative to the largest
    constant = (propensity * sizes).sum(axis=1)      # C_i, independent of i's own choice
    for pole in (0, 1):
        as_if = blocs.copy()
        for i in range(n):
            as_if[i] = pole
            f_i = landscape.frustration(sizes, propensity, as_if)[i]
            assert u[i, pole] == pytest.approx(factor * (constant[i] - f_i), abs=1e-12)
            as_if[i] = blocs[i]


@pytest.mark.parametrize("seed", range(6))
def test_sequential_dynamics_descend_to_a_landscape_minimum(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(4, 9))
    config, compiled, sizes, propensity = landscape_case(n, rng)
    start = rng.integers(0, 2, n)
    compiled = replace(compiled, initial=replace(compiled.initial, align=one_hot(start)))
    model = AlignmentModel(compiled, config.params, rng=seed, schedule="sequential")
    blocs = start.copy()
    energy = landscape.energy(sizes, propensity, blocs)
    for _ in range(4 * n):
        before = blocs.copy()
        model.step()
        blocs = model.state.align[0].argmax(axis=1)
        assert set(np.unique(blocs)) <= {0, 1}
        # every move is the switcher's best response: it never raises its frustration
        new_energy = landscape.energy(sizes, propensity, blocs)
        assert new_energy <= energy + 1e-12
        energy = new_energy
        if (before == blocs).all():
            break
    minima = landscape.local_minima(sizes, propensity)
    canonical = blocs if blocs[0] == 0 else 1 - blocs
    assert any((canonical == m).all() for m in minima.blocs)
