"""Many parameter sets: `bs.simulate` (composes the config each call) against one
`bs.Experiment` (composes once). Prints a Markdown table and writes it to
benchmarks/results/experiment_reuse.md.

    .venv/bin/python benchmarks/experiment_reuse.py [--sets 20] [--runs 10]

Each call runs `runs` replicates of the baseline scenario (2024-07 to 2034-12) in this
process; CPU seconds are reported beside wall seconds (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import balancing_sim as bs  # noqa: E402

HERE = Path(__file__).resolve().parent


def clock(action) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    values = [{"w_autonomy": 0.5 + 2.0 * i / max(args.sets - 1, 1)} for i in range(args.sets)]
    bs.simulate("baseline", runs=2, seed=1, workers=1)  # imports and caches warm
    each = clock(lambda: [bs.simulate("baseline", runs=args.runs, seed=1, workers=1,
                                      params=v) for v in values])
    exp = None

    def reuse() -> None:
        nonlocal exp
        exp = bs.Experiment("baseline", runs=args.runs, seed=1, workers=1)
        for v in values:
            exp.run(v)

    once = clock(reuse)
    compose = clock(lambda: bs.Experiment("baseline", runs=args.runs, seed=1, workers=1))
    lines = [
        f"# Experiment vs simulate: {args.sets} parameter sets x {args.runs} runs of the "
        "baseline, one process", "",
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", "",
        "| | wall s | CPU s | per set, wall ms |", "|---|---:|---:|---:|",
        f"| `bs.simulate` per set | {each[0]:.2f} | {each[1]:.2f} | "
        f"{1000 * each[0] / args.sets:.0f} |",
        f"| one `bs.Experiment`, `run` per set | {once[0]:.2f} | {once[1]:.2f} | "
        f"{1000 * once[0] / args.sets:.0f} |",
        f"| composing once (Hydra + validation) | {compose[0]:.2f} | {compose[1]:.2f} | |",
        "", f"speed-up: {each[0] / once[0]:.1f}x wall, {each[1] / once[1]:.1f}x CPU", ""]
    text = "\n".join(lines)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "experiment_reuse.md").write_text(text)


if __name__ == "__main__":
    main()
