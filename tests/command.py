"""The package's commands run in this process, as their console scripts run them.

A new interpreter costs ~2.5 CPU-s (imports and Hydra) before a command checks anything;
`run_cli` calls the console script's own entry point with `sys.argv` set, captures what
it prints and its exit code, and puts back the global state a command touches: working
folder, environment, `sys.argv`, logging, warnings filters, signal handlers, Hydra's
singletons and matplotlib's figures (its backend is left as a command sets it: "Agg",
what a test process without a display uses anyway). Tests that need a real process (the
installed scripts, signals, a killed worker, the exit code of an uncaught error) start
one themselves.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path


@dataclass(frozen=True)
class Done:
    """What a finished command left: like `subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(cmd: str, *args: str, cwd: Path | None = None, env: dict | None = None) -> Done:
    """Run console script `cmd` (e.g. "balancing-sim") with `args` in `cwd`, with
    HYDRA_FULL_ERROR unset and `env` added to the environment."""
    (script,) = entry_points(group="console_scripts", name=cmd)
    main = script.load()
    out, err = io.StringIO(), io.StringIO()
    with isolated([cmd, *args], cwd, env), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main()
        except SystemExit as exc:
            code = exc.code
        except Exception:  # what the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
    return Done(exit_code(code, err), out.getvalue(), err.getvalue())


def exit_code(code: object, err: io.StringIO) -> int:
    """The process's exit status for `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=err)
    return 1


@contextlib.contextmanager
def isolated(argv: list[str], cwd: Path | None, env: dict | None) -> Iterator[None]:
    """Run the body as a fresh process would see the world, then restore it."""
    saved_cwd, saved_env, saved_argv = os.getcwd(), dict(os.environ), sys.argv
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    loggers = saved_loggers()
    os.environ.pop("HYDRA_FULL_ERROR", None)
    os.environ.update(env or {})
    sys.argv = list(argv)
    if cwd is not None:
        os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv
        for number, handler in saved_signals.items():
            signal.signal(number, handler)
        restore_loggers(loggers)
        forget_hydra()
        close_figures()


def saved_loggers() -> dict[logging.Logger, tuple]:
    every = [logging.getLogger(), *(x for x in logging.Logger.manager.loggerDict.values()
                                    if isinstance(x, logging.Logger))]
    return {x: (x.level, list(x.handlers), x.disabled, x.propagate) for x in every}


def restore_loggers(saved: dict[logging.Logger, tuple]) -> None:
    """Hydra configures logging for its job (a console handler on the captured stream and
    a file in the run folder): close what it added, give back what was there."""
    every = [logging.getLogger(), *(x for x in logging.Logger.manager.loggerDict.values()
                                    if isinstance(x, logging.Logger))]
    for logger in every:
        level, handlers, disabled, propagate = saved.get(logger, (logging.NOTSET, [], False,
                                                                  True))
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.disabled, logger.propagate = disabled, propagate


def forget_hydra() -> None:
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    GlobalHydra.instance().clear()
    HydraConfig.instance().cfg = None


def close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def sim_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> Done:
    """`balancing-sim ARGS...`, in this process."""
    return run_cli("balancing-sim", *args, cwd=cwd, env=env)


def sim_process(*args: str, cwd: Path | None = None, env: dict | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """`balancing-sim ARGS...` as the installed script in a process of its own: for what
    needs one (another process holding a folder, the script itself)."""
    environ = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([str(Path(sys.executable).parent / "balancing-sim"), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**environ, **(env or {})})
