"""The free parameters as data: calibrated values, calibration ranges, posterior draws.

    >>> p = bs.params()
    >>> p.values["w_autonomy"], p.ranges["w_autonomy"]
    >>> p.table()                 # one row per parameter
    >>> p.posterior               # accepted draws, or None before a posterior exists

`values` come from conf/params/<name>.yaml (the calibration's output), `ranges` from
conf/calibration/<calibration>.yaml (the box the calibration searched), `posterior` from
the first `conf/params/posterior*` file or folder (Parquet, CSV, JSON or YAML: a list of
draws, a mapping of parameter to list of values, or either under a `draws` key); it is
read when it appears, with no change here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .config.errors import ConfigError, Problem
from .config.schema import FREE_PARAMETERS

PARAM_NAMES = FREE_PARAMETERS
POSTERIOR = "posterior"


@dataclass(frozen=True)
class ParameterSet:
    """Calibrated values, their calibration ranges and (once calibrated) posterior draws."""

    values: dict[str, float]
    ranges: dict[str, tuple[float, float]]
    posterior: pd.DataFrame | None = None
    files: dict[str, str] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per parameter: value, calibration range, posterior mean and 90% band."""
        rows = []
        for name, value in self.values.items():
            low, high = self.ranges.get(name, (float("nan"), float("nan")))
            row = {"parameter": name, "value": value, "low": low, "high": high,
                   "calibrated": name in self.ranges}
            if self.posterior is not None and name in self.posterior:
                draws = self.posterior[name]
                row.update(posterior_mean=float(draws.mean()),
                           posterior_p05=float(draws.quantile(0.05)),
                           posterior_p95=float(draws.quantile(0.95)))
            rows.append(row)
        return pd.DataFrame(rows)

    def bounds(self, names: Sequence[str] | None = None) -> dict[str, tuple[float, float]]:
        """Calibration ranges of the given parameters (default: every calibrated one),
        for a sensitivity analysis or an EMA experiment."""
        if names is None:
            names = list(self.ranges)
        names = [names] if isinstance(names, str) else list(names)  # a lone name is one
        missing = [n for n in names if n not in self.ranges]
        if missing:
            raise ConfigError([Problem(self.files.get("ranges", "calibration"), "names", n,
                                       f"one of {', '.join(self.ranges)} (the calibrated)")
                               for n in missing])
        return {n: self.ranges[n] for n in names}

    def draws(self) -> list[dict[str, float]]:
        """The posterior draws as parameter dicts (empty before a posterior exists)."""
        if self.posterior is None:
            return []
        columns = [c for c in self.posterior.columns if c in self.values]
        return self.posterior[columns].to_dict(orient="records")

    def __repr__(self) -> str:
        draws = "no posterior" if self.posterior is None else f"{len(self.posterior)} draws"
        return (f"ParameterSet({len(self.values)} parameters, {len(self.ranges)} calibrated, "
                f"{draws})")


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def read_posterior(path: Path) -> pd.DataFrame:
    """Posterior draws from a Parquet, CSV, JSON or YAML file (or a Parquet folder)."""
    if path.is_dir() or path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    data = json.loads(path.read_text()) if path.suffix == ".json" else _yaml(path)
    if isinstance(data, Mapping) and "draws" in data:
        data = data["draws"]
    frame = pd.DataFrame(data)
    return frame[[c for c in frame.columns if c in PARAM_NAMES or c in ("weight", "draw")]]


def posterior_file(folder: Path) -> Path | None:
    """The posterior's file or folder in conf/params/, if there is one: the table the
    `posterior` params option names (`draws`), else the first `posterior*` file."""
    option = folder / f"{POSTERIOR}.yaml"
    named = _yaml(option).get("draws") if option.is_file() else None
    if isinstance(named, str):
        table = folder.parent / named
        return table if table.exists() else None
    found = sorted(p for p in folder.glob(f"{POSTERIOR}*") if not p.name.endswith(".md"))
    return found[0] if found else None


def named_file(folder: Path, name: object, key: str) -> Path:
    """`folder/<name>.yaml` when `name` names one of the folder's YAML files (a name, never
    a path), else one ConfigError naming the key and listing the names there are."""
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    if name not in names:
        raise ConfigError([Problem(str(folder), key, name,
                                   f"one of {', '.join(names)} (a name, not a path)")])
    return folder / f"{name}.yaml"


def params(name: str = "calibrated", calibration: str = "history",
           conf: str | Path | None = None) -> ParameterSet:
    """The parameters of conf/params/<name>.yaml, the ranges of
    conf/calibration/<calibration>.yaml and the posterior draws when they exist."""
    from .config.loading import conf_dir

    root = Path(conf) if conf is not None else conf_dir()
    values_file = named_file(root / "params", name, "name")
    values = {k: float(v) for k, v in _yaml(values_file).items() if k in PARAM_NAMES}
    files = {"values": str(values_file)}
    ranges: dict[str, tuple[float, float]] = {}
    if (root / "calibration").is_dir():  # a user's conf/ may have no calibrations
        calibration_file = named_file(root / "calibration", calibration, "calibration")
        settings = _yaml(calibration_file)
        if "ranges_from" in settings:  # one search box, written once
            calibration_file = named_file(root / "calibration", settings["ranges_from"],
                                          "ranges_from")
            settings = _yaml(calibration_file)
        ranges = {k: (float(lo), float(hi))
                  for k, (lo, hi) in (settings.get("ranges") or {}).items()}
        files["ranges"] = str(calibration_file)
    found = posterior_file(root / "params")
    posterior = read_posterior(found) if found is not None else None
    if found is not None:
        files["posterior"] = str(found)
    return ParameterSet(values, ranges, posterior, files)
