"""Performance figures of balancing-sim: `make bench` (ARGS="--quick" for a short run).

Prints a Markdown report and writes it to benchmarks/results/latest.md:
  1. engines on the baseline scenario (2024-07 to 2034-12, 125 months), one core:
     ensemble vs Mesa, simulation only;
  2. end to end, 10,000 runs of the baseline on all cores, each in a fresh process:
     simulation only (streamed, nothing kept) beside what a user runs: the command line
     with every month recorded and with every 12th month, and the Python API; as runs/s,
     runs per CPU second, bytes per run and peak RSS, with the cost breakdown (simulate /
     build tables / write / summary, from the workers' `timing.json`, and the rest:
     start-up, Hydra, the parent);
  3. scale: 10^5 runs with every month recorded (10^6 with --million, long: ~20 GB of
     output), then the report of that output (figures, key numbers), with peak RSS;
  4. scaling with the number of states (synthetic worlds, one core).
The machine may be shared: the header records the load average, and every figure has a
CPU-time twin (runs per CPU second, and the runs/s it implies when no process waits
for a core; a loaded core also runs slower per CPU second, see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
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
BIN = Path(sys.executable).parent
TABLES = ("trajectories", "memberships", "platforms")


# ---------------------------------------------------------------- helpers


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import joblib
    import mesa
    import pyarrow

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "numpy": np.__version__, "mesa": mesa.__version__, "joblib": joblib.__version__,
            "pyarrow": pyarrow.__version__,
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def compiled_of(overrides: list[str]):
    from balancing_sim.config.loading import compose
    from balancing_sim.world import compile_config

    config, data = compose(overrides)
    return config, data, compile_config(config)


def tree_rss(proc) -> int:
    """The resident memory of a process and its descendants (0 once it has exited)."""
    total = 0
    try:
        tree = [proc, *proc.children(recursive=True)]
    except Exception:  # the process exited (and was reaped) while sampled
        return 0
    for p in tree:
        with contextlib.suppress(Exception):  # a worker may exit while sampled
            total += p.memory_info().rss
    return total


def measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run a command; its wall seconds, CPU seconds (with every descendant it waited
    for, i.e. its workers) and the peak resident memory of its process tree."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **(env or {})})
    proc, peak, done = psutil.Process(child.pid), 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu": cpu, "peak": peak, "stdout": out}


def dataset_bytes(out: Path) -> int:
    return sum(f.stat().st_size for t in TABLES for f in (out / f"{t}.parquet").glob("*"))


def best_of(fn, repeat: int) -> float:
    """The fastest of `repeat` calls, each paying its own history replay (a process keeps
    replayed histories: a command pays one replay per run, so the benchmark does too)."""
    from balancing_sim.dynamics.start import forget_kept

    times = []
    for _ in range(repeat):
        forget_kept()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


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


def simulate_digest(job, starts=None) -> tuple[int, float]:
    """Simulate a chunk and keep nothing but its size and the worker's CPU seconds."""
    from balancing_sim.runner.jobs import simulate

    cpu = time.process_time()
    rec = simulate(job, starts)
    return int(rec.align.shape[0]), time.process_time() - cpu


def stream(overrides: list[str], runs: int, workers: int) -> dict:
    """Simulation only, through the runner's plan, replay phase and backend (nothing
    kept)."""
    from balancing_sim.runner import chunk_size, dispatch, plan
    from balancing_sim.runner.replay import shared_starts

    config, _, compiled = compiled_of([*overrides, f"runs={runs}",
                                       f"runner.workers={workers}"])
    jobs = plan(config, compiled, None, chunk_size(config, workers))
    starts, replay = shared_starts(jobs, workers, "loky")
    parts = list(dispatch(simulate_digest, jobs, workers, "loky", starts))
    assert sum(n for n, _ in parts) == runs
    return {"timing": {"worker_cpu_seconds": {"replay": replay,
                                              "simulate": sum(c for _, c in parts)}}}


def child(kind: str, overrides: list[str], runs: int, workers: int, out: str) -> None:
    """A measurement inside a fresh interpreter (see `in_subprocess`)."""
    import balancing_sim as bs

    if kind == "stream":
        print(json.dumps(stream(overrides, runs, workers)))
        return
    res = bs.simulate("baseline", [*overrides, f"runner.workers={workers}",
                                   "runner.progress=off"], runs=runs,
                      out=out or None)
    print(json.dumps({"timing": res.timing}))


def in_subprocess(kind: str, overrides: list[str], runs: int, workers: int,
                  out: str = "") -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--runs",
           str(runs), "--workers", str(workers), "--out", out, "--", *overrides]
    result = measured(cmd)
    result.update(json.loads(result.pop("stdout").strip().splitlines()[-1]))
    return result


def cli(args: list[str], out: Path) -> dict:
    """`balancing-sim ARGS out=OUT` in a fresh process, measured; with its timing.json."""
    result = measured([str(BIN / "balancing-sim"), *args, f"out={out}",
                       "runner.progress=off"])
    result["timing"] = json.loads((out / "timing.json").read_text())
    result["bytes"] = dataset_bytes(out)
    return result


def end_to_end(label: str, runs: int, workers: int, r: dict) -> dict:
    """One row: wall and CPU figures, and the cost breakdown."""
    phases = (r.get("timing") or {}).get("worker_cpu_seconds", {})
    worker = sum(phases.values()) if phases else r.get("worker_cpu", 0.0)
    rest = max(r["cpu"] - worker, 0.0)
    return {"label": label, "runs": runs, "seconds": r["seconds"], "cpu": r["cpu"],
            "rate": runs / r["seconds"], "per_cpu": runs / r["cpu"],
            "idle": runs / (rest + worker / workers), "bytes": r.get("bytes"),
            "peak": r["peak"], "phases": phases, "rest": rest, "worker": worker}


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    ap.add_argument("--million", action="store_true",
                    help="also 10^6 runs, every month recorded, and their report (long)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--tmp", default=None, help="folder for the outputs (default: a temp dir)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    ap.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.rest, args.runs, args.workers, args.out)
        return

    q, W = args.quick, args.workers
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    m = machine()
    say("# balancing-sim benchmarks")
    say()
    say(f"Machine: {m['nproc']} cores ({m['cpu']}), Python {m['python']}, numpy {m['numpy']}, "
        f"pyarrow {m['pyarrow']}, Mesa {m['mesa']}, joblib {m['joblib']}; load average at "
        f"start {m['load']}. Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    say()

    e = engines(256 if q else 1024, 2 if q else 6)
    say(f"## 1. Engines, baseline scenario ({e['steps']} months after replaying its "
        "history), one core, simulation only")
    say()
    say("| engine | runs/s |")
    say("|---|---:|")
    say(f"| ensemble (block of {256 if q else 1024} runs) | {e['ensemble']:.0f} |")
    say(f"| mesa (agent by agent) | {e['mesa']:.2f} |")
    say(f"| ratio | {e['ensemble'] / e['mesa']:.0f}x |")
    say()

    n = 2_000 if q else 10_000
    base = ["scenario=baseline"]
    tmp = Path(args.tmp or tempfile.mkdtemp(prefix="bsim-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)

    def fresh(name: str) -> Path:
        path = tmp / name
        shutil.rmtree(path, ignore_errors=True)
        return path

    rows = [end_to_end("simulate only (streamed, nothing kept), params=posterior", n, W,
                       in_subprocess("stream", [*base, "params=posterior"], n, W)),
            end_to_end("simulate only (streamed, nothing kept), params=calibrated", n, W,
                       in_subprocess("stream", [*base, "params=calibrated"], n, W))]
    own = ["scenario.histories=0"]  # every run its own history (the default shares 1,200)
    rows.append(end_to_end("simulate only, params=posterior, scenario.histories=0", n, W,
                           in_subprocess("stream", [*base, "params=posterior", *own], n, W)))
    for label, extra in (("CLI, every month", []),
                         ("CLI, every 12th month", ["runner.record_every=12"]),
                         ("CLI, every month, scenario.histories=0", own)):
        out = fresh("cli")
        rows.append(end_to_end(label, n, W, cli([*base, f"runs={n}", *extra], out)))
    out = fresh("api")
    api = in_subprocess("api", [], n, W, str(out))
    api["bytes"] = dataset_bytes(out)
    rows.append(end_to_end("Python API, every month, out=", n, W, api))
    rows.append(end_to_end("Python API, every 12th month, in memory", n, W,
                           in_subprocess("api", ["runner.record_every=12"], n, W)))
    shutil.rmtree(tmp / "cli", ignore_errors=True)
    shutil.rmtree(tmp / "api", ignore_errors=True)
    say(f"## 2. End to end, baseline scenario, {n:,} runs, {W} workers, fresh process each")
    say()
    say("| what | seconds | runs/s | CPU s | runs per CPU s | runs/s on "
        f"{W} unshared cores (from CPU) | bytes per run | peak RSS |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        size = f"{r['bytes'] / r['runs']:,.0f}" if r.get("bytes") else "-"
        say(f"| {r['label']} | {r['seconds']:.1f} | {r['rate']:.0f} | {r['cpu']:.1f} | "
            f"{r['per_cpu']:.0f} | {r['idle']:.0f} | {size} | {gib(r['peak'])} |")
    say()
    say("Cost breakdown, CPU seconds per 1,000 runs (workers: replaying the shared histories "
        "/ simulate / build tables / write / summary; the rest: interpreter and imports, "
        "Hydra, worker start-up, the parent):")
    say()
    say("| what | replay | simulate | build tables | write | summary | the rest |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        k = 1000 / r["runs"]
        ph = r["phases"] or {"simulate": r["worker"]}
        say(f"| {r['label']} | " + " | ".join(
            f"{ph.get(p, 0.0) * k:.2f}"
            for p in ("replay", "simulate", "tables", "write", "summary"))
            + f" | {r['rest'] * k:.2f} |")
    say()
    say(f"Runs/s on {W} unshared cores (from CPU) = runs / (the rest + workers' CPU / {W}): "
        "what the wall clock would show if no process waited for a core, counting start-up "
        "as serial (a loaded core also does less per CPU second: not corrected here).")
    say()

    scales = [10_000 if q else 100_000] + ([1_000_000] if args.million else [])
    say(f"## 3. Scale: every month recorded, {W} workers; then the report of that output")
    say()
    say("| runs | step | seconds | runs/s | CPU s | runs/s on unshared cores (from CPU) | "
        "output | peak RSS |")
    say("|---:|---|---:|---:|---:|---:|---:|---:|")
    for c in scales:
        out = fresh(f"scale-{c}")
        r = end_to_end("", c, W, cli([*base, f"runs={c}"], out))
        say(f"| {c:,} | simulate and write (CLI) | {r['seconds']:.0f} | {r['rate']:.0f} | "
            f"{r['cpu']:.0f} | {r['idle']:.0f} | {r['bytes'] / 2**30:.2f} GiB "
            f"({r['bytes'] / c:,.0f} B/run) | {gib(r['peak'])} |")
        rep = measured([str(BIN / "balancing-sim-report"), str(out), "--out",
                        str(tmp / f"report-{c}.html")])
        say(f"| {c:,} | report (summary, 4 figures, key numbers) | {rep['seconds']:.0f} | - | "
            f"{rep['cpu']:.0f} | - | - | {gib(rep['peak'])} |")
        shutil.rmtree(out, ignore_errors=True)
    say()

    sizes = [10, 50, 200] if q else [10, 50, 200, 500]
    srows = states_scaling(sizes)
    x = np.log([r["states"] for r in srows])
    y = np.log([r["ms_per_run"] for r in srows])
    slope = float(np.polyfit(x, y, 1)[0])
    tail = float(np.polyfit(x[-2:], y[-2:], 1)[0])
    say("## 4. Scaling with states (synthetic world, 5 poles, 8 platforms, one core, "
        "125 months, record_every=12)")
    say()
    say("| states | runs | runs/s | ms per run |")
    say("|---:|---:|---:|---:|")
    for r in srows:
        say(f"| {r['states']} | {r['runs']} | {r['runs_per_s']:.1f} | {r['ms_per_run']:.2f} |")
    say()
    say(f"Fitted cost per run ~ N^{slope:.2f} over {sizes[0]}-{sizes[-1]} states; "
        f"N^{tail:.2f} between the two largest sizes.")
    say()
    say(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}.")
    if not args.tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
