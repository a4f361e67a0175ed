"""The output contract of PRODUCT.md: files, columns, dtypes, ranges, sums."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

import balancing_sim as bs
from balancing_sim.config.schema import NONALIGNED, STATUSES


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    bs.simulate("baseline", overrides=["scenario.end=2026-12"], runs=5, seed=3, out=out)
    return out


def test_files(run_dir):
    for name in ("config.yaml", "summary.json"):
        assert (run_dir / name).is_file(), name
    for name in ("trajectories.parquet", "memberships.parquet", "platforms.parquet"):
        assert sorted(p.name for p in (run_dir / name).iterdir()) == ["part-000000.parquet"]
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["scenario"]["name"] == "baseline" and config["runs"] == 5
    assert not list(run_dir.glob("**/*.tmp")) and not (run_dir / "chunks").exists()


def test_trajectories(run_dir):
    df = pd.read_parquet(run_dir / "trajectories.parquet")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    poles = list(config["world"]["poles"])
    states = list(config["world"]["states"])
    assert list(df.columns) == ["run", "seed", "step", "date", "actor", "posture",
                                *(f"align_{p}" for p in poles)]
    assert pd.api.types.is_integer_dtype(df["run"]) and pd.api.types.is_integer_dtype(df["step"])
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert (df["date"].dt.day == 1).all()
    assert set(df["actor"]) == set(states)
    assert set(df["posture"]) <= {*poles, NONALIGNED}
    # one row per (run, step, state)
    assert not df.duplicated(["run", "step", "actor"]).any()
    assert len(df) == 5 * df["step"].nunique() * len(states)
    weights = df[[f"align_{p}" for p in poles]].to_numpy()
    assert ((weights >= 0) & (weights <= 1)).all()
    # pole weights sum to at most 1; the rest is the non-aligned share
    assert (weights.sum(axis=1) <= 1 + 1e-9).all()
    nonaligned = 1 - weights.sum(axis=1)
    best_pole = weights.max(axis=1)
    said_nonaligned = (df["posture"] == NONALIGNED).to_numpy()
    assert (nonaligned[said_nonaligned] >= best_pole[said_nonaligned] - 1e-12).all()
    # dates advance one month per step, from the scenario's start
    first = df[df["step"] == 0]["date"].iloc[0]
    assert first == pd.Timestamp("2024-07-01")
    step12 = df[df["step"] == 12]["date"].iloc[0]
    assert step12 == pd.Timestamp("2025-07-01")


def test_memberships(run_dir):
    df = pd.read_parquet(run_dir / "memberships.parquet")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert list(df.columns) == ["run", "step", "date", "actor", "platform", "status"]
    assert set(df["status"]) <= set(STATUSES)
    assert set(df["platform"]) == set(config["world"]["platforms"])
    assert not df.duplicated(["run", "step", "actor", "platform"]).any()
    for platform, spec in config["world"]["platforms"].items():
        used = set(df.loc[df["platform"] == platform, "status"])
        assert used <= set(spec.get("statuses", ["none", "member"])), platform


def test_platforms(run_dir):
    df = pd.read_parquet(run_dir / "platforms.parquet")
    assert list(df.columns) == ["run", "step", "date", "platform", "viability", "depth"]
    for col in ("viability", "depth"):
        assert df[col].between(0, 1).all() and np.isfinite(df[col]).all()


def test_summary(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["runs"] == 5
    for actor, entry in summary["actors"].items():
        assert sum(entry["posture"].values()) == pytest.approx(1.0), actor
        assert all(0 <= p <= 1 for p in entry["joins"].values())
    for platform, entry in summary["platforms"].items():
        v = entry["viability"]
        assert 0 <= v["p05"] <= v["mean"] <= v["p95"] <= 1, platform


def test_load_reads_what_was_written(run_dir):
    res = bs.load(run_dir)
    assert res.trajectories["run"].nunique() == 5
    assert res.summary["runs"] == 5
    assert res.config["scenario"]["name"] == "baseline"
