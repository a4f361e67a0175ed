"""`balancing-sim-app`'s options are checked before the server starts: a bad one is one
message naming file, key, value and what is allowed, and exit 2; no server, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from worlds import tiny_world_dict, user_folder

from balancing_sim import app


@pytest.fixture
def no_server(monkeypatch):
    """solara's entry point replaced: the calls it would have had."""
    import solara.__main__

    calls = []
    monkeypatch.setattr(solara.__main__, "main", lambda *a, **k: calls.append(a))
    monkeypatch.delenv(app.SETUP, raising=False)
    return calls


@pytest.mark.parametrize("options, named", [
    (["--set", "world=nowhere"], ["world/nowhere.yaml", "world", "'nowhere'", "one of:"]),
    (["--set", "hydra.searchpath=[file:///no/such/folder]"],
     ["command line", "hydra.searchpath[0]", "/no/such/folder", "an existing folder"]),
    (["--set", "hydra.callbacks.c._target_=os.system"],
     ["command line", "hydra.callbacks.c._target_", "os.system", "refused"]),
    (["--scenario", "nowhere"], ["scenario/nowhere.yaml", "scenario", "'nowhere'", "one of:"]),
])
def test_a_bad_option_is_one_message_and_no_server(options, named, no_server, capsys):
    assert app.main(["--port", "1", *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("balancing-sim-app: ") and err.count("\n") == 1
    for part in named:
        assert part in err
    assert no_server == []
    assert app.SETUP not in os.environ


def test_a_missing_scenario_is_named_with_the_users_scenarios(tmp_path, no_server, capsys):
    overrides = user_folder(tmp_path, tiny_world_dict(), "mine")[:2]
    args = [a for override in overrides for a in ("--set", override)]
    assert app.main([*args, "--scenario", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert "scenario = 'nowhere'" in err and "mine" in err.split("one of:")[1]
    assert app.user_scenarios(overrides) == ["mine"]
    assert no_server == []


def test_a_users_world_starts_on_its_own_scenario(tmp_path):
    overrides = user_folder(tmp_path, tiny_world_dict(), "mine")[:2]
    chosen = app.Setup.of(None, overrides)
    assert chosen == app.Setup("mine", tuple(overrides))
    assert app.experiment("mine", tuple(overrides)).resolved["world"]["name"] == "tiny"


def test_scenario_is_chosen_with_its_own_option(no_server, capsys):
    with pytest.raises(SystemExit) as exit_:
        app.main(["--set", "scenario=other"])
    assert exit_.value.code == 2
    assert "--scenario" in capsys.readouterr().err
    assert no_server == []


def test_the_command_exits_2_without_a_traceback():
    code = "import sys; from balancing_sim.app import main; sys.exit(main(['--set', 'world=x']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("balancing-sim-app: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_without_options_the_configs_default_scenario_is_shown_first():
    assert app.Setup.of(None, []) == app.Setup("baseline")  # conf/config.yaml's defaults
