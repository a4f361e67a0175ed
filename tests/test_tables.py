"""The contract's tables as Parquet datasets: every common reader reads them unchanged,
the parts are sorted and compact, the summary is reproducible, and the lazy tables and
the streamed analysis give what pandas gives."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import balancing_sim as bs
from balancing_sim.analysis import frames, metrics
from balancing_sim.config.loading import compose
from balancing_sim.contract import SIGNIFICANT_BITS, TABLES, identity, stored
from balancing_sim.runner import execute, layout, plan, run, store
from balancing_sim.runner.folder import release
from balancing_sim.world import compile_config

KEYS = {"trajectories": ["run", "step", "actor"], "memberships": ["run", "step", "actor",
                                                                   "platform"],
        "platforms": ["run", "step", "platform"]}
OPTIONS = ["runner.record_every=6", "runner.workers=1", "runner.chunk_runs=8"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("dataset")
    bs.simulate("history", OPTIONS, runs=20, seed=2, out=out)
    return out


def plain(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows in key order, ids as text, dates in ns: what any reader must agree on."""
    out = df.sort_values(KEYS[table], key=lambda c: c.astype(str) if c.name in (
        "actor", "platform") else c, ignore_index=True)
    for name in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[name])
                or pd.api.types.is_datetime64_any_dtype(out[name])):
            out[name] = out[name].astype(str)
        elif pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].astype("datetime64[ns]")
    return out


@pytest.mark.parametrize("table", TABLES)
def test_pandas_pyarrow_duckdb_and_polars_read_each_dataset_unchanged(run_dir, table):
    path = run_dir / f"{table}.parquet"
    expected = plain(bs.load(run_dir).tables[table].to_pandas(), table)
    readers = {
        "pandas": lambda: pd.read_parquet(path),
        "pyarrow": lambda: pq.read_table(path).to_pandas(),
        "duckdb": lambda: duckdb.read_parquet(f"{path}/*.parquet").df(),
        "polars": lambda: pl.read_parquet(path).to_pandas(),
    }
    for name, read in readers.items():
        got = plain(read(), table)
        assert list(got.columns) == list(expected.columns), name
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, obj=name)


def test_parts_are_sorted_dictionary_encoded_with_rounded_float32_values(run_dir):
    parts = sorted((run_dir / "trajectories.parquet").glob("part-*.parquet"))
    assert [p.name for p in parts] == ["part-000000.parquet", "part-000001.parquet",
                                       "part-000002.parquet"]  # 20 runs in chunks of 8
    schema = pq.read_schema(parts[0])
    for column in ("actor", "posture"):
        assert pa.types.is_dictionary(schema.field(column).type), column
    assert all(schema.field(c).type == pa.float32() for c in schema.names
               if c.startswith("align_"))
    meta = pq.ParquetFile(parts[1]).metadata
    assert [s.column_index for s in meta.row_group(0).sorting_columns] == [
        schema.names.index("run"), schema.names.index("step")]
    rows = pq.read_table(parts[1], columns=["run", "step"]).to_pandas()
    assert rows.equals(rows.sort_values(["run", "step"], kind="stable"))
    assert rows["run"].min() == 8 and rows["run"].max() == 15
    mem = pq.read_schema(run_dir / "memberships.parquet" / "part-000000.parquet")
    assert all(pa.types.is_dictionary(mem.field(c).type) for c in ("actor", "platform",
                                                                   "status"))
    platforms = pq.read_table(run_dir / "platforms.parquet" / "part-000000.parquet")
    for table, columns in ((pq.read_table(parts[0]), [c for c in schema.names
                                                      if c.startswith("align_")] + ["hedging"]),
                           (platforms, ["viability", "depth"])):
        for c in columns:  # float32 rounded to SIGNIFICANT_BITS: the low bits are zero
            values = table[c].to_numpy()
            assert values.dtype == np.float32, c
            low = (1 << (24 - SIGNIFICANT_BITS)) - 1
            assert not (values.view(np.uint32) & low).any() and values.std() > 0, c


def test_summary_is_reproducible_and_timing_is_kept_apart(tmp_path):
    one = bs.simulate("baseline", ["runner.workers=1", "runner.chunk_runs=3"], runs=7, seed=4,
                      out=tmp_path / "a")
    two = bs.simulate("baseline", ["runner.workers=2", "runner.chunk_runs=5"], runs=7, seed=4,
                      out=tmp_path / "b")
    a, b = ((tmp_path / d / "summary.json").read_bytes() for d in "ab")
    assert a == b and "seconds" not in json.loads(a)
    assert one.summary == two.summary
    timing = json.loads((tmp_path / "a" / "timing.json").read_text())
    assert timing["seconds"] > 0 and timing["runs_this_attempt"] == 7
    assert set(timing["worker_cpu_seconds"]) == {"simulate", "tables", "summary", "write"}


def test_a_chunk_stamped_with_another_config_is_computed_again(tmp_path):
    config, data = compose(["runs=6", "seed=3", "runner.workers=1", "runner.chunk_runs=2",
                            "scenario.end=2026-06"])
    reference = run(config, data, tmp_path / "ref")
    out = tmp_path / "resumed"
    stage = store.start(out, data)
    release(out)
    size = layout(out / "chunks", 6, 2)
    stray = plan(config, compile_config(config), stage, size, identity="another config")[1]
    done = execute(stray)  # a finished chunk, but not of this config
    store.publish(out, stage, 1, done.count, done.summary, "another config")
    marker = json.loads((out / "chunks" / "000001.done").read_text())
    assert marker["identity"] == "another config" and marker["runs"] == 2
    resumed = run(config, data, out)
    assert resumed.summary == reference.summary
    stamps = {identity(pq.read_schema(p))
              for t in TABLES for p in (out / f"{t}.parquet").glob("*.parquet")}
    assert stamps == {store.stamp(config, data)}


def test_lazy_table_reads_chosen_columns_and_final_rows(run_dir):
    table = bs.load(run_dir).tables["trajectories"]
    assert table.columns[:6] == ["run", "seed", "step", "date", "actor", "posture"]
    chunks = list(table.batches(["run", "actor", "step"], final=True, batch_rows=50))
    final = pd.concat(chunks, ignore_index=True)
    assert list(final.columns) == ["run", "actor", "step"] and len(chunks) > 1
    assert final["step"].nunique() == 1 and final["step"].iloc[0] == table.parts[0].last_step
    assert len(final) == 20 * len(table.categories("actor"))
    assert table.dataset.count_rows() == len(table)  # a pyarrow dataset, nothing read
    assert table.to_polars().select(pl.len()).collect().item() == len(table)
    assert table.to_duckdb().aggregate("count(*)").fetchall() == [(len(table),)]
    picked = table.select(actor=table.categories("actor")[0])
    assert len(picked) == len(table) // len(table.categories("actor"))


def test_streamed_analysis_equals_pandas(run_dir, monkeypatch):
    res = bs.load(run_dir)
    whole = {t: getattr(res, t) for t in TABLES}
    monkeypatch.setattr(frames, "EXACT_ROWS", 0)  # every Table is streamed in batches
    lazy = res.tables
    for name, f in (("trajectories", metrics.outcome_probabilities),
                    ("memberships", metrics.join_probabilities),
                    ("platforms", metrics.platform_final)):
        pd.testing.assert_frame_equal(f(lazy[name], res.config), f(whole[name], res.config))
    for name, f in (("trajectories", metrics.alignment_bands),
                    ("platforms", metrics.platform_bands)):
        streamed, exact = f(lazy[name], res.config), f(whole[name], res.config)
        assert streamed.iloc[:, :4].equals(exact.iloc[:, :4])
        quantiles = [c for c in exact.columns if c.startswith("q")]
        gap = np.abs(streamed[quantiles].to_numpy() - exact[quantiles].to_numpy()).max()
        assert gap <= 1 / metrics.BINS
    s1 = metrics.network_snapshot(lazy["trajectories"], lazy["memberships"])
    s2 = metrics.network_snapshot(whole["trajectories"], whole["memberships"])
    pd.testing.assert_frame_equal(s1["alignment"], s2["alignment"], rtol=1e-12)
    assert s1["status"].equals(s2["status"]) and s1["posture"].equals(s2["posture"])
    assert s1["runs"] == s2["runs"] == 20 == metrics.run_count(lazy["trajectories"])


def _streamed_and_exact(table_, frame, monkeypatch):
    """Hedging and bloc numbers of a lazy table streamed in batches, and of the same
    rows in pandas, as (streamed, exact) pairs."""
    monkeypatch.setattr(frames, "EXACT_ROWS", 0)
    return [(f(table_), f(frame)) for f in (metrics.hedging_final, metrics.bloc_probabilities,
                                           metrics.hedging_bands)]


def test_streamed_hedging_and_blocs_equal_pandas(run_dir, tmp_path, monkeypatch):
    from balancing_sim.api import sweep

    res = bs.load(run_dir)
    swept = sweep([["params.w_autonomy=0.5", "scenario.end=2026-06"],
                   ["params.w_autonomy=2.0", "scenario.end=2026-06"]], tmp_path / "s", runs=4)
    for source, config in ((res, res.config), (swept, None)):
        table = metrics.with_scenario(source.tables["trajectories"], config)
        frame = metrics.with_scenario(source.trajectories, config)
        (h1, h2), (b1, b2), (t1, t2) = _streamed_and_exact(table, frame, monkeypatch)
        assert len(h1) == len(h2) and h1["n"].tolist() == h2["n"].tolist()
        np.testing.assert_allclose(h1[["mean", "sd"]], h2[["mean", "sd"]], rtol=1e-9, atol=1e-9)
        exact = frame[frame["step"] == frame["step"].max()].groupby(
            [*metrics.unit_columns(frame), "actor"], observed=True)["hedging"].quantile(0.95)
        np.testing.assert_allclose(h1["q95"], exact.to_numpy(), atol=1 / metrics.BINS)
        pd.testing.assert_frame_equal(b1, b2, check_dtype=False)
        assert b1["count"].sum() > 0
        quantiles = [c for c in t2.columns if c.startswith("q")]
        assert np.abs(t1[quantiles].to_numpy() - t2[quantiles].to_numpy()).max() <= 1 / 1024
    assert set(b1["params.w_autonomy"]) == {0.5, 2.0}  # per point, never pooled


def test_a_sweep_is_one_lazy_table_with_its_point_columns(tmp_path):
    from balancing_sim.api import sweep

    res = sweep([["params.w_autonomy=0.5", "scenario.end=2025-06"],
                 ["params.w_autonomy=1.0", "scenario.end=2025-06"]], tmp_path / "s", runs=3)
    table = res.tables["platforms"]
    assert {"point", "scenario", "params.w_autonomy"} <= set(table.columns)
    lazy = table.to_polars().group_by("params.w_autonomy").agg(pl.col("run").n_unique())
    assert sorted(lazy.collect().rows()) == [(0.5, 3), (1.0, 3)]
    relation = table.to_duckdb().filter('"params.w_autonomy" = 1.0')
    assert relation.aggregate("count(*)").fetchall() == [(len(table) // 2,)]
    half = table.select(**{"params.w_autonomy": 0.5})
    assert len(half.parts) == 1 and len(half) == len(table) // 2
    assert set(half.to_pandas()["params.w_autonomy"]) == {0.5}


def test_stored_values_round_to_nearest_at_the_stated_precision():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.random(10_000), rng.random(100) * 1e-6, [0.0, 1.0, 0.5]])
    kept = stored(values)
    relative = np.abs(kept.astype(np.float64) - values) / np.where(values > 0, values, 1)
    assert relative.max() <= 2.0 ** -SIGNIFICANT_BITS
    assert relative.max() > 2.0 ** -(SIGNIFICANT_BITS + 2)  # rounded, not kept in float32
    assert (stored(kept) == kept).all() and (kept[-3:] == [0.0, 1.0, 0.5]).all()
    truncated = (values.astype(np.float32).view(np.uint32) & ~np.uint32(0xFF)).view(np.float32)
    assert np.abs(kept - values).mean() < np.abs(truncated - values).mean()  # to nearest
