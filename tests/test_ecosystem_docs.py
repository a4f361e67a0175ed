"""The worked EMA + PRIM example of docs/ECOSYSTEM.md runs as written (small sizes)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "ECOSYSTEM.md"


def example(heading: str) -> str:
    text = DOC.read_text()
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_ema_prim_example_runs(capsys):
    code = example("## The EMA Workbench")
    small = re.sub(r"^SCENARIOS = \d+", "SCENARIOS = 16", code, flags=re.M)
    small = re.sub(r"^RUNS = \d+", "RUNS = 3", small, flags=re.M)
    assert small != code
    namespace: dict = {}
    exec(compile(small, str(DOC), "exec"), namespace)
    assert len(namespace["experiments"]) == 16
    assert "coverage" in capsys.readouterr().out


def test_readme_use_commands_are_installed_after_the_quickstart():
    import tomllib

    root = DOC.parent.parent
    readme = (root / "README.md").read_text()
    block = re.search(r"## Use\n.*?```sh\n(.*?)```", readme, re.S).group(1)
    lines = [line.strip() for line in block.splitlines()]
    commands = {line.split()[0] for line in lines if line and not line.startswith(("#", "-"))}
    scripts = set(tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"])
    assert "source .venv/bin/activate" in block
    assert commands - {"source"} <= scripts, commands - scripts
    assert {"balancing-sim-app", "balancing-sim-sensitivity"} <= commands
