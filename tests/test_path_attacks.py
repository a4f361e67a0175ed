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
    assert done.stderr.endswith(f": {key} = {url!r}: a folder that can be created and "
                                "written, named as a path, not a URL (file:///x is /x)\n")
    assert sorted(tmp_path.iterdir()) == []
