"""Mistakes of composition (overrides, config names, YAML syntax, paths, user folders),
through `compose` and through the real `balancing-sim` command: one message naming the
file, the key, the value and what is allowed; exit code 2; no traceback unless asked."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from worlds import tiny_world_dict

from balancing_sim import cli
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import (
    check_names,
    check_output_dir,
    compose,
    composition,
    conf_dir,
    source_files,
)

BIN = Path(sys.executable).parent


def user_conf(root: Path) -> Path:
    """A user's own config folder laid out like conf/: the tiny world, a situation and a
    scenario that picks it."""
    data = tiny_world_dict()
    for group in ("world", "situation", "scenario", "experiment"):
        (root / group).mkdir(parents=True, exist_ok=True)
    (root / "world" / "tiny.yaml").write_text(yaml.safe_dump(data["world"]))
    situation = {k: v for k, v in data["scenario"].items() if k not in ("name", "end", "events")}
    (root / "situation" / "tiny_start.yaml").write_text(
        "# @package scenario\n" + yaml.safe_dump(situation))
    (root / "scenario" / "tiny_future.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - override /situation: tiny_start\n"
        "scenario:\n  name: tiny_future\n  end: '2004-12'\n  events: {}\n")
    (root / "experiment" / "small.yaml").write_text(
        "# @package _global_\ndefaults:\n  - override /world: tiny\n"
        "  - override /scenario: tiny_future\n"
        "scenario:\n  end: '2003-12'\nparams:\n  temperature: 0.5\n")
    return root


def user_args(root: Path) -> list[str]:
    return [f"hydra.searchpath=[file://{root}]", "world=tiny", "scenario=tiny_future"]


def error_of(overrides: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        compose(overrides)
    return info.value


# ------------------------------------------------------------ compose


def test_a_user_folder_on_the_search_path_composes_and_validates(tmp_path):
    root = user_conf(tmp_path / "myconf")
    config, data = compose(user_args(root))
    assert config.world.name == "tiny"
    assert config.scenario.name == "tiny_future"
    assert config.files["world"] == str(root / "world" / "tiny.yaml")
    assert str(root / "situation" / "tiny_start.yaml") in config.files["scenario"]


def test_a_user_experiment_composes(tmp_path):
    root = user_conf(tmp_path / "myconf")
    config, _ = compose([*user_args(root), "experiment=small"])
    assert (config.scenario.end, config.params.temperature) == ("2003-12", 0.5)


def test_an_edit_between_two_identical_compositions_is_seen(tmp_path):
    """Compositions are kept between calls; an edit of any config file (same size, same
    second) must still reach the next call."""
    root = user_conf(tmp_path / "myconf")
    experiment = root / "experiment" / "small.yaml"
    assert compose([*user_args(root), "experiment=small"])[0].scenario.end == "2003-12"
    experiment.write_text(experiment.read_text().replace("2003-12", "2002-12"))
    assert compose([*user_args(root), "experiment=small"])[0].scenario.end == "2002-12"
    (root / "situation" / "tiny_start.yaml").write_text("# @package scenario\nbad: [")
    assert "tiny_start.yaml" in error_of([*user_args(root), "experiment=small"]).problems[0].file


def test_compositions_do_not_share_what_a_caller_changes():
    first = composition(["scenario=baseline"])
    first.cfg.scenario.name = "changed by the caller"
    OmegaConf.select(first.cfg, "hydra.run.dir")  # resolves ${now:...} in this copy only
    again = composition(["scenario=baseline"])
    assert again.cfg.scenario.name == "baseline"
    assert again.cfg is not first.cfg


KEPT_CASES = [
    ["scenario=baseline", "runs=8", "seed=3", "out=/tmp/a b", "runner.workers=2"],
    ["runs=8", "scenario=[ots_deepening,western_pressure]", "params.w_autonomy=0.6",
     "scenario.end=2026-06", "hydra.run.dir=/tmp/x"],
    ["experiment=three_plus_three_viability", "hydra.mode=MULTIRUN", "scenario=three_plus_three",
     "scenario.events.ttt_secretariat_2027.value.value=0.2", "runs=2"],
    ["runner={workers:2}", "runner.chunk_runs=4"],  # one part of the config twice: whole
    ["scenario=baseline", "+params.extra=1", "params.w_autonomy=0.6"],
    ["world=synthetic", "situation=synthetic", "world.size.states=5", "seed=2"],
]


def _whole(overrides: list[str]) -> DictConfig:
    """Hydra's composition of every override, nothing kept."""
    from balancing_sim.config import kept
    from balancing_sim.config.loading import _compose_raw

    with kept.nothing_kept():
        return _compose_raw(overrides)


@pytest.mark.parametrize("overrides", KEPT_CASES, ids=lambda o: " ".join(o)[:40])
def test_a_kept_composition_with_its_values_applied_is_hydras_own(overrides):
    """Hydra keeps a composition per choice of files and applies value overrides (run
    settings, dotted keys) to a copy (config.kept): the result is what Hydra composes from
    all the overrides, its record of the command line and the job's folder name included."""
    from balancing_sim.config.loading import _compose_raw

    first = _compose_raw(overrides)
    _compose_raw([*overrides[:-1], overrides[-1].replace("=", "=1", 1)])  # another last value
    again = _compose_raw(overrides)
    whole = _whole(overrides)
    assert OmegaConf.to_yaml(first) == OmegaConf.to_yaml(again) == OmegaConf.to_yaml(whole)
    assert OmegaConf.is_struct(again) and OmegaConf.is_struct(whole)


def test_a_run_of_the_command_composes_its_files_once(tmp_path):
    """The checks, Hydra's look at the mode and Hydra's run compose the same files: once
    (a user folder no other test composes makes the first composition a new one)."""
    from command import run_cli

    from balancing_sim.config import kept

    root = user_conf(tmp_path / "myconf")
    args = [*user_args(root), "runs=2", "runner.workers=1", f"out={tmp_path / 'run'}"]
    before = kept.composed
    assert run_cli("balancing-sim", *args).returncode == 0
    assert kept.composed - before == 1
    assert run_cli("balancing-sim", *args[:-1], f"out={tmp_path / 'again'}", "seed=5",
                   ).returncode == 0
    assert kept.composed - before == 1


@pytest.mark.parametrize("overrides", [["scenario=baseline", "params.nope=1", "runs=2"],
                                       ["scenario=baseline", "runs=2", "+runs=3"]])
def test_a_value_a_kept_composition_cannot_take_fails_as_hydra_says(overrides):
    from balancing_sim.config.loading import _compose_raw

    with pytest.raises(HydraException) as kept:
        _compose_raw(overrides)
    with pytest.raises(HydraException) as whole:
        _whole(overrides)
    assert (type(kept.value), str(kept.value)) == (type(whole.value), str(whole.value))


def test_unknown_override_key_names_the_key_and_the_keys_that_exist():
    (p,) = error_of(["sedd=3"]).problems
    assert p.file == str(conf_dir() / "config.yaml")
    assert (p.key, p.value) == ("sedd", 3)
    assert "an existing key" in p.allowed and "seed" in p.allowed


def test_several_unknown_override_keys_are_reported_together():
    problems = error_of(["params.w_securty=1", "foo.bar=2", "runs=3"]).problems
    assert [p.key for p in problems] == ["params.w_securty", "foo.bar"]
    # the default scenario (baseline, forward) selects the posterior's params option
    assert problems[0].file == str(conf_dir() / "params" / "posterior.yaml")
    assert "w_security" in problems[0].allowed


def test_unknown_override_keys_and_bad_values_are_reported_together():
    problems = error_of(["sedd=3", "runs=0", "params.temperature=-1"]).problems
    assert [p.key for p in problems] == ["sedd", "params.temperature", "runs"]


def test_scenario_that_does_not_exist_lists_the_available_ones(tmp_path):
    root = user_conf(tmp_path / "myconf")
    (p,) = error_of([f"hydra.searchpath=[file://{root}]", "scenario=histroy"]).problems
    assert p.file == str(conf_dir() / "scenario" / "histroy.yaml")
    assert (p.key, p.value) == ("scenario", "histroy")
    assert "history" in p.allowed and "tiny_future" in p.allowed


def test_world_that_does_not_exist_lists_the_available_ones():
    (p,) = error_of(["world=atlantis"]).problems
    assert (p.key, p.value) == ("world", "atlantis")
    assert "eurasia" in p.allowed


@pytest.mark.parametrize("override", ["scenario=../../x", "world=/etc/passwd",
                                      "experiment=../../../tmp/x", "params=~/p"])
def test_config_names_never_become_paths(override):
    (p,) = error_of([override]).problems
    assert p.file == "command line"
    assert "not a path" in p.allowed and "hydra.searchpath" in p.allowed


def test_yaml_syntax_error_names_the_file_and_the_line(tmp_path):
    root = user_conf(tmp_path / "myconf")
    bad = root / "scenario" / "tiny_future.yaml"
    bad.write_text("# @package _global_\nscenario:\n  name: x\n   end: '2004-12'\n")
    (p,) = error_of(user_args(root)).problems
    assert p.file == str(bad)
    assert p.key == "line 4, column 7"
    assert p.value == "   end: '2004-12'"
    assert p.allowed.startswith("valid YAML (mapping values are not allowed here")


def test_unclosed_quote_points_at_the_line_where_it_opens(tmp_path):
    root = user_conf(tmp_path / "myconf")
    bad = root / "scenario" / "tiny_future.yaml"
    bad.write_text('# @package _global_\nscenario:\n  name: "x\n  end: 2004-12\n')
    (p,) = error_of(user_args(root)).problems
    assert p.file == str(bad) and p.key.startswith("line 3,")


def test_duplicate_key_in_yaml_is_refused_with_its_line(tmp_path):
    root = user_conf(tmp_path / "myconf")
    bad = root / "world" / "tiny.yaml"
    bad.write_text(bad.read_text() + "name: again\n")
    (p,) = error_of(user_args(root)).problems
    assert p.file == str(bad)
    assert "duplicate key name" in p.allowed


def test_a_file_holding_a_list_is_named(tmp_path):
    root = user_conf(tmp_path / "myconf")
    bad = root / "scenario" / "tiny_future.yaml"
    bad.write_text("- a\n- b\n")
    (p,) = error_of(user_args(root)).problems
    assert p.file == str(bad) and "found a list" in p.allowed


def test_a_broken_interpolation_names_the_key_and_the_files(tmp_path):
    root = user_conf(tmp_path / "myconf")
    bad = root / "scenario" / "tiny_future.yaml"
    bad.write_text(bad.read_text().replace("name: tiny_future", "name: ${nope.key}"))
    (p,) = error_of(user_args(root)).problems
    assert str(bad) in p.file and p.key == "scenario.name"
    assert "Interpolation key 'nope.key' not found" in p.allowed


def test_a_generated_worlds_size_is_checked_before_it_is_built():
    problems = error_of(["world=synthetic", "situation=synthetic", "world.size.states=abc",
                         "world.size.poles=0"]).problems
    assert [(p.file, p.key, p.value) for p in problems] == [
        (str(conf_dir() / "world" / "synthetic.yaml"), "world.size.states", "abc"),
        (str(conf_dir() / "world" / "synthetic.yaml"), "world.size.poles", 0)]
    assert problems[0].allowed == "an integer in [2, 100000]"


def test_override_syntax_error_names_the_override():
    (p,) = error_of(["runs=[1,2"]).problems
    assert (p.file, p.value) == ("command line", "runs=[1,2")
    assert "key=value" in p.allowed


def test_an_experiment_that_does_not_exist_is_named_although_the_group_is_optional():
    (p,) = error_of(["experiment=nope"]).problems
    assert (p.key, p.value) == ("experiment", "nope")
    assert p.file == str(conf_dir() / "experiment" / "nope.yaml")
    assert p.allowed.startswith("one of: ")


def test_multirun_names_are_checked_before_hydra_starts(tmp_path, monkeypatch, capsys):
    check_names(["scenario=baseline,history", "runs=1,2"])  # sweeps are fine
    with pytest.raises(ConfigError) as info:
        check_names(["scenario=baseline,nope", "experiment=zz"])
    assert [(p.key, p.value) for p in info.value.problems] == [
        ("scenario", "nope"), ("experiment", "zz")]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    assert cli.main(["-m", "scenario=../x,baseline"]) == 2
    assert "not a path" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_user_folder_that_does_not_exist_is_named(tmp_path):
    (p,) = error_of([f"hydra.searchpath=[file://{tmp_path}/nope]"]).problems
    assert p.key == "hydra.searchpath[0]" and "an existing folder" in p.allowed


def test_source_files_follow_the_situation_a_scenario_picks():
    config, _ = compose(["scenario=history"])
    assert str(conf_dir() / "situation" / "y1992.yaml") in config.files["scenario"]
    files = source_files({"scenario": "baseline", "situation": "mid2024"})
    assert files["scenario"].endswith("baseline.yaml")


# ------------------------------------------------------------ output folder


def test_output_folder_under_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError) as info:
        check_output_dir(blocker / "out")
    (p,) = info.value.problems
    assert (p.key, p.value) == ("out", str(blocker / "out"))
    assert "is a file, not a folder" in p.allowed
    with pytest.raises(ConfigError, match="an existing file"):
        check_output_dir(blocker)


def test_output_folder_that_cannot_be_created_is_refused():
    with pytest.raises(ConfigError, match="can be created and written"):
        check_output_dir("/proc/balancing-sim-test/out")


def test_checking_an_output_folder_leaves_nothing_behind(tmp_path):
    check_output_dir(tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ the real command


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([str(BIN / "balancing-sim"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**environ, **(env or {})})


def test_cli_exits_2_with_one_message_and_creates_nothing(tmp_path):
    result = run_cli("runs=0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("balancing-sim: invalid config: "
                             f"{conf_dir() / 'config.yaml'}: runs = 0: "
                             "an integer in [1, 1000000000]\n")
    assert list(tmp_path.iterdir()) == []  # no output folder was made


@pytest.mark.parametrize("args, expected", [
    (["runs=-1"], "runs = -1: an integer in [1, 1000000000]"),
    (["runs=abc", "seed=-1"], "invalid config: 2 problems"),
    (["scenario=../../x"], "scenario = '../../x'"),
    (["sedd=3"], "sedd = 3: an existing key"),
    (["scenario=nope"], "scenario = 'nope': one of: "),
    (["params.temperature=hot"], "params.temperature = 'hot': a finite number"),
])
def test_cli_in_process_exits_2_with_the_message(tmp_path, monkeypatch, capsys, args, expected):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("balancing-sim: invalid config") and expected in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_names_the_yaml_line_of_a_users_file(tmp_path):
    root = user_conf(tmp_path / "myconf")
    (root / "world" / "tiny.yaml").write_text("poles: {a: [1,\n")
    result = run_cli(*user_args(root), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{root / 'world' / 'tiny.yaml'}: line " in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_refuses_an_output_folder_it_cannot_write(tmp_path):
    (tmp_path / "blocker").write_text("x")
    result = run_cli("runs=1", f"out={tmp_path}/blocker/run", cwd=tmp_path)
    assert result.returncode == 2
    assert "out = " in result.stderr and "is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_runs_a_users_own_world_and_scenario(tmp_path):
    root = user_conf(tmp_path / "myconf")
    result = run_cli(*user_args(root), "runs=2", "runner.workers=1",
                     f"out={tmp_path / 'run'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "run" / "summary.json").is_file()


def test_cli_shows_the_traceback_with_hydra_full_error(tmp_path):
    result = run_cli("runs=0", cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ConfigError" in result.stderr


def test_cli_debug_flag_raises_instead_of_a_one_line_message(monkeypatch):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    with pytest.raises(ConfigError):
        cli.main(["runs=0", "--debug"])
    os.environ.pop("HYDRA_FULL_ERROR", None)  # main sets it for Hydra


# ------------------------------------------------------------ configs are data


def test_a_python_tag_in_a_users_yaml_is_an_error_and_runs_nothing(tmp_path):
    root = user_conf(tmp_path / "myconf")
    marker = tmp_path / "pwned"
    (root / "scenario" / "evil.yaml").write_text(
        "# @package _global_\nscenario:\n"
        f"  name: !!python/object/apply:os.system ['touch {marker}']\n")
    (p,) = error_of([f"hydra.searchpath=[file://{root}]", "scenario=evil"]).problems
    assert p.file == str(root / "scenario" / "evil.yaml") and p.key.startswith("line 3,")
    assert "could not determine a constructor" in p.allowed
    assert not marker.exists()


FORBIDDEN = ("instantiate(", "eval(", "exec(", "pickle.load", "Unpickler", "yaml.unsafe_load",
             "yaml.full_load", "Loader=yaml.Loader", "UnsafeLoader", "_target_")
UNPICKLES_ITS_OWN = {("config/kept.py", "Unpickler")}
"""Kept compositions are copied by pickling them in memory, with an unpickler that builds
only config classes (`test_kept_copies_build_nothing_but_config_classes`)."""


def test_the_package_never_instantiates_evaluates_or_unpickles_configs():
    package = Path(__file__).resolve().parents[1] / "src" / "balancing_sim"
    offenders = {(path.relative_to(package).as_posix(), word)
                 for path in package.rglob("*.py") for word in FORBIDDEN
                 if word in path.read_text(encoding="utf-8")}
    assert offenders == UNPICKLES_ITS_OWN


@pytest.mark.parametrize("named", [os.system, eval, OmegaConf.create, Path])
def test_kept_copies_build_nothing_but_config_classes(named):
    """Even bytes naming a function or another class (which a kept copy never holds) are
    refused before anything is called."""
    import pickle

    from balancing_sim.config.kept import ConfigUnpickler

    data = pickle.dumps(named)
    with pytest.raises(pickle.UnpicklingError, match="not part of a config"):
        ConfigUnpickler(io.BytesIO(data)).load()


def test_every_execution_only_key_is_a_setting_config_loading_accepts():
    from balancing_sim.config.resolvers import POINT_EXCLUDE
    from balancing_sim.config.schema import EXECUTION_KEYS
    from balancing_sim.execution import RUN_SETTINGS

    assert set(POINT_EXCLUDE) == {"experiment", *EXECUTION_KEYS, *RUN_SETTINGS}
    _, data = compose([])
    for key in EXECUTION_KEYS:
        value = data
        for part in key.split("."):
            value = value[part]
        compose([f"{key}={'null' if value is None else value}"])


def test_source_files_name_every_scenario_of_a_combined_one():
    config, _ = compose(["scenario=[ots_deepening,western_pressure]"])
    for name in ("ots_deepening", "western_pressure"):
        assert str(conf_dir() / "scenario" / f"{name}.yaml") in config.files["scenario"]


def test_the_multiprocessing_backend_is_refused():
    """Its pool loses the task of a killed worker and waits forever (RELIABILITY #86)."""
    error = error_of(["runner.backend=multiprocessing"])
    assert [(p.key, p.value) for p in error.problems] == [("runner.backend", "multiprocessing")]
    assert "loky, threading, dask" in str(error)


@pytest.mark.parametrize("address", ["tcp://", "tcp://host:99999", "tcp://host:0", "udp://host:1",
                                     "inproc://x", "tcp://host:1/../x", "tcp://host"])
def test_a_scheduler_address_of_no_dask_form_is_refused(address):
    """Any text with `://` was taken as a scheduler address: these failed in `distributed`
    with a traceback and exit 1 (or waited 30 s) after creating the run's folder
    (RELIABILITY 275)."""
    error = error_of([f"runner.backend={address}"])
    assert [(p.key, p.value) for p in error.problems] == [("runner.backend", address)]
    assert "tcp://host:port" in str(error)


def test_a_scheduler_address_names_tcp_or_tls_a_host_and_a_port():
    config, _ = compose(["runner.backend=tcp://10.0.0.5:8786"])
    assert config.run.backend == "tcp://10.0.0.5:8786"
    config, _ = compose(["runner.backend=tls://head:65535"])
    assert config.run.backend == "tls://head:65535"


# ------------------------------------------------------------ YAML read by libyaml


def _both_loaders():
    import omegaconf._utils as omegaconf_utils

    from balancing_sim.config import loading  # noqa: F401  (installs the libyaml loader)

    fast = omegaconf_utils.get_yaml_loader
    return fast(), fast.python_loader()


def test_hydra_reads_every_shipped_file_as_omegaconfs_own_loader_does():
    fast, python = _both_loaders()
    assert fast is not python and yaml.__with_libyaml__
    files = sorted(conf_dir().rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        with open(path, encoding="utf-8") as f:
            ours = yaml.load(f, Loader=fast)
        with open(path, encoding="utf-8") as f:
            assert ours == yaml.load(f, Loader=python), path


@pytest.mark.parametrize("text", ["a: 1\nb: [1, 2\nc: 3\n", "a: 1\na: 2\n",
                                  "a: !!python/object/apply:os.system [ls]\n", "a: 'open\n"])
def test_a_file_that_does_not_parse_gets_omegaconfs_own_message(tmp_path, text):
    fast, python = _both_loaders()
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    messages = []
    for loader in (fast, python):
        with open(path, encoding="utf-8") as f, pytest.raises(yaml.YAMLError) as info:
            yaml.load(f, Loader=loader)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and str(path) in messages[0]


# ------------------------------------------------------------ YAML written by libyaml


def _both_dumpers():
    import omegaconf.omegaconf as omegaconf_module

    from balancing_sim.config import loading  # noqa: F401  (installs the libyaml dumper)

    fast = omegaconf_module.get_omega_conf_dumper
    return fast(), fast.python_dumper()


@pytest.mark.parametrize("overrides", [["scenario=history"], ["scenario=baseline",
                                                              "params=posterior"],
                                       ["world=synthetic", "situation=synthetic"]])
def test_hydra_writes_a_composed_config_as_omegaconfs_own_dumper_does(overrides):
    """The `.hydra/config.yaml` a command leaves: the same text, written by libyaml."""
    from balancing_sim.config.loading import _compose_raw

    fast, python = _both_dumpers()
    assert fast is not python and yaml.__with_libyaml__
    config = _compose_raw(overrides)
    data = OmegaConf.to_container(config, enum_to_str=True)
    text = OmegaConf.to_yaml(config)
    assert text == yaml.dump(data, default_flow_style=False, allow_unicode=True,
                             sort_keys=False, Dumper=python)
    assert OmegaConf.to_container(OmegaConf.create(text)) == data


def test_strings_that_read_as_other_types_stay_strings_when_written():
    """OmegaConf's representers kept: a label "1", "true" or "1.5" is quoted, a NEL or
    accented text reads back as written."""
    data = {"labels": ["1", "true", "1.5", "no", "é ü", "a: b", "\x85", "multi\nline", ""]}
    text = OmegaConf.to_yaml(OmegaConf.create(data))
    assert "- '1'" in text and "- 'true'" in text and "- '1.5'" in text
    assert OmegaConf.to_container(OmegaConf.create(text)) == data


@pytest.mark.parametrize("text", ["Azərbaycan 🇦🇿", "😀", "tab\tthen " + "words " * 40,
                                  "a space before a break \nthen " + "words " * 40,
                                  "\ufeffbom", "a\u2028b " * 30, "nul\x00 and bell\x07",
                                  "a\x85b"])
def test_any_string_written_reads_back_as_written(text):
    """rt17: beyond one line of printable characters libyaml's text is not OmegaConf's
    (an emoji escaped, long text folded elsewhere, an empty key as `? ''`; RELIABILITY
    336), but what it writes reads back as the same data: as a key, a value, in a list."""
    for data in ({"label": text, "n": 1.5}, {text: 1, "": 2}, {"a": {"b": [text, ""]}}):
        written = OmegaConf.to_yaml(OmegaConf.create(data))
        assert yaml.safe_load(written) == data
        assert OmegaConf.to_container(OmegaConf.create(written)) == data
