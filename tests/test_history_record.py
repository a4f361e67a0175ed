"""The history answers to the documented record: the share of the record's facts held in
at least 80% of 100 fresh replicates (a seed the calibration never saw). The target of
issue 11 is 95%; the floor asserted here is what the calibrated model reaches (117 of 125
facts, 0.936: docs/VALIDATION.md, tenth round), so losing any fact fails."""

from __future__ import annotations

import numpy as np
import pytest

from balancing_sim.config.loading import compose, conf_dir
from balancing_sim.config.schema import STATUSES
from balancing_sim.config.validate import month_index, month_text
from balancing_sim.ensemble import simulate_block
from balancing_sim.record import fact_shares, load_record, load_world_ids, record_score
from balancing_sim.validation import Panel
from balancing_sim.world import compile_config

FLOOR = 117 / 125
MEMBER = STATUSES.index("member")


@pytest.fixture(scope="module")
def history():
    config, _ = compose(["scenario=history"])
    compiled = compile_config(config)
    rec = simulate_block(compiled, config.params, seed=987654, runs=np.arange(100))
    world = load_world_ids(conf_dir() / "world" / "eurasia.yaml")
    record = load_record(conf_dir() / "record" / "eurasia.yaml", world)
    return Panel.from_records(rec, compiled), record


def test_record_score_on_fresh_replicates(history):
    panel, record = history
    score = record_score(panel, record)
    shares = fact_shares(panel, record)
    worst = shares.sort_values("share").head(8)[["id", "share"]].to_string(index=False)
    assert score >= FLOOR, f"record score {score:.3f} < {FLOOR}; worst facts:\n{worst}"


def test_memberships_of_the_bloc_core_hold(history):
    """The facts a domain expert checks first: Kazakhstan and Kyrgyzstan in the CSTO,
    Hungary in NATO (1999) and the EU (2004), Georgia in neither (never a member of
    either, in any run or month; its EU candidacy of Dec 2023, four scored months, is
    left to the record score), Azerbaijan and Georgia in the Collective Security Treaty
    1993-1999 (mechanism 17)."""
    panel, record = history
    shares = fact_shares(panel, record).set_index("id")["share"]
    for fact in ("kazakhstan_csto_member", "kyrgyzstan_csto_member", "hungary_nato_member",
                 "hungary_eu_member", "georgia_nato_aspirant", "turkmenistan_neutral",
                 "azerbaijan_cst_member", "georgia_cst_member"):
        assert shares[fact] >= 0.8, (fact, shares[fact])
    georgia = panel.states.index("georgia")
    for bloc in ("eu", "nato"):
        assert not (panel.status[:, :, georgia, panel.platforms.index(bloc)] == MEMBER).any()


@pytest.fixture(scope="module")
def events():
    """The history's events, composed once for the tests of its conditions."""
    return compose(["scenario=history"])[0].scenario.events


def test_the_wests_restrictions_on_uzbekistan_end_in_two_steps(events):
    """The West's restrictions on Uzbekistan of 2005 ended in two steps, the EU's in
    October 2009 and the US's with the waiver of January 2012 (CRS RS21238); the history
    had lifted them all in 2009 (a bug in the conditions, fixed in the ninth round of
    docs/VALIDATION.md). Whether Uzbekistan then stays in the CSTO to 2012 is a fact of
    the record score (missed since the tenth round: it never leaves)."""

    def pressure(until: str) -> float:
        return _condition(events, "pressure", until, pole="west", states=("uzbekistan",))

    before = pressure("2005-04")
    assert pressure("2005-05") == pytest.approx(before + 0.4)
    assert pressure("2009-10") == pytest.approx(before + 0.2)
    assert pressure("2011-12") == pytest.approx(before + 0.2)
    assert pressure("2012-01") == pytest.approx(before)


def test_uzbekistans_guuam_tie_ends_when_it_left_in_2002(events):
    """Uzbekistan's tie to Georgia in GUUAM (April 1999) ended with its withdrawal of June
    2002; the history kept it to 2024, and the stale tie helped Uzbekistan out of the CSTO
    after 2012 (docs/VALIDATION.md, ninth round)."""

    def tie(until: str) -> float:
        return _condition(events, "alliance", until, state="uzbekistan", actor="georgia")

    assert tie("2002-05") == pytest.approx(0.2)
    assert tie("2002-06") == pytest.approx(0.0)


def _condition(events, kind: str, until: str, **targets) -> float:
    """The sum of a history's additive events of one kind on exactly these targets (a
    `states` tuple as written) up to a month; events that set a value are left out."""
    return sum(e.value.value for e in events
               if e.kind == kind and e.date <= until and e.mode != "set"
               and all(e.targets.get(k) == v for k, v in targets.items()))


@pytest.mark.parametrize(("kind", "targets", "begins", "ends"), [
    ("pressure", {"pole": "west", "states": ("azerbaijan",)}, "1992-10", "2002-01"),
    ("pressure", {"pole": "russia", "states": ("kyrgyzstan",)}, "2010-04", "2011-01"),
    ("pressure", {"pole": "russia", "states": ("georgia",)}, "2019-07", "2023-05"),
    ("economy", {"state": "turkmenistan", "pole": "russia"}, "2010-01", "2016-01"),
])
def test_documented_restrictions_end_when_they_ended(events, kind, targets, begins, ends):
    """Conditions the audit of the ninth round found missing (docs/VALIDATION.md, tenth
    round): Section 907 (Oct 1992 to its waiver of Jan 2002), Russia's fuel duties on
    Kyrgyzstan (Apr 2010 to Jan 2011), its flight ban on Georgia (Jul 2019 to May 2023),
    Gazprom's purchases of Turkmen gas (Jan 2010 to Jan 2016): each begins, and is undone
    when the record says, not left standing as the GUUAM tie was."""
    before = _condition(events, kind, _previous(begins), **targets)
    during = _condition(events, kind, begins, **targets)
    last = _condition(events, kind, _previous(ends), **targets)
    after = _condition(events, kind, ends, **targets)
    assert during != pytest.approx(before)
    assert last != pytest.approx(before)  # still in force the month before it ended
    assert after == pytest.approx(before)


def _previous(month: str) -> str:
    return month_text(month_index(month) - 1)
