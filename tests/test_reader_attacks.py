"""Red-team attacks on what a notebook, EMA or SALib user touches (docs/RELIABILITY.md,
attacks 209-229): lazy tables, public outcomes, `bs.sweep`, `bs.params`, `evaluate`,
`load` and the reading commands, given names, values and folders they cannot use or
folders changed by hand, give one message of the project's own type, and touch nothing
the call did not create. Each test fails on the code before its fix."""

from __future__ import annotations

import pytest

import balancing_sim as bs
from balancing_sim.config.errors import ConfigError
from balancing_sim.outcomes import OutcomeError
from balancing_sim.runner.folder import OutputConflict
from balancing_sim.tables import TableError


@pytest.mark.parametrize(("call", "named"), [
    (lambda t: t.to_pandas(["actor", "postur"]), "'postur': not a column"),
    (lambda t: t.to_pandas("actor"), "columns = 'actor': a list of column names"),
    (lambda t: next(t.batches(["nope"])), "'nope': not a column"),
    (lambda t: t.select(actr="alpha"), "'actr': not a column"),
    (lambda t: t.categories("nope"), "'nope': not a column"),
    (lambda t: t.values("nope"), "'nope' is not a constant column"),
    (lambda t: len(t.select(run="0")), "run = '0': an integer"),
    (lambda t: t.select(step=1.5).to_pandas(), "step = 1.5: an integer"),
    (lambda t: len(t.select(date="garbage")), "date = 'garbage': a date"),
    (lambda t: len(t.select(actor=["alpha", "beta"])), "actor = ['alpha', 'beta']: an id"),
])
def test_a_lazy_table_names_a_column_or_value_it_cannot_use(tiny_run, call, named):
    table = bs.load(tiny_run[0] / "run").tables["trajectories"]
    with pytest.raises(TableError) as caught:
        call(table)
    assert named in str(caught.value)
    allowed = ("(constant columns: none)" if "constant" in named else
               "(columns: run, seed, step, date, actor, posture," if "column" in named
               else "(one value; the rows where the column equals it)")
    assert allowed in str(caught.value)


def test_a_lazy_table_selects_by_values_of_the_columns_type(tiny_run):
    table = bs.load(tiny_run[0] / "run").tables["trajectories"]
    alpha = table.select(actor="alpha", run=1.0, date="2000-01-01")
    assert len(alpha) == 1 == len(alpha.to_pandas())
    assert len(table.select(actor="nobody")) == 0


@pytest.mark.parametrize(("make", "named"), [
    (lambda: bs.outcomes.final_weight(3, "north"), "actor = 3: an id of the world"),
    (lambda: bs.outcomes.p_join("alpha", None), "platform = None: an id"),
    (lambda: bs.outcomes.time_in_posture("alpha", "north", since="garbage"),
     "since = 'garbage': a month YYYY-MM"),
    (lambda: bs.outcomes.time_in_posture("alpha", "north", until="2003-13"),
     "until = '2003-13': a month YYYY-MM"),
    (lambda: bs.outcomes.joins_bloc("alpha", blocs="pact"), "blocs = 'pact': a list"),
])
def test_an_outcome_with_an_argument_of_the_wrong_kind_is_refused_when_made(make, named):
    with pytest.raises(OutcomeError) as caught:
        make()
    assert named in str(caught.value)


@pytest.mark.parametrize(("outcome", "data", "named"), [
    (bs.outcomes.final_hedging("nobody"), "results",
     "actor='nobody' (actors: alpha, beta, gamma)"),
    (bs.outcomes.platform_viability("alpha"), "table",
     "platform='alpha' (platforms: club, forum, league, pact)"),
    (bs.outcomes.joins_bloc("alpha", blocs=["pact", "nato"]), "results",
     "platform 'nato' is not in the data (platforms: club, forum, league, pact)"),
    (bs.outcomes.final_hedging("alpha"), [1, 2], "data = list: one of Results"),
    (bs.outcomes.final_hedging("alpha"), None, "data = NoneType: one of Results"),
])
def test_an_outcome_names_what_the_data_lacks_and_what_it_holds(tiny_run, outcome, data,
                                                                  named):
    res = bs.load(tiny_run[0] / "run")
    given = {"results": res, "table": res.tables["platforms"]}.get(data, data) \
        if isinstance(data, str) else data
    with pytest.raises(OutcomeError) as caught:
        outcome(given)
    assert named in str(caught.value)


def test_a_sweep_checks_its_points_and_folder_before_any_point_runs(tiny_run, tmp_path):
    root, chosen = tiny_run
    points = [chosen, [*chosen, "params.w_autonomy=-1"]]
    with pytest.raises(ConfigError, match="params.w_autonomy = -1"):
        bs.sweep(points, tmp_path / "bad", scenario="mine", runs=2)
    assert not (tmp_path / "bad").exists()
    for wrong in ([], [{"w_autonomy": 0.5}], [chosen, list(chosen)]):
        with pytest.raises(ConfigError, match="points = "):
            bs.sweep(wrong, tmp_path / "wrong", scenario="mine", runs=2)
    assert not (tmp_path / "wrong").exists()


def test_a_sweep_never_writes_into_a_run_or_someone_elses_folder(tiny_run, tmp_path):
    root, chosen = tiny_run
    run = root / "run"
    before = sorted(p.name for p in run.iterdir())
    with pytest.raises(OutputConflict, match="holds a single run"):
        bs.sweep([chosen], run, scenario="mine", runs=2)
    assert sorted(p.name for p in run.iterdir()) == before
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    with pytest.raises(OutputConflict, match="did not create"):
        bs.sweep([chosen], theirs, scenario="mine", runs=2)
    assert [p.name for p in theirs.iterdir()] == ["notes.txt"]


def test_a_sweep_to_a_url_is_refused_and_creates_nothing(tiny_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="not a URL"):
        bs.sweep([tiny_run[1]], f"file://{tmp_path}/x", scenario="mine", runs=2)
    assert list(tmp_path.iterdir()) == []


def _renamed(part, old: str, new: str) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(part)
    pq.write_table(table.rename_columns([new if c == old else c for c in table.column_names]),
                   part)


@pytest.mark.parametrize("change", ["status renamed", "part removed"])
@pytest.mark.parametrize("cmd", ["balancing-sim-report", "balancing-sim-plot",
                                 "balancing-sim-export"])
def test_a_run_folder_changed_by_hand_is_one_line_naming_the_change(tiny_run, tmp_path, cmd,
                                                                      change):
    import shutil

    from command import run_cli

    run = tmp_path / "run"
    shutil.copytree(tiny_run[0] / "run", run)
    part = run / "memberships.parquet" / "part-000000.parquet"
    if change == "status renamed":
        _renamed(part, "status", "stat")
        named = "memberships.parquet/ lacks the columns status"
    else:
        part.unlink()
        named = "memberships.parquet/part-000000.parquet is missing"
    done = run_cli(cmd, str(run), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert named in done.stderr
    assert not (tmp_path / "out").exists()
    with pytest.raises(bs.results.NotResults, match=named.replace(".", r"\.")):
        bs.load(run)


def test_a_sweep_point_changed_by_hand_is_named(tiny_run, tmp_path):
    root, chosen = tiny_run
    bs.sweep([[*chosen, "params.w_autonomy=0.5"], [*chosen, "params.w_autonomy=0.7"]],
             tmp_path / "sw", scenario="mine", runs=2, seed=1)
    point = sorted((tmp_path / "sw" / "points").iterdir())[1]
    (point / "platforms.parquet" / "part-000000.parquet").unlink()
    with pytest.raises(bs.results.NotResults, match=f"{point.name}: the run finished, but "
                       r"platforms\.parquet/part-000000\.parquet is missing"):
        bs.load(tmp_path / "sw")


def test_outcomes_naming_ids_the_world_lacks_are_refused_before_any_run(tiny_run,
                                                                       monkeypatch):
    from balancing_sim.evaluation import Model

    def no_runs(*args, **kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(Model, "panels", no_runs)
    experiment = bs.Experiment("mine", tiny_run[1], runs=2, seed=1, workers=1)
    wrong = {"h": bs.outcomes.final_hedging("nobody"),
             "w": bs.outcomes.final_weight("alpha", "west"),
             "j": bs.outcomes.p_join("beta", "nato")}
    with pytest.raises(OutcomeError) as caught:
        experiment.evaluate([{"w_autonomy": 0.5}], wrong)
    assert str(caught.value) == (
        "outcomes.h: actor = 'nobody': one of alpha, beta, gamma; "
        "outcomes.w: posture = 'west': one of north, south, nonaligned; "
        "outcomes.j: platform = 'nato': one of club, forum, league, pact")


def test_the_ema_model_checks_its_outcomes_names_and_model_name_when_made(tiny_run):
    from balancing_sim import ema

    def made(uncertainties, outcomes, **options):
        return ema.model("mine", uncertainties, outcomes, runs=2, overrides=tiny_run[1],
                         **options)

    hedging = {"h": bs.outcomes.final_hedging("alpha")}
    with pytest.raises(OutcomeError, match="outcomes.j: platform = 'nato': one of club"):
        made({"w_autonomy": (0.5, 1.0)}, {"j": bs.outcomes.p_join("alpha", "nato")})
    with pytest.raises(ConfigError, match=r"uncertainties.params.w_autonomy = \[0.5, 1.0\]: "
                       "a key named once"):
        made({"w_autonomy": (0.5, 1.0), "params.w_autonomy": (0.5, 1.0)}, hedging)
    with pytest.raises(ConfigError, match="name = 'a b/c': a Python identifier"):
        made({"w_autonomy": (0.5, 1.0)}, hedging, name="a b/c")


@pytest.mark.parametrize(("cmd", "theirs"), [("balancing-sim-plot", "hedging.png"),
                                             ("balancing-sim-report", "report_numbers.csv"),
                                             ("balancing-sim-export", "memberships.csv")])
def test_an_analysis_command_never_replaces_a_users_file_in_its_out(tiny_run, tmp_path, cmd,
                                                                     theirs):
    from command import run_cli

    out = tmp_path / "paper"
    out.mkdir()
    (out / theirs).write_text("the user's own")
    done = run_cli(cmd, str(tiny_run[0] / "run"), "--out", str(out))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{out / theirs}: a file balancing-sim did not write" in done.stderr
    assert (out / theirs).read_text() == "the user's own"
    assert [p.name for p in out.iterdir()] == [theirs]  # refused before writing anything
    again = tmp_path / "again"  # what a command wrote, the next one may replace
    for _ in range(2):
        assert run_cli(cmd, str(tiny_run[0] / "run"), "--out", str(again)).returncode == 0
    assert (again / theirs).stat().st_size > len("the user's own")


@pytest.mark.parametrize("theirs", ["samples.csv", "sensitivity.svg"])
def test_sensitivity_refuses_an_out_holding_a_users_file_before_anything_runs(
        tiny_run, tmp_path, monkeypatch, theirs):
    from command import run_cli

    from balancing_sim.analysis import sensitivity

    monkeypatch.setattr(sensitivity, "run", lambda *a, **k: pytest.fail("it ran"))
    (tmp_path / theirs).write_text("the user's own")
    done = run_cli("balancing-sim-sensitivity", "--set", tiny_run[1][0], "--set",
                   tiny_run[1][1], "--scenario", "mine", "-n", "2", "--runs", "2",
                   "--out", str(tmp_path))
    assert done.returncode == 2
    assert f"{tmp_path / theirs}: a file balancing-sim did not write" in done.stderr
    assert (tmp_path / theirs).read_text() == "the user's own"


def test_discover_refuses_an_out_holding_a_users_file_before_anything_runs(tiny_run,
                                                                          tmp_path):
    from command import run_cli

    (tmp_path / "box.csv").write_text("the user's own")
    done = run_cli("balancing-sim-discover", "--set", tiny_run[1][0], "--set",
                   tiny_run[1][1], "--scenario", "mine", "--outcome", "alpha in_bloc",
                   "--samples", "4", "--runs", "2", "--out", str(tmp_path))
    assert done.returncode == 2
    assert f"{tmp_path / 'box.csv'}: a file balancing-sim did not write" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box.csv"]


@pytest.mark.parametrize(("call", "named", "allowed"), [
    (lambda: bs.params("../params/calibrated"), "name = '../params/calibrated': one of "
     "calibrated, ", "(a name, not a path)"),
    (lambda: bs.params("nope"), "name = 'nope': one of calibrated, ", "(a name, not a path)"),
    (lambda: bs.params(calibration="nope"), "calibration = 'nope': one of history, ",
     "(a name, not a path)"),
    (lambda: bs.params().bounds(["w_autonomy", "w_nope"]), "names = 'w_nope': one of w_",
     "(the calibrated)"),
])
def test_params_are_read_by_name_never_by_path(call, named, allowed):
    with pytest.raises(ConfigError) as caught:
        call()
    assert named in str(caught.value)
    assert str(caught.value).endswith(allowed)


def test_a_lone_parameter_name_is_one_name():
    assert bs.params().bounds("w_autonomy") == bs.params().bounds(["w_autonomy"])


@pytest.mark.parametrize(("options", "named"), [
    ({"workers": 0}, "workers = 0: -1 (every core) or a whole number from 1 to 4096"),
    ({"workers": "2"}, "workers = '2': -1 (every core)"),
    ({"per_run": "no"}, "per_run = 'no': True or False"),
    ({"outcomes": [bs.outcomes.final_hedging("alpha")]}, "outcomes = [final_hedging('alpha')]:"
     " a dict of names to outcomes"),
    ({"outcomes": {"h": 3}}, "outcomes = {'h': 3}: a dict of names to outcomes"),
    ({"param_sets": {"w_autonomy": 0.5}}, "param_sets = {'w_autonomy': 0.5}: a list of dicts"),
])
def test_evaluate_names_an_option_it_cannot_use_before_any_run(tiny_run, monkeypatch,
                                                               options, named):
    from balancing_sim.evaluation import Model

    monkeypatch.setattr(Model, "panels", lambda *a, **k: pytest.fail("a run started"))
    experiment = bs.Experiment("mine", tiny_run[1], runs=2, seed=1, workers=1)
    call = {"param_sets": [{"w_autonomy": 0.5}],
            "outcomes": {"h": bs.outcomes.final_hedging("alpha")}, **options}
    with pytest.raises(ConfigError) as caught:
        experiment.evaluate(**call)
    assert named in str(caught.value)


@pytest.mark.parametrize("path", [3, None, ["run"], "file:///tmp/run"])
def test_load_names_a_path_it_cannot_read(path):
    with pytest.raises(bs.results.NotResults, match="the folder of a run or sweep, named as a"
                       " path"):
        bs.load(path)


@pytest.mark.parametrize("second", ["params.w_autonomy=0.5:1.0", "w_autonomy=0.2:0.4"])
def test_sensitivity_refuses_a_factor_given_twice(tiny_run, tmp_path, second):
    from command import run_cli

    done = run_cli("balancing-sim-sensitivity", "--set", tiny_run[1][0], "--set",
                   tiny_run[1][1], "--scenario", "mine", "-n", "2", "--runs", "2",
                   "--param", "w_autonomy=1:2", "--param", second,
                   "--out", str(tmp_path / "s"))
    assert done.returncode == 2
    assert done.stderr == (f"balancing-sim-sensitivity: --param {second!r}: w_autonomy is a "
                           "factor once (--param 'w_autonomy=1:2' gives it too)\n")
    assert not (tmp_path / "s").exists()


@pytest.fixture(scope="module")
def tiny_sweep(tiny_run, tmp_path_factory):
    chosen = tiny_run[1]
    out = tmp_path_factory.mktemp("sweep") / "sw"
    bs.sweep([[*chosen, "params.w_autonomy=0.5"], [*chosen, "params.w_autonomy=0.7"]], out,
             scenario="mine", runs=2, seed=1)
    return out


@pytest.mark.parametrize(("name", "text"), [
    ("point.json", '{"values": "x", "scenario": "mine"}'),
    ("point.json", '{"values": [1], "scenario": "mine"}'),
    ("summary.json", '{"runs": "many"}'),
])
def test_a_sweep_points_file_changed_into_something_else_is_an_unfinished_point(
        tiny_sweep, tmp_path, name, text):
    import shutil

    from balancing_sim.results import IncompleteResults

    copy = tmp_path / "sw"
    shutil.copytree(tiny_sweep, copy)
    point = sorted((copy / "points").iterdir())[0]
    (point / name).write_text(text)
    with pytest.warns(IncompleteResults, match="1 of 2 points have not finished"):
        res = bs.load(copy)
    assert res.incomplete == [point.name]
    assert repr(res) == f"Results(2 runs, 1 sweep points, at {copy})"


def test_a_sweep_manifest_changed_into_text_is_not_read_as_point_ids(tiny_sweep, tmp_path):
    import shutil
    import warnings

    copy = tmp_path / "sw"
    shutil.copytree(tiny_sweep, copy)
    (copy / "sweep.json").write_text('{"points": "abc"}')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bs.load(copy).incomplete == []


@pytest.mark.parametrize("cmd", ["balancing-sim-plot", "balancing-sim-report"])
def test_a_points_config_changed_into_a_list_is_one_line(tiny_sweep, tmp_path, cmd):
    import shutil

    from command import run_cli

    copy = tmp_path / "sw"
    shutil.copytree(tiny_sweep, copy)
    point = sorted((copy / "points").iterdir())[0]
    (point / "config.yaml").write_text("- 1\n- 2\n")
    done = run_cli(cmd, str(copy), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr == (f"{cmd}: {point / 'config.yaml'}: not a run's config (a mapping; "
                           "it holds a list)\n")


def test_a_runs_config_changed_into_a_list_is_not_results(tiny_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(tiny_run[0] / "run", run)
    (run / "config.yaml").write_text("- 1\n")
    with pytest.raises(bs.results.NotResults, match="config.yaml: not a run's config"):
        bs.load(run)


@pytest.mark.parametrize("where", [{"actor": "alpha"}, {"actor": "beta", "run": 1},
                                   {"date": "2000-03-01"}])
def test_a_selected_table_keeps_its_rows_in_polars_and_duckdb(tiny_run, where):
    table = bs.load(tiny_run[0] / "run").tables["trajectories"].select(**where)
    rows = len(table.to_pandas())
    assert 0 < rows < len(bs.load(tiny_run[0] / "run").tables["trajectories"])
    assert table.to_polars().collect().height == rows
    assert len(table.to_duckdb().df()) == rows
    with pytest.raises(TableError, match="dataset of a table narrowed to rows"):
        table.dataset  # noqa: B018
