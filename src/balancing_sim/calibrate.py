"""Calibration of free parameters to observed patterns: a command, not a hand edit.

    balancing-sim-calibrate [--samples N] [--refine M] [--runs R] [--dry-run]

Reads conf/calibration/<name>.yaml (ranges, patterns, budget), scores parameter
points by how often the patterns hold over Monte Carlo replicates, and writes the
best point to conf/params/calibrated.yaml with a header recording how it was made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import yaml
from SALib.sample import latin

from .config.loading import compose, conf_dir
from .config.schema import Params
from .evaluation import Model, evaluate, pattern
from .validation import load_patterns


def score(rates: dict[str, float]) -> float:
    """Lowest pattern pass rate, with the mean as a tie-breaker."""
    values = np.array(list(rates.values()))
    return float(values.min() + 0.01 * values.mean())


def search(model: Model, patterns: dict, ranges: dict, samples: int, refine: int,
           workers: int = -1, log=print) -> tuple[Params, dict[str, float]]:
    """Latin hypercube, then a shrinking local search around the incumbent; each point
    scored on the model's replicates (the same seed everywhere)."""
    names = list(ranges)
    bounds = np.array([ranges[n] for n in names], dtype=float)
    problem = {"num_vars": len(names), "names": names, "bounds": bounds.tolist()}
    rng = np.random.default_rng(model.seed)
    points = latin.sample(problem, samples, seed=int(rng.integers(2**31)))
    start = np.array([getattr(model.params, n) for n in names])
    points = np.vstack([np.clip(start, bounds[:, 0], bounds[:, 1]), points])
    outcomes = {name: pattern(spec) for name, spec in patterns["patterns"].items()}
    workers = (os.cpu_count() or 1) if workers < 1 else workers

    def run_batch(batch: np.ndarray) -> list[dict[str, float]]:
        sets = [dict(zip(names, map(float, row), strict=True)) for row in batch]
        table = evaluate(model, sets, outcomes, workers=workers)
        return table[list(outcomes)].to_dict(orient="records")

    results = run_batch(points)
    scores = np.array([score(r) for r in results])
    best = int(scores.argmax())
    incumbent, best_rates = points[best], results[best]
    log(f"latin hypercube: best score {scores[best]:.3f} {best_rates}")
    width = 0.15
    batch = 4 * max(2, workers)
    for done in range(0, refine, batch):
        span = (bounds[:, 1] - bounds[:, 0]) * width
        trial = incumbent + rng.normal(size=(batch, len(names))) * span
        trial = np.clip(trial, bounds[:, 0], bounds[:, 1])
        trial_results = run_batch(trial)
        trial_scores = np.array([score(r) for r in trial_results])
        top = int(trial_scores.argmax())
        if trial_scores[top] > score(best_rates):
            incumbent, best_rates = trial[top], trial_results[top]
            log(f"refine {done + batch}: score {score(best_rates):.3f} {best_rates}")
        else:
            width *= 0.85
    return model.with_values(dict(zip(names, incumbent, strict=True))), best_rates


def write_params(path: Path, params: Params, rates: dict[str, float], settings: dict,
                 command: str) -> None:
    header = [
        "# @package params",
        "# Free parameters of the decision rule (docs/ODD.md, Submodels).",
        "# Produced by the calibration, do not hand-edit; rerun it instead:",
        f"#   {command}",
        f"# on {dt.date.today().isoformat()}: search settings from conf/calibration/"
        f"{settings['name']}.yaml (seed {settings['seed']}, {settings['runs']} replicates a "
        "point).",
        "# Pattern pass rates at this point: "
        + ", ".join(f"{k} {v:.2f}" for k, v in rates.items()),
    ]
    body = yaml.safe_dump({k: round(v, 6) for k, v in asdict(params).items()},
                          sort_keys=False)
    path.write_text("\n".join(header) + "\n" + body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="balancing-sim-calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="history", help="conf/calibration/<name>.yaml")
    parser.add_argument("--samples", type=int, help="latin hypercube points")
    parser.add_argument("--refine", type=int, help="local search evaluations")
    parser.add_argument("--runs", type=int, help="replicates per point")
    parser.add_argument("--workers", type=int, default=-1, help="processes (-1: all cores)")
    parser.add_argument("--out", type=Path, help="where to write (default: the params file)")
    parser.add_argument("--dry-run", action="store_true", help="search but do not write")
    args = parser.parse_args(argv)
    root = conf_dir()
    path = root / "calibration" / f"{args.name}.yaml"
    if not path.is_file():
        print(f"balancing-sim-calibrate: {path}: no such calibration file", file=sys.stderr)
        return 2
    settings = yaml.safe_load(path.read_text())
    settings["name"] = args.name
    for key in ("samples", "refine", "runs"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    config, _ = compose([f"scenario={settings['scenario']}", f"params={settings['start']}"])
    model = Model.of(config, runs=settings["runs"], seed=settings["seed"])
    patterns = load_patterns(root / settings["patterns"])
    params, rates = search(model, patterns, settings["ranges"], settings["samples"],
                           settings["refine"], args.workers)
    print(f"best: {rates}")
    if not args.dry_run:
        target = args.out or root / "params" / "calibrated.yaml"
        command = "balancing-sim-calibrate " + " ".join(argv or sys.argv[1:])
        write_params(target, params, rates, settings, command.strip())
        print(f"written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
