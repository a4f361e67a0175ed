"""The command line runs a scenario, prints a summary table and writes the contract."""

from __future__ import annotations

import json

import pytest
from command import sim_cli


@pytest.mark.parametrize("engine", ["ensemble", "mesa"])
def test_run_writes_outputs_and_prints_summary(tmp_path, engine):
    out = tmp_path / "res"
    done = sim_cli("scenario=baseline", "runs=3", "seed=1", f"engine={engine}",
               "scenario.end=2025-06", f"out={out}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Final postures over 3 runs" in done.stdout
    assert str(out.resolve()) in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 3
    assert (out / ".hydra" / "config.yaml").is_file()


def test_default_output_goes_to_hydra_run_dir(tmp_path):
    done = sim_cli("runs=2", "scenario.end=2024-09", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = list((tmp_path / "outputs").glob("*/*/summary.json"))
    assert len(written) == 1
