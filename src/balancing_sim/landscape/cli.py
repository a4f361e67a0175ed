"""Console script ``balancing-sim-landscape WORLD [--top K] [--json]``: the minima of a
landscape world, as text or JSON; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from ..config.arguments import count
from .result import LandscapeResult, analyze


def _format(res: LandscapeResult, top: int) -> str:
    w = res.world
    la, lb = w.observed_labels
    lines = [
        f"{w.title or w.source}: {w.n} actors, {res.method}, {res.blocs.shape[0]} local minima, "
        f"basins from {res.n_starts} starts (move order: {res.order})",
        "energy E = sum_i sum_j s_i s_j p_ij d_ij over ordered pairs (each split pair twice)",
    ]
    for i in range(min(top, res.blocs.shape[0])):
        a, b = res.sides(i)
        head = "global minimum" if i == 0 else f"local minimum {i + 1}"
        lines.append(
            f"{head}: E = {res.energies[i]:.6g}, basin {res.basin_sizes[i]} "
            f"({100 * res.basin_fractions[i]:.1f}%)"
        )
        lines.append(f"  {la}: {', '.join(a)}")
        lines.append(f"  {lb}: {', '.join(b)}")
        if res.correct is not None:
            wrong = res.misplaced(i)
            lines.append(
                f"  matches observed alignment for {res.correct[i]}/{w.n}"
                + (f"; misplaced: {', '.join(wrong)}" if wrong else "")
            )
    if res.blocs.shape[0] > top:
        lines.append(f"... {res.blocs.shape[0] - top} more (use --top)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Console script ``balancing-sim-landscape WORLD [--top K] [--json]``."""
    ap = argparse.ArgumentParser(
        prog="balancing-sim-landscape",
        description="Local minima and basins of an Axelrod-Bennett landscape world (YAML).",
    )
    ap.add_argument("world", type=os.path.expanduser,  # `~`: the home folder, quoted or not
                    help="YAML world file (see docs/LANDSCAPE.md)")
    ap.add_argument("--top", type=int, default=10, help="minima to print (default 10)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    ap.add_argument(
        "--order",
        choices=["greedy", "lowest", "random"],
        default="greedy",
        help="move order of the sequential dynamics (default greedy)",
    )
    ap.add_argument("--seed", type=count(0), default=0,
                    help="seed for random order / annealing")
    args = ap.parse_args(argv)
    if args.top < 1:
        print("balancing-sim-landscape: error: --top must be >= 1", file=sys.stderr)
        return 2
    try:
        res = analyze(args.world, order=args.order, rng=args.seed)
    except ValueError as exc:
        print(f"balancing-sim-landscape: error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(res.to_dict(top=args.top), indent=2) if args.json else _format(res, args.top)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit-time flush
    return 0

