"""Rewrite a posterior's prior ranges from the point it is centred on.

    python scripts/posterior_ranges.py posterior          # conf/calibration/posterior.yaml
    python scripts/posterior_ranges.py posterior_to2014 --check

The priors of the ABC calibrations are uniform over the point's value (the file's
`start`, e.g. conf/params/calibrated.yaml) +-`--spread` (50%), inside the point search's
ranges (conf/calibration/history.yaml), for the parameters the file's `ranges` lists.
When the point is recalibrated the priors must follow it; this script does that, so
the ranges never go stale by hand. `--check` exits 1 when they differ instead of writing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from balancing_sim.calibrate import read_settings

CONF = Path(__file__).resolve().parent.parent / "conf"


def prior_ranges(point: dict, box: dict, names: list[str], spread: float
                 ) -> dict[str, tuple[float, float]]:
    """Each name's point value +-spread, clipped to the search box."""
    out = {}
    for name in names:
        lo, hi = box[name]
        value = float(point[name])
        low, high = max(lo, value * (1 - spread)), min(hi, value * (1 + spread))
        if not low < high:
            raise SystemExit(f"{name}: the point's value {value} leaves no prior inside "
                             f"the search range [{lo}, {hi}]")
        out[name] = (low, high)
    return out


def _number(x: float) -> str:
    """Four significant digits, written as YAML reads a float back (never `1e-05`)."""
    return repr(float(f"{x:.4g}"))


def ranges_block(ranges: dict[str, tuple[float, float]]) -> str:
    return "ranges:\n" + "".join(f"  {n}: [{_number(lo)}, {_number(hi)}]\n"
                                  for n, (lo, hi) in ranges.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", help="a calibration of conf/calibration/ with method: abc")
    ap.add_argument("--spread", type=float, default=0.5)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    path = CONF / "calibration" / f"{args.name}.yaml"
    text = path.read_text()
    settings = read_settings(CONF, args.name)
    point = yaml.safe_load((CONF / "params" / f"{settings['start']}.yaml").read_text())
    box = read_settings(CONF, "history")["ranges"]
    new = ranges_block(prior_ranges(point, box, list(settings["ranges"]), args.spread))
    updated, found = re.subn(r"^ranges:\n(?:  .*\n)+", new, text, flags=re.M)
    if found != 1:
        raise SystemExit(f"{path}: no block `ranges:` with one `  name: [low, high]` a line")
    if args.check:
        if updated != text:
            print(f"{path}: ranges are not the point's +-{args.spread:.0%}:\n{new}")
            return 1
        return 0
    path.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
