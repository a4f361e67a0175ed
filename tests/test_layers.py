"""Layers import downward only: the dynamics load no execution or storage library, the
Mesa engine does not load the ensemble engine (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys

HEAVY = {"hydra", "pandas", "mesa", "pyarrow", "joblib", "omegaconf"}


def loaded_after(statement: str, prefixes: set[str]) -> list[str]:
    """The modules under `prefixes` that a fresh interpreter has loaded after `statement`."""
    code = (f"{statement}, sys; print(sorted(m for m in sys.modules "
            f"if m.split('.')[0] in {sorted(prefixes)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return ast.literal_eval(done.stdout)


def test_dynamics_load_no_hydra_pandas_mesa_pyarrow_or_joblib():
    assert loaded_after("import balancing_sim.dynamics", HEAVY) == []


UPPER = {"records", "ensemble", "model", "agents", "runner", "results", "api", "analysis",
         "validation", "calibrate", "landscape", "cli"}


def test_dynamics_load_nothing_above_the_world():
    loaded = loaded_after("import balancing_sim.dynamics", {"balancing_sim"})
    above = {m.split(".")[1] for m in loaded if m.count(".")} & UPPER
    assert above == set()


def test_importing_the_package_loads_no_runner():
    loaded = loaded_after("import balancing_sim", {"balancing_sim", *HEAVY})
    assert "balancing_sim.runner" not in loaded
    assert not {m.split(".")[0] for m in loaded} & HEAVY


def test_mesa_engine_does_not_load_the_ensemble_engine():
    loaded = loaded_after("import balancing_sim.model", {"balancing_sim"})
    assert "balancing_sim.ensemble" not in loaded
    assert "balancing_sim.model" in loaded


def test_package_api_is_loaded_on_first_use():
    import balancing_sim as bs
    from balancing_sim.results import Results

    assert bs.Results is Results
    assert {"simulate", "sweep", "load", "Results"} <= set(dir(bs))
