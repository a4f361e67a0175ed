"""`balancing-sim-validate PATH...`: checks users' files without running anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_config_compose import user_conf
from worlds import tiny_world_dict

from balancing_sim.cli import validate_main
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import conf_dir
from balancing_sim.config.userfiles import check_file, kind_of, load_yaml

BIN = Path(sys.executable).parent


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = validate_main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_shipped_world_situation_scenario_and_params_file_is_ok(capsys):
    files = [p for group in ("world", "situation", "scenario", "params")
             for p in sorted((conf_dir() / group).glob("*.yaml"))]
    code, out, err = run(capsys, *map(str, files))
    assert code == 0, err
    assert out.splitlines() == [f"ok: {p} ({p.parent.name})" for p in files]


def test_a_world_named_relative_to_the_working_folder_finds_its_data(monkeypatch, capsys):
    """`balancing-sim-validate conf/world/eurasia.yaml` from the repository: the world's
    capability data is looked up beside the file given (it was looked up in conf/conf/)."""
    import os

    monkeypatch.chdir(conf_dir().parent)
    relative = os.path.relpath(conf_dir() / "world" / "eurasia.yaml")
    code, out, err = run(capsys, relative)
    assert (code, out, err) == (0, f"ok: {relative} (world)\n", "")


def test_a_user_world_alone_is_checked_against_the_schema(tmp_path, capsys):
    root = user_conf(tmp_path / "myconf")
    code, out, _ = run(capsys, str(root / "world" / "tiny.yaml"))
    assert (code, out) == (0, f"ok: {root / 'world' / 'tiny.yaml'} (world)\n")


def test_a_broken_world_lists_every_problem_and_exits_2(tmp_path, capsys):
    data = tiny_world_dict()["world"]
    data["states"]["beta"]["capability"]["value"] = -1
    data["platforms"]["league"]["leader"] = "beta"
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = run(capsys, str(path))
    assert code == 2 and out == ""
    assert "invalid config: 2 problems" in err
    assert f"{path}: world.states.beta.capability.value = -1: a finite number in [0, 1e+06]" in err
    assert f"{path}: world.platforms.league.leader = 'beta'" in err


def test_a_user_scenario_is_checked_with_its_world_and_its_situation(tmp_path, capsys):
    root = user_conf(tmp_path / "myconf")
    scenario = root / "scenario" / "tiny_future.yaml"
    code, out, err = run(capsys, str(scenario), "--world", str(root / "world" / "tiny.yaml"))
    assert code == 0, err
    assert out == f"ok: {scenario} (scenario)\n"


def test_a_user_scenario_against_the_shipped_world_names_unknown_ids(tmp_path, capsys):
    root = user_conf(tmp_path / "myconf")
    scenario = root / "scenario" / "tiny_future.yaml"
    code, _, err = run(capsys, str(scenario))
    assert code == 2
    assert "a deciding state id" in err and str(root / "situation" / "tiny_start.yaml") in err


def test_mistakes_in_a_user_scenario_name_the_users_file(tmp_path, capsys):
    root = user_conf(tmp_path / "myconf")
    scenario = root / "scenario" / "tiny_future.yaml"
    scenario.write_text(scenario.read_text().replace("'2004-12'", "'1999-01'"))
    code, _, err = run(capsys, str(scenario), "--world", str(root / "world" / "tiny.yaml"))
    assert code == 2
    assert f"{scenario}: scenario.end = '1999-01': a month after scenario.start" in err
    assert "balancing-sim-validate-" not in err  # never the temporary copy


def test_a_scenario_outside_a_conf_like_folder_is_recognised(tmp_path, capsys):
    path = tmp_path / "what_if.yaml"
    path.write_text("# @package _global_\nscenario:\n  name: what_if\n  end: '2030-01'\n")
    code, out, err = run(capsys, str(path))
    assert code == 0, err
    assert out == f"ok: {path} (scenario)\n"


def test_a_user_experiment_is_composed_and_validated(tmp_path, capsys):
    root = user_conf(tmp_path / "myconf")
    good = root / "experiment" / "small.yaml"
    bad = root / "experiment" / "bad.yaml"
    bad.write_text(good.read_text().replace("temperature: 0.5", "temperature: -1"))
    code, out, err = run(capsys, str(good), str(bad))
    assert code == 2
    assert out == f"ok: {good} (experiment)\n"
    assert f"{bad}: params.temperature = -1" in err


def test_yaml_syntax_errors_and_missing_files_are_reported_with_all_others(tmp_path, capsys):
    broken = tmp_path / "world.yaml"
    broken.write_text("name: x\npoles:\n  a: {capability: [1, 2}\n")
    code, _, err = run(capsys, str(broken), str(tmp_path / "missing.yaml"))
    assert code == 2
    assert f"{broken}: line 3, column " in err and "valid YAML" in err
    assert f"{tmp_path / 'missing.yaml'}: (file) = None: a readable UTF-8 YAML file" in err


def test_a_file_of_unknown_kind_says_which_kinds_exist(tmp_path, capsys):
    path = tmp_path / "notes.yaml"
    path.write_text("hello: world\n")
    code, _, err = run(capsys, str(path))
    assert code == 2 and "a world, situation, scenario, params, experiment or record file" in err


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("name: a\nname: b\n")
    checked = check_file(path)
    assert "found duplicate key name" in str(checked.error)
    assert "line 2" in str(checked.error)


def test_yaml_is_read_as_data_only(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("x: !!python/object/apply:os.system ['echo pwned']\n")
    checked = check_file(path)
    assert checked.error is not None and "valid YAML" in str(checked.error)
    with pytest.raises(Exception, match="valid YAML"):
        load_yaml(path)


def test_kind_comes_from_the_folder_then_the_content(tmp_path):
    assert kind_of(tmp_path / "world" / "x.yaml", {}) == "world"
    assert kind_of(tmp_path / "x.yaml", {"poles": {}, "states": {}}) == "world"
    assert kind_of(tmp_path / "x.yaml", {"start": "2000-01", "conditions": {}}) == "situation"
    assert kind_of(tmp_path / "x.yaml", {"w_security": 1.0}) == "params"
    assert kind_of(tmp_path / "x.yaml", {"hello": 1}) is None


def test_the_installed_command_exits_0_and_2(tmp_path):
    good = conf_dir() / "world" / "eurasia.yaml"
    result = subprocess.run([str(BIN / "balancing-sim-validate"), str(good)],
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, f"ok: {good} (world)\n")
    bad = tmp_path / "world" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("name: bad\npoles: {}\nstates: {}\n")
    result = subprocess.run([str(BIN / "balancing-sim-validate"), str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "world.states" in result.stderr and "world.poles" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_value_of_an_experiments_sweep_is_checked(tmp_path, capsys):
    root = user_conf(tmp_path / "myconf")
    sweep = root / "experiment" / "sweep.yaml"
    sweep.write_text((root / "experiment" / "small.yaml").read_text()
                     + "hydra:\n  sweeper:\n    params:\n"
                       "      params.temperature: 0.5,-1,2\n"
                       "      scenario.events.zz.value.value: 0.1\n")
    code, _, err = run(capsys, str(sweep))
    assert code == 2
    assert (f"{sweep}: hydra.sweeper.params.params.temperature = '-1': "
            "params.temperature: a finite number in [1e-06, 1e+06]") in err
    assert "params.temperature = '2'" not in err and "= '0.5'" not in err
    assert "hydra.sweeper.params.scenario.events.zz.value.value = '0.1'" in err


def test_an_experiment_value_shadowed_by_the_main_config_is_reported(tmp_path):
    from balancing_sim.config.userfiles import check_experiment

    path = tmp_path / "experiment" / "e.yaml"
    with pytest.raises(ConfigError) as info:
        check_experiment(path, {"runs": 200, "seed": 1}, {"runs": 100, "seed": 1}, [])
    (p,) = info.value.problems
    assert (p.file, p.key, p.value) == (str(path), "runs", 200)
    assert "the composed config has 100" in p.allowed and "_self_" in p.allowed


def test_every_shipped_experiment_is_ok(capsys):
    # the root values an experiment sets (runs, out) reach the run only while
    # conf/config.yaml lists `_self_` before `optional experiment`
    files = sorted((conf_dir() / "experiment").glob("*.yaml"))
    code, out, err = run(capsys, *map(str, files))
    assert code == 0, err
    assert len(out.splitlines()) == len(files)
