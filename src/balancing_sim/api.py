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
    if len(names) > 1 and not any(o.lstrip("+").startswith("scenario.name=") for o in overrides):
        args.append(f"scenario.name={'+'.join(names)}")
    if runs is not None:
        args.append(f"runs={runs}")
    if seed is not None:
        args.append(f"seed={seed}")
    config, resolved = compose(args)
    return run(config, resolved, Path(out) if out is not None else None)


def sweep(points: Sequence[Sequence[str]], out: str | Path, scenario: str | Sequence[str] =
          "baseline", runs: int | None = None, seed: int | None = None) -> Results:
    """Run several sweep points (each a list of overrides) into `out/points/<id>/`, as
    `balancing-sim -m ... out=DIR` does, and `load` them back as one `Results`."""
    from .config.resolvers import point_name
    from .results import load
    from .runner import write_point

    root = Path(out)
    names = [scenario] if isinstance(scenario, str) else list(scenario)
    choice = names[0] if len(names) == 1 else "[" + ",".join(names) + "]"
    for overrides in points:
        overrides = list(overrides)
        folder = root / "points" / point_name([f"scenario={choice}", *overrides])
        res = simulate(scenario, overrides, runs=runs, seed=seed, out=folder)
        write_point(folder, res.config["scenario"]["name"], [f"scenario={choice}", *overrides])
    return load(root)
