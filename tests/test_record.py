"""The documented record: it loads, it rejects malformed facts with clear errors, and its
scores can fail (a contradicting panel or a wrong record scores lower)."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.schema import NONALIGNED, STATUSES
from balancing_sim.config.validate import month_index
from balancing_sim.record import (
    Record,
    WorldIds,
    agreement,
    base_rate_forecasts,
    brier,
    brier_difference,
    check_structure,
    checkpoints,
    end_state,
    fact_shares,
    facts_markdown,
    load_record,
    load_world_ids,
    main,
    model_forecasts,
    parse_record,
    persistence_forecasts,
    record_markdown,
    record_score,
    replace_generated,
    scored_span,
)
from balancing_sim.validation import Panel

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "conf" / "record" / "eurasia.yaml"
WORLD = ROOT / "conf" / "world" / "eurasia.yaml"

TOY_WORLD = WorldIds(
    name="toy", states=("a", "b"), poles=("east", "west"),
    ladders={"pact": ("none", "observer", "member"),
             "union": ("none", "partner", "candidate", "member")},
    opens={"pact": None, "union": month_index("2001-01")},
    pole_members={"pact": frozenset({"east"}), "union": frozenset({"west"})},
)


def toy_record_dict() -> dict:
    spell = {"source": "org"}
    return {
        "world": "toy",
        "window": {"from": "2000-01", "to": "2004-12"},
        "scoring": {"hold_share": 0.8, "required_share": 0.8, "grace_months": 6},
        "sources": {"org": "the organization's own record"},
        "memberships": [
            {"id": "a_pact", "actor": "a", "platform": "pact", "from": "2000-01",
             "to": "2004-12", "status": "member", "accept": ["member"], **spell},
            {"id": "b_pact_out", "actor": "b", "platform": "pact", "from": "2000-01",
             "to": "2001-12", "status": "none", "accept": ["none"], **spell},
            {"id": "b_pact_in", "actor": "b", "platform": "pact", "from": "2002-01",
             "to": "2004-12", "status": "member", "accept": ["member"], **spell},
            {"id": "a_union", "actor": "a", "platform": "union", "from": "2001-01",
             "to": "2004-12", "status": "none", "accept": ["none"], **spell},
            {"id": "b_union_partner", "actor": "b", "platform": "union", "from": "2001-01",
             "to": "2002-12", "status": "partner", "accept": ["partner"], **spell},
            {"id": "b_union_applicant", "actor": "b", "platform": "union", "from": "2003-01",
             "to": "2004-12", "status": "applicant", "accept": ["partner", "candidate"],
             **spell},
        ],
        "postures": [
            {"id": "a_east", "actor": "a", "from": "2000-01", "to": "2004-12",
             "accept": ["east"], **spell},
            {"id": "b_west", "actor": "b", "from": "2000-01", "to": "2001-12",
             "accept": ["west"], **spell},
            {"id": "b_hedging", "actor": "b", "from": "2002-01", "to": "2004-12",
             "accept": ["west", "nonaligned"], **spell},
        ],
        "structure": [
            {"id": "east_pact", "actor": "east", "platform": "pact", "from": "2000-01",
             "to": "2004-12", "status": "member", **spell},
            {"id": "union_exists", "platform": "union", "from": "2001-01", "to": "2004-12",
             "status": "exists", **spell},
        ],
        "gaps": [{"id": "toy_gap", "platform": "pact", "what": "nothing", **spell}],
    }


def toy_record(changes=None) -> Record:
    data = toy_record_dict()
    if changes:
        changes(data)
    return parse_record(data, TOY_WORLD, file="toy.yaml")


def perfect_panel(record: Record, world: WorldIds, runs: int = 5) -> Panel:
    """Runs that do exactly what the record says: each spell's first accepted status,
    each posture's first accepted pole (all weight on it), `none` elsewhere."""
    months = np.arange(record.window.start, record.window.end + 1)
    states, poles, platforms = world.states, world.poles, world.platforms
    R, M, N, P, K = runs, len(months), len(states), len(poles), len(platforms)
    status = np.zeros((R, M, N, K), dtype=np.int8)
    align = np.zeros((R, M, N, P + 1))
    align[..., P] = 1.0
    postures = (*poles, NONALIGNED)
    for fact in record.facts:
        at = (months >= fact.start) & (months <= fact.end)
        n = states.index(fact.actor)
        if fact.kind == "membership":
            status[:, at, n, platforms.index(fact.platform)] = STATUSES.index(fact.accept[0])
        else:
            align[:, at, n, :] = 0.0
            align[:, at, n, postures.index(fact.accept[0])] = 1.0
    zeros = np.zeros((R, M, K))
    return Panel(states, poles, platforms, months, align, status, zeros, zeros,
                 dict(world.pole_members))


def problems_of(data: dict, world: WorldIds = TOY_WORLD):
    with pytest.raises(ConfigError) as caught:
        parse_record(data, world, file="toy.yaml")
    return caught.value.problems


def the_problem(data: dict):
    problems = problems_of(data)
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].file == "toy.yaml"
    return problems[0]


# ---------------------------------------------------------------- the shipped record

@pytest.fixture(scope="module")
def eurasia():
    world = load_world_ids(WORLD)
    return world, load_record(RECORD, world)


def test_shipped_record_loads_with_over_a_hundred_facts(eurasia):
    world, record = eurasia
    assert len(record.facts) > 100
    kinds = {kind: sum(f.kind == kind for f in record.facts) for kind in ("membership",
                                                                         "posture")}
    assert kinds["membership"] >= len(world.states) * len(world.platforms)
    assert kinds["posture"] >= len(world.states)
    assert all(src in record.sources for f in record.facts for src in f.source)


def test_shipped_record_covers_every_pair_to_the_end(eurasia):
    world, record = eurasia
    for actor in world.states:
        for platform in world.platforms:
            spells = sorted((f for f in record.facts if (f.actor, f.platform) ==
                             (actor, platform)), key=lambda f: f.start)
            assert spells[0].start == world.first_month(platform, record.window.start)
            assert spells[-1].end == record.window.end
            assert all(b.start == a.end + 1 for a, b in zip(spells, spells[1:], strict=False))


def test_every_structure_fact_the_world_fails_is_a_documented_gap(eurasia):
    world, record = eurasia
    checked = check_structure(record, world)
    assert len(checked) == len(record.structure)
    for ident in checked.loc[~checked["holds"], "id"]:
        assert any(ident in gap.what for gap in record.gaps), ident


def test_validation_doc_lists_every_fact_and_gap(eurasia):
    _, record = eurasia
    doc = (ROOT / "docs" / "VALIDATION.md").read_text(encoding="utf-8")
    for ident in [f.id for f in record.facts] + [g.id for g in record.gaps]:
        assert f"| {ident} |" in doc or f"**{ident}**" in doc, ident


def test_shipped_record_scores_a_perfect_panel_fully_and_a_wrong_record_lower(eurasia):
    world, record = eurasia
    panel = perfect_panel(record, world, runs=3)
    assert record_score(panel, record) == 1.0
    assert brier(model_forecasts(panel, record))["all"] == 0.0
    data = copy.deepcopy(__import__("yaml").safe_load(RECORD.read_text(encoding="utf-8")))
    for fact in data["memberships"]:
        if fact["id"] == "georgia_nato_aspirant":
            fact["accept"] = ["member"]   # a wrong record: Georgia in NATO since 2008
    wrong = parse_record(data, world)
    assert record_score(panel, wrong) < record_score(panel, record)
    assert brier(model_forecasts(panel, wrong))["membership"] > 0.0


# ---------------------------------------------------------------- malformed facts

def test_toy_record_loads():
    record = toy_record()
    assert [f.id for f in record.facts][:2] == ["a_pact", "b_pact_out"]
    assert record.facts[-1].status == "west/nonaligned"   # posture status defaults to accept


def test_unknown_key_is_named():
    data = toy_record_dict()
    data["memberships"][0]["colour"] = "red"
    problem = the_problem(data)
    assert problem.key == "memberships[a_pact].colour"
    assert problem.value == "red"
    assert "accept" in problem.allowed


@pytest.mark.parametrize("bad", ["2001-13", "2001/06", "June 2001", 2001])
def test_bad_date_is_named(bad):
    data = toy_record_dict()
    data["memberships"][1]["to"] = bad
    problem = the_problem(data)          # the pair's coverage is not re-reported
    assert problem.key == "memberships[b_pact_out].to"
    assert problem.value == bad
    assert "YYYY-MM" in problem.allowed


def test_unquoted_full_date_in_a_file_is_a_bad_date(tmp_path):
    text = (RECORD.read_text(encoding="utf-8")
            .replace('from: "2015-08"', "from: 2015-08-12", 1))
    path = tmp_path / "record.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_record(path, load_world_ids(WORLD))
    bad = [p for p in caught.value.problems if p.key.endswith(".from") and
           "YYYY-MM" in p.allowed]
    assert bad and bad[0].file == str(path)


def test_unknown_actor_platform_posture_and_status_are_named():
    data = toy_record_dict()
    data["memberships"][0]["actor"] = "c"
    data["memberships"][3]["platform"] = "league"
    data["postures"][0]["accept"] = ["north"]
    data["memberships"][4]["accept"] = ["observer"]     # not on the union's ladder
    found = {p.key: p for p in problems_of(data)}
    assert found["memberships[a_pact].actor"].value == "c"
    assert "a, b" in found["memberships[a_pact].actor"].allowed
    assert found["memberships[a_union].platform"].value == "league"
    assert found["postures[a_east].accept"].value == "north"
    assert "east, west, nonaligned" in found["postures[a_east].accept"].allowed
    assert found["memberships[b_union_partner].accept"].value == "observer"
    ladder = found["memberships[b_union_partner].accept"].allowed
    assert "none, partner, candidate, member" in ladder


def test_spell_outside_the_window_is_named():
    data = toy_record_dict()
    data["memberships"][0]["to"] = "2005-06"
    problem = problems_of(data)[0]
    assert problem.key == "memberships[a_pact].to"
    assert "2000-01 to 2004-12" in problem.allowed


def test_overlapping_spells_are_named():
    data = toy_record_dict()
    data["memberships"][2]["from"] = "2001-10"
    problem = the_problem(data)
    assert problem.key == "memberships[b_pact_in].from"
    assert "2002-01" in problem.allowed and "overlaps" in problem.allowed


def test_gapped_spells_are_named():
    data = toy_record_dict()
    data["memberships"][2]["from"] = "2002-04"
    problem = the_problem(data)
    assert problem.key == "memberships[b_pact_in].from"
    assert "gap" in problem.allowed


def test_spell_before_the_platform_opens_is_named():
    data = toy_record_dict()
    data["memberships"][3]["from"] = "2000-06"
    problem = the_problem(data)
    assert problem.key == "memberships[a_union].from"
    assert "2001-01" in problem.allowed


def test_missing_pair_and_short_last_spell_are_named():
    data = toy_record_dict()
    del data["memberships"][3]                           # a in union: no spell at all
    data["memberships"][0]["to"] = "2004-06"             # a in pact ends early
    found = {p.key: p for p in problems_of(data)}
    assert found["memberships"].value == "a in union"
    assert "2001-01 to 2004-12" in found["memberships"].allowed
    assert found["memberships[a_pact].to"].value == "2004-06"


def test_overlapping_postures_are_named():
    data = toy_record_dict()
    data["postures"][2]["from"] = "2001-06"
    problem = the_problem(data)
    assert problem.key == "postures[b_hedging].from"
    assert "b_west" in problem.allowed


def test_unknown_source_and_duplicate_id_are_named():
    data = toy_record_dict()
    data["postures"][1]["source"] = ["org", "rumour"]
    data["postures"][2]["id"] = "b_west"
    found = {p.key: p for p in problems_of(data)}
    assert found["postures[b_west].source"].value == "rumour"
    assert "a key of `sources`" in found["postures[b_west].source"].allowed
    assert "not used by another fact" in found["postures[b_west].id"].allowed


def test_structure_and_gap_entries_are_checked():
    data = toy_record_dict()
    data["structure"][0]["actor"] = "a"                 # a state, not a pole
    data["structure"][1]["status"] = "founded"
    data["gaps"][0]["platform"] = "league"
    keys = {p.key for p in problems_of(data)}
    assert {"structure[east_pact].actor", "structure[union_exists].status",
            "gaps[toy_gap].platform"} <= keys


def test_all_problems_are_reported_at_once():
    data = toy_record_dict()
    data["world"] = "other"
    data["scoring"]["hold_share"] = 1.5
    data["memberships"][0]["colour"] = "red"
    data["postures"][0]["source"] = "rumour"
    problems = problems_of(data)
    assert {p.key for p in problems} == {"world", "scoring.hold_share",
                                         "memberships[a_pact].colour", "postures[a_east].source"}
    assert "4 problems" in str(ConfigError(problems))


def test_duplicate_yaml_key_is_refused(tmp_path):
    path = tmp_path / "record.yaml"
    path.write_text("world: eurasia\nworld: eurasia\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_record(path, TOY_WORLD)
    assert caught.value.problems[0].file == str(path)
    assert "twice" in caught.value.problems[0].allowed


# ---------------------------------------------------------------- scoring

def test_perfect_panel_holds_every_fact_with_zero_brier():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    shares = fact_shares(panel, record)
    assert len(shares) == len(record.facts)
    assert (shares["share"] == 1.0).all()
    assert record_score(panel, record) == 1.0
    scores = brier(model_forecasts(panel, record))
    assert scores["all"] == scores["membership"] == scores["posture"] == 0.0


def test_a_contradicting_panel_lowers_the_score():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    k, n = TOY_WORLD.platforms.index("pact"), TOY_WORLD.states.index("b")
    late = panel.months >= month_index("2002-01")
    panel.status[:, late, n, k] = STATUSES.index("none")    # b never joins the pact
    shares = fact_shares(panel, record).set_index("id")["share"]
    assert shares["b_pact_in"] == 0.0
    assert record_score(panel, record) == pytest.approx(1 - 1 / len(record.facts))
    assert brier(model_forecasts(panel, record))["membership"] > 0.0


def test_a_wrong_record_scores_below_the_right_one():
    right = toy_record()
    panel = perfect_panel(right, TOY_WORLD)

    def b_never_joins(data):
        data["memberships"][1]["to"] = "2004-12"
        del data["memberships"][2]
    wrong = toy_record(b_never_joins)
    assert record_score(panel, wrong) < record_score(panel, right)
    assert brier(model_forecasts(panel, wrong))["all"] > brier(model_forecasts(panel, right))["all"]


def test_disagreement_only_in_the_grace_months_is_not_scored():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    k, n = TOY_WORLD.platforms.index("pact"), TOY_WORLD.states.index("b")
    early = (panel.months >= month_index("2002-01")) & (panel.months < month_index("2002-07"))
    panel.status[:, early, n, k] = STATUSES.index("none")   # joins 6 months late
    assert record_score(panel, record) == 1.0
    assert scored_span(record.facts[2], record.scoring, record.window)[0] == month_index("2002-07")


def test_hold_share_decides_when_partial_agreement_is_enough():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    n, k = TOY_WORLD.states.index("a"), TOY_WORLD.platforms.index("pact")
    scored = np.flatnonzero(panel.months >= month_index("2000-07"))
    off = scored[: int(0.3 * len(scored))]
    panel.status[:, off, n, k] = STATUSES.index("observer")  # agrees in 70% of months
    assert fact_shares(panel, record).set_index("id")["share"]["a_pact"] == 0.0



def test_the_end_state_flags_a_fact_held_over_its_span_but_wrong_at_its_end():
    """A forward run starts at the record's last month: a fact agreed with in 80% of its
    months is held (`fact_shares`), yet runs that break it in its last months start
    wrong; `end_state` scores that month alone, for the facts it falls in."""
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD, runs=4)
    n, k = TOY_WORLD.states.index("a"), TOY_WORLD.platforms.index("pact")
    panel.status[:3, -3:, n, k] = STATUSES.index("none")   # three runs leave at the end
    assert fact_shares(panel, record).set_index("id")["share"]["a_pact"] == 1.0
    ends = end_state(panel, record).set_index("id")["share"]
    assert ends["a_pact"] == 0.25
    last = panel.months[-1]
    assert set(ends.index) == {f.id for f in record.facts if f.start <= last <= f.end}


def test_the_posterior_distance_weighs_the_start_of_forward_runs():
    """A posterior whose draws fit the history on average but break its last month starts
    every forward run wrong; with `start_weight` the ABC distance adds the Brier score
    of that month alone (the end-state shares), so such draws lose to ones that end right."""
    from balancing_sim.calibrate import Scored, record_outcomes

    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD, runs=4)
    outcomes = record_outcomes(record)
    starts = {key.removeprefix("start/"): outcome for key, outcome in outcomes.items()
              if key.startswith("start/")}
    assert set(starts) == set(end_state(panel, record)["id"])
    assert all(outcome(panel).mean() == 1.0 for outcome in starts.values())
    panel = perfect_panel(record, TOY_WORLD, runs=4)
    n, k = TOY_WORLD.states.index("a"), TOY_WORLD.platforms.index("pact")
    panel.status[:3, -3:, n, k] = STATUSES.index("none")   # three runs leave at the end
    shares = {fact: float(outcome(panel).mean()) for fact, outcome in starts.items()}
    assert shares == end_state(panel, record).set_index("id")["share"].to_dict()
    start_brier = float(np.mean([(1.0 - p) ** 2 for p in shares.values()]))
    assert start_brier == pytest.approx(0.75 ** 2 / len(shares))
    ends_wrong = Scored(1.0, 0.01, {}, start_brier)
    ends_right = Scored(1.0, 0.012, {}, 0.0)
    assert ends_wrong.distance(0.8) < ends_right.distance(0.8)          # the history alone
    assert ends_wrong.distance(0.8, 1.0) > ends_right.distance(0.8, 1.0)  # with the start
    assert Scored(1.0, 0.01, {}).distance(0.8, 1.0) == 0.01  # no fact in the last month

def test_share_counts_runs_and_brier_uses_checkpoint_shares():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD, runs=4)
    n, k = TOY_WORLD.states.index("a"), TOY_WORLD.platforms.index("pact")
    panel.status[:2, :, n, k] = STATUSES.index("none")     # half the runs never in the pact
    assert fact_shares(panel, record).set_index("id")["share"]["a_pact"] == 0.5
    forecasts = model_forecasts(panel, record)
    mine = forecasts[forecasts["id"] == "a_pact"]
    assert (mine["p"] == 0.5).all()
    assert len(mine) == len(checkpoints(record.facts[0], record.scoring, record.window))


def test_posture_is_the_argmax_with_nonaligned_last():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    n = TOY_WORLD.states.index("b")
    late = panel.months >= month_index("2002-01")
    panel.align[:, late, n, :] = [0.3, 0.2, 0.5]             # nonaligned wins: b_hedging holds
    assert agreement(panel, record.facts[-1])[:, late].all()
    panel.align[:, late, n, :] = [0.5, 0.2, 0.3]             # east wins: b_hedging fails
    assert not agreement(panel, record.facts[-1])[:, late].any()


def test_window_restricts_the_scored_facts():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    later = fact_shares(panel, record, ("2003-01", "2004-12"))
    assert "b_pact_out" not in set(later["id"]) and "b_west" not in set(later["id"])
    assert "a_pact" in set(later["id"])
    points = model_forecasts(panel, record, ("2003-01", "2004-12"))["month"]
    assert points.min() >= "2003-01"


def test_structure_facts_are_checked_against_the_world():
    record = toy_record()
    assert check_structure(record, TOY_WORLD)["holds"].all()
    wrong = toy_record(lambda d: d["structure"][0].update(actor="west"))
    late_union = toy_record(lambda d: d["structure"][1].update({"from": "2002-01"}))
    assert not check_structure(wrong, TOY_WORLD)["holds"].iloc[0]
    assert not check_structure(late_union, TOY_WORLD)["holds"].iloc[1]


# ---------------------------------------------------------------- naive forecasts

def test_persistence_carries_the_cutoff_status_forward():
    record = toy_record()
    forecasts = persistence_forecasts(record, "2002-12").groupby("id")["p"].first()
    assert forecasts["a_pact"] == 1.0                  # member then, member later
    assert forecasts["b_union_applicant"] == 1.0       # partner is in {partner, candidate}
    assert "b_pact_out" not in forecasts               # ended before the cutoff
    assert forecasts["b_hedging"] == 1.0
    changed = persistence_forecasts(record, "2001-06").groupby("id")["p"].first()
    assert changed["b_pact_in"] == 0.0                 # none at the cutoff, member later
    assert changed["b_hedging"] == 1.0                 # west is in {west, nonaligned}


def test_persistence_with_a_set_at_the_cutoff_gives_a_share():
    def b_ambiguous(data):
        data["memberships"][4]["accept"] = ["none", "partner"]
    record = toy_record(b_ambiguous)
    forecasts = persistence_forecasts(record, "2002-06").groupby("id")["p"].first()
    assert forecasts["b_union_applicant"] == 0.5      # {none, partner} vs {partner, candidate}


def test_platform_not_yet_open_persists_as_none():
    record = toy_record()
    forecasts = persistence_forecasts(record, "2000-06").groupby("id")["p"].first()
    assert forecasts["a_union"] == 1.0 and forecasts["b_union_partner"] == 0.0


def test_base_rate_is_the_training_frequency():
    record = toy_record()
    # training 2000-01..2002-12 in the pact: a member 36 months, b none 24 + member 12
    forecasts = base_rate_forecasts(record, "2002-12").groupby("id")["p"].first()
    assert forecasts["a_pact"] == pytest.approx(48 / 72)
    # postures over the training months: a east 36, b west 24, b {west, nonaligned} 12
    assert forecasts["a_east"] == pytest.approx(36 / 72)
    assert forecasts["b_hedging"] == pytest.approx((24 + 12) / 72)
    # union (open from 2001-01): a none 24, b partner 24 -> {partner, candidate} 0.5
    assert forecasts["b_union_applicant"] == pytest.approx(0.5)


def test_base_rate_pools_platforms_that_did_not_exist_yet():
    record = toy_record()
    forecasts = base_rate_forecasts(record, "2000-12").groupby("id")["p"].first()
    # union has no training months: pooled over the pact (a member 12, b none 12)
    assert forecasts["a_union"] == pytest.approx(0.5)


def test_naive_forecasts_share_the_model_checkpoints():
    record = toy_record()
    panel = perfect_panel(record, TOY_WORLD)
    model = model_forecasts(panel, record, ("2003-01", "2004-12"))
    for naive in (persistence_forecasts(record, "2002-12"), base_rate_forecasts(record,
                                                                                "2002-12")):
        assert list(zip(naive["id"], naive["month"], strict=True)) == list(
            zip(model["id"], model["month"], strict=True))
        assert brier(naive)["all"] >= 0.0
    assert brier(persistence_forecasts(record, "2002-12"))["all"] == 0.0
    assert math.isclose(brier(model)["all"], 0.0)


# ---------------------------------------------------------------- documentation

def test_facts_markdown_has_a_row_per_fact_and_fills_shares():
    record = toy_record()
    blank = facts_markdown(record)
    assert blank.count("\n") == len(record.facts) + 1
    assert "| a_pact | a | pact | 2000-01 - 2004-12 | member | member | org |  |" in blank
    filled = facts_markdown(record, {"a_pact": 0.934})
    assert "| org | 0.93 |" in filled


def test_replace_generated_keeps_the_prose():
    text = "intro\n<!-- record:begin -->\nold\n<!-- record:end -->\noutro\n"
    out = replace_generated(text, "new")
    assert out == "intro\n<!-- record:begin -->\nnew\n<!-- record:end -->\noutro\n"
    with pytest.raises(ValueError):
        replace_generated("no markers", "new")


def test_main_regenerates_the_doc_and_refuses_a_bad_record(tmp_path, capsys):
    doc = tmp_path / "doc.md"
    doc.write_text("# Doc\n<!-- record:begin -->\n<!-- record:end -->\n", encoding="utf-8")
    assert main([str(RECORD), str(WORLD), str(doc)]) == 0
    world = load_world_ids(WORLD)
    assert record_markdown(load_record(RECORD, world), world) in doc.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(RECORD.read_text(encoding="utf-8").replace("actor: georgia", "actor: gorgia",
                                                             1), encoding="utf-8")
    assert main([str(bad), str(WORLD), str(doc)]) == 2
    assert "gorgia" in capsys.readouterr().out


def _forecasts(p_by_fact: dict[str, float], months: int = 3):
    import pandas as pd

    return pd.DataFrame([(fact, "membership", f"{2015 + m}-06", p)
                         for fact, p in p_by_fact.items() for m in range(months)],
                        columns=["id", "kind", "month", "p"])


def test_a_brier_difference_comes_with_an_interval_over_facts():
    """The held-out comparison with persistence: a forecast better at every fact is
    better with certainty; one better at half the facts and worse at the others has an
    interval around zero; identical forecasts differ by nothing."""
    from balancing_sim.scorecard import verdict

    facts = [f"f{i}" for i in range(20)]
    good, bad = _forecasts(dict.fromkeys(facts, 0.9)), _forecasts(dict.fromkeys(facts, 0.5))
    diff, low, high = brier_difference(good, bad)
    assert diff == pytest.approx(0.01 - 0.25) and high < 0
    assert verdict(low, high) == "the model beats persistence"
    assert verdict(*brier_difference(bad, good)[1:]) == "persistence beats the model"
    assert brier_difference(good, good) == (0.0, 0.0, 0.0)
    mixed = _forecasts({f: 0.9 if i % 2 else 0.5 for i, f in enumerate(facts)})
    diff, low, high = brier_difference(mixed, _forecasts(dict.fromkeys(facts, 0.7)))
    assert low < diff < high and low < 0 < high
    assert verdict(low, high) == "no clear difference (the interval includes 0)"
    # only the checkpoints both forecast are compared
    extra = _forecasts({**dict.fromkeys(facts, 0.5), "only_here": 0.0})
    assert brier_difference(good, extra) == brier_difference(good, bad)
