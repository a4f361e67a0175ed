"""The package works when installed for real (not editable): the configs travel inside
it and the console script runs from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    return next(out.glob("balancing_sim-*.whl"))


def test_wheel_ships_the_configs(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("balancing_sim/conf/config.yaml", "balancing_sim/conf/world/eurasia.yaml",
                   "balancing_sim/conf/scenario/history.yaml",
                   "balancing_sim/conf/params/calibrated.yaml"):
        assert needed in names, needed


def test_installed_copy_runs_from_elsewhere(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = tmp_path / "out"
    code = ("import sys; from balancing_sim.cli import main; "
            "from balancing_sim.config.loading import conf_dir; print(conf_dir()); "
            "sys.exit(main(['runs=3', 'scenario.end=2025-03', 'out=" + str(out) + "']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout.splitlines()[0]
    assert (out / "summary.json").is_file() and (out / "trajectories.parquet").is_dir()


def test_python_finder_finds_a_recent_python():
    done = subprocess.run(["sh", str(ROOT / "scripts" / "find-python.sh")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    version = subprocess.run([done.stdout.strip(), "-c",
                              "import sys; print(sys.version_info[:2] >= (3, 12))"],
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == "True"
