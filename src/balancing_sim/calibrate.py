"""Calibration of free parameters to the documented record: a command, not a hand edit.

    balancing-sim-calibrate [--name history|posterior|posterior_to2014] [--write] [--out DIR]

Reads conf/calibration/<name>.yaml (ranges, record, patterns, budget) and scores
parameter points on Monte Carlo replicates of the history: the share of the record's
facts held in enough runs (`record.record_score`) less the Brier score of the model's
yearly forecasts of them (`record.brier`), with every pattern P1-P5 required to hold in
`required_share` of runs (a shortfall is a penalty). The search is a Latin hypercube
(SALib) followed by CMA-ES (the `cma` package) from its best point. It writes the best
point as `<writes>.yaml` (default `calibrated.yaml`) with a header recording how it was
made. `until: <month>` scores only the record up to that month (a calibration for the
out-of-sample test); `search_from_start: false` keeps the `start` point out of the
search (its unlisted parameters still come from it), for a calibration that must not
begin from a point fitted to the months it is tested on.

A calibration file with `method: abc` computes a posterior instead (`posterior`: ABC-SMC
with pyabc), written as `<writes>.csv` (the draws) and `<writes>.yaml` (the params
option). Nothing tracked is overwritten unless asked: the files go to `--out` (default
outputs/calibration/), and into conf/params/ only with `--write`.

A user's own world is calibrated to its own record with `--record FILE` (laid out as
conf/record/eurasia.yaml), `--scenario` and `--set` (overrides as on balancing-sim's
command line, e.g. `--set hydra.searchpath=[file:///...] --set world=mine`): the ranges
and budget come from `--name`, the record is checked against the world the run
composes, the shipped history's patterns P1-P5 are not used, and the tables go to
`--out` only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import cma
import numpy as np
import yaml
from SALib.sample import latin

from .config.arguments import (
    add_overrides,
    count,
    output_folder,
    refuse_chosen_groups,
    worker_count,
)
from .config.errors import ConfigError, Problem
from .config.loading import compose, conf_dir
from .config.outputs import expand
from .config.schema import FREE_PARAMETERS, Params
from .config.validate import month_index, month_text
from .config.yamlfile import load_yaml
from .evaluation import Model, Outcome, evaluate, pattern
from .parameters import named_file
from .record import (
    Record,
    agreement,
    checkpoints,
    facts_at,
    record_for_run,
    scored_span,
    windowed,
)
from .validation import Panel, load_patterns

PATTERN_PENALTY = 1.0
"""Score lost per unit of pass-rate shortfall of a pattern below its required share."""


@dataclass(frozen=True)
class Scored:
    """What a parameter point achieved over its replicates."""

    record_score: float  # share of facts held in enough runs
    brier: float         # Brier score of the yearly forecasts (0 best)
    rates: dict          # pattern -> pass rate
    start_brier: float = float("nan")  # Brier score in the record's last month alone

    def shortfall(self, required: float) -> float:
        return sum(max(0.0, required - r) for r in self.rates.values())

    def value(self, required: float) -> float:
        return self.record_score - self.brier - PATTERN_PENALTY * self.shortfall(required)

    def distance(self, required: float, start_weight: float = 0.0) -> float:
        """ABC's distance (0 best): the Brier score, plus `start_weight` times the Brier
        score of the record's last month (where forward scenarios start), plus the
        patterns' shortfall (no fact of the last month: no such term)."""
        start = (start_weight * self.start_brier
                 if start_weight and not math.isnan(self.start_brier) else 0.0)
        return self.brier + start + PATTERN_PENALTY * self.shortfall(required)


def record_outcomes(record: Record) -> dict[str, Outcome]:
    """Per-run outcomes whose means over runs give the record's scores: `held/<fact>` (1
    where the run holds the fact over its scored months, as `record.fact_shares`) and
    `p/<fact>/<month>` (1 where the run agrees with it at a yearly checkpoint, as
    `record.model_forecasts`). Each fact's agreement is computed once per panel."""
    window, scoring = record.window, record.scoring
    last: list = [None, {}]  # the panel last seen (held: no id reuse) and its agreements

    def agree(panel: Panel, fact) -> np.ndarray:
        if last[0] is not panel:
            last[0], last[1] = panel, {}
        if fact.id not in last[1]:
            last[1][fact.id] = agreement(panel, fact)
        return last[1][fact.id]

    def held(fact, low: int, high: int) -> Outcome:
        def outcome(panel: Panel) -> np.ndarray:
            inside = (panel.months >= low) & (panel.months <= high)
            if not inside.any():  # no scored month recorded: not scored
                return np.full(len(panel.align), np.nan)
            return agree(panel, fact)[:, inside].mean(axis=1) >= scoring.hold_share
        return outcome

    def at(fact, low: int, point: int) -> Outcome:
        def outcome(panel: Panel) -> np.ndarray:
            recorded = np.flatnonzero((panel.months >= low) & (panel.months <= point))
            if not len(recorded):
                return np.full(len(panel.align), np.nan)
            return agree(panel, fact)[:, recorded[-1]]
        return outcome

    outcomes: dict[str, Outcome] = {}
    for fact in record.facts:
        low, high = scored_span(fact, scoring, window)
        if low > high:
            continue
        outcomes[f"held/{fact.id}"] = held(fact, low, high)
        for point in checkpoints(fact, scoring, window):
            outcomes[f"p/{fact.id}/{point}"] = at(fact, low, point)
    for fact in facts_at(record, window.end):
        outcomes[f"start/{fact.id}"] = at(fact, window.end, window.end)  # that month alone
    return outcomes


def scored(held: np.ndarray, forecasts: np.ndarray, rates: dict[str, float],
           record: Record, start: np.ndarray | None = None) -> Scored:
    """A point's score from the mean outcomes of its replicates: the share of runs
    holding each fact, the forecast of each checkpoint and of each fact of the record's
    last month (NaN where not scored), and the pattern pass rates."""
    held, forecasts = held[~np.isnan(held)], forecasts[~np.isnan(forecasts)]
    start = np.empty(0) if start is None else start[~np.isnan(start)]
    return Scored(float((held >= record.scoring.required_share).mean()),
                  float(((1.0 - forecasts) ** 2).mean()), rates,
                  float(((1.0 - start) ** 2).mean()) if start.size else float("nan"))


def outcomes_of(record: Record, patterns: dict) -> dict[str, Outcome]:
    return {**record_outcomes(record),
            **{name: pattern(spec) for name, spec in patterns["patterns"].items()}}


def evaluate_points(model: Model, points: list[dict], record: Record, patterns: dict,
                    workers: int = 1) -> list[Scored]:
    """Each parameter point scored on the model's replicates (the same seed everywhere),
    through the one evaluation API."""
    table = evaluate(model, points, outcomes_of(record, patterns), workers=workers,
                     progress="off")
    columns = table.columns.astype(str)
    held, forecasts, start = (table.loc[:, columns.str.startswith(prefix)].to_numpy(float)
                              for prefix in ("held/", "p/", "start/"))
    rates = table[list(patterns["patterns"])].to_numpy(float)
    return [scored(held[i], forecasts[i], dict(zip(patterns["patterns"], map(float, rates[i]),
                                                   strict=True)), record, start[i])
            for i in range(len(table))]


def search(model: Model, record: Record, patterns: dict, ranges: dict, settings: dict,
           workers: int = -1, log=print) -> tuple[Params, Scored]:
    """Latin hypercube over the ranges, then CMA-ES from the best point (in the unit cube)."""
    names = list(ranges)
    bounds = np.array([ranges[n] for n in names], dtype=float)
    low, span = bounds[:, 0], bounds[:, 1] - bounds[:, 0]
    required = patterns.get("required_share", 0.8)
    workers = (os.cpu_count() or 1) if workers < 1 else workers

    def values_at(u: np.ndarray) -> dict[str, float]:
        return dict(zip(names, map(float, low + u * span), strict=True))

    def run_batch(unit: np.ndarray) -> list[Scored]:
        return evaluate_points(model, [values_at(u) for u in unit], record, patterns,
                               workers)

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    start = np.clip((np.array([getattr(model.params, n) for n in names]) - low) / span, 0, 1)
    unit = latin.sample(problem, settings["samples"], seed=settings["seed"])
    if settings.get("search_from_start", True):
        unit = np.vstack([start, unit])
    results = run_batch(unit)
    values = [r.value(required) for r in results]
    best = int(np.argmax(values))
    incumbent, scored_best = unit[best], results[best]
    log(f"latin hypercube: best {values[best]:.3f} (record {scored_best.record_score:.3f}, "
        f"Brier {scored_best.brier:.3f}, {scored_best.rates})")
    if settings["generations"] > 0:
        es = cma.CMAEvolutionStrategy(np.clip(incumbent, 0.01, 0.99), settings["sigma"], {
            "bounds": [0.0, 1.0], "popsize": settings["popsize"], "seed": settings["seed"],
            "verbose": -9})
    for generation in range(settings["generations"]):
        trial = np.array(es.ask())
        trial_results = run_batch(trial)
        trial_values = [r.value(required) for r in trial_results]
        es.tell(list(trial), [-v for v in trial_values])
        top = int(np.argmax(trial_values))
        if trial_values[top] > scored_best.value(required):
            incumbent, scored_best = trial[top], trial_results[top]
            log(f"generation {generation + 1}: best {trial_values[top]:.3f} (record "
                f"{scored_best.record_score:.3f}, Brier {scored_best.brier:.3f}, "
                f"{scored_best.rates})")
    return model.with_values(values_at(incumbent)), scored_best


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
        f"# Record score {scored.record_score:.3f}, Brier {scored.brier:.3f}"
        + (f" (the record up to {settings['until']} only)" if settings.get("until") else "")
        + ("; pattern pass rates " + ", ".join(f"{k} {v:.2f}" for k, v in scored.rates.items())
           if scored.rates else "; no pattern scored"),
    ]
    body = yaml.safe_dump({k: round(v, 6) for k, v in asdict(params).items()
                           if k in FREE_PARAMETERS}, sort_keys=False)
    path.write_text("\n".join(header) + "\n" + body)


REQUIRED = ("scenario", "start", "world", "record", "seed", "runs", "ranges")
"""Keys every calibration file gives (directly, or `ranges` through `ranges_from`)."""
SETTINGS = (*REQUIRED, "method", "patterns", "until", "writes", "search_from_start",
            "ranges_from", "samples", "generations", "popsize", "sigma", "population",
            "draws", "start_weight", "weights", "min_epsilon")
"""The keys a calibration file may set (a misspelt one was silently its default)."""


def calibration_name(root: Path, name: object, key: str) -> str:
    """`name` if it names a file of conf/calibration/ (a name, never a path)."""
    return named_file(root / "calibration", name, key).stem


def read_settings(root: Path, name: str) -> dict:
    """conf/calibration/<name>.yaml; `ranges_from: <other>` takes the ranges of another
    file (one box of plausible values, written once)."""
    path = root / "calibration" / f"{calibration_name(root, name, '--name')}.yaml"
    settings = load_yaml(path)
    if not isinstance(settings, dict):
        raise ConfigError([Problem(str(path), "(file)", settings, "a mapping")])
    settings["name"] = name
    if "ranges_from" in settings:
        other = load_yaml(root / "calibration" /
                          f"{calibration_name(root, settings['ranges_from'], 'ranges_from')}.yaml")
        settings["ranges"] = other.get("ranges") if isinstance(other, dict) else None
    problems = [Problem(str(path), k, None, "required") for k in REQUIRED
                if settings.get(k) is None]
    if settings.get("until") is not None:
        try:
            month_index(settings["until"])
        except ValueError:
            problems.append(Problem(str(path), "until", settings["until"],
                                    "a month as a quoted string 'YYYY-MM'"))
    if settings.get("method") != "abc":  # a posterior names its files; a point may not
        settings.setdefault("writes", "calibrated")
    writes = settings.get("writes")
    if not (isinstance(writes, str) and re.fullmatch(r"\w+", writes, re.ASCII)):
        problems.append(Problem(str(path), "writes", writes,
                                "a file name stem (letters, digits, _), never a path"))
    problems += [Problem(str(path), key, settings[key], f"one of {', '.join(SETTINGS)}")
                 for key in settings if key not in (*SETTINGS, "name")]
    if settings.get("method") not in (None, "abc"):
        problems.append(Problem(str(path), "method", settings["method"],
                                "abc (a posterior), or no method (a point: CMA-ES)"))
    if settings.get("weights", "importance") not in ("importance", "equal"):
        problems.append(Problem(str(path), "weights", settings["weights"],
                                "importance or equal"))
    weight = settings.get("start_weight", 0.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight < 1e6:
        problems.append(Problem(str(path), "start_weight", weight,
                                "a number from 0 (the last month weighs as any other June)"))
    elif weight and settings.get("method") != "abc":
        problems.append(Problem(str(path), "start_weight", weight,
                                "0 without method: abc (a point calibration has no distance "
                                "to weigh the last month in)"))
    if not isinstance(settings.get("search_from_start", True), bool):
        problems.append(Problem(str(path), "search_from_start",
                                settings["search_from_start"], "true or false"))
    if problems:
        raise ConfigError(problems)
    return settings


def database_file(settings: dict, out: Path) -> Path | None:
    """pyabc's working database of a posterior: always in --out, never in conf/."""
    return out / f"{settings['name']}.db" if settings.get("method") == "abc" else None


def written_files(settings: dict, folder: Path, out: Path, replace: bool) -> list[Path]:
    """What the command will write: the tables into `folder` (the params group, or
    --out), and a posterior's working database (`database_file`)."""
    exts = ("csv", "yaml") if settings.get("method") == "abc" else ("yaml",)
    tables = [] if replace else [folder / f"{settings['writes']}.{ext}" for ext in exts]
    database = database_file(settings, out)
    return [*tables, *([database] if database is not None else [])]


def earlier_outputs(files: list[Path]) -> str | None:
    """A run owns only what it creates: a file an earlier calibration left where this one
    would write is never replaced (--write replaces the shipped tables, by design)."""
    found = [str(f) for f in files if f.exists()]
    if not found:
        return None
    return (f"{', '.join(found)} already exist{'s' if len(found) == 1 else ''} (an earlier "
            "calibration's): move or remove it, or choose another --out")


def run_posterior(model: Model, record: Record, patterns: dict, settings: dict,
                  folder: Path, database: Path, command: str) -> tuple[Path, Path]:
    """ABC-SMC to the record (`posterior`): its tables written into `folder`, pyabc's
    history into `database` (a new file)."""
    from .posterior import abc_smc, equal_draws, header, write_posterior

    database.parent.mkdir(parents=True, exist_ok=True)
    particles = abc_smc(model, record, patterns, settings["ranges"], settings, database)
    settings["ess"] = particles.attrs["ess"]
    table = equal_draws(particles, int(settings["draws"]), model, record, patterns,
                        settings.get("weights", "importance"),
                        float(settings.get("start_weight", 0.0)))
    lines = header(settings, command, table, particles.attrs["simulations"])
    print("\n".join(lines))
    base = {k: v for k, v in asdict(model.params).items() if k in FREE_PARAMETERS}
    return write_posterior(folder, settings["writes"], table, lines, base)


def command_line(argv: list[str]) -> str:
    """The command as the written files' header records it: quoted as a shell reads it
    (a path with spaces reruns), on one line (a newline in an argument would end the
    YAML comment and write the rest as keys)."""
    text = shlex.join(["balancing-sim-calibrate", *argv])
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="balancing-sim-calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="history", help="conf/calibration/<name>.yaml")
    parser.add_argument("--samples", type=count(1), help="latin hypercube points")
    parser.add_argument("--generations", type=count(0), help="CMA-ES or ABC-SMC generations")
    parser.add_argument("--population", type=count(1), help="ABC-SMC population size")
    parser.add_argument("--draws", type=count(1), help="equally weighted posterior draws kept")
    parser.add_argument("--runs", type=count(1), help="replicates per point")
    parser.add_argument("--workers", type=worker_count, default=-1,
                        help="processes (-1: all cores)")
    parser.add_argument("--out", type=output_folder, default=Path("outputs") / "calibration",
                        help="folder written without --write (default outputs/calibration)")
    parser.add_argument("--write", action="store_true",
                        help="write into conf/params/ (tracked files) instead of --out")
    parser.add_argument("--record", help="a world's own record file: calibrate to it "
                        "(with --scenario and --set choosing that world's run)")
    parser.add_argument("--scenario", help="the scenario run (default: the calibration's)")
    add_overrides(parser)
    args = parser.parse_args(argv)
    refuse_chosen_groups(parser, args.set, {
        "scenario": "choose it with --scenario",
        "params": f"the search starts from the `start` params of --name's file "
                  f"(conf/calibration/{args.name}.yaml)"})
    own = args.record is not None or args.scenario is not None or bool(args.set)
    if own and args.write:
        parser.error("--write replaces the shipped world's tables in conf/params/: not with "
                     "--record, --scenario or --set (the tables go to --out)")
    root = conf_dir()
    try:  # every file is read and checked before the first simulation
        settings = read_settings(root, args.name)
        for key in ("samples", "generations", "runs", "population", "draws"):
            if getattr(args, key) is not None:
                settings[key] = getattr(args, key)
        if args.scenario is not None:  # an empty one is named, not replaced
            settings["scenario"] = args.scenario
        config, _ = compose([f"scenario={settings['scenario']}",
                             f"params={settings['start']}", *args.set])
        model = Model.of(config, runs=settings["runs"], seed=settings["seed"])
        record, world = record_for_run(  # checked against the world and months run
            expand(args.record) if args.record else root / settings["record"], config)
        patterns = (load_patterns(root / settings["patterns"])
                    if settings.get("patterns") and not own else {"patterns": {}})
        until = settings.get("until")
        window = record.window
        if until and not window.start <= month_index(until) <= window.end:
            raise ConfigError([Problem(str(root / "calibration" / f"{args.name}.yaml"),
                                       "until", until, "a month within the record's window ("
                                       f"{month_text(window.start)} to "
                                       f"{month_text(window.end)})")])
        record = windowed(record, until)
        if not patterns["patterns"] and record.window.end > model.compiled.start_month:
            model = model.up_to(record.window.end)  # no month after the record's is scored
    except ConfigError as exc:
        print(f"balancing-sim-calibrate: {exc}", file=sys.stderr)
        return 2
    folder = root / "params" if args.write else args.out
    if (problem := earlier_outputs(written_files(settings, folder, args.out,
                                                 args.write))) is not None:
        print(f"balancing-sim-calibrate: {problem}", file=sys.stderr)
        return 2
    command = command_line(sys.argv[1:] if argv is None else argv)
    if settings.get("method") == "abc":
        for written in run_posterior(model, record, patterns, settings, folder,
                                     database_file(settings, args.out), command):
            print(f"written: {written}")
        return 0
    params, scored = search(model, record, patterns, settings["ranges"], settings,
                            args.workers)
    print(f"best: record {scored.record_score:.3f}, Brier {scored.brier:.3f}, {scored.rates}")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{settings['writes']}.yaml"
    write_params(target, params, scored, settings, command)
    print(f"written: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
