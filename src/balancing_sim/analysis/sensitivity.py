"""Global sensitivity analysis with SALib: sample -> evaluate -> analyze.

Methods: Sobol' indices from Saltelli's sampling scheme (Saltelli 2002; Saltelli et al.
2010, as implemented in SALib with scrambled Sobol' sequences), first-order S1 and total
ST with bootstrap confidence intervals; and the Morris elementary-effects screen
(Morris 1991; Campolongo, Cariboni & Saltelli 2007: mu*, sigma) as the cheap first pass.

One model evaluation is one parameter point with R Monte Carlo replicates; its outcome is
the share of replicates in which a chosen actor ends in a chosen posture (or, with
`align_<pole>` as the posture, the actor's mean final weight on that pole). Every point
uses the same seed (common random numbers), so differences between points come from the
parameters, not from the noise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..config.arguments import count, output_folder, worker_count
from ..evaluation import Study, final_posture, find_key
from . import metrics, owned
from .plots import OKABE_ITO, label, save, styled

# The decision rule's main weights (docs/ODD.md, Submodels); ranges default to
# +-SPREAD around the configured (calibrated) value.
MAIN_PARAMETERS = ("w_security", "w_punishment", "w_economy", "w_identity", "w_autonomy",
                   "w_polarization", "w_alliance", "w_threat", "w_depth", "w_viability")
SPREAD = 0.5
METHODS = ("sobol", "morris")
METHOD_NAMES = {"sobol": "Sobol'", "morris": "Morris"}


# ---------------------------------------------------------------- problem


def problem(bounds: dict[str, tuple[float, float]]) -> dict:
    """A SALib problem from {name: (low, high)}."""
    for name, (lo, hi) in bounds.items():
        if not lo < hi:
            raise ValueError(f"parameter {name}: lower bound {lo} is not below upper bound {hi}")
    return {"num_vars": len(bounds), "names": list(bounds),
            "bounds": [[float(lo), float(hi)] for lo, hi in bounds.values()]}


def default_bounds(params: dict, names: Sequence[str] = MAIN_PARAMETERS,
                   spread: float = SPREAD) -> dict[str, tuple[float, float]]:
    """Ranges of +-spread (relative) around each parameter's configured value."""
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"unknown parameter(s): {', '.join(missing)} "
                         f"(known: {', '.join(params)})")
    out = {}
    for name in names:
        value = float(params[name])
        lo, hi = value * (1 - spread), value * (1 + spread)
        out[name] = (lo, hi) if value > 0 else (0.0, max(spread, 1e-3))
    return out


# ---------------------------------------------------------------- sample / analyze


def sample(prob: dict, method: str = "sobol", n: int = 64, seed: int = 1) -> np.ndarray:
    """Sobol': N*(D+2) points (no second order); Morris: N trajectories of D+1 points."""
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(prob, n, calc_second_order=False, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(prob, n, num_levels=4, seed=seed)
    raise ValueError(f"method {method!r}: choose one of {', '.join(METHODS)}")


def analyze(prob: dict, X: np.ndarray, Y: np.ndarray, method: str = "sobol", seed: int = 1,
            conf_level: float = 0.95) -> pd.DataFrame:
    """Indices per parameter. Sobol': S1, S1_conf, ST, ST_conf; Morris: mu, mu_star,
    sigma, mu_star_conf (the *_conf columns are half-widths at `conf_level`)."""
    Y = np.asarray(Y, dtype=float)
    names = prob["names"]
    if method == "sobol":
        cols = ["S1", "S1_conf", "ST", "ST_conf"]
        if np.ptp(Y) == 0:  # a constant outcome: no parameter matters
            return pd.DataFrame({"parameter": names, **{c: 0.0 for c in cols}})
        from SALib.analyze import sobol

        res = sobol.analyze(prob, Y, calc_second_order=False, conf_level=conf_level,
                            num_resamples=200, seed=seed)
    elif method == "morris":
        cols = ["mu", "mu_star", "sigma", "mu_star_conf"]
        from SALib.analyze import morris

        res = morris.analyze(prob, X, Y, conf_level=conf_level, num_levels=4,
                             num_resamples=200, seed=seed)
    else:
        raise ValueError(f"method {method!r}: choose one of {', '.join(METHODS)}")
    return pd.DataFrame({"parameter": names,
                         **{c: np.asarray(res[c], dtype=float) for c in cols}})


WIDE = 0.2
"""A Sobol' index's confidence half-width beyond which the indices are read as noise
(indices lie in [0, 1]); for Morris, WIDE x 2.5 = half the largest mu*."""


def caution(indices: pd.DataFrame, method: str, Y: np.ndarray | None = None) -> str | None:
    """What to tell a reader of indices that cannot rank the factors, or None: an outcome
    that never changed, indices or intervals that are not numbers, every index 0 though
    the outcome changed, or confidence intervals too wide (few samples)."""
    if Y is not None and len(Y) and np.ptp(Y) == 0:
        return (f"the outcome is {float(Y[0]):.3g} at every point: no factor moved it over "
                "these ranges with these runs (widen the ranges, or raise --runs)")
    more = ("raise -n (Sobol' estimates usually need hundreds of base samples)"
            if method == "sobol" else "raise -n (more trajectories)")
    columns = ["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu_star",
                                                                           "mu_star_conf"]
    values = indices[columns].to_numpy(dtype=float)
    if not np.isfinite(values).all():
        return ("some indices or their confidence intervals are not numbers: the samples "
                f"cannot rank the factors; {more}")
    if method == "sobol":
        if not np.any(indices[["S1", "ST"]].to_numpy()):
            return ("every index is 0 though the outcome changed between points: too few "
                    f"samples to rank the factors; {more}")
        widest = float(indices[["S1_conf", "ST_conf"]].to_numpy().max(initial=0.0))
        if widest <= WIDE:
            return None
        scale = "the indices lie in [0, 1]"
    else:
        widest = float(indices["mu_star_conf"].max())
        top = float(indices["mu_star"].max())
        if top == 0:
            return ("every elementary effect is 0: no factor moved the outcome along these "
                    "trajectories (raise -n, or --runs)")
        if not widest > 2.5 * WIDE * top:
            return None
        scale = f"the largest mu* is {top:.3g}"
    return (f"the widest confidence interval is +-{widest:.3g} ({scale}): too few samples "
            f"to rank the factors; {more}")


def run(prob: dict, evaluate: Callable[[np.ndarray], np.ndarray], method: str = "sobol",
        n: int = 64, seed: int = 1, conf_level: float = 0.95
        ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Sample, evaluate (X -> Y, one row a point), analyze; return X, Y and the indices."""
    X = sample(prob, method, n, seed)
    Y = np.asarray(evaluate(X), dtype=float)
    return X, Y, analyze(prob, X, Y, method, seed, conf_level)


# ---------------------------------------------------------------- the model as a function


@dataclasses.dataclass
class ModelOutcome:
    """The simulation as a function X -> Y for SALib, through the evaluation API.

    Each row of X sets the factors `names`: parameters (`w_autonomy`) or any config key
    (`world.states.<id>.autonomy.value`, `scenario.events.<id>.value.value`); the model
    runs `runs` replicates of the scenario from `seed` (the same seed at every point) and
    returns the outcome share. The scenario is composed once (`evaluation.Study`).
    """

    names: list[str]
    actor: str
    posture: str
    scenario: str = "baseline"
    runs: int = 20
    seed: int = 1
    overrides: tuple[str, ...] = ()
    workers: int = 1
    _experiment: Study | None = dataclasses.field(default=None, repr=False)

    def experiment(self) -> Study:
        if self._experiment is None:
            self._experiment = Study(self.scenario, [
                f"runs={self.runs}", f"seed={self.seed}", "runner.workers=1",
                "runner.record_every=1200", *self.overrides])
        return self._experiment

    def compose(self):
        exp = self.experiment()
        return exp.config, exp.resolved

    def check(self) -> dict:
        """Validate actor, posture and factors against the config; return it."""
        resolved = self.experiment().resolved
        params = resolved.get("params", {})
        unknown = [n for n in self.names
                   if n.removeprefix("params.") not in params and not has_key(resolved, n)]
        if unknown:
            raise ValueError(f"unknown parameter(s) or config key(s): {', '.join(unknown)}")
        states = list((resolved.get("world") or {}).get("states") or {})
        if states and self.actor not in states:
            raise ValueError(f"actor {self.actor!r} is not a state of the world "
                             f"(states: {', '.join(states)})")
        poles = list((resolved.get("world") or {}).get("poles") or {})
        allowed = [*poles, metrics.NONALIGNED, *(metrics.ALIGN_PREFIX + p for p in poles)]
        if poles and self.posture not in allowed:
            raise ValueError(f"posture {self.posture!r}: choose one of {', '.join(allowed)}")
        return resolved

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        sets = [dict(zip(self.names, map(float, row), strict=True)) for row in X]
        table = self.experiment().evaluate(
            sets, {"y": final_posture(self.actor, self.posture)},
            workers=self.workers if self.workers == -1 else min(self.workers, len(X)))
        return table["y"].to_numpy()


def has_key(resolved: dict, key: str) -> bool:
    """Does a dotted key path name a number in the resolved config?"""
    found = find_key(resolved, key)
    if isinstance(found, str):
        return False
    node = found[0][found[1]]
    return isinstance(node, int | float) and not isinstance(node, bool)


# ---------------------------------------------------------------- figure and files


@styled
def sensitivity_figure(indices: pd.DataFrame, method: str = "sobol", title: str = "",
                       conf_level: float = 0.95) -> Figure:
    """Sobol': first-order and total indices per parameter with confidence intervals;
    Morris: mu* (bars, with intervals) and sigma (points)."""
    fig = Figure(figsize=(7.0, 1.6 + 0.32 * len(indices)), layout="constrained")
    ax = fig.subplots()
    names = [label(p) for p in indices["parameter"]]
    y = np.arange(len(names))[::-1]
    if method == "sobol":
        h = 0.38
        for k, (col, color) in enumerate((("S1", OKABE_ITO[0]), ("ST", OKABE_ITO[1]))):
            ax.barh(y + (0.5 - k) * h, indices[col], height=h * 0.95, color=color,
                    xerr=indices[f"{col}_conf"], label=("first order S1" if col == "S1"
                                                        else "total ST"),
                    error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"})
        ax.axvline(0, color="#333333", linewidth=0.6)
        ax.set_xlabel(f"Sobol' index (share of outcome variance), {conf_level:.0%} "
                      "bootstrap intervals")
    else:
        ax.barh(y, indices["mu_star"], height=0.6, color=OKABE_ITO[0],
                xerr=indices["mu_star_conf"], label="mu* (mean |elementary effect|)",
                error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"})
        ax.plot(indices["sigma"], y, "D", color=OKABE_ITO[1], markersize=5,
                label="sigma (interactions, non-linearity)")
        ax.set_xlabel("elementary effect (outcome units over the parameter range)")
    ax.set_yticks(y, names)
    ax.set_ylabel("parameter")
    ax.grid(axis="x", color="#EEEEEE", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right")
    ax.set_title(title or f"{METHOD_NAMES[method]} sensitivity indices", fontsize=9)
    return fig


def write(out: str | Path, prob: dict, X: np.ndarray, Y: np.ndarray, indices: pd.DataFrame,
          fig: Figure, meta: dict) -> list[Path]:
    """indices.csv, samples.csv (X and Y), problem.json (bounds and settings), the figure."""
    out = Path(out)
    files = written(out)
    owned.check(files)  # never a file of the user's
    out.mkdir(parents=True, exist_ok=True)
    indices.to_csv(files[0], index=False)
    samples = pd.DataFrame(X, columns=prob["names"]).assign(outcome=Y)
    samples.to_csv(files[1], index=False)
    files[2].write_text(json.dumps({**meta, "problem": prob}, indent=2) + "\n")
    owned.record(files[:3])
    return [*files[:3], *save(fig, out, "sensitivity")]


def written(out: Path) -> list[Path]:
    """The files `write` writes into `out`."""
    return [out / name for name in ("indices.csv", "samples.csv", "problem.json",
                                    "sensitivity.png", "sensitivity.svg")]


# ---------------------------------------------------------------- command line


def parse_bound(text: str) -> tuple[str, tuple[float, float]]:
    """`key=low:high` -> (key, (low, high)); `params.` is dropped from a parameter."""
    try:
        name, rng = text.split("=", 1)
        lo, hi = (float(v) for v in rng.split(":", 1))
    except ValueError:
        raise ValueError(f"--param {text!r}: expected name=low:high, "
                         "e.g. w_autonomy=0.5:2.0") from None
    return name.removeprefix("params."), (lo, hi)


def parse_bounds(texts: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Each `--param key=low:high`; a key given twice (also as `params.<name>` and
    `<name>`) is a ValueError naming both, not the last one kept."""
    bounds, given = {}, {}
    for text in texts:
        name, pair = parse_bound(text)
        if name in given:
            raise ValueError(f"--param {text!r}: {name} is a factor once (--param "
                             f"{given[name]!r} gives it too)")
        bounds[name], given[name] = pair, text
    return bounds


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="balancing-sim-sensitivity",
        description="Global sensitivity analysis (SALib Sobol' or Morris) of one outcome: "
                    "the share of replicates in which ACTOR ends in POSTURE.")
    p.add_argument("--scenario", default="baseline", help="scenario name (default baseline)")
    p.add_argument("--actor", help="state id (default: the world's first state)")
    p.add_argument("--posture", default=metrics.NONALIGNED,
                   help="a pole id, 'nonaligned' (default), or align_<pole> for the mean "
                        "final weight")
    p.add_argument("--method", choices=METHODS, default="sobol")
    p.add_argument("-n", "--samples", type=count(2), default=64,  # Morris' sigma: 2 or more
                   help="base sample size N, at least 2 (Sobol': N*(D+2) points; Morris: N "
                        "trajectories)")
    p.add_argument("--runs", type=int, default=20, help="replicates per point")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--param", action="append", default=[], metavar="KEY=LOW:HIGH",
                   help="a factor and its range (repeatable): a parameter (w_autonomy) or "
                        "any numeric config key (world.states.<id>.autonomy.value); "
                        "default: the main weights at "
                        f"+-{SPREAD * 100:.0f}%% of their configured values")
    p.add_argument("--spread", type=float, default=SPREAD,
                   help="relative half-range of the default parameters")
    p.add_argument("--set", action="append", default=[], metavar="OVERRIDE",
                   help="a config override for every run, e.g. scenario.end=2028-12")
    p.add_argument("--workers", type=worker_count, default=1,
                   help="processes (-1: every core)")
    p.add_argument("--out", type=output_folder, default="sensitivity",
                   help="output folder (checked before anything runs)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        base = ModelOutcome([], args.actor or "", args.posture, args.scenario, args.runs,
                            args.seed, tuple(args.set))
        _, resolved = base.compose()
        if not args.actor:
            base.actor = next(iter(resolved["world"]["states"]))
        bounds = (parse_bounds(args.param) if args.param
                  else default_bounds(resolved["params"], spread=args.spread))
        base.names = list(bounds)
        base.workers = args.workers
        base.check()
        prob = problem(bounds)
        for corner in (0, 1):  # every factor's range is valid for the config
            base.experiment().configure({k: b[corner] for k, b in bounds.items()})
        owned.check(written(args.out))  # before anything runs
    except (ValueError, OSError) as exc:  # ConfigError and ForeignFile included
        print(f"balancing-sim-sensitivity: {exc}", file=sys.stderr)
        return 2
    points = len(sample(prob, args.method, args.samples, args.seed))
    print(f"{args.method}: {points} points x {args.runs} runs of {args.scenario}; outcome "
          f"P({base.actor} ends {base.posture})", file=sys.stderr)
    X, Y, indices = run(prob, base, args.method, args.samples, args.seed)
    title = (f"{METHOD_NAMES[args.method]} indices of P({base.actor} ends {base.posture}), "
             f"scenario {args.scenario}; {points} points x {args.runs} runs")
    fig = sensitivity_figure(indices, args.method, title)
    warning = caution(indices, args.method, Y)
    meta = {"method": args.method, "scenario": args.scenario, "actor": base.actor,
            "posture": base.posture, "samples": args.samples, "runs": args.runs,
            "seed": args.seed, "overrides": list(args.set), "points": points,
            "caution": warning}
    try:
        paths = write(args.out, prob, X, Y, indices, fig, meta)
    except owned.ForeignFile as exc:  # a user's file put there while it ran: kept
        print(f"balancing-sim-sensitivity: {exc}", file=sys.stderr)
        return 2
    print(indices.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\n".join(f"  {p}" for p in paths))
    if warning:
        print(f"balancing-sim-sensitivity: warning: {warning}", file=sys.stderr)
    return 0
