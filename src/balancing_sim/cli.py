"""Command-line entry points: thin wrappers over config, runner and results.

    balancing-sim scenario=history runs=100 seed=1 out=results/history

User mistakes end with one message and exit code 2; `--debug` or
HYDRA_FULL_ERROR=1 shows the traceback.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config.errors import ConfigError
from .config.loading import (
    check_names,
    check_output_dir,
    compose,
    conf_dir,
    config_dict,
    hydra_files,
)
from .config.validate import build_config
from .contract import TABLES, table_dir
from .runner import Interrupted, OutputConflict, hydra_job, parallel_workers, run, warm
from .summary import table as summary_rows

USER_ERRORS = (ConfigError, OutputConflict, OSError)
HYDRA_FLAGS = ("-m", "--multirun", "-h", "--help", "--hydra-help", "-c", "--cfg", "--info",
               "--resolve", "-p", "--package", "--shell-completion", "-sc")


def debugging() -> bool:
    return os.environ.get("HYDRA_FULL_ERROR") == "1"


def fail(exc: BaseException) -> int:
    """One message, exit code 2; the traceback only when debugging."""
    if debugging():
        raise exc
    message = str(exc) if not isinstance(exc, OSError) else (
        f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    print(f"balancing-sim: {message}", file=sys.stderr)
    return 2


def print_summary(summary: dict, out: Path | None) -> None:
    """Actors x final postures in percent of runs, then the files written."""
    rows = summary_rows(summary)
    postures = list(dict.fromkeys(p for _, shares in rows for p in shares))
    width = max([len(a) for a, _ in rows] + [0])
    print(f"\nFinal postures over {summary['runs']} runs (share of runs, %):")
    print(" " * width + "".join(f"  {p:>10}" for p in postures))
    for actor, shares in rows:
        print(f"{actor:<{width}}" + "".join(f"  {round(100 * shares.get(p, 0.0)):>10d}"
                                           for p in postures))
    if out is not None:
        print(f"\nOutputs: {out.resolve()}")
        for name in ("config.yaml", *(f"{table_dir(t)}/" for t in TABLES), "summary.json"):
            print(f"  {name}")


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base=None)
def _task(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Hydra has just reset logging
    hydra_cfg = HydraConfig.get()
    try:
        data, out, root = hydra_job(config_dict(cfg), hydra_cfg)
        files = hydra_files(hydra_cfg)
        config = build_config(data, files, os.cpu_count() or 1)
        results = run(config, data, out, root=root)
    except USER_ERRORS as exc:
        sys.exit(fail(exc))
    print_summary(results.summary, out)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:
        os.environ["HYDRA_FULL_ERROR"] = "1"
        args.remove("--debug")
    if not any(a in HYDRA_FLAGS for a in args):
        try:  # validate before Hydra creates any directory
            config, _ = compose([a for a in args if not a.startswith("-")])
            check_output_dir(config.run.out or "outputs")
        except ConfigError as exc:
            return fail(exc)
        warm(parallel_workers(config), config.run.backend)  # workers start while Hydra composes
    elif any(a in ("-m", "--multirun") for a in args):
        try:  # names and syntax; each point is validated in its job
            check_names([a for a in args if not a.startswith("-")])
        except ConfigError as exc:
            return fail(exc)
    sys.argv = [sys.argv[0], *args]
    try:
        _task()
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt as exc:
        return interrupted(exc, args)
    return 0


def validate_main(argv: list[str] | None = None) -> int:
    """`balancing-sim-validate PATH... [--world PATH]`: check world, situation, scenario,
    params and experiment files without running anything; exit 0 with one "ok" line
    per file, or 2 with every problem of every file."""
    import argparse

    from .config.userfiles import check_files

    parser = argparse.ArgumentParser(
        prog="balancing-sim-validate",
        description="Check world, situation, scenario, params and experiment files.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="YAML files to check")
    parser.add_argument("--world", metavar="PATH", default=None,
                        help="world file to check scenarios against (default: the shipped one)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.debug:
        os.environ["HYDRA_FULL_ERROR"] = "1"
    failed = 0
    for checked in check_files(args.paths, args.world):
        if checked.error is None:
            print(f"ok: {checked.path} ({checked.kind})")
            continue
        failed += 1
        print(f"balancing-sim-validate: {checked.error}", file=sys.stderr)
    return 2 if failed else 0


def interrupted(exc: KeyboardInterrupt, args: list[str]) -> int:
    """Ctrl-C: say what is saved and the exact command that resumes; exit code 130."""
    if debugging():
        raise exc
    out = getattr(exc, "out", None)
    if isinstance(exc, Interrupted) and out is not None:
        again = args if any(a.startswith("out=") for a in args) else [*args, f"out={out}"]
        print(f"\nbalancing-sim: interrupted; {exc.done} of {exc.total} runs of this point "
              f"are saved in {out}.\nResume with: balancing-sim {shlex.join(again)}",
              file=sys.stderr)
    else:
        print("\nbalancing-sim: interrupted; nothing was written to an output directory",
              file=sys.stderr)
    return 130


def plot_main(argv: list[str] | None = None) -> int:
    """balancing-sim-plot RUN_OR_SWEEP_DIR [--out DIR]: every figure as PNG and SVG."""
    from .analysis.report import plot_command

    return plot_command(argv)


def report_main(argv: list[str] | None = None) -> int:
    """balancing-sim-report RUN_OR_SWEEP_DIR [--out FILE]: one self-contained HTML page."""
    from .analysis.report import report_command

    return report_command(argv)


def sensitivity_main(argv: list[str] | None = None) -> int:
    """balancing-sim-sensitivity --scenario S --actor A --posture P [--method sobol|morris]."""
    from .analysis.sensitivity import main as sensitivity

    return sensitivity(argv)


if __name__ == "__main__":
    sys.exit(main())
