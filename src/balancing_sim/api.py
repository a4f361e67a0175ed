"""The notebook API: `simulate` a scenario and get DataFrames back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .config.loading import compose
from .results import Results
from .runner import run


def simulate(scenario: str | Sequence[str] = "baseline", overrides: Sequence[str] = (),
             runs: int | None = None, seed: int | None = None,
             out: str | Path | None = None) -> Results:
    """Run a scenario's replicates, as `balancing-sim scenario=... runs=... seed=...` does.

    `scenario` may name several scenarios to combine (their events add up). With `out`
    the output contract is written there too; otherwise everything stays in memory.
    """
    names = [scenario] if isinstance(scenario, str) else list(scenario)
    choice = names[0] if len(names) == 1 else "[" + ",".join(names) + "]"
    args = [f"scenario={choice}", *overrides]
    if runs is not None:
        args.append(f"runs={runs}")
    if seed is not None:
        args.append(f"seed={seed}")
    config, resolved = compose(args)
    return run(config, resolved, Path(out) if out is not None else None)
