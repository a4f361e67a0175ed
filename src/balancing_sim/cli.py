"""Command-line entry points: thin wrappers over config, runner and results.

    balancing-sim scenario=history runs=100 seed=1 out=results/history

User mistakes end with one message and exit code 2; `--debug` or
HYDRA_FULL_ERROR=1 shows the traceback. Everything is checked before Hydra starts
(`runner.precheck`: the config or every sweep point, where it writes, the output folder
and the machine); `--force` runs what this machine seems too small for.
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

from .config.errors import ConfigError, Problem
from .config.loading import check_names, conf_dir, config_dict, hydra_files
from .config.validate import build_config
from .contract import TABLES, table_dir
from .runner import Interrupted, OutputConflict, WorkerLost, hydra_job, run, warm
from .runner.folder import release
from .runner.precheck import TooBig, prepare_run, prepare_sweep
from .summary import lines as summary_lines
from .summary import table as summary_rows

USER_ERRORS = (ConfigError, OutputConflict, TooBig, OSError)
SHOWING = ("-h", "--help", "--hydra-help", "--version", "-c", "--cfg", "--info", "-i",
           "--resolve", "-p", "--package", "--shell-completion", "-sc")
"""Hydra's flags that show something and run nothing."""
RUNNING = ("-m", "--multirun", "-r", "--run")
WITH_VALUE = {"-c": None, "--cfg": None, "-p": None, "--package": None,
              "-i": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath"),
              "--info": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")}
"""Flags followed by a value (any, or one of these words)."""
OURS = ("--debug", "--force")
COMMAND: list[str] = []
"""The command line as the user gave it (for the command that resumes a run)."""


def split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """(flags with their values, overrides); a flag Hydra has that would choose another
    primary config or unpickle a file (--config-dir, --config-name, --config-path,
    --experimental-rerun) is refused: user folders come with hydra.searchpath."""
    flags, overrides, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            name = a.split("=", 1)[0]
            if name not in (*SHOWING, *RUNNING, *OURS):
                raise ConfigError([Problem("command line", name, a, "one of the flags "
                                           f"{', '.join((*RUNNING, *SHOWING, *OURS))} (user "
                                           "folders: hydra.searchpath=[file:///path])")])
            flags.append(name)
            words = WITH_VALUE.get(a, ())
            if i + 1 < len(args) and (words is None or args[i + 1] in words) \
                    and a in WITH_VALUE and "=" not in args[i + 1]:
                flags.append(args[i + 1])
                i += 1
        else:
            overrides.append(a)
        i += 1
    return flags, overrides


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


def print_summary(summary: dict, out: Path | None, histories: int = 0) -> None:
    """Actors x final postures in percent of runs, hedging and blocs (and parameter vs
    chance spread with posterior draws), then the files written; runs sharing
    `histories` are said so."""
    rows = summary_rows(summary)
    postures = list(dict.fromkeys(p for _, shares in rows for p in shares))
    width = max([len(a) for a, _ in rows] + [0])
    print(f"\nFinal postures over {summary['runs']} runs (share of runs, %):")
    print(" " * width + "".join(f"  {p:>10}" for p in postures))
    for actor, shares in rows:
        print(f"{actor:<{width}}" + "".join(f"  {round(100 * shares.get(p, 0.0)):>10d}"
                                           for p in postures))
    for line in summary_lines(summary):
        print(line)
    if 0 < histories < summary["runs"]:
        print(f"\nThe {summary['runs']} runs start from {histories} histories (run r where "
              f"history run r mod {histories} ends: scenario.histories); the report's "
              "intervals count each outcome's effective runs.")
    if out is not None:
        print(f"\nOutputs: {out.resolve()}")
        for name in ("config.yaml", *(f"{table_dir(t)}/" for t in TABLES), "summary.json"):
            print(f"  {name}")


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base=None)
def _task(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Hydra has just reset logging
    hydra_cfg = HydraConfig.get()
    try:
        data, out, root = hydra_job(config_dict(cfg, searchpath=hydra_cfg.searchpath),
                                    hydra_cfg)
        files = hydra_files(hydra_cfg)
        config = build_config(data, files, os.cpu_count() or 1)
        results = run(config, data, out, root=root)
    except USER_ERRORS as exc:
        sys.exit(fail(exc))
    except WorkerLost as exc:  # Hydra would print a traceback of any exception
        if debugging():
            raise
        print(f"balancing-sim: {exc}; {resume(exc, COMMAND)}", file=sys.stderr)
        sys.exit(2)
    print_summary(results.summary, out,
                  config.scenario.histories if config.scenario.after else 0)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:
        os.environ["HYDRA_FULL_ERROR"] = "1"
    force = "--force" in args
    args = [a for a in args if a not in OURS]
    prepared = None
    try:  # everything is checked before Hydra creates anything
        flags, overrides = split_args(args)
        if any(f in SHOWING for f in flags):
            check_names(overrides)  # shows only: syntax, names, user files, Hydra settings
        elif any(f in ("-m", "--multirun") for f in flags):
            prepared = prepare_sweep(overrides, force)
        else:
            prepared = prepare_run(overrides, force)
    except USER_ERRORS as exc:
        return fail(exc)
    except KeyboardInterrupt as exc:
        return interrupted(exc, args)
    hydra_args = args
    if prepared is not None:
        for note in prepared.notes:
            print(f"balancing-sim: {note}", file=sys.stderr)
        for extra in prepared.hydra_args:  # the folder checked is the folder written
            key = extra.split("=", 1)[0]
            hydra_args = [*[a for a in hydra_args if a.split("=", 1)[0] != key], extra]
        warm(prepared.workers, prepared.backend)  # workers start while Hydra composes
    sys.argv = [sys.argv[0], *hydra_args]
    COMMAND[:] = args
    try:
        _task()
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt as exc:
        return interrupted(exc, args)
    finally:
        if prepared is not None:
            release(prepared.folder)
    return 0


def validate_main(argv: list[str] | None = None) -> int:
    """`balancing-sim-validate PATH... [--world PATH]`: check world, situation, scenario,
    params, experiment and record files without running anything; exit 0 with one "ok" line
    per file, or 2 with every problem of every file."""
    import argparse

    from .config.userfiles import check_files

    parser = argparse.ArgumentParser(
        prog="balancing-sim-validate",
        description="Check world, situation, scenario, params, experiment and record files.")
    home = os.path.expanduser  # `~` is the home folder, as in out=, quoted or not
    parser.add_argument("paths", nargs="+", metavar="PATH", type=home,
                        help="YAML files to check")
    parser.add_argument("--world", metavar="PATH", default=None, type=home,
                        help="world file to check scenarios and records against (default: the "
                        "shipped one)")
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


def resume(exc: Interrupted | WorkerLost, args: list[str]) -> str:
    """What is saved and the exact command that resumes."""
    again = args if any(a.startswith("out=") for a in args) else [*args, f"out={exc.out}"]
    return (f"{exc.done} of {exc.total} runs of this point are saved in {exc.out}.\n"
            f"Resume with: balancing-sim {shlex.join(again)}")


def interrupted(exc: KeyboardInterrupt, args: list[str]) -> int:
    """Ctrl-C: say what is saved and the exact command that resumes; exit code 130."""
    if debugging():
        raise exc
    out = getattr(exc, "out", None)
    if isinstance(exc, Interrupted) and out is not None:
        print(f"\nbalancing-sim: interrupted; {resume(exc, args)}", file=sys.stderr)
    else:
        print("\nbalancing-sim: interrupted; nothing was written to an output directory",
              file=sys.stderr)
    return 130


def plot_main(argv: list[str] | None = None) -> int:
    """balancing-sim-plot RUN_OR_SWEEP_DIR [--out DIR]: every figure as PNG and SVG."""
    from .analysis.report import plot_command, saying_incomplete

    return saying_incomplete("balancing-sim-plot", plot_command, argv)


def report_main(argv: list[str] | None = None) -> int:
    """balancing-sim-report RUN_OR_SWEEP_DIR [--out FILE]: one self-contained HTML page."""
    from .analysis.report import report_command, saying_incomplete

    return saying_incomplete("balancing-sim-report", report_command, argv)


def sensitivity_main(argv: list[str] | None = None) -> int:
    """balancing-sim-sensitivity --scenario S --actor A --posture P [--method sobol|morris]."""
    from .analysis.sensitivity import main as sensitivity

    return sensitivity(argv)


if __name__ == "__main__":
    sys.exit(main())
