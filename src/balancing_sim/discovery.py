"""Scenario discovery: which parameter region produces an outcome (PRIM, EMA Workbench).

    balancing-sim-discover --scenario baseline --outcome "<actor> in_bloc" \\
        --samples 200 --runs 20 --out outputs/discover/bloc

A Latin hypercube (SALib, seeded) over the parameter ranges; each point runs `runs`
replicates of one seed through the evaluation API (`evaluation.Study`: common random
numbers, so points differ by their parameters only); a point produces the outcome when
it holds in at least `--share` of its runs. PRIM (Friedman & Fisher 1999, as the EMA
Workbench implements it) peels the box of points that produce it; the box reported is
the one of highest coverage among those of density >= `--density` on the peeling
trajectory. Writes samples.csv, trajectory.csv, box.csv, discovery.json and two figures
(PNG and SVG) into the output folder, never elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import owned
from .config.arguments import add_overrides, output_folder, worker_count
from .config.errors import ConfigError
from .config.loading import conf_dir
from .config.yamlfile import load_yaml
from .evaluation import PARAM_NAMES, Study
from .outcomespec import OutcomeError, parse_outcome

PROG = "balancing-sim-discover"
CALIBRATION = "calibration/history.yaml"
POSTERIOR_FILES = ("params/posterior.parquet", "params/posterior.csv")


# ---------------------------------------------------------------- ranges


def _checked(ranges: object, where: str) -> dict[str, tuple[float, float]]:
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValueError(f"{where}: a mapping of parameter names to [low, high]")
    out = {}
    for name, pair in ranges.items():
        if name not in PARAM_NAMES:
            raise ValueError(f"{where}: {name!r} is not a parameter "
                             f"(parameters: {', '.join(sorted(PARAM_NAMES))})")
        if (not isinstance(pair, list | tuple) or len(pair) != 2
                or any(isinstance(v, bool) or not isinstance(v, int | float) for v in pair)
                or not pair[0] <= pair[1]):
            raise ValueError(f"{where}: {name}: {pair!r} is not [low, high] with low <= high")
        out[str(name)] = (float(pair[0]), float(pair[1]))
    return out


def _table_ranges(path: Path) -> dict[str, tuple[float, float]]:
    """Min-max of each parameter column of a table of draws (CSV or Parquet)."""
    try:
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:  # pandas' and pyarrow's parser errors included
        raise ValueError(f"--ranges {path}: a CSV or Parquet table of draws, one column a "
                         f"parameter ({' '.join(str(exc).split())})") from None
    columns = [c for c in table.columns if str(c).removeprefix("params.") in PARAM_NAMES]
    if not columns:
        raise ValueError(f"{path}: no parameter columns (parameters: "
                         f"{', '.join(sorted(PARAM_NAMES))})")
    out = {}
    for c in columns:
        values = pd.to_numeric(table[c], errors="coerce")
        bad = np.flatnonzero(~np.isfinite(values))  # text and gaps (NaN), inf
        if bad.size:
            row = int(bad[0])
            raise ValueError(f"--ranges {path}: column {c!r}, row {row + 1}: "
                             f"{table[c].tolist()[row]!r}: a finite number in every row")
        out[str(c).removeprefix("params.")] = (float(values.min()), float(values.max()))
    return out


def load_ranges(source: str) -> dict[str, tuple[float, float]]:
    """Parameter ranges: `calibration` (conf/calibration/history.yaml), `posterior` (the
    min-max of the posterior's draws, conf/params/posterior.*) or a file: YAML with
    `ranges:`, or a CSV/Parquet table of draws."""
    if source == "calibration":
        path = conf_dir() / CALIBRATION
        data = load_yaml(path)
        return _checked(data.get("ranges") if isinstance(data, Mapping) else None,
                        f"{path} key ranges")
    if source == "posterior":
        found = [conf_dir() / f for f in POSTERIOR_FILES if (conf_dir() / f).is_file()]
        if not found:
            raise ValueError("--ranges posterior: no posterior yet (looked for "
                             f"{', '.join(str(conf_dir() / f) for f in POSTERIOR_FILES)}); "
                             "use --ranges calibration or a file")
        return _table_ranges(found[0])
    path = Path(source).expanduser()  # `~` is the home folder, as in --out
    if not path.is_file():
        raise ValueError(f"--ranges {source!r}: calibration, posterior, or an existing file")
    if path.suffix in (".csv", ".parquet"):
        return _table_ranges(path)
    data = load_yaml(path)
    return _checked(data.get("ranges") if isinstance(data, Mapping) else None,
                    f"{path} key ranges")


def select(ranges: Mapping[str, tuple[float, float]], names: str | None
           ) -> dict[str, tuple[float, float]]:
    """The ranges of the named parameters (comma-separated), all by default; fixed
    ranges (low == high) are not varied."""
    wanted = [n.strip().removeprefix("params.") for n in names.split(",")] if names else None
    if wanted:
        missing = [n for n in wanted if n not in ranges]
        if missing:
            raise ValueError(f"--params: {', '.join(missing)} not in the ranges "
                             f"({', '.join(ranges)})")
    chosen = {n: ranges[n] for n in (wanted or ranges) if ranges[n][0] < ranges[n][1]}
    if not chosen:
        raise ValueError("--params: no parameter with a range to vary")
    return chosen


# ---------------------------------------------------------------- experiment


def latin_hypercube(bounds: Mapping[str, tuple[float, float]], samples: int,
                    seed: int) -> pd.DataFrame:
    """`samples` points over the bounds (SALib's Latin hypercube, seeded)."""
    from SALib.sample import latin

    problem = {"num_vars": len(bounds), "names": list(bounds),
               "bounds": [list(b) for b in bounds.values()]}
    return pd.DataFrame(latin.sample(problem, samples, seed=seed), columns=list(bounds))


def peel(x: pd.DataFrame, y: np.ndarray, density: float, mass_min: float = 0.05):
    """PRIM's peeling trajectory and the chosen box (highest coverage at the density)."""
    with warnings.catch_warnings():  # its optional cluster backends warn when absent
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x, y, mass_min=mass_min).find_box()
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory["density"] >= density]
    chosen = int(dense["coverage"].idxmax()) if len(dense) else int(trajectory.index[-1])
    return box, trajectory, chosen


def box_table(box, chosen: int, bounds: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Limits of the chosen box on every parameter it restricts, with the sampled range
    and PRIM's quasi-p-values (how likely the restriction is by chance)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats, limits = box.inspect(chosen, style="data")[0]
    limits = limits.copy()
    limits.columns = ["low", "high", "qp_low", "qp_high"]
    limits.insert(0, "parameter", limits.index.astype(str))
    limits["range_low"] = [bounds[p][0] for p in limits["parameter"]]
    limits["range_high"] = [bounds[p][1] for p in limits["parameter"]]
    return limits.reset_index(drop=True)


def figure(box, chosen: int, table: pd.DataFrame, bounds, title: str):
    """Peeling trajectory (coverage against density, chosen box marked) and the box's
    limits within the sampled ranges."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    traj = box.peeling_trajectory
    rows = max(1, len(table))
    fig = Figure(figsize=(10, max(3.5, 0.45 * rows + 1.5)))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    points = left.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis",
                          s=18)
    left.scatter([traj.loc[chosen, "coverage"]], [traj.loc[chosen, "density"]], s=90,
                 facecolors="none", edgecolors="#D55E00", linewidths=2, label="reported box")
    left.set(xlabel="coverage", ylabel="density", title="PRIM peeling trajectory",
             xlim=(0, 1.02), ylim=(0, 1.02))
    left.legend(loc="lower left", fontsize=8)
    fig.colorbar(points, ax=left, label="restricted dimensions")
    for i, row in table.iterrows():
        lo, hi = bounds[row["parameter"]]
        span = hi - lo or 1.0
        right.plot([0, 1], [i, i], color="#BBBBBB", lw=6, solid_capstyle="butt")
        right.plot([(row["low"] - lo) / span, (row["high"] - lo) / span], [i, i],
                   color="#0072B2", lw=6, solid_capstyle="butt")
        right.text(1.02, i, f"{row['low']:.3g} - {row['high']:.3g}  (of {lo:g} - {hi:g})",
                   va="center", fontsize=8)
    right.set_yticks(range(len(table)), table["parameter"].tolist())
    right.set(xlim=(0, 1), ylim=(-0.7, rows - 0.3), xlabel="share of the sampled range",
              title=f"box {chosen}: coverage {traj.loc[chosen, 'coverage']:.2f}, "
                    f"density {traj.loc[chosen, 'density']:.2f}")
    right.invert_yaxis()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- command line


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=(
        "Scenario discovery: sample the parameters (Latin hypercube), run the scenario at "
        "each point and find the parameter box that produces an outcome (PRIM)."))
    p.add_argument("--scenario", default="baseline", help="scenario (conf/scenario/)")
    p.add_argument("--outcome", required=True,
                   help="what to explain, e.g. '<actor> in_bloc', '<actor> hedging < 0.5', "
                        "'<actor> nonaligned', '<actor> member <platform>'")
    p.add_argument("--ranges", default="posterior",
                   help="posterior (the default: its draws' min-max), calibration "
                        "(conf/calibration/history.yaml) or a file (YAML with ranges:, or "
                        "CSV/Parquet of draws)")
    p.add_argument("--params", default=None,
                   help="comma-separated parameters to vary (default: every one in the ranges)")
    p.add_argument("--samples", type=int, default=200, help="Latin hypercube points")
    p.add_argument("--runs", type=int, default=20, help="replicates per point")
    p.add_argument("--seed", type=int, default=1, help="seed of the sample and of the runs")
    p.add_argument("--share", type=float, default=0.5,
                   help="a point produces the outcome when it holds in this share of its runs")
    p.add_argument("--density", type=float, default=0.8,
                   help="the reported box is the widest of at least this density")
    p.add_argument("--workers", type=worker_count, default=1,
                   help="processes (-1: every core)")
    add_overrides(p, example="params.w_autonomy=0.8")
    p.add_argument("--out", default=None, type=output_folder,  # checked before computing
                   help="output folder (default outputs/discover/<scenario>)")
    return p


def _prepare(args: argparse.Namespace):
    if args.samples < 2 or args.runs < 1:
        raise ValueError("--samples must be at least 2, --runs at least 1")
    if not 0.0 < args.share <= 1.0 or not 0.0 <= args.density <= 1.0:
        raise ValueError("--share must be in (0, 1] and --density in [0, 1]")
    spec = parse_outcome(args.outcome)
    study = Study(args.scenario, overrides=list(args.set), runs=args.runs, seed=args.seed,
                  progress="off")
    spec.check(study.resolved["world"])
    bounds = select(load_ranges(args.ranges), args.params)
    for corner in (0, 1):  # every range is valid for the config, or fail before running
        study.configure({k: b[corner] for k, b in bounds.items()})
    return spec, study, bounds


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    out = Path(args.out or Path("outputs") / "discover" / args.scenario)
    files = [out / name for name in ("samples.csv", "trajectory.csv", "box.csv",
                                     "discovery.json", "discovery.png", "discovery.svg")]
    try:
        spec, study, bounds = _prepare(args)
        owned.check(files)  # never a file of the user's, checked before anything runs
    except (OutcomeError, ConfigError, ValueError, OSError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    points = latin_hypercube(bounds, args.samples, args.seed)
    print(f"{PROG}: {len(points)} points x {args.runs} runs of {args.scenario}, "
          f"{len(bounds)} parameters; outcome {spec.text!r}", file=sys.stderr)
    table = study.evaluate(points, {"share": spec.outcome()}, workers=args.workers)
    produces = (table["share"] >= args.share).to_numpy()
    boxless = bool(produces.all() or not produces.any())
    try:
        owned.check(files)  # again: a user's file put there while it ran is kept
        if boxless:  # an earlier run's box (another outcome's) is not left beside this one
            owned.discard([*files[1:3], *files[4:]])
    except owned.ForeignFile as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    table.assign(produces=produces).to_csv(out / "samples.csv", index=False)
    meta = {"scenario": args.scenario, "outcome": spec.text, "ranges": args.ranges,
            "bounds": bounds, "samples": args.samples, "runs": args.runs, "seed": args.seed,
            "share": args.share, "density": args.density, "overrides": list(args.set),
            "points_producing": int(produces.sum()), "points": int(len(produces))}
    if boxless:
        meta["box"] = None
        (out / "discovery.json").write_text(json.dumps(meta, indent=2) + "\n")
        owned.record([files[0], files[3]])
        print(f"the outcome holds at {int(produces.sum())} of {len(produces)} points: no box "
              f"to find (widen the ranges or change --share)\n  {out / 'samples.csv'}")
        return 0
    box, trajectory, chosen = peel(points, produces, args.density)
    limits = box_table(box, chosen, bounds)
    trajectory.to_csv(out / "trajectory.csv", index=False)
    limits.to_csv(out / "box.csv", index=False)
    found = trajectory.loc[chosen]
    meta["box"] = {"id": chosen, "coverage": float(found["coverage"]),
                   "density": float(found["density"]), "mass": float(found["mass"]),
                   "limits": limits.to_dict(orient="records")}
    (out / "discovery.json").write_text(json.dumps(meta, indent=2) + "\n")
    owned.record(files[:4])
    from .analysis.plots import save

    title = (f"{args.scenario}: where '{spec.text}' holds in >= {args.share:g} of {args.runs} "
             f"runs ({int(produces.sum())} of {len(produces)} points)")
    paths = save(figure(box, chosen, limits, bounds, title), out, "discovery")
    print(f"box {chosen}: coverage {found['coverage']:.2f}, density {found['density']:.2f}, "
          f"mass {found['mass']:.2f} ({int(produces.sum())} of {len(produces)} points "
          "produce the outcome)")
    if len(limits):
        print(limits[["parameter", "low", "high", "range_low", "range_high"]].to_string(
            index=False, float_format=lambda v: f"{v:.3g}"))
    else:
        print("the box restricts no parameter: the outcome's share is the same across the "
              "whole range")
    print("\n".join(f"  {p}" for p in [out / "samples.csv", out / "trajectory.csv",
                                        out / "box.csv", out / "discovery.json", *paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
