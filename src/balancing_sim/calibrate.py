"""Calibration of free parameters to the documented record: a command, not a hand edit.

    balancing-sim-calibrate [--samples N] [--generations G] [--runs R] [--dry-run]

Reads conf/calibration/<name>.yaml (ranges, record, patterns, budget) and scores
parameter points on Monte Carlo replicates of the history: the share of the record's
facts held in enough runs (`record.record_score`) less the Brier score of the model's
yearly forecasts of them (`record.brier`), with every pattern P1-P5 required to hold in
`required_share` of runs (a shortfall is a penalty). The search is a Latin hypercube
(SALib) followed by CMA-ES (the `cma` package) from its best point. It writes the best
point to conf/params/calibrated.yaml with a header recording how it was made; it never
writes with --dry-run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cma
import numpy as np
import yaml
from joblib import Parallel, delayed
from SALib.sample import latin

from .config.loading import compose, conf_dir
from .config.schema import Params
from .ensemble import simulate_block
from .record import Record, WorldIds, brier, fact_shares, load_record, model_forecasts
from .validation import Panel, load_patterns, pass_rates
from .world import Compiled, compile_config

PATTERN_PENALTY = 1.0
"""Score lost per unit of pass-rate shortfall of a pattern below its required share."""


@dataclass(frozen=True)
class Scored:
    """What a parameter point achieved over its replicates."""

    record_score: float  # share of facts held in enough runs
    brier: float         # Brier score of the yearly forecasts (0 best)
    rates: dict          # pattern -> pass rate

    def value(self, required: float) -> float:
        shortfall = sum(max(0.0, required - r) for r in self.rates.values())
        return self.record_score - self.brier - PATTERN_PENALTY * shortfall


def evaluate(compiled: Compiled, params: Params, record: Record, patterns: dict, seed: int,
             runs: int) -> Scored:
    rec = simulate_block(compiled, params, seed, np.arange(runs))
    panel = Panel.from_records(rec, compiled)
    shares = fact_shares(panel, record)["share"].dropna()
    held = float((shares >= record.scoring.required_share).mean())
    return Scored(held, brier(model_forecasts(panel, record))["all"],
                  pass_rates(panel, patterns))


def with_values(base: Params, names: list[str], row: np.ndarray) -> Params:
    return replace(base, **{n: float(v) for n, v in zip(names, row, strict=True)})


def search(compiled: Compiled, base: Params, record: Record, patterns: dict, ranges: dict,
           settings: dict, workers: int = -1, log=print) -> tuple[Params, Scored]:
    """Latin hypercube over the ranges, then CMA-ES from the best point (in the unit cube)."""
    names = list(ranges)
    bounds = np.array([ranges[n] for n in names], dtype=float)
    low, span = bounds[:, 0], bounds[:, 1] - bounds[:, 0]
    required = patterns.get("required_share", 0.8)
    seed, runs = settings["seed"], settings["runs"]
    pool = Parallel(n_jobs=workers)

    def run_batch(unit: np.ndarray) -> list[Scored]:
        return pool(delayed(evaluate)(compiled, with_values(base, names, low + u * span),
                                      record, patterns, seed, runs) for u in unit)

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    start = np.clip((np.array([getattr(base, n) for n in names]) - low) / span, 0.0, 1.0)
    unit = np.vstack([start, latin.sample(problem, settings["samples"], seed=seed)])
    results = run_batch(unit)
    values = [r.value(required) for r in results]
    best = int(np.argmax(values))
    incumbent, scored = unit[best], results[best]
    log(f"latin hypercube: best {values[best]:.3f} (record {scored.record_score:.3f}, "
        f"Brier {scored.brier:.3f}, {scored.rates})")
    es = cma.CMAEvolutionStrategy(np.clip(incumbent, 0.01, 0.99), settings["sigma"], {
        "bounds": [0.0, 1.0], "popsize": settings["popsize"], "seed": seed, "verbose": -9})
    for generation in range(settings["generations"]):
        trial = np.array(es.ask())
        trial_results = run_batch(trial)
        trial_values = [r.value(required) for r in trial_results]
        es.tell(list(trial), [-v for v in trial_values])
        top = int(np.argmax(trial_values))
        if trial_values[top] > scored.value(required):
            incumbent, scored = trial[top], trial_results[top]
            log(f"generation {generation + 1}: best {trial_values[top]:.3f} (record "
                f"{scored.record_score:.3f}, Brier {scored.brier:.3f}, {scored.rates})")
    return with_values(base, names, low + incumbent * span), scored


def write_params(path: Path, params: Params, scored: Scored, settings: dict,
                 command: str) -> None:
    header = [
        "# @package params",
        "# Free parameters of the decision rule (docs/ODD.md, Submodels).",
        "# Produced by the calibration, do not hand-edit; rerun it instead:",
        f"#   {command}",
        f"# on {dt.date.today().isoformat()}: search settings from conf/calibration/"
        f"{settings['name']}.yaml (seed {settings['seed']}, {settings['runs']} replicates a "
        "point).",
        f"# Record score {scored.record_score:.3f}, Brier {scored.brier:.3f}; pattern pass "
        "rates " + ", ".join(f"{k} {v:.2f}" for k, v in scored.rates.items()),
    ]
    body = yaml.safe_dump({k: round(v, 6) for k, v in asdict(params).items()},
                          sort_keys=False)
    path.write_text("\n".join(header) + "\n" + body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="balancing-sim-calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="history", help="conf/calibration/<name>.yaml")
    parser.add_argument("--samples", type=int, help="latin hypercube points")
    parser.add_argument("--generations", type=int, help="CMA-ES generations")
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
    for key in ("samples", "generations", "runs"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    config, _ = compose([f"scenario={settings['scenario']}", f"params={settings['start']}"])
    compiled = compile_config(config)
    world = WorldIds.from_world(yaml.safe_load((root / settings["world"]).read_text()))
    record = load_record(root / settings["record"], world)
    patterns = load_patterns(root / settings["patterns"])
    params, scored = search(compiled, config.params, record, patterns, settings["ranges"],
                            settings, args.workers)
    print(f"best: record {scored.record_score:.3f}, Brier {scored.brier:.3f}, {scored.rates}")
    if not args.dry_run:
        target = args.out or root / "params" / "calibrated.yaml"
        command = "balancing-sim-calibrate " + " ".join(argv or sys.argv[1:])
        write_params(target, params, scored, settings, command.strip())
        print(f"written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
