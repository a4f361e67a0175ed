"""Layers around the runner: analysis reads the output contract and the evaluation API
only; execution-only keys, engine names and status weights are each defined once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from balancing_sim.analysis import metrics
from balancing_sim.config.resolvers import POINT_EXCLUDE
from balancing_sim.config.schema import ENGINES
from balancing_sim.execution import EXECUTION_ONLY, NOT_MODEL_INPUTS, RUN_SETTINGS
from balancing_sim.runner import simulator

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "balancing_sim"
ANALYSIS_MAY_IMPORT = {"config.schema", "contract", "measures", "summary", "tables", "results",
                       "execution", "config.arguments",  # argparse types of the commands
                       "evaluation", "dynamics.platforms", "__version__"}


def internal_imports(path: Path) -> set[str]:
    """Modules of the package a file imports (relative imports, resolved)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(path.relative_to(PACKAGE).parent.parts)
            base = base[:len(base) - (node.level - 1)]
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [module] if node.module else [f"{module}.{a.name}".lstrip(".")
                                                 for a in node.names]
            found.update(n.lstrip(".") for n in names)
    return found


def test_analysis_reads_only_the_contract_and_the_evaluation_api():
    for path in sorted((PACKAGE / "analysis").glob("*.py")):
        outside = {m for m in internal_imports(path) if not m.startswith("analysis")}
        assert outside <= ANALYSIS_MAY_IMPORT, (path.name, outside - ANALYSIS_MAY_IMPORT)


def test_execution_only_keys_are_defined_once():
    assert POINT_EXCLUDE is NOT_MODEL_INPUTS
    swept = [*EXECUTION_ONLY, *RUN_SETTINGS, "hydra.launcher.n_jobs", "params.w_autonomy"]
    assert metrics.model_inputs(swept) == ["params.w_autonomy"]


def test_every_engine_name_has_its_own_simulate_function():
    functions = [simulator(name) for name in ENGINES]
    assert len(set(functions)) == len(ENGINES) and all(map(callable, functions))


def test_a_worker_imports_neither_pandas_nor_hydra_nor_mesa():
    code = ("import sys, balancing_sim.runner.jobs as j, balancing_sim.runner.store; "
            "j.simulator('ensemble'); "
            "print(sorted(m for m in ('pandas', 'hydra', 'mesa', 'joblib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
