"""Red-team attacks on a user's continued scenario (`scenario.after`, docs/RELIABILITY.md
attacks 267-): its first month is step 1 (world.first_month), so a continuation of one
month is a run of one simulated month, its events and openings of that month act in it,
on either engine. The tests of row 267 fail on the code before its fix; row 268's keeps
what held."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from worlds import src, tiny_world_dict, user_folder

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import compose
from balancing_sim.config.validate import month_index
from balancing_sim.evaluation import Model
from balancing_sim.model import AlignmentModel


def continued(root, end: str) -> list[str]:
    """The tiny world `mine` (2000-01 to 2004-12) continued by `later` from 2005-01 to
    `end`, a threat event and the club's opening in its first month."""
    data = tiny_world_dict()
    data["world"]["platforms"]["club"]["opens"] = "2005-01"
    overrides = user_folder(root, data)
    situation = yaml.safe_load((root / "situation" / "mine_start.yaml").read_text())
    (root / "situation" / "later_start.yaml").write_text("# @package scenario\n" + yaml.safe_dump(
        {**situation, "after": "mine", "start": "2005-01"}))
    event = {"date": "2005-01", "kind": "threat", "state": "alpha", "actor": "raider",
             "mode": "set", "value": src(1.0), "source": "test"}
    (root / "scenario" / "later.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /situation: later_start\n"
        + yaml.safe_dump({"scenario": {"name": "later", "end": end, "events": {"e1": event}}}))
    return overrides[:2]


@pytest.mark.parametrize("engine", ["ensemble", "mesa"])
def test_a_continuation_of_one_month_simulates_that_month(tmp_path, engine):
    overrides = continued(tmp_path, end="2005-01")
    model = Model.of("later", [*overrides, f"engine={engine}"], runs=2, seed=3)
    forward = model.panel(model.params)
    history = Model.of("mine", overrides, runs=2, seed=3)
    assert list(forward.months) == [month_index("2004-12"), month_index("2005-01")]
    np.testing.assert_array_equal(forward.align[:, 0], history.panel(history.params).align[:, -1])
    assert not np.allclose(forward.align[:, 1], forward.align[:, 0])


def test_the_first_months_event_and_opening_act_in_step_one(tmp_path):
    model = AlignmentModel("later", overrides=tuple(continued(tmp_path, end="2005-06")), rng=3)
    assert (model.date, bool(model.state.is_open[0, model.compiled.structure.platforms.index(
        "club")])) == ("2004-12", False)
    model.step()
    assert (model.date, model.events_now()) == ("2005-01", ["e1"])
    assert model.state.is_open[0, model.compiled.structure.platforms.index("club")]


def test_a_continuation_ending_before_it_starts_is_one_message(tmp_path):
    overrides = continued(tmp_path, end="2004-12")
    with pytest.raises(ConfigError) as caught:
        compose([*overrides, "scenario=later"])
    assert "scenario.end = '2004-12': scenario.start (2005-01) or a later month" in str(
        caught.value)


@pytest.mark.parametrize(("first", "accepted"), [("2024-06", True), ("2024-05", False)])
def test_a_record_may_start_where_a_continued_run_starts_recording(tmp_path, first, accepted):
    """A continued scenario records the month the run it continues ends (its step 0):
    a record of the baseline may begin in June 2024, not in May (the window was checked
    against the scenario's first month, July, and refused June)."""
    from balancing_sim.record import record_for_run

    config, _ = compose(["scenario=baseline"])
    span = {"from": first, "to": "2025-06", "source": "notes"}
    anything = [{"id": f"{state.id}_{platform.id}", "actor": state.id,
                 "platform": platform.id, "status": "any",
                 "accept": list(platform.statuses), **span}
                for state in config.world.states for platform in config.world.platforms]
    record = tmp_path / "forward.yaml"
    record.write_text(yaml.safe_dump({
        "world": "eurasia", "window": {"from": first, "to": "2025-06"},
        "scoring": {"hold_share": 0.8, "required_share": 0.8, "grace_months": 0},
        "sources": {"notes": "my notes"}, "memberships": anything,
        "postures": [{"id": "georgia_west", "actor": "georgia", "accept": ["west"],
                      **span}]}))
    if accepted:
        assert record_for_run(record, config)[0].window.start == month_index("2024-06")
    else:
        with pytest.raises(ConfigError, match="months the run records: 2024-06 to 2034-12"):
            record_for_run(record, config)
