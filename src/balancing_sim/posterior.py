"""A posterior of the free parameters given the record: ABC-SMC (pyabc), not a point.

A particle (one parameter set) is scored on R replicates of the history, with common
random numbers (the calibration seed, runs 0..R-1), so a particle's distance is a
deterministic function of its parameters. The distance is the Brier score of the
model's yearly forecasts of the record's facts (`record.brier`), plus `start_weight`
times the Brier score of the record's last month alone (where every forward scenario
starts: a history right on average but wrong at its end starts the future wrong), plus
the shortfall of every pattern P1-P5 below its required share
(`calibrate.Scored.distance`). Priors are
uniform over the ranges of conf/calibration/. pyabc's weighted particles of the last
generation are resampled to equally weighted draws deterministically (systematic
resampling), then each draw is rescored for the table. Reproducible: pyabc draws from
numpy's global generator, seeded here, and samples on one core (`SingleCoreSampler`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .calibrate import Scored, evaluate_points
from .evaluation import Model
from .record import Record

DRAW = "draw"
"""Column of the posterior table (and of the contract tables): the draw's id."""
SCORE_COLUMNS = ("distance", "record_score", "brier", "start_brier")


def systematic(weights: np.ndarray, m: int) -> np.ndarray:
    """Indices of `m` equally weighted draws from weighted particles: systematic
    resampling with the fixed offset 1/2 (no randomness, so the same particles give
    the same draws)."""
    edges = np.cumsum(np.asarray(weights, dtype=float))
    edges /= edges[-1]
    picks = np.searchsorted(edges, (np.arange(m) + 0.5) / m)
    return np.minimum(picks, len(edges) - 1)


def abc_smc(model: Model, record: Record, patterns: dict, ranges: Mapping[str, list],
            settings: Mapping, database: Path, log: Callable[[str], None] = print
            ) -> pd.DataFrame:
    """The weighted particles of the last generation (columns: the parameters and
    `weight`), from `settings`: seed, population, generations, min_epsilon."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    names = list(ranges)
    required = patterns.get("required_share", 0.8)
    weight = float(settings.get("start_weight", 0.0))
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", float(lo), float(hi) - float(lo))
                                  for n, (lo, hi) in ranges.items()})

    def simulate(parameters) -> dict[str, float]:
        point = {n: float(parameters[n]) for n in names}
        (scored,) = evaluate_points(model, [point], record, patterns, workers=1)
        return {"distance": scored.distance(required, weight)}

    def distance(x: Mapping, _observed: Mapping) -> float:
        return float(x["distance"])

    np.random.seed(int(settings["seed"]) % 2**32)  # pyabc and scipy.stats draw from it
    abc = pyabc.ABCSMC(simulate, prior, distance, population_size=int(settings["population"]),
                       sampler=pyabc.sampler.SingleCoreSampler(),
                       eps=pyabc.epsilon.MedianEpsilon())
    abc.new(f"sqlite:///{database}", {"distance": 0.0})
    history = abc.run(minimum_epsilon=float(settings.get("min_epsilon", 0.0)),
                      max_nr_populations=int(settings["generations"]))
    populations = history.get_all_populations()
    for row in populations.itertuples():
        if row.t >= 0:
            log(f"generation {row.t + 1}: epsilon {row.epsilon:.4f}, {row.samples} "
                f"simulations, acceptance {settings['population'] / row.samples:.2f}")
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame[names].reset_index(drop=True)
    frame["weight"] = weights
    frame.attrs["ess"] = effective_size(weights)
    frame.attrs["simulations"] = int(populations["samples"].clip(lower=0).sum())
    frame.attrs["epsilons"] = [float(e) for e in populations["epsilon"] if np.isfinite(e)]
    return frame


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    return float(1.0 / np.sum(w ** 2))


def equal_draws(particles: pd.DataFrame, m: int, model: Model, record: Record,
                patterns: dict, weights: str = "importance",
                start_weight: float = 0.0) -> pd.DataFrame:
    """`m` equally weighted draws (systematic resampling), each rescored on the model's
    replicates: the parameters, then the distance, record score, Brier, Brier of the
    record's last month and pattern rates.
    `weights`: "importance" resamples by ABC-SMC's weights; "equal" takes the accepted
    particles as they are (each once when m is the population size), for when the
    weights have degenerated (docs/VALIDATION.md)."""
    names = [c for c in particles.columns if c != "weight"]
    given = (particles["weight"].to_numpy() if weights == "importance"
             else np.ones(len(particles)))
    picked = particles.iloc[systematic(given, m)][names]
    picked = picked.reset_index(drop=True)
    unique = picked.drop_duplicates()
    required = patterns.get("required_share", 0.8)
    scores: list[Scored] = evaluate_points(model, unique.to_dict(orient="records"), record,
                                           patterns, workers=1)
    found = {tuple(row): s for row, s in zip(unique.itertuples(index=False), scores,
                                             strict=True)}
    rows = []
    for row in picked.itertuples(index=False):
        s = found[tuple(row)]
        rows.append({"distance": s.distance(required, start_weight),
                     "record_score": s.record_score, "brier": s.brier,
                     "start_brier": s.start_brier, **s.rates})
    table = pd.concat([picked, pd.DataFrame(rows)], axis=1)
    table.insert(0, DRAW, np.arange(m))
    return table


def header(settings: Mapping, command: str, table: pd.DataFrame, simulations: int) -> list[str]:
    """Comment lines saying how a posterior was made and what it scores."""
    best = table.loc[table["distance"].idxmin()]
    return [
        f"Posterior of the free parameters given the record ({settings['name']}): ABC-SMC",
        "(pyabc), docs/VALIDATION.md. Produced by the calibration, do not hand-edit:",
        f"  {command}",
        f"on {dt.date.today().isoformat()}: settings conf/calibration/{settings['name']}.yaml "
        f"(seed {settings['seed']}, population {settings['population']}, generations "
        f"{settings['generations']}, {settings['runs']} replicates a particle, record up to "
        f"{settings.get('until') or 'the end'}), {simulations} particles simulated; "
        f"last generation's effective sample size {settings.get('ess', float('nan')):.1f}, "
        f"draws weighted {settings.get('weights', 'importance')}; the last month's "
        f"Brier score weighs {float(settings.get('start_weight', 0.0)):g} in the distance.",
        f"{len(table)} equally weighted draws; mean record score "
        f"{table['record_score'].mean():.3f}, mean Brier {table['brier'].mean():.3f}, "
        f"in the last month {table['start_brier'].mean():.3f}; "
        f"best draw {int(best[DRAW])}: record {best['record_score']:.3f}, Brier "
        f"{best['brier']:.3f}.",
    ]


def write_posterior(folder: Path, stem: str, table: pd.DataFrame, lines: list[str],
                    base: Mapping[str, float]) -> tuple[Path, Path]:
    """`<stem>.csv` (the draws) and `<stem>.yaml` (a params group option: the base values,
    the best draw's, and `draws` naming the table) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    csv, option = folder / f"{stem}.csv", folder / f"{stem}.yaml"
    table.to_csv(csv, index=False, float_format="%.6g")
    best = table.loc[table["distance"].idxmin()]
    values = {k: float(f"{float(best[k]):.6g}") if k in best.index else round(float(v), 6)
              for k, v in base.items()}  # the best draw as its row of the table reads
    body = yaml.safe_dump({**values, "draws": f"params/{csv.name}", "hold": []},
                          sort_keys=False)
    text = ["# @package params", *(f"# {line}" for line in lines),
            "# The scalar values are the best draw's (lowest distance); runs with these",
            "# params use draw r mod M of `draws` (docs/VALIDATION.md), except the",
            "# parameters in `hold` (and any set to another value), held in every run."]
    option.write_text("\n".join(text) + "\n" + body)
    return csv, option
