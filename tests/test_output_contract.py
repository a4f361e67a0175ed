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
    text = (run_dir / "config.yaml").read_text()
    config = yaml.safe_load(text)
    assert config["scenario"]["name"] == "baseline" and config["runs"] == 5
    # written and read by libyaml where PyYAML has it: yaml.safe_dump's own text
    assert text == yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    assert not list(run_dir.glob("**/*.tmp")) and not (run_dir / "chunks").exists()


def test_trajectories(run_dir):
    df = pd.read_parquet(run_dir / "trajectories.parquet")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    poles = list(config["world"]["poles"])
    states = list(config["world"]["states"])
    # the baseline draws its parameters from the posterior: each row says which draw
    # ... and the history run it continues (`scenario.histories`: here its own)
    assert list(df.columns) == ["run", "seed", "draw", "history", "step", "date", "actor",
                                "posture", *(f"align_{p}" for p in poles), "hedging",
                                "in_bloc"]
    assert (df["history"] == df["run"]).all()  # fewer runs than histories: each its own
    assert df["hedging"].dtype == np.float32 and df["in_bloc"].dtype == bool
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
    # dates advance one month per step from where the run starts: a continued scenario
    # (the baseline starts 2024-07) at the month the history it continues ends, so its
    # first month, 2024-07, is step 1, simulated like every other
    first = df[df["step"] == 0]["date"].iloc[0]
    assert first == pd.Timestamp("2024-06-01")
    assert df[df["step"] == 1]["date"].iloc[0] == pd.Timestamp("2024-07-01")
    step12 = df[df["step"] == 12]["date"].iloc[0]
    assert step12 == pd.Timestamp("2025-06-01")
    assert df["date"].max() == pd.Timestamp("2026-12-01")  # the fixture ends it early


def test_hedging_is_the_normalized_entropy_of_the_alignment(run_dir):
    df = pd.read_parquet(run_dir / "trajectories.parquet")
    weights = df[[c for c in df.columns if c.startswith("align_")]].to_numpy(np.float64)
    shares = np.column_stack([weights, np.clip(1 - weights.sum(axis=1), 0, None)])
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(shares > 0, shares * np.log(shares), 0).sum(axis=1)
    # weights and index are stored to 16 significant bits (relative error 1.5e-5 each)
    np.testing.assert_allclose(df["hedging"], entropy / np.log(shares.shape[1]), atol=5e-5)
    assert df["hedging"].between(0, 1).all() and df["hedging"].std() > 0.01


def test_in_bloc_is_full_membership_of_a_bloc_platform(run_dir):
    traj = pd.read_parquet(run_dir / "trajectories.parquet")
    mem = pd.read_parquet(run_dir / "memberships.parquet")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    blocs = {k for k, v in config["world"]["platforms"].items() if v.get("bloc")}
    assert blocs
    member = mem[(mem["status"] == "member") & mem["platform"].astype(str).isin(blocs)]
    expected = set(map(tuple, member[["run", "step"]].assign(
        actor=member["actor"].astype(str)).to_numpy().tolist()))
    flagged = traj[traj["in_bloc"]]
    got = set(map(tuple, flagged[["run", "step"]].assign(
        actor=flagged["actor"].astype(str)).to_numpy().tolist()))
    assert got == expected and got  # some state is in a bloc, none outside the members


def test_memberships(run_dir):
    df = pd.read_parquet(run_dir / "memberships.parquet")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert list(df.columns) == ["run", "draw", "history", "step", "date", "actor", "platform",
                                "status"]
    assert set(df["status"]) <= set(STATUSES)
    assert set(df["platform"]) == set(config["world"]["platforms"])
    assert not df.duplicated(["run", "step", "actor", "platform"]).any()
    for platform, spec in config["world"]["platforms"].items():
        used = set(df.loc[df["platform"] == platform, "status"])
        assert used <= set(spec.get("statuses", ["none", "member"])), platform


def test_platforms(run_dir):
    df = pd.read_parquet(run_dir / "platforms.parquet")
    assert list(df.columns) == ["run", "draw", "history", "step", "date", "platform",
                                "viability", "depth"]
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
    traj = pd.read_parquet(run_dir / "trajectories.parquet")
    final = traj[traj["step"] == traj["step"].max()]
    for actor, entry in summary["actors"].items():
        mine = final[final["actor"] == actor]
        h = mine["hedging"].astype(np.float64)
        assert entry["hedging"] == pytest.approx(
            {"mean": h.mean(), "p05": h.quantile(0.05), "p95": h.quantile(0.95)})
        ever = traj[traj["actor"] == actor].groupby("run")["in_bloc"].any().mean()
        assert entry["in_bloc"] == pytest.approx({"end": mine["in_bloc"].mean(), "ever": ever})
    assert "spread" in summary  # posterior draws: parameter and chance variance split


def test_load_reads_what_was_written(run_dir):
    res = bs.load(run_dir)
    assert res.trajectories["run"].nunique() == 5
    assert res.summary["runs"] == 5
    assert res.config["scenario"]["name"] == "baseline"
