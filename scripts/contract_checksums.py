"""Checksums of what every shipped scenario computes, to prove a refactor changes nothing.

    python scripts/contract_checksums.py > benchmarks/checksums/after.json
    python scripts/contract_checksums.py --compare benchmarks/checksums/before-refactor.json

For each scenario (and the synthetic world) it runs `--runs` replicates of seed `--seed`
on the ensemble engine, every month recorded, and hashes the float64 records (alignment,
statuses, viability, depth) and the contract tables. Exit 1 when `--compare` differs.

The table hashes do not depend on how the tables are stored: rows sorted by their keys,
ids as text, dates in ns, and the alignment weights rounded to float32 (the precision
of the contract since the tables are written as float32; a float64 table of earlier
code hashes the same when its numbers are the same). `--compare` checks the records
always and the tables when the reference file has `tables` hashes of this kind
(`"tables": "float32-weights"`; the reference's `tables` entries were computed by
running this script on the code before the refactor).
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

TABLES = ("trajectories", "memberships", "platforms")
CASES = {name: [f"scenario={name}"] for name in sorted(
    p.stem for p in (conf_dir() / "scenario").glob("*.yaml"))}
CASES["synthetic"] = ["world=synthetic", "situation=synthetic"]


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


TABLES_KIND = "float32-weights"


def normalized(df: pd.DataFrame) -> pd.DataFrame:
    """The table's content independent of storage: sorted, ids as text, weights at float32
    precision, other floats float64, dates in ns."""
    df = df.sort_values([c for c in ("run", "step", "actor", "platform") if c in df.columns],
                        ignore_index=True)
    out = {}
    for name, column in df.items():
        if name.startswith("align_"):
            column = column.astype(np.float32).astype(np.float64)
        elif pd.api.types.is_float_dtype(column):
            column = column.astype(np.float64)
        elif pd.api.types.is_datetime64_any_dtype(column):
            column = column.astype("datetime64[ns]")
        elif not pd.api.types.is_integer_dtype(column):
            column = column.astype(str).astype(object)
        out[name] = column
    return pd.DataFrame(out)


def table_digest(df: pd.DataFrame) -> str:
    return digest(pd.util.hash_pandas_object(normalized(df), index=False).to_numpy())


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
            entry["tables"] = TABLES_KIND
            entry.update({t: table_digest(getattr(res, t)) for t in TABLES})
        out[name] = entry
    return out


def differs(before: dict, now: dict) -> list[str]:
    """What differs in one case: the records, and the tables when comparable."""
    keys = ["records"]
    if before.get("tables") == TABLES_KIND:
        keys += list(TABLES)
    return [k for k in keys if before.get(k) != now.get(k)]


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
    differ = {k: differs(before[k], now.get(k, {})) for k in before}
    for name in sorted(before):
        checked = "records" + (", tables" if before[name].get("tables") == TABLES_KIND else "")
        result = f"DIFFERENT ({', '.join(differ[name])})" if differ[name] else "SAME"
        print(f"{name:18s} {result:30s} [{checked}]")
    return 1 if any(differ.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
