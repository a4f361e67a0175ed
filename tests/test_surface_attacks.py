"""Attacks on the surfaces added after the reliability work (docs/RELIABILITY.md, the
last rows of the attack table): the record and calibration commands, the posterior
draws, the Python API, the EMA adapter, the sensitivity command, the dashboard, load().
Each test fails on the code before its fix."""

from __future__ import annotations

import re
import shutil

import pytest
from command import run_cli

from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import conf_dir

# ---------------------------------------------------------------- balancing-sim-record


@pytest.mark.parametrize("text", ["no markers here\n", None])
def test_record_refuses_a_doc_it_cannot_regenerate_before_running(tmp_path, text):
    doc = tmp_path / "doc.md"
    if text is None:
        doc.mkdir()
    else:
        doc.write_text(text, encoding="utf-8")
    done = run_cli("balancing-sim-record", "--runs", "1", "--doc", str(doc))
    assert done.returncode == 2
    assert "argument --doc" in done.stderr and str(doc) in done.stderr
    assert ("markers" if text else "existing, writable text file") in done.stderr
    assert "Traceback" not in done.stderr
    assert "History, seed" not in done.stdout  # refused before any run
    if text is not None:
        assert doc.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("option, value", [("--runs", "0"), ("--runs", "-1"),
                                           ("--worst", "-2")])
def test_record_refuses_counts_below_their_least_value(option, value):
    done = run_cli("balancing-sim-record", option, value)
    assert done.returncode == 2
    assert f"argument {option}: {value!r}: a whole number >=" in done.stderr
    assert "History, seed" not in done.stdout


# ---------------------------------------------------------------- balancing-sim-calibrate


@pytest.mark.parametrize("name", ["../config", "../../../../../../tmp/evil", "nope", ""])
def test_calibrate_name_is_one_of_the_calibration_files_never_a_path(tmp_path, name):
    (tmp_path / "evil.yaml").write_text("method: abc\nwrites: ../../x\n", encoding="utf-8")
    done = run_cli("balancing-sim-calibrate", "--name", name, "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert (f"--name = {name!r}: one of history, history_to2004, history_to2009, "
            "history_to2014, posterior, posterior_to2014" in done.stderr)
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("option, value", [("--runs", "0"), ("--samples", "0"),
                                           ("--population", "-1"), ("--draws", "0"),
                                           ("--generations", "-1")])
def test_calibrate_refuses_counts_that_would_write_nan(tmp_path, option, value):
    """--runs 0 used to run, score NaN and write a calibrated.yaml of it (exit 0)."""
    done = run_cli("balancing-sim-calibrate", option, value, "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert f"argument {option}: {value!r}: a whole number >=" in done.stderr
    assert not (tmp_path / "o").exists()


def test_calibrate_refuses_an_output_folder_it_cannot_write_before_computing(tmp_path):
    (tmp_path / "file").write_text("mine", encoding="utf-8")
    done = run_cli("balancing-sim-calibrate", "--runs", "1", "--samples", "1",
                   "--out", str(tmp_path / "file" / "x"))
    assert done.returncode == 2
    assert "argument --out" in done.stderr and "is a file, not a folder" in done.stderr
    assert "latin hypercube" not in done.stdout  # nothing was computed
    assert (tmp_path / "file").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("key, value, allowed", [
    ("until", "2014-13", "a month as a quoted string 'YYYY-MM'"),
    ("writes", "../../params/calibrated", "a file name stem (letters, digits, _), never a path"),
    ("search_from_start", "no", "true or false")])
def test_calibration_settings_name_a_month_a_file_stem_and_a_flag(tmp_path, key, value,
                                                                  allowed):
    """`writes` names the file the command writes (a path would write anywhere), `until`
    the cutoff (a bad month was a ValueError traceback)."""
    from balancing_sim.calibrate import read_settings

    calibration = tmp_path / "calibration"
    calibration.mkdir()
    shutil.copy(conf_dir() / "calibration" / "history.yaml", calibration)  # its ranges
    text = (conf_dir() / "calibration" / "history_to2014.yaml").read_text(encoding="utf-8")
    assert re.search(rf"(?m)^{key}: ", text)  # the key the shipped file sets, spoilt
    (calibration / "mine.yaml").write_text(re.sub(rf"(?m)^{key}: .*$", f"{key}: {value!r}",
                                                  text), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{key} = {value!r}: {allowed}")):
        read_settings(tmp_path, "mine")


@pytest.mark.parametrize("value", ["heavy", "-1", "true", ".nan"])
def test_the_start_weight_of_a_posterior_is_a_number_from_0(tmp_path, value):
    """The weight of the last month in a posterior's distance (written as YAML)."""
    from balancing_sim.calibrate import read_settings

    calibration = tmp_path / "calibration"
    calibration.mkdir()
    text = (conf_dir() / "calibration" / "posterior_to2014.yaml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^start_weight: 0 ", text)
    (calibration / "mine.yaml").write_text(
        re.sub(r"(?m)^start_weight: .*$", f"start_weight: {value}", text), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"start_weight = .*: a number from 0 \(the last "):
        read_settings(tmp_path, "mine")


@pytest.mark.parametrize("name, left", [("history", "calibrated.yaml"),
                                        ("posterior_to2014", "posterior_to2014.db"),
                                        ("posterior_to2014", "posterior_to2014.csv")])
def test_calibrate_never_replaces_what_an_earlier_calibration_left(tmp_path, name, left):
    """The command used to delete `<out>/<name>.db` and overwrite the tables of an earlier
    run in the same --out: a run owns only what it creates."""
    out = tmp_path / "o"
    out.mkdir()
    (out / left).write_text("an earlier run's", encoding="utf-8")
    done = run_cli("balancing-sim-calibrate", "--name", name, "--runs", "1", "--samples", "1",
                   "--population", "1", "--generations", "0", "--out", str(out))
    assert done.returncode == 2
    assert f"{out / left} already exists (an earlier calibration's)" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out / left).read_text(encoding="utf-8") == "an earlier run's"
    assert sorted(p.name for p in out.iterdir()) == [left]  # nothing computed or written


def test_calibrate_keeps_pyabcs_database_out_of_the_params_group(tmp_path):
    """With --write the tables replace the shipped ones; the working database goes to
    --out, never into conf/params (package data)."""
    from balancing_sim.calibrate import read_settings, written_files

    root = conf_dir()
    settings = read_settings(root, "posterior")
    files = written_files(settings, root / "params", tmp_path, replace=True)
    assert files == [tmp_path / "posterior.db"]
    assert written_files(settings, tmp_path, tmp_path, replace=False) == [
        tmp_path / "posterior.csv", tmp_path / "posterior.yaml", tmp_path / "posterior.db"]


# ---------------------------------------------------------------- the Python API

SHORT = "scenario.end=2025-06"


@pytest.fixture(scope="module")
def experiment():
    import balancing_sim as bs

    return bs.Experiment("baseline", SHORT, runs=2, seed=3, workers=1, progress="off")


def outcome():
    import balancing_sim as bs

    return {"y": bs.outcomes.final_hedging("azerbaijan")}


@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (-5.0, "-5.0"),
                                          ("x", "'x'"), (None, "None")])
def test_evaluate_checks_values_as_the_config_does(experiment, value, shown):
    """NaN and negative weights used to run silently; text and None died in float()."""
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"Python values: param_sets\[0\]\.params\."
                                          rf"w_autonomy = {shown}: "
                                          r"(a finite number in \[0, 1e\+06\]|required)"):
        experiment.evaluate([{"w_autonomy": value}], outcome())


def test_evaluate_of_a_valid_value_still_runs(experiment):
    table = experiment.evaluate([{"w_autonomy": 1.0}], outcome())
    assert 0.0 <= table["y"].iloc[0] <= 1.0


@pytest.mark.parametrize("settings, key, allowed", [
    ({"seed": 10**30}, "seed", "an integer in [0, 9223372036854775807]"),
    ({"runs": 10**30}, "runs", "an integer in [1, 1000000000]"),
    ({"runs": 2.5}, "runs", "an integer in [1, 1000000000]")])
def test_run_settings_are_read_with_the_configs_ranges(experiment, settings, key, allowed):
    """seed=10**30 died in numpy (OverflowError); runs=10**30 filled the memory."""
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"Python values: {key} = .*: {re.escape(allowed)}"):
        experiment.run(**settings)


def test_run_refuses_an_output_folder_that_is_a_file(experiment, tmp_path):
    from balancing_sim.config.errors import ConfigError

    mine = tmp_path / "mine.txt"
    mine.write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Python values: out = '/.*: a folder path \(this "
                                          r"path is an existing file\)"):
        experiment.run(out=mine)
    assert mine.read_text(encoding="utf-8") == "mine"


def test_setting_the_draws_table_by_value_is_not_a_held_parameter(experiment):
    """`draws` used to be added to `hold` (not a free parameter): refused."""
    res = experiment.run({"draws": "params/posterior.csv"})
    assert set(res.trajectories["draw"]) == {0, 1}


@pytest.mark.parametrize("call, key", [
    (lambda bs: bs.Experiment(None), "scenario"),
    (lambda bs: bs.Experiment([]), "scenario"),
    (lambda bs: bs.Experiment(5), "scenario"),
    (lambda bs: bs.Experiment("baseline", overrides=5), "overrides"),
    (lambda bs: bs.Experiment("baseline", overrides=[1]), "overrides"),
    (lambda bs: bs.Experiment("baseline", params=5), "params"),
    (lambda bs: bs.Experiment("baseline", params=["w_autonomy"]), "params"),
    (lambda bs: bs.simulate("baseline", SHORT, runs=1, values="w_autonomy=1"), "values")])
def test_arguments_of_the_wrong_type_are_named(call, key):
    """These died with TypeError ('int' object is not iterable / not a mapping)."""
    import balancing_sim as bs
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^invalid config: Python values: {key} = "):
        call(bs)


@pytest.mark.parametrize("params", [[("w_autonomy", 1.0)], "w_autonomy=1"])
def test_run_params_that_are_not_a_dict_are_named(experiment, params):
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=r"Python values: params = .*: a dict of parameter"):
        experiment.run(params)


# ---------------------------------------------------------------- the EMA adapter

AUTONOMY = "world.states.azerbaijan.autonomy.value"


@pytest.mark.parametrize("bounds, shown", [
    ({"w_autonomy": (2.0, 0.5)}, r"\(2.0, 0.5\)"),
    ({"w_autonomy": ("a", "b")}, r"\('a', 'b'\)"),
    ({"w_autonomy": (1, 2, 3)}, r"\(1, 2, 3\)"),
    ({"w_autonomy": (float("nan"), 1.0)}, r"\(nan, 1.0\)")])
def test_ema_uncertainties_are_pairs_low_below_high(bounds, shown):
    """(2, 0.5) was accepted; text and 3-tuples died in arithmetic (TypeError, unpack)."""
    from balancing_sim import ema
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"uncertainties.w_autonomy = {shown}: \(low, high\)"):
        ema.model("baseline", bounds, runs=1, overrides=SHORT)


def test_ema_checks_both_ends_of_a_range_not_only_its_middle():
    """(0.5, 1.5) has a valid middle (1.0), but 1.5 is no 0-1 score: every experiment
    above 1 would have failed inside EMA's loop."""
    from balancing_sim import ema
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"{re.escape(AUTONOMY)} = 1.5: a finite number "
                                          r"in \[0, 1\]"):
        ema.model("baseline", {AUTONOMY: (0.5, 1.5)}, runs=1, overrides=SHORT)


def test_ema_outcomes_must_be_functions():
    from balancing_sim import ema
    from balancing_sim.config.errors import ConfigError

    with pytest.raises(ConfigError, match=r"outcomes.x = 5: a function of the recorded runs"):
        ema.model("baseline", {"w_autonomy": (1.0, 2.0)}, {"x": 5}, runs=1, overrides=SHORT)


# ---------------------------------------------------------------- balancing-sim-sensitivity


@pytest.mark.parametrize("value", ["0", "-3", "1"])
def test_sensitivity_refuses_a_sample_size_below_two(tmp_path, value):
    """-n 0 died in pandas ("No objects to concatenate") after composing; -n 1 wrote
    Morris' sigma as NaN with numpy's warnings on stderr (one trajectory has no spread;
    RELIABILITY 282)."""
    done = run_cli("balancing-sim-sensitivity", "-n", value, "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert f"argument -n/--samples: {value!r}: a whole number >= 2" in done.stderr
    assert not (tmp_path / "o").exists()


def test_sensitivity_refuses_an_output_folder_it_cannot_write_before_running(tmp_path):
    """It used to run every point, then die in mkdir with a traceback."""
    (tmp_path / "file").write_text("mine", encoding="utf-8")
    done = run_cli("balancing-sim-sensitivity", "--method", "morris", "-n", "2", "--runs", "1",
                   "--set", SHORT, "--out", str(tmp_path / "file" / "x"))
    assert done.returncode == 2
    assert "argument --out" in done.stderr and "is a file, not a folder" in done.stderr
    assert "points x" not in done.stderr  # refused before the plan line
    assert (tmp_path / "file").read_text(encoding="utf-8") == "mine"


# ---------------------------------------------------------------- the dashboard


@pytest.mark.parametrize("action, setting", [("run_clicked", {"seed": -1}),
                                             ("step_clicked", {"w_autonomy": float("nan")})])
def test_dashboard_inputs_out_of_range_are_one_line_on_the_page(action, setting):
    """A negative seed or a NaN parameter raised ConfigError in the button's handler
    (a traceback in the server, nothing on the page)."""
    from balancing_sim import app

    before = app.ensemble.value
    try:
        app.replicates.set(5)
        app.seed.set(setting.get("seed", 1))
        app.values.set({k: v for k, v in setting.items() if k != "seed"})
        getattr(app, action)()
        key = next(iter(setting))
        assert re.match(rf"invalid config: Python values: (params\.)?{key} = ",
                        app.problem.value)
        assert app.ensemble.value is before
    finally:
        app.seed.set(1)
        app.values.set({})
        app.problem.set("")


@pytest.mark.parametrize("seed", [2**63, -1])
def test_dashboard_steps_no_run_with_a_seed_the_contract_cannot_hold(seed):
    """Stepping took a seed above 2^63-1 (Run refused it) and failed with a bare
    OverflowError when the month's tables were built."""
    from balancing_sim import app
    from balancing_sim.model import AlignmentModel

    try:
        app.stepper.set(None)
        app.history.set(())
        app.seed.set(seed)
        app.step_clicked()
        assert app.problem.value.startswith(
            f"rng must be a non-negative integer seed, at most {2**63 - 1}")
        assert app.history.value == ()  # no month was stepped
    finally:
        app.seed.set(1)
        app.problem.set("")
        app.stepper.set(None)
    with pytest.raises(ValueError, match="rng must be a non-negative integer seed, at most"):
        AlignmentModel.from_scenario("baseline", rng=seed)


# ---------------------------------------------------------------- posterior draws


def tampered(tmp_path, column: str, value: str, header: str | None = None):
    """The shipped posterior table with one cell (or one header name) changed."""
    from balancing_sim.config.loading import conf_dir

    lines = (conf_dir() / "params" / "posterior.csv").read_text(encoding="utf-8").splitlines()
    names = lines[0].split(",")
    j = names.index(column)
    if header is not None:
        names[j] = header
    else:
        cells = lines[2].split(",")
        cells[j] = value
        lines[2] = ",".join(cells)
    path = tmp_path / "draws.csv"
    path.write_text("\n".join([",".join(names), *lines[1:]]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("column, value, header, allowed", [
    ("w_security", "-50", None, "w_security in [0, 1e+06] in every row (row 2 of the table "
                                "has -50)"),
    ("w_security", "1e300", None, "w_security in [0, 1e+06] in every row (row 2 of the table "
                                  "has 1e+300)"),
    ("w_security", "", "w_autonomy", "one column per parameter (w_autonomy repeated)"),
    ("w_security", "", "w_sekurity", "a parameter's name or a column of scores (w_sekurity: "
                                     "w_security misspelt? it would not be drawn)")])
def test_a_tampered_draws_table_is_refused_before_anything_runs(tmp_path, column, value,
                                                                header, allowed):
    """A negative or huge weight in one draw, or a column named twice, used to run."""
    from command import sim_cli

    path = tampered(tmp_path, column, value, header)
    out = tmp_path / "out"
    done = sim_cli("scenario=baseline", "runs=2", "params=posterior",
                   f"params.draws={path}", f"out={out}")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()  # the path is shortened when long
    assert line.startswith("balancing-sim: invalid config: ")
    assert "params/posterior.yaml: params.draws = '/" in line
    assert line.endswith(f": {allowed}")
    assert "Traceback" not in done.stderr
    assert not out.exists()


# ---------------------------------------------------------------- users' worlds


@pytest.mark.parametrize("old, new, key, value, allowed", [
    ("capability_data: data/nmc_v6_abridged_1990_2016.csv", "capability_data: data/none.csv",
     "world.capability_data", "'data/none.csv'",
     "null or a .csv file of COW NMC rows under the config folder"),
    ("cow: [{code: 365}]", "cow: [{code: 1}]", "world.poles.russia.cow[0].code", "1",
     f"a COW code with CINC rows in {conf_dir() / 'data' / 'nmc_v6_abridged_1990_2016.csv'}"),
    ("cow: [{code: 365}]", "cow: [{code: 365, from: 2010, to: 2000}]",
     "world.poles.russia.cow[0].to", "2000", "a year not before world.poles.russia.cow[0]"
                                             ".from (2010)")])
def test_a_users_capabilities_by_year_are_checked_before_anything_is_created(
        tmp_path, old, new, key, value, allowed):
    """A missing table died after the output folder was made; a code the table lacks, or
    a span ending before it starts, gave a capability of 0 silently."""
    from command import sim_cli

    from balancing_sim.config.loading import conf_dir

    text = (conf_dir() / "world" / "eurasia.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "conf" / "world").mkdir(parents=True)
    world = tmp_path / "conf" / "world" / "mine.yaml"
    world.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    done = sim_cli(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "world=mine",
                   "scenario=history", "runs=1", f"out={out}")
    assert done.returncode == 2
    assert f"invalid config: {world}: {key} = {value}: {allowed}" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("field", ["members_if", "embodies"])
def test_a_platforms_identity_group_must_be_one_some_actor_reports(field):
    """`members_if: {group: turkik}` used to pass and admit no member, silently."""
    from balancing_sim.config.errors import ConfigError
    from balancing_sim.config.loading import compose

    with pytest.raises(ConfigError, match=rf"world.platforms.ots.{field}.group = 'turkik': a "
                                          r"group of the facet ethnic in the actors' shares: "):
        compose(["scenario=baseline", f"world.platforms.ots.{field}.group=turkik"])


@pytest.mark.parametrize("make", ["no markers", "a folder"])
def test_the_record_module_refuses_a_doc_it_cannot_regenerate(tmp_path, make, capsys):
    """`python -m balancing_sim.record RECORD WORLD DOC` died with a traceback after
    reading the record (ValueError, IsADirectoryError)."""
    from balancing_sim.config.loading import conf_dir
    from balancing_sim.record import main

    doc = tmp_path / "doc.md"
    if make == "a folder":
        doc.mkdir()
    else:
        doc.write_text("prose only\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main([str(conf_dir() / "record" / "eurasia.yaml"),
              str(conf_dir() / "world" / "eurasia.yaml"), str(doc)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument doc" in err and str(doc) in err
    if make == "no markers":
        assert doc.read_text(encoding="utf-8") == "prose only\n"


# ---------------------------------------------------------------- load()


@pytest.mark.parametrize("kind", ["another table", "a summary that is a list"])
def test_load_of_a_folder_another_program_wrote_is_not_results(tmp_path, kind):
    """Both used to load as Results (a one-column table; empty tables), failing later
    deep in pandas."""
    import pandas as pd

    from balancing_sim import load
    from balancing_sim.results import NotResults

    if kind == "another table":
        (tmp_path / "trajectories.parquet").mkdir()
        pd.DataFrame({"a": [1, 2]}).to_parquet(tmp_path / "trajectories.parquet"
                                               / "part-000000.parquet")
        why = "trajectories.parquet/ lacks the columns run, step, date, actor, posture"
    else:
        why = "summary.json is not a run's summary"
    (tmp_path / "summary.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(NotResults, match=rf"not a results directory \({why}"):
        load(tmp_path)
