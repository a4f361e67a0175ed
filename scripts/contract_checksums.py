"""Checksums of what every shipped scenario computes, to prove a refactor changes nothing.

    python scripts/contract_checksums.py > benchmarks/checksums/after.json
    python scripts/contract_checksums.py --compare benchmarks/checksums/before-refactor.json

For each scenario (and the synthetic world) it runs `--runs` replicates of seed `--seed`
on the ensemble engine, every month recorded, and hashes the float64 records (alignment,
statuses, viability, depth) and the contract tables. Exit 1 when `--compare` differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import numpy as np
import pandas as pd

import balancing_sim as bs
from balancing_sim.config.loading import compose, conf_dir

CASES = {name: [f"scenario={name}"] for name in sorted(
    p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))}
CASES["synthetic"] = ["world=synthetic", "situation=synthetic"]


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def table_digest(df: pd.DataFrame) -> str:
    df = df.sort_values([c for c in ("run", "step", "actor", "platform") if c in df.columns])
    return digest(pd.util.hash_pandas_object(df.astype(
        {c: "float64" for c in df.columns if c.startswith("align_") or c in ("viability",
                                                                              "depth")}),
        index=False).to_numpy())


def checksums(runs: int, seed: int) -> dict:
    from balancing_sim.ensemble import simulate_block
    from balancing_sim.world import compile_config

    out = {}
    for name, overrides in CASES.items():
        args = [*overrides, f"runs={runs}", f"seed={seed}", "runner.workers=1"]
        config, _ = compose(args)
        compiled = compile_config(config)
        rec = simulate_block(compiled, config.params, seed, np.arange(runs))
        res = bs.simulate(overrides=args[1:], scenario=overrides[0].split("=", 1)[1]) \
            if overrides[0].startswith("scenario=") else None
        entry = {"records": digest(rec.align, rec.status, rec.viability, rec.depth)}
        if res is not None:
            entry.update({t: table_digest(getattr(res, t))
                          for t in ("trajectories", "memberships", "platforms")})
        out[name] = entry
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare", help="a JSON file written by this script")
    args = parser.parse_args()
    now = checksums(args.runs, args.seed)
    if not args.compare:
        print(json.dumps(now, indent=2, sort_keys=True))
        return 0
    with open(args.compare) as handle:
        before = json.load(handle)
    differ = {k for k in before if before[k].get("records") != now.get(k, {}).get("records")}
    for name in sorted(before):
        print(f"{name:18s} {'SAME' if name not in differ else 'DIFFERENT'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
