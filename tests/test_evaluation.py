"""The evaluation API: parameter sets in, outcomes out, the same numbers as the runner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim import calibrate
from balancing_sim.config.loading import conf_dir
from balancing_sim.evaluation import Model, evaluate, final_posture, pattern
from balancing_sim.record import brier, load_record, load_world_ids, model_forecasts, record_score
from balancing_sim.validation import Panel, load_patterns, pass_rates

SHORT = ["scenario.end=2026-06"]
ACTOR, POLE = "azerbaijan", "russia"


@pytest.fixture(scope="module")
def model():
    return Model.of("baseline", SHORT, runs=12, seed=5)


def outcomes():
    return {"nonaligned": final_posture(ACTOR, "nonaligned"),
            "weight": final_posture(ACTOR, f"align_{POLE}")}


def test_one_row_per_parameter_set_with_the_mean_over_runs(model):
    sets = [{"w_autonomy": 0.5}, {"params.w_autonomy": 1.5}, {"w_autonomy": 0.5}]
    table = evaluate(model, sets, outcomes())
    assert list(table.columns) == ["w_autonomy", "params.w_autonomy", "nonaligned", "weight"]
    assert len(table) == 3 and table["nonaligned"].between(0, 1).all()
    # common random numbers: the same set gives the same outcome
    assert table.loc[0, ["nonaligned", "weight"]].equals(table.loc[2, ["nonaligned", "weight"]])


def test_outcomes_are_the_runners_numbers(model):
    table = evaluate(model, pd.DataFrame({"w_autonomy": [1.5]}), outcomes(), per_run=True)
    res = bs.simulate("baseline", [*SHORT, "params.w_autonomy=1.5", "runner.workers=1"],
                      runs=12, seed=5)
    traj = res.trajectories
    last = traj[(traj["step"] == traj["step"].max()) & (traj["actor"] == ACTOR)]
    assert table["run"].tolist() == list(range(12))
    np.testing.assert_array_equal(table["nonaligned"].to_numpy(),
                                  (last["posture"] == "nonaligned").to_numpy(dtype=float))
    # the table stores weights to 16 significant bits, the evaluation reads the records
    np.testing.assert_allclose(table["weight"], last[f"align_{POLE}"], rtol=2.0 ** -16, atol=0)


def test_workers_do_not_change_the_outcomes(model):
    sets = [{"w_security": v} for v in (0.5, 1.0, 2.0)]
    one = evaluate(model, sets, outcomes(), workers=1)
    two = evaluate(model, sets, outcomes(), workers=2)
    pd.testing.assert_frame_equal(one, two)


def test_unknown_parameter_is_refused_before_running(model):
    with pytest.raises(ValueError, match="unknown parameter"):
        evaluate(model, [{"w_nothing": 1.0}], outcomes())


def test_patterns_as_outcomes_give_the_validation_pass_rates():
    model = Model.of("history", runs=4, seed=2)
    patterns = load_patterns(conf_dir() / "validation" / "history.yaml")
    table = evaluate(model, [{}], {n: pattern(s) for n, s in patterns["patterns"].items()})
    panel = model.panel(model.params)
    assert table.iloc[0].to_dict() == pytest.approx(pass_rates(panel, patterns))
    assert isinstance(panel, Panel) and panel.align.shape[0] == 4


def test_calibration_search_runs_through_the_evaluation_api():
    model = Model.of("history", runs=2, seed=1)
    patterns = load_patterns(conf_dir() / "validation" / "history.yaml")
    record = load_record(conf_dir() / "record" / "eurasia.yaml",
                         load_world_ids(conf_dir() / "world" / "eurasia.yaml"))
    settings = {"samples": 2, "generations": 0, "seed": 1, "popsize": 4, "sigma": 0.2}
    params, scored = calibrate.search(model, record, patterns, {"w_autonomy": (0.5, 2.0)},
                                      settings, workers=1, log=lambda _: None)
    assert 0.5 <= params.w_autonomy <= 2.0
    rates = scored.rates
    assert set(rates) == set(patterns["patterns"]) and all(0 <= r <= 1 for r in rates.values())


def test_a_calibration_to_a_cutoff_sees_no_later_month_and_need_not_start_from_the_point(
        monkeypatch):
    """The out-of-sample point (conf/calibration/history_to2014.yaml) is scored on the
    record up to its cutoff only, and its search does not begin from the in-sample point
    (`search_from_start: false`), which saw the later months."""
    from balancing_sim.config.validate import month_index
    from balancing_sim.record import windowed

    record = load_record(conf_dir() / "record" / "eurasia.yaml",
                         load_world_ids(conf_dir() / "world" / "eurasia.yaml"))
    cutoff = month_index("2014-12")
    before = calibrate.outcomes_of(windowed(record, "2014-12"), {"patterns": {}})
    everything = calibrate.outcomes_of(record, {"patterns": {}})
    points = [int(k.rsplit("/", 1)[1]) for k in before if k.startswith("p/")]
    assert max(points) <= cutoff < max(int(k.rsplit("/", 1)[1]) for k in everything
                                       if k.startswith("p/"))
    assert len(before) < len(everything)

    tried: list[list[dict]] = []

    def evaluate_points(model, points, *args, **kwargs):
        tried.append(points)
        return [calibrate.Scored(0.5, 0.1, {}) for _ in points]

    monkeypatch.setattr(calibrate, "evaluate_points", evaluate_points)
    model = Model.of("history", runs=1, seed=1)
    settings = {"samples": 2, "generations": 0, "seed": 1, "popsize": 4, "sigma": 0.2}
    ranges = {"w_autonomy": (0.1, 3.0)}
    for from_start, expected in ((True, 3), (False, 2)):
        calibrate.search(model, record, {"patterns": {}}, ranges,
                         {**settings, "search_from_start": from_start}, workers=1,
                         log=lambda _: None)
        assert len(tried[-1]) == expected
    start = model.params.w_autonomy
    assert tried[0][0]["w_autonomy"] == pytest.approx(start)
    assert all(p["w_autonomy"] != pytest.approx(start) for p in tried[1])


def test_a_model_up_to_a_month_simulates_the_whole_runs_first_months_only(monkeypatch):
    """`Model.up_to` stops the runs at a month: the months it simulates are those of the
    whole scenario bit for bit (each run still draws the whole scenario's randomness), in
    both engines, and a calibration to a cutoff scores the same, simulating fewer months."""
    from balancing_sim import ensemble
    from balancing_sim.config.validate import month_index
    from balancing_sim.record import windowed

    whole = Model.of("history", runs=3, seed=4)
    cut = whole.up_to("1999-12")
    assert cut.last_step == whole.up_to(month_index("1999-12")).last_step
    assert cut.last_step == month_index("1999-12") - whole.compiled.start_month
    full, part = whole.panel(whole.params), cut.panel(cut.params)
    assert part.months[-1] == month_index("1999-12") and len(part.months) == cut.last_step + 1
    for field in ("align", "status", "viability", "depth"):
        np.testing.assert_array_equal(getattr(part, field),
                                      getattr(full, field)[:, :len(part.months)])
    mesa = Model(cut.compiled, cut.params, runs=1, seed=4, engine="mesa",
                 last_step=20).panel(cut.params)
    assert len(mesa.months) == 21
    np.testing.assert_allclose(mesa.align, full.align[:1, :21], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(mesa.status, full.status[:1, :21])

    record = windowed(load_record(conf_dir() / "record" / "eurasia.yaml",
                                  load_world_ids(conf_dir() / "world" / "eurasia.yaml")),
                      "2004-12")
    months: list[int] = []
    simulate = ensemble.simulate_block

    def counted(*args, **kwargs):
        rec = simulate(*args, **kwargs)
        months.append(len(rec.steps))
        return rec

    monkeypatch.setattr(ensemble, "simulate_block", counted)
    none = {"patterns": {}}
    [scored_whole] = calibrate.evaluate_points(whole, [{}], record, none)
    [scored_cut] = calibrate.evaluate_points(whole.up_to(record.window.end), [{}], record,
                                             none)
    first = whole.compiled.start_month
    assert months == [whole.compiled.n_steps + 1, record.window.end - first + 1]
    assert scored_cut == scored_whole
    with pytest.raises(ValueError, match="last_step must be"):
        Model(cut.compiled, cut.params, runs=1, last_step=0).panel(cut.params)
    with pytest.raises(ValueError, match=r"not after the scenario's first month \(1992-01\)"):
        whole.up_to(whole.compiled.start_month)
    for odd in (True, 155.5, None):
        with pytest.raises(ValueError, match="'YYYY-MM' or a month index"):
            whole.up_to(odd)


def test_the_cutoff_calibration_command_writes_its_own_option(tmp_path):
    assert calibrate.main(["--name", "history_to2014", "--samples", "1", "--generations", "0",
                           "--runs", "1", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "calibrated_to2014.yaml").read_text(encoding="utf-8")
    assert "(the record up to 2014-12 only); no pattern scored" in text
    assert not (tmp_path / "calibrated.yaml").exists()


def test_a_cutoff_with_records_every_few_months_scores_the_whole_runs_months():
    """With `runner.record_every` > 1, `up_to` records only months the whole run records
    (and the first at or after the cutoff): a calibration to a cutoff scores as the whole
    run does (rt11: it recorded the cutoff month itself, and the scores moved)."""
    from balancing_sim.record import windowed

    whole = Model.of("history", ["runner.record_every=12"], runs=2, seed=4)
    record = windowed(load_record(conf_dir() / "record" / "eurasia.yaml",
                                  load_world_ids(conf_dir() / "world" / "eurasia.yaml")),
                      "2004-12")
    cut = whole.up_to(record.window.end)
    full, part = whole.panel(whole.params), cut.panel(cut.params)
    assert set(part.months) <= set(full.months)
    assert part.months[-2] < record.window.end <= part.months[-1]
    for field in ("align", "status"):
        np.testing.assert_array_equal(getattr(part, field),
                                      getattr(full, field)[:, :len(part.months)])
    none = {"patterns": {}}
    [scored_whole] = calibrate.evaluate_points(whole, [{}], record, none)
    [scored_cut] = calibrate.evaluate_points(cut, [{}], record, none)
    assert (scored_cut.record_score, scored_cut.brier) == (scored_whole.record_score,
                                                           scored_whole.brier)
    np.testing.assert_array_equal(scored_cut.start_brier, scored_whole.start_brier)


def test_a_calibration_to_a_record_of_the_first_month_alone_runs(tmp_path, capsys):
    """A user's record whose window is the run's first month only (a forward scenario's
    start, where the history ends): accepted by `record_for_run`, so the calibration runs
    (rt11: `Model.up_to` refused the month and the command ended in a traceback)."""
    import yaml

    data = yaml.safe_load((conf_dir() / "record" / "eurasia.yaml").read_text(encoding="utf-8"))
    month = "2024-06"
    data["window"] = {"from": month, "to": month}
    for kind in ("memberships", "postures", "structure"):
        data[kind] = [{**fact, "from": month, "to": month} for fact in data.get(kind) or []
                      if fact["from"] <= month <= fact["to"]]
    path = tmp_path / "june.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert calibrate.main(["--record", str(path), "--scenario", "baseline", "--samples", "1",
                           "--generations", "0", "--runs", "1", "--workers", "1",
                           "--out", str(out)]) == 0
    assert (out / "calibrated.yaml").is_file()
    assert "Traceback" not in capsys.readouterr().err


def test_calibration_scores_are_the_record_modules():
    """The record score and Brier the calibration computes from per-run outcomes are
    those of `record.record_score` and `record.brier` on the same runs."""
    model = Model.of("history", runs=3, seed=4)
    patterns = load_patterns(conf_dir() / "validation" / "history.yaml")
    record = load_record(conf_dir() / "record" / "eurasia.yaml",
                         load_world_ids(conf_dir() / "world" / "eurasia.yaml"))
    [scored] = calibrate.evaluate_points(model, [{}], record, patterns)
    panel = model.panel(model.params)
    assert scored.record_score == pytest.approx(record_score(panel, record))
    assert scored.brier == pytest.approx(brier(model_forecasts(panel, record))["all"])
    assert scored.rates == pytest.approx(pass_rates(panel, patterns))


@pytest.mark.parametrize("scenario", ["history", "baseline"])
def test_sets_simulated_together_are_each_set_alone(scenario, monkeypatch):
    """The ensemble simulates several parameter sets in one block, each run with its set's
    parameters (evaluation.together): bit for bit what each set gives alone, whether the
    sets vary every free parameter or one, draw the others from the posterior
    (baseline) or hold different ones (simulated apart)."""
    from balancing_sim.config.schema import FREE_PARAMETERS

    model = Model.of(scenario, [] if scenario == "history" else SHORT, runs=3, seed=2)
    rng = np.random.default_rng(0)
    every = [{n: float(getattr(model.params, n)) * rng.uniform(0.7, 1.0)
              for n in FREE_PARAMETERS} for _ in range(2)]
    sets = [every[0], {"w_autonomy": 0.4}, every[1], {"w_security": 2.0}, {"w_autonomy": 0.9}]
    params = [model.with_values(v) for v in sets]
    from balancing_sim import ensemble

    blocks, simulate = [], ensemble.simulate_block
    monkeypatch.setattr(ensemble, "simulate_block",
                        lambda *a, **k: blocks.append(len(a[3])) or simulate(*a, **k))
    batched = model.panels(params)
    assert blocks == [6, 6, 3]  # the sets holding the same parameters share a block
    for p, panel in zip(params, batched, strict=True):
        alone = model.panels([p])[0]
        for field in ("align", "status", "viability", "depth"):
            np.testing.assert_array_equal(getattr(panel, field), getattr(alone, field))
    assert not np.array_equal(batched[1].align, batched[4].align)
    assert not np.array_equal(batched[0].align, batched[2].align)
    # the records a block may take bound it: at worst one set a block
    from balancing_sim import evaluation

    blocks.clear()
    monkeypatch.setattr(evaluation, "BATCH_BYTES", 1)
    model.panels(params)
    assert blocks == [3, 3, 3, 3, 3]
