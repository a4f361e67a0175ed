"""Compose a config with Hydra and validate it.

The CLI composes through `@hydra.main`; notebooks and tests through `compose`
here. Both end in `validate.build_config`, so they accept and reject the same
things. YAML is only ever read as data: nothing in it is instantiated or evaluated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .errors import ConfigError, Problem
from .schema import Config
from .validate import build_config

GROUPS = ("world", "situation", "scenario", "params")


def conf_dir() -> Path:
    """The config folder: shipped inside the package, or at the repository root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "conf", here.parent.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError("balancing-sim: config folder 'conf' not found")


def source_files(choices: Mapping[str, object], root: Path | None = None) -> dict[str, str]:
    """Map each config section to the file(s) it came from, for error messages."""
    root = root or conf_dir()
    files = {"main": str(root / "config.yaml")}
    for group in GROUPS:
        choice = choices.get(group)
        if choice is None:
            continue
        names = choice if isinstance(choice, list | tuple) else [choice]
        files[group] = ", ".join(str(root / group / f"{n}.yaml") for n in names)
    # scenario files also set the situation (start, conditions, initial state)
    files["scenario"] = ", ".join(filter(None, (files.get("situation"), files.get("scenario"))))
    return files


def _choices_from_overrides(overrides: Sequence[str]) -> dict[str, object]:
    choices: dict[str, object] = {"world": "eurasia", "situation": "mid2024",
                                  "scenario": "baseline", "params": "calibrated"}
    for item in overrides:
        match = re.match(r"^\+?(\w+)=(.*)$", item)
        if match and match.group(1) in GROUPS:
            value = match.group(2)
            if value.startswith("[") and value.endswith("]"):
                choices[match.group(1)] = [v.strip() for v in value[1:-1].split(",") if v]
            else:
                choices[match.group(1)] = value
    return choices


def hydra_problem(exc: Exception, overrides: Sequence[str]) -> ConfigError:
    """Turn Hydra's and OmegaConf's exceptions into our one-line form."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    key = getattr(exc, "full_key", None) or "overrides"
    return ConfigError([Problem("command line / config", str(key), list(overrides),
                                f"{text}")])


def config_dict(cfg: DictConfig) -> dict:
    """A plain resolved dict of the composed config, without Hydra's own node."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    return data


def compose(overrides: Sequence[str] = (), cpu_count: int | None = None) -> tuple[Config, dict]:
    """Compose and validate; return the typed config and the resolved plain dict."""
    overrides = list(overrides)
    check_overrides(overrides)
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base=None):
            cfg = hydra_compose(config_name="config", overrides=overrides)
        data = config_dict(cfg)
    except (HydraException, OmegaConfBaseException) as exc:
        raise hydra_problem(exc, overrides) from None
    files = source_files(_choices_from_overrides(overrides))
    config = build_config(data, files, cpu_count or os.cpu_count() or 1)
    return config, data


_SAFE_CHOICE = re.compile(r"^[A-Za-z0-9_\-,\[\] ]*$")


def check_overrides(overrides: Sequence[str]) -> None:
    """Config-group choices are names, never paths (`scenario=../../x` is refused)."""
    problems = []
    for item in overrides:
        match = re.match(r"^[+~]?(\w+)=(.*)$", item)
        if match and match.group(1) in GROUPS and not _SAFE_CHOICE.match(match.group(2)):
            problems.append(Problem("command line", match.group(1), match.group(2),
                                    "the name of a file in conf/" + match.group(1)
                                    + "/ (letters, digits, _ and -), not a path"))
    if problems:
        raise ConfigError(problems)
