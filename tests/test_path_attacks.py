"""Paths as users write them (relative, `~`, `file://`, links, spaces, commas and
non-ASCII in folder names, other working folders), files edited between two uses in one
process, and parameter sets batched by the evaluation API: cases a red team found
broken (docs/RELIABILITY.md, attacks 137 and after)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from command import run_cli, sim_cli

from balancing_sim.config.loading import compose, conf_dir
from balancing_sim.world import compile_config

DATA = "data/mycap.csv"


def user_world(folder: Path, data: str = DATA) -> Path:
    """A user's config folder holding the shipped world under another name, reading its
    capabilities by year from the folder's own copy of the shipped table."""
    (folder / "world").mkdir(parents=True)
    (folder / "data").mkdir()
    shipped = (conf_dir() / "world" / "eurasia.yaml").read_text(encoding="utf-8")
    line = "capability_data: data/nmc_v6_abridged_1990_2016.csv"
    assert line in shipped
    world = folder / "world" / "mine.yaml"
    world.write_text(shipped.replace(line, f"capability_data: {data}"), encoding="utf-8")
    shutil.copyfile(conf_dir() / "data" / "nmc_v6_abridged_1990_2016.csv", folder / data)
    return world


def capability(folder: Path) -> np.ndarray:
    """The compiled capabilities of the history with the user's world of `folder`."""
    config, _ = compose([f"hydra.searchpath=['file://{folder}']", "world=mine",
                         "scenario=history"])
    return compile_config(config).structure.capability


def tripled(table: Path, code: str) -> None:
    """Triple one COW code's CINC in a table (same layout, other numbers)."""
    lines = table.read_text(encoding="utf-8").splitlines()
    cinc = lines[0].split(",").index("cinc")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        if row[1] == code:
            row[cinc] = repr(float(row[cinc]) * 3)
    table.write_text("\n".join([lines[0], *map(",".join, rows)]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", ["my, conf", "spa ce ü"])
def test_a_user_folder_whose_name_holds_a_comma_finds_its_worlds_data(tmp_path, name):
    """The world's file was split at ", " (how several source files are joined): in a
    folder named "my, conf" the data was looked up in the shipped conf/ only."""
    world = user_world(tmp_path / name)
    done = run_cli("balancing-sim-validate", str(world))
    assert (done.returncode, done.stdout, done.stderr) == (0, f"ok: {world} (world)\n", "")
    capability(tmp_path / name)  # a run composes it (a ConfigError before)


def test_a_scenario_checked_against_a_users_world_finds_the_worlds_data(tmp_path):
    """`balancing-sim-validate SCENARIO --world myconf/world/mine.yaml` copied the world to
    a temporary folder and looked for its data there (and named that folder)."""
    world = user_world(tmp_path / "myconf")
    scenario = tmp_path / "myconf" / "scenario" / "myhist.yaml"
    scenario.parent.mkdir()
    shutil.copyfile(conf_dir() / "scenario" / "history.yaml", scenario)
    done = run_cli("balancing-sim-validate", "scenario/myhist.yaml", "--world",
                   "world/mine.yaml", cwd=tmp_path / "myconf")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "ok: scenario/myhist.yaml (scenario)\n", "")
    assert world.is_file()


def test_capability_data_edited_between_two_compositions_is_read_anew(tmp_path):
    """The table was cached per path for the life of the process: a notebook that edited
    its data and composed again kept the old capabilities."""
    folder = tmp_path / "myconf"
    user_world(folder)
    before = capability(folder)
    tripled(folder / DATA, "365")
    other = tmp_path / "other"  # the edited table at a path never read before
    user_world(other)
    shutil.copyfile(folder / DATA, other / DATA)
    after = capability(folder)
    assert not np.array_equal(after, before)
    np.testing.assert_array_equal(after, capability(other))


@pytest.mark.parametrize("key", ["out", "hydra.run.dir"])
def test_an_output_folder_named_as_a_url_is_refused_and_nothing_created(tmp_path, key):
    """`out=file:///x` ran into ./file:/x (pathlib's reading), then failed as "not
    readable" (pyarrow read /x as the URL): minutes lost and a stray folder."""
    url = f"file://{tmp_path / 'o'}"
    done = sim_cli("scenario=history", "runs=1", f"{key}={url}", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()  # the path is shortened when long
    assert line.startswith("balancing-sim: invalid config: ")
    assert f": {key} = 'file:///" in line
    assert line.endswith("a folder that can be created and written, named as a path, not a "
                         "URL (file:///x is /x)")
    assert sorted(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def short():
    from balancing_sim.evaluation import Model

    return Model.of("baseline", ["scenario.end=2025-06"], runs=3, seed=5)


def nonaligned():
    from balancing_sim.evaluation import final_posture

    return {"nonaligned": final_posture("azerbaijan", "nonaligned")}


def no_runs(*_):
    raise AssertionError("simulated")


@pytest.mark.parametrize("sets, message", [
    ([{"w_autonomy": 0.5}, {"w_autonomy": -1.0}, {"w_autonomy": 1.0}],
     "param_sets[1].params.w_autonomy = -1.0: a finite number in [0, 1e+06]"),
    ([{"w_autonomy": 0.5}, {"w_autonomy": 0.6}, {"w_autonomi": 1.0}],
     "param_sets[2] = ['w_autonomi']: unknown parameter(s): w_autonomi (known: "),
])
def test_a_bad_set_in_the_middle_is_named_by_its_place_before_anything_runs(
        short, monkeypatch, sets, message):
    """Only the first set was checked up front: a bad one further on failed in the
    block (or worker) that met it, after the others ran, its message not saying which."""
    from balancing_sim.config.errors import ConfigError
    from balancing_sim.evaluation import Model, evaluate

    monkeypatch.setattr(Model, "panels", no_runs)
    with pytest.raises(ConfigError) as raised:
        evaluate(short, sets, nonaligned())
    assert str(raised.value).startswith(f"invalid config: Python values: {message}")


def test_a_bad_set_of_a_study_is_named_by_its_place_among_all_sets(monkeypatch):
    """A Study groups sets by the config keys they change; a set's place is among all."""
    from balancing_sim.config.errors import ConfigError
    from balancing_sim.evaluation import Model, Study

    study = Study("baseline", ["scenario.end=2025-06"], runs=2)
    monkeypatch.setattr(Model, "panels", no_runs)
    with pytest.raises(ConfigError, match=r"^invalid config: Python values: param_sets\[1\]"
                                          r"\.params\.w_autonomy = -2: "):
        study.evaluate([{"w_autonomy": 0.5},
                        {"world.states.azerbaijan.autonomy.value": 0.3, "w_autonomy": -2}],
                       nonaligned())


@pytest.mark.parametrize("per_run", [False, True])
def test_no_parameter_sets_give_an_empty_table(short, per_run):
    """`evaluate(model, [])` died in numpy ("number sections must be larger than 0"),
    `Experiment.evaluate([])` in pandas ("No objects to concatenate")."""
    import balancing_sim as bs
    from balancing_sim.evaluation import evaluate

    columns = [*(["run"] if per_run else []), "nonaligned"]
    assert list(evaluate(short, [], nonaligned(), per_run=per_run).columns) == columns
    frame = bs.Experiment("baseline", ["scenario.end=2025-06"], runs=2).evaluate(
        [], nonaligned(), per_run=per_run)
    assert (len(frame), list(frame.columns)) == (0, columns)


def test_runs_whose_records_cannot_be_held_are_refused_before_any_run(short, monkeypatch):
    """A set's runs are simulated together: `runs=10**6` of the history spent 18 s, then
    died with a MemoryError (139 GiB)."""
    import dataclasses

    from balancing_sim.config.errors import ConfigError
    from balancing_sim.evaluation import Model, evaluate
    from balancing_sim.runner import estimate

    big = dataclasses.replace(short, runs=1000)
    monkeypatch.setattr(estimate, "available_memory", lambda: 100.0 * short.run_bytes())
    monkeypatch.setattr(Model, "panels", no_runs)
    with pytest.raises(ConfigError, match=r"^invalid config: Python values: runs = 1000: at "
                                          r"most 100 runs per parameter set on this machine"):
        evaluate(big, [{"w_autonomy": 0.5}], nonaligned())


def test_a_run_written_to_a_tilde_folder_is_read_back_from_it(tmp_path, monkeypatch):
    """`out='~/r'` wrote into the home folder, but `balancing-sim-export '~/r'` (plot,
    report) and `bs.load('~/r')` said "not a directory": `~` is the home folder
    everywhere."""
    import balancing_sim as bs

    work = tmp_path / "work"
    work.mkdir()
    home = {"HOME": str(tmp_path)}
    assert sim_cli("scenario=history", "runs=1", "runner.record_every=12", "out='~/r'",
                   cwd=work, env=home).returncode == 0
    done = run_cli("balancing-sim-export", "~/r", cwd=work, env=home)
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(p.name for p in (tmp_path / "r" / "csv").iterdir()) == [
        "memberships.csv", "platforms.csv", "trajectories.csv"]
    assert list(work.iterdir()) == []
    monkeypatch.setenv("HOME", str(tmp_path))
    assert bs.load("~/r").summary["runs"] == 1


@pytest.mark.parametrize("entry", ["file://~/myconf", "~/myconf"])
def test_a_tilde_in_the_search_path_is_one_message_naming_the_folder_to_write(
        tmp_path, entry):
    """Our checks read `~` as the home folder, Hydra as a folder named `~`: the world was
    found by the checks, then Hydra said `world = 'mine'` is not one of the worlds of
    the folder that holds it."""
    user_world(tmp_path / "myconf")
    out = tmp_path / "out"
    done = sim_cli(f"hydra.searchpath=['{entry}']", "world=mine", "scenario=history",
                   "runs=1", f"out={out}", env={"HOME": str(tmp_path)})
    assert (done.returncode, done.stderr) == (2, (
        f"balancing-sim: invalid config: command line: hydra.searchpath[0] = '{entry}': an "
        "existing folder laid out like conf/ (world/, situation/, scenario/, params/, "
        "experiment/); Hydra does not read ~ as the home folder: write "
        f"file://{tmp_path / 'myconf'}\n"))
    assert not out.exists()


def test_files_named_with_a_quoted_tilde_are_read_from_the_home_folder(tmp_path):
    """`balancing-sim-validate '~/myconf/world/mine.yaml'` (and the landscape command)
    said "No such file or directory": `~` is the home folder, as in out=."""
    user_world(tmp_path / "myconf")
    for name in ("europe_1936.yaml", "europe_1936_propensity.csv"):
        shutil.copyfile(conf_dir() / "landscape" / name, tmp_path / name)
    home = {"HOME": str(tmp_path)}
    done = run_cli("balancing-sim-validate", "~/myconf/world/mine.yaml", env=home)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, f"ok: {tmp_path}/myconf/world/mine.yaml (world)\n", "")
    done = run_cli("balancing-sim-landscape", "~/europe_1936.yaml", env=home)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Europe 1936 (Axelrod & Bennett 1993, rebuilt codings): 17 ")


def test_a_draws_table_edited_between_two_runs_of_one_process_is_read_anew(tmp_path):
    """`load_draws` kept a table per name for the life of the process: a notebook that
    rewrote its posterior draws and ran again got the old draws."""
    from balancing_sim.evaluation import Model

    table = tmp_path / "draws.csv"
    shutil.copyfile(conf_dir() / "params" / "posterior.csv", table)

    def first_runs(path: Path) -> np.ndarray:
        model = Model.of("baseline", ["scenario.end=2025-06", f"params.draws={path}"],
                         runs=2, seed=1)
        return model.panel(model.params).align

    before = first_runs(table)
    lines = table.read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("w_autonomy")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[column] = "0.05"
    table.write_text("\n".join([lines[0], *map(",".join, rows)]) + "\n", encoding="utf-8")
    fresh = tmp_path / "fresh.csv"  # the edited table at a path never read before
    shutil.copyfile(table, fresh)
    after = first_runs(table)
    assert not np.array_equal(after, before)
    np.testing.assert_array_equal(after, first_runs(fresh))


def test_discover_refuses_an_output_folder_it_cannot_write_before_computing(
        tmp_path, monkeypatch):
    """`balancing-sim-discover --out` under a file computed every point, then died in
    mkdir with a traceback (`--out file:///x` computed into ./file:/x)."""
    from balancing_sim.evaluation import Study

    monkeypatch.setattr(Study, "evaluate", no_runs)
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    done = run_cli("balancing-sim-discover", "--outcome", "azerbaijan in_bloc", "--out",
                   str(tmp_path / "afile" / "sub"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"balancing-sim-discover: error: argument --out: '{tmp_path}/afile/sub': a folder "
        f"that can be created and written ({tmp_path}/afile is a file, not a folder)")
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine\n"


def test_a_draws_table_beside_a_users_params_file_is_found_there(tmp_path):
    """A user's params file naming `draws: params/mine.csv` beside it was refused as "an
    existing CSV file of draws (relative to the config folder)": it is looked up in the
    config folder holding the params file, then in the shipped one (as a world's
    capability data is), and runs draw from it."""
    import balancing_sim as bs

    folder = tmp_path / "myconf" / "params"
    folder.mkdir(parents=True)
    shipped = (conf_dir() / "params" / "posterior.yaml").read_text(encoding="utf-8")
    (folder / "mine.yaml").write_text(shipped.replace("draws: params/posterior.csv",
                                                      "draws: params/mine.csv"), "utf-8")
    table = (conf_dir() / "params" / "posterior.csv").read_text(encoding="utf-8").splitlines()
    (folder / "mine.csv").write_text("\n".join(table[:3]) + "\n", "utf-8")  # two draws
    search = f"hydra.searchpath=['file://{tmp_path / 'myconf'}']"
    config, _ = compose([search, "params=mine", "scenario=baseline"])
    assert config.params.draws == str(folder / "mine.csv")
    res = bs.simulate("baseline", [search, "params=mine", "scenario.end=2025-01"], runs=3)
    assert sorted(set(res.trajectories["draw"])) == [0, 1]
    # the shipped params file still reads the shipped table, by its name
    assert compose(["scenario=baseline"])[0].params.draws == "params/posterior.csv"


def test_the_memory_check_counts_one_set_per_worker(short, monkeypatch):
    """Each worker holds one set's records at a time: 60 runs fit in room for 100 on one
    worker, not on two with two sets (the check counted one set whatever the workers)."""
    import dataclasses

    from balancing_sim.config.errors import ConfigError
    from balancing_sim.evaluation import Model, evaluate
    from balancing_sim.runner import estimate

    sixty = dataclasses.replace(short, runs=60)
    monkeypatch.setattr(estimate, "available_memory", lambda: 100.0 * short.run_bytes())
    monkeypatch.setattr(Model, "panels", no_runs)
    two_sets = [{"w_autonomy": 0.5}, {"w_autonomy": 0.6}]
    with pytest.raises(ConfigError, match=r"runs = 60: at most 50 runs per parameter set on "
                                          r"this machine with 2 sets at once \(one per worker\)"):
        evaluate(sixty, two_sets, nonaligned(), workers=2)
    with pytest.raises(AssertionError, match="simulated"):  # past the check, at the runs
        evaluate(sixty, two_sets, nonaligned(), workers=1)
