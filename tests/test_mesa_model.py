"""The Mesa face: built from a scenario name with keyword parameters, stepped through
AgentSets, per-type reporters, driven by mesa.batch_run; the same numbers as the
ensemble engine (tests/test_engines.py asserts engine equality on every scenario)."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from balancing_sim.agents import Platform, PowerCenter, StateAgent
from balancing_sim.ensemble import simulate_block
from balancing_sim.model import AlignmentModel

SHORT = "scenario.end=2025-03"


@pytest.fixture(scope="module")
def model():
    m = AlignmentModel.from_scenario("baseline", rng=4, run=1, overrides=SHORT, w_autonomy=1.1)
    while m.running:
        m.step()
    return m


def test_keyword_parameters_and_a_scenario_name_build_the_model(model):
    assert model.params.w_autonomy == 1.1
    assert model.time == model.compiled.n_steps == 9 and model.date == "2025-03"  # from 2024-06
    assert {type(a) for a in model.agents} == {StateAgent, PowerCenter, Platform}
    rec = simulate_block(model.compiled, model.params, 4, np.array([1]), 1)
    np.testing.assert_allclose(model.state.align, rec.align[:, -1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.state.status, rec.status[:, -1])


def test_reporters_record_each_type_without_empty_rows(model):
    states = model.datacollector.get_agenttype_vars_dataframe(StateAgent)
    platforms = model.datacollector.get_agenttype_vars_dataframe(Platform)
    poles = model.structure.poles
    assert {f"align_{p}" for p in poles} | {"posture", "hedging"} <= set(states.columns)
    assert list(platforms.columns) == ["viability", "depth"]
    months = model.compiled.n_steps + 1
    assert len(states) == months * len(model.structure.states)
    assert len(platforms) == months * len(model.structure.platforms)
    assert not states.isna().any().any() and not platforms.isna().any().any()
    weights = states[[f"align_{p}" for p in poles] + ["nonaligned_share"]].sum(axis=1)
    np.testing.assert_allclose(weights, 1.0, atol=1e-9)
    last = states.xs(float(months - 1), level="Step")
    final = model.state.align[0]
    np.testing.assert_allclose(last[f"align_{poles[0]}"].to_numpy(), final[:, 0])



def test_without_collecting_the_model_steps_alike_and_records_nothing(model):
    """The reference engine (`run_models`) stores its own records: its models skip Mesa's
    DataCollector (a tenth of its time), and step to the same state."""
    bare = AlignmentModel.from_scenario("baseline", rng=4, run=1, overrides=SHORT,
                                        w_autonomy=1.1, collect=False)
    while bare.running:
        bare.step()
    assert bare.datacollector.get_model_vars_dataframe().empty
    np.testing.assert_array_equal(bare.state.align, model.state.align)
    np.testing.assert_array_equal(bare.state.status, model.state.status)

def test_batch_run_drives_the_model():
    rows = mesa.batch_run(AlignmentModel.from_scenario,
                          {"name": "baseline", "w_autonomy": [0.5, 2.0], "run": [0, 1],
                           "overrides": SHORT},
                          rng=[7], max_steps=100, display_progress=False)
    runs = {(r["w_autonomy"], r["run"]) for r in rows}
    assert runs == {(0.5, 0), (0.5, 1), (2.0, 0), (2.0, 1)}
    assert all(r["Step"] == 9 and r["date"] == "2025-03" for r in rows)
    again = AlignmentModel.from_scenario("baseline", rng=7, run=1, overrides=SHORT,
                                         w_autonomy=2.0)
    while again.running:
        again.step()
    row = next(r for r in rows if (r["w_autonomy"], r["run"]) == (2.0, 1))
    assert row["nonaligned"] == sum(a.nonaligned for a in again.state_agents)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="rng must be a non-negative integer"):
        AlignmentModel.from_scenario("baseline", rng=-1, overrides=SHORT)
    with pytest.raises(ValueError, match="schedule must be"):
        AlignmentModel.from_scenario("baseline", schedule="random", overrides=SHORT)


def test_solara_viz_renders_the_model_with_its_parameters():
    import solara
    from mesa.visualization import SolaraViz, make_plot_component

    model = AlignmentModel.from_scenario("baseline", overrides=SHORT)
    slider = {"type": "SliderFloat", "value": 1.0, "label": "w_autonomy", "min": 0.2,
              "max": 3.0, "step": 0.1}
    page = SolaraViz(model, components=[make_plot_component("nonaligned")],
                     model_params={"scenario": "baseline", "overrides": SHORT,
                                   "w_autonomy": slider})
    box, _ = solara.render(page, handle_error=False)
    assert box.children
    rebuilt = type(model)(scenario="baseline", overrides=SHORT, w_autonomy=1.0)
    assert rebuilt.params.w_autonomy == 1.0  # what SolaraViz's reset does
