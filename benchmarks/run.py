"""Performance figures of balancing-sim: `make bench` (ARGS="--quick" for a short run).

Prints a Markdown report and writes it to benchmarks/results/latest.md:
  1. engines on the baseline scenario (2024-07 to 2034-12, 125 months), one core:
     ensemble vs Mesa, simulation only;
  2. the real runner (runner.run, joblib loky, chunked, all cores), 10,000 runs:
     simulation only, simulation + Parquet with record_every=12, and simulation +
     Parquet with every month recorded;
  3. scaling with the number of states (synthetic worlds, one core) and the fitted
     exponent of cost per run;
  4. scaling with the number of runs (10^3 .. 10^5; 10^6 with --million, else
     extrapolated): time and peak memory (RSS of the process tree, sampled) of a
     streamed sweep, each in a fresh subprocess.
Wall-clock figures depend on the machine and its load: the header records both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread per process: "one core" means one core

import numpy as np  # noqa: E402 - after the thread limits, which numpy reads on import

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.md"


# ---------------------------------------------------------------- helpers


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import joblib
    import mesa

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "mesa": mesa.__version__, "joblib": joblib.__version__,
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def compiled_of(overrides: list[str]):
    from balancing_sim.config.loading import compose
    from balancing_sim.world import compile_config

    config, data = compose(overrides)
    return config, data, compile_config(config)


class PeakRSS:
    """Peak resident memory of this process and its children (loky workers), sampled."""

    def __init__(self, every: float = 0.05):
        import psutil

        self.proc, self.every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            with contextlib.suppress(Exception):  # a worker may exit while sampled
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            time.sleep(self.every)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


# ---------------------------------------------------------------- measurements


def engines(runs_ensemble: int, runs_mesa: int) -> dict:
    from balancing_sim.ensemble import simulate_block
    from balancing_sim.model import run_models

    config, _, compiled = compiled_of(["scenario=baseline"])
    simulate_block(compiled, config.params, 1, np.arange(8))
    ens = best_of(lambda: simulate_block(compiled, config.params, 1, np.arange(runs_ensemble)),
                  3)
    mesa = best_of(lambda: run_models(compiled, config.params, 1, np.arange(runs_mesa)), 1)
    return {"ensemble": runs_ensemble / ens, "mesa": runs_mesa / mesa,
            "steps": compiled.n_steps}


def simulate_digest(job) -> tuple[int, float]:
    """Simulate a chunk and keep nothing but its size and the worker's CPU seconds."""
    from balancing_sim.runner import simulate_job

    cpu = time.process_time()
    rec = simulate_job(job)
    return int(rec.align.shape[0]), time.process_time() - cpu


def stream(overrides: list[str], runs: int, workers: int) -> tuple[float, int, float]:
    """Simulation only, streamed through the runner's plan and joblib loky (nothing kept)."""
    from joblib import Parallel, delayed

    from balancing_sim.runner import chunk_size, plan

    config, _, compiled = compiled_of([*overrides, f"runs={runs}",
                                       f"runner.workers={workers}"])
    jobs = plan(config, compiled, None, chunk_size(config, workers))
    start = time.perf_counter()
    with PeakRSS() as peak:
        parts = list(Parallel(n_jobs=workers, backend="loky", return_as="generator_unordered")(
            delayed(simulate_digest)(job) for job in jobs))
    assert sum(n for n, _ in parts) == runs
    return time.perf_counter() - start, peak.peak, sum(c for _, c in parts)


def through_runner(overrides: list[str], runs: int, workers: int) -> tuple[float, int, int]:
    """The real runner: chunks simulated on loky workers and written as Parquet, merged,
    summarized. Returns (seconds, peak RSS, bytes written)."""
    from balancing_sim.runner import run

    config, data, _ = compiled_of([*overrides, f"runs={runs}", f"runner.workers={workers}",
                                   "runner.progress=off"])
    with tempfile.TemporaryDirectory(prefix="bsim-bench-") as tmp:
        out = Path(tmp) / "out"
        start = time.perf_counter()
        with PeakRSS() as peak:
            run(config, data, out, tables=False)
        seconds = time.perf_counter() - start
        size = sum(f.stat().st_size for f in out.glob("*.parquet"))
    return seconds, peak.peak, size


def warm_workers(workers: int) -> None:
    from joblib import Parallel, delayed

    Parallel(n_jobs=workers, backend="loky")(delayed(abs)(i) for i in range(workers))


def in_subprocess(kind: str, overrides: list[str], runs: int, workers: int) -> dict:
    """Run one measurement in a fresh interpreter, so its peak memory is its own."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--runs",
           str(runs), "--workers", str(workers), "--", *overrides]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(kind: str, overrides: list[str], runs: int, workers: int) -> None:
    warm_workers(workers)
    if kind == "stream":
        seconds, peak, cpu = stream(overrides, runs, workers)
        print(json.dumps({"seconds": seconds, "peak": peak, "cpu": cpu}))
    else:
        seconds, peak, size = through_runner(overrides, runs, workers)
        print(json.dumps({"seconds": seconds, "peak": peak, "bytes": size}))


def states_scaling(sizes: list[int]) -> list[dict]:
    from balancing_sim.ensemble import simulate_block

    rows = []
    for n in sizes:
        config, _, compiled = compiled_of(["world=synthetic", "situation=synthetic",
                                           f"world.size.states={n}", "world.size.poles=5",
                                           "world.size.platforms=8"])
        runs = max(8, min(512, int(200_000 / n**1.5)))
        simulate_block(compiled, config.params, 1, np.arange(4), 12)
        seconds = best_of(
            lambda c=compiled, p=config.params, r=runs: simulate_block(c, p, 1, np.arange(r), 12),
            2)
        rows.append({"states": n, "runs": runs, "runs_per_s": runs / seconds,
                     "ms_per_run": 1e3 * seconds / runs})
    return rows


# ---------------------------------------------------------------- report


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    ap.add_argument("--million", action="store_true", help="measure 10^6 runs (long)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.rest, args.runs, args.workers)
        return

    q = args.quick
    W = args.workers
    base = ["scenario=baseline"]
    lines = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    m = machine()
    say("# balancing-sim benchmarks")
    say()
    say(f"Machine: {m['nproc']} cores ({m['cpu']}), Python {m['python']}, numpy {m['numpy']}, "
        f"Mesa {m['mesa']}, joblib {m['joblib']}; load average at start {m['load']}. "
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    say()

    e = engines(256 if q else 1024, 2 if q else 6)
    say(f"## 1. Engines, baseline scenario ({e['steps']} months), one core, simulation only")
    say()
    say("| engine | runs/s |")
    say("|---|---:|")
    say(f"| ensemble (block of {256 if q else 1024} runs) | {e['ensemble']:.0f} |")
    say(f"| mesa (agent by agent) | {e['mesa']:.2f} |")
    say(f"| ratio | {e['ensemble'] / e['mesa']:.0f}x |")
    say()

    n = 2_000 if q else 10_000
    n_full = 500 if q else 2_000
    sim = in_subprocess("stream", base, n, W)
    w12 = in_subprocess("runner", [*base, "runner.record_every=12"], n, W)
    w1 = in_subprocess("runner", [*base, "runner.record_every=1"], n_full, W)
    say(f"## 2. The runner, baseline scenario, {W} workers (joblib loky, chunks of 512 runs)")
    say()
    say("| what | runs | seconds | runs/s | x mesa (1 core) | peak RSS | Parquet |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    per_cpu = n / sim["cpu"]
    for label, r, runs in (("simulate only (streamed, nothing kept)", sim, n),
                           ("simulate + write, record_every=12", w12, n),
                           ("simulate + write, every month", w1, n_full)):
        rate = runs / r["seconds"]
        size = f"{r['bytes'] / 2**20:.0f} MiB" if "bytes" in r else "-"
        say(f"| {label} | {runs:,} | {r['seconds']:.1f} | {rate:.0f} | "
            f"{rate / e['mesa']:.0f}x | {gib(r['peak'])} | {size} |")
    say()
    say(f"Simulation only, the workers spent {sim['cpu']:.1f} CPU seconds: "
        f"{per_cpu:.0f} runs per CPU second, i.e. {W * per_cpu:.0f} runs/s on {W} idle cores "
        f"(wall-clock figures above include whatever else ran on the machine).")
    say()

    sizes = [10, 50, 200] if q else [10, 50, 200, 500]
    rows = states_scaling(sizes)
    x = np.log([r["states"] for r in rows])
    y = np.log([r["ms_per_run"] for r in rows])
    slope = float(np.polyfit(x, y, 1)[0])
    tail = float(np.polyfit(x[-2:], y[-2:], 1)[0])
    say("## 3. Scaling with states (synthetic world, 5 poles, 8 platforms, one core, "
        "125 months, record_every=12)")
    say()
    say("| states | runs | runs/s | ms per run |")
    say("|---:|---:|---:|---:|")
    for r in rows:
        say(f"| {r['states']} | {r['runs']} | {r['runs_per_s']:.1f} | {r['ms_per_run']:.2f} |")
    say()
    say(f"Fitted cost per run ~ N^{slope:.2f} over {sizes[0]}-{sizes[-1]} states; "
        f"N^{tail:.2f} between the two largest sizes.")
    say()

    counts = [1_000, 10_000] if q else [1_000, 10_000, 30_000]
    if args.million:
        counts.append(1_000_000)
    say(f"## 4. Scaling with runs, baseline scenario, {W} workers, fresh process each")
    say()
    say("| runs | mode | seconds | runs/s | runs per CPU s | peak RSS (process tree) |")
    say("|---:|---|---:|---:|---:|---:|")
    measured = []
    for c in counts:
        r = in_subprocess("stream", base, c, W)
        measured.append((c, r["seconds"], r["cpu"]))
        say(f"| {c:,} | simulate only, streamed | {r['seconds']:.1f} | "
            f"{c / r['seconds']:.0f} | {c / r['cpu']:.0f} | {gib(r['peak'])} |")
    big = 10_000 if q else 100_000
    r = in_subprocess("runner", [*base, "runner.record_every=12"], big, W)
    say(f"| {big:,} | simulate + write (record_every=12) | {r['seconds']:.1f} | "
        f"{big / r['seconds']:.0f} | - | {gib(r['peak'])} |")
    if not args.million:
        c, s, cpu = measured[-1]
        say(f"| 1,000,000 | simulate only, extrapolated from {c:,} | {s * 1e6 / c:.0f} | "
            f"{c / s:.0f} | {c / cpu:.0f} | as above (streamed) |")
        say()
        say(f"On {W} idle cores 10^6 runs would take about {cpu * 1e6 / c / W / 60:.0f} min "
            "(from the CPU time per run).")
    say()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
