"""Attacks on the surfaces for a user's own world (docs/RELIABILITY.md, attacks 196 and
after): `-record`/`-calibrate` with `--record`, `--scenario`, `--set`; the dashboard's
options; the figures of a sweep over different worlds. Each test fails on the code before
its fix."""

from __future__ import annotations

import copy

import pytest
import yaml
from command import sim_cli
from worlds import tiny_world_dict, user_folder

import balancing_sim as bs
from balancing_sim import app, calibrate, scorecard
from balancing_sim.analysis import metrics, report
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import compose


def test_several_values_outside_a_sweep_name_the_override_and_how_to_sweep():
    """Hydra's 'Ambiguous value' became `conf/config.yaml: (top level) = None: 1. To use
    it as a list...`: neither the key nor the value, and a file the user never named."""
    with pytest.raises(ConfigError) as caught:
        compose(["params.w_autonomy=0.1,0.2"])
    [problem] = caught.value.problems
    assert (problem.file, problem.key, problem.value) == ("command line",
                                                          "params.w_autonomy", "0.1,0.2")
    assert "balancing-sim -m" in problem.allowed and "key=[a,b]" in problem.allowed


@pytest.mark.parametrize("main, options, said", [
    (scorecard.main, ["--record", "r.yaml", "--set", "scenario=mine"],
     "--set scenario=mine: choose it with --scenario"),
    (calibrate.main, ["--record", "r.yaml", "--set", "scenario=mine"],
     "--set scenario=mine: choose it with --scenario"),
    (calibrate.main, ["--record", "r.yaml", "--set", "params=posterior"],
     "--set params=posterior: the search starts from the `start` params of --name's file"),
])
def test_a_group_the_command_chooses_itself_is_refused_in_set(main, options, said, capsys):
    """Hydra said `scenario = ['scenario=history', 'scenario=mine']: given once`, naming
    an override the user never wrote."""
    with pytest.raises(SystemExit) as stopped:
        main(options)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "given once" not in err and "Traceback" not in err


@pytest.mark.parametrize("port", ["99999", "0", "-3", "http"])
def test_a_port_no_server_can_listen_on_is_refused_before_the_server(port, monkeypatch,
                                                                     capsys):
    """The server started on port 99999 and waited for ever; -3 was a socket error."""
    import solara.__main__

    calls = []
    monkeypatch.setattr(solara.__main__, "main", lambda *a, **k: calls.append(a))
    with pytest.raises(SystemExit) as stopped:
        app.main(["--port", port])
    assert stopped.value.code == 2
    assert f"argument --port: {port!r}: a port number from 1 to 65535" in capsys.readouterr().err
    assert calls == []


def test_the_rerun_command_in_a_calibrations_header_is_quoted_and_one_line():
    """The header joined the arguments with spaces: a path with a space did not rerun,
    and a newline in `--out` wrote the rest of the line as a key of the params file."""
    line = calibrate.command_line(["--record", "/my data/r.yaml", "--out", "/tmp/o\nx: 1"])
    assert line == ("balancing-sim-calibrate --record '/my data/r.yaml' --out "
                    "'/tmp/o\\nx: 1'")


def test_ids_labelled_differently_by_the_points_worlds_are_drawn_by_their_ids(tmp_path):
    """A shared figure took each id's label from the first point: `alpha`, labelled
    'Gamma' in one world only, was drawn 'Gamma' in the other world's panel too, and
    `delta`, labelled 'alpha', took the row another world's alpha was read from."""
    data = tiny_world_dict()
    data["world"]["states"]["beta"]["label"] = "Beta Land"  # the same in both worlds
    overrides = user_folder(tmp_path / "myconf", data)
    lab = copy.deepcopy(data["world"])
    lab["name"] = "lab"
    lab["states"]["delta"] = {**copy.deepcopy(lab["states"]["gamma"]), "label": "alpha"}
    lab["states"]["alpha"]["label"] = "Gamma"
    lab["poles"]["north"]["label"] = "south"
    (tmp_path / "myconf" / "world" / "lab.yaml").write_text(yaml.safe_dump(lab))
    done = sim_cli("-m", overrides[0], "world=mine,lab", "scenario=mine", "runs=2",
                   f"out={tmp_path / 'sweep'}")
    assert done.returncode == 0, done.stderr
    labels = metrics.labels(report.shared_config(bs.load(tmp_path / "sweep")))
    assert {i: labels.get(i) for i in ("alpha", "beta", "delta", "north", "south")} == {
        "alpha": "alpha", "beta": "Beta Land", "delta": "delta", "north": "north",
        "south": None}
    assert report.unambiguous_labels({"a": {"b"}, "b": {"b"}, "c": {"C", "c"}}) == {
        "a": "a", "b": "b", "c": "c"}


def test_an_empty_scenario_for_calibrate_is_named_not_replaced(capsys):
    """`--scenario ''` fell back to the calibration's scenario (history), silently."""
    assert calibrate.main(["--scenario", "", "--record", "r.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("balancing-sim-calibrate: invalid config: command line: "
                          "scenario = '': the name of a file in conf/scenario/")


@pytest.mark.parametrize("text", ["{bad", '{"overrides": "world=mine"}', "[]",
                                  '{"scenario": 3}'])
def test_a_broken_setup_in_the_environment_is_one_problem_naming_the_variable(text,
                                                                              monkeypatch):
    """The server's setup read `BALANCING_SIM_APP` with json.loads: a traceback (or each
    character of a string taken for an override)."""
    monkeypatch.setenv(app.SETUP, text)
    app.setup.cache_clear()
    with pytest.raises(ConfigError) as caught:
        app.setup()
    app.setup.cache_clear()
    [problem] = caught.value.problems
    assert (problem.file, problem.key, problem.value) == ("environment", app.SETUP, text)
    assert "start the dashboard with balancing-sim-app" in problem.allowed


@pytest.mark.parametrize("workers", ["0", "-5", "5000", "two"])
def test_calibrate_workers_other_than_every_core_or_a_count_are_refused(workers, capsys):
    """`--workers 0` or `-5` silently meant every core; 5000 would start 5000 processes."""
    with pytest.raises(SystemExit) as stopped:
        calibrate.main(["--workers", workers])
    assert stopped.value.code == 2
    assert (f"argument --workers: {workers!r}: -1 (every core) or a whole number from 1 to "
            "4096") in capsys.readouterr().err
