"""Command-line entry points: thin wrappers over config, runner and results.

    balancing-sim scenario=history runs=100 seed=1 out=results/history

User mistakes end with one message and exit code 2; `--debug` or
HYDRA_FULL_ERROR=1 shows the traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config.errors import ConfigError
from .config.loading import compose, conf_dir, config_dict, source_files
from .config.validate import build_config
from .results import summary_table
from .runner import OutputConflict, run

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
    table = summary_table(summary)
    print(f"\nFinal postures over {summary['runs']} runs (share of runs):")
    print((table * 100).round(0).astype(int).to_string())
    if out is not None:
        print(f"\nOutputs: {out.resolve()}")
        for name in ("config.yaml", "trajectories.parquet", "memberships.parquet",
                     "platforms.parquet", "summary.json"):
            print(f"  {name}")


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base=None)
def _task(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    hydra_cfg = HydraConfig.get()
    try:
        data = config_dict(cfg)
        config = build_config(data, source_files(hydra_cfg.runtime.choices),
                              os.cpu_count() or 1)
        out = Path(config.run.out or hydra_cfg.runtime.output_dir)
        results = run(config, data, out)
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
            compose([a for a in args if "=" in a])
        except ConfigError as exc:
            return fail(exc)
    sys.argv = [sys.argv[0], *args]
    try:
        _task()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
