"""Runner: chunks, workers, resume and the streamed summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import balancing_sim as bs
from balancing_sim.config.loading import compose
from balancing_sim.results import TABLES, summarize
from balancing_sim.runner import OutputConflict, execute, layout, plan, run, store
from balancing_sim.runner.folder import release
from balancing_sim.world import compile_config


def contract(path):
    res = bs.load(path)
    return {t: getattr(res, t) for t in TABLES}, res.summary


def without_time(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "seconds"}


def test_one_or_two_workers_give_identical_data(tmp_path):
    base = ["runs=12", "seed=7", "runner.chunk_runs=3"]
    one = bs.simulate("western_pressure", [*base, "runner.workers=1"], out=tmp_path / "w1")
    two = bs.simulate("western_pressure", [*base, "runner.workers=2"], out=tmp_path / "w2")
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(one, t), getattr(two, t))
    assert without_time(one.summary) == without_time(two.summary)


def test_in_memory_and_on_disk_results_agree(tmp_path):
    mem = bs.simulate("ots_deepening", ["runner.workers=2", "runner.chunk_runs=2"], runs=7,
                      seed=4)
    disk = bs.simulate("ots_deepening", ["runner.workers=1"], runs=7, seed=4,
                       out=tmp_path / "d")
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(mem, t), getattr(disk, t))
    assert without_time(disk.summary) == mem.summary


def test_streamed_summary_equals_the_whole_table_summary(tmp_path):
    res = bs.simulate("armenia_pivot", ["runner.workers=1", "runner.chunk_runs=3"], runs=10,
                      seed=2, out=tmp_path / "s")
    whole = summarize(res.trajectories, res.memberships, res.platforms)
    assert without_time(res.summary) == whole


def test_resume_may_change_workers_but_not_the_model(tmp_path):
    out = tmp_path / "r"
    config, data = compose(["runs=6", "runner.workers=1", "runner.chunk_runs=2"])
    run(config, data, out)
    config2, data2 = compose(["runs=6", "runner.workers=2", "runner.chunk_runs=5"])
    run(config2, data2, out)  # execution settings differ: same results, no conflict
    config3, data3 = compose(["runs=6", "seed=99", "runner.workers=1"])
    with pytest.raises(OutputConflict):
        run(config3, data3, out)


def test_resume_reuses_the_recorded_chunk_layout(tmp_path):
    config, data = compose(["runs=9", "seed=3", "runner.workers=1", "runner.chunk_runs=2"])
    reference, _ = contract(run(config, data, tmp_path / "ref").path)
    # an interrupted first attempt: chunk size 2, only chunk 1 (runs 2-3) finished
    out = tmp_path / "partial"
    stage = store.start(out, data)
    size = layout(out / "chunks", 9, 2)
    jobs = plan(config, compile_config(config), stage, size, store.stamp(config, data))
    done = execute(jobs[1])
    store.publish(out, stage, 1, done.count, done.summary, store.stamp(config, data))
    release(out)
    torn = out / "trajectories.parquet" / "part-000002.parquet"
    torn.write_bytes(b"torn")  # no marker: discarded
    # resumed with other execution settings: the recorded layout wins
    config2, data2 = compose(["runs=9", "seed=3", "runner.workers=2", "runner.chunk_runs=4"])
    resumed, summary = contract(run(config2, data2, out).path)
    for t in TABLES:
        pd.testing.assert_frame_equal(reference[t], resumed[t])
    assert summary["runs"] == 9


def test_a_draws_table_edited_before_a_resume_recomputes_every_chunk(tmp_path):
    """330. The stamp of a run's chunks held its config, which names the draws table but
    not its content: an interrupted run resumed after the table was edited kept the
    chunks computed with the old draws and added chunks with the new, one dataset of two
    posteriors. The stamp now digests the data files a run reads."""
    from balancing_sim.config.loading import conf_dir

    table = tmp_path / "draws.csv"
    original = (conf_dir() / "params" / "posterior.csv").read_text()
    table.write_text(original)
    settings = ["runs=6", "seed=3", "runner.workers=1", "scenario.after=''",
                "scenario.end=2025-06", "params=posterior", f"params.draws={table}"]
    config, data = compose(settings)
    out = tmp_path / "partial"
    stage = store.start(out, data)
    size = layout(out / "chunks", 6, 2)
    jobs = plan(config, compile_config(config), stage, size, store.stamp(config, data))
    done = execute(jobs[1])  # an interrupted attempt: chunk 1 done with the first table
    store.publish(out, stage, 1, done.count, done.summary, store.stamp(config, data))
    release(out)
    header, *rows = original.splitlines()
    w_security = header.split(",").index("w_security")
    edited_rows = []
    for row in rows:  # another posterior: every draw's w_security halved
        values = row.split(",")
        values[w_security] = str(float(values[w_security]) / 2)
        edited_rows.append(",".join(values))
    table.write_text("\n".join([header, *edited_rows]) + "\n")
    resumed, _ = contract(run(*compose(settings), out).path)
    edited, _ = contract(run(*compose(settings), tmp_path / "edited").path)
    for t in TABLES:
        pd.testing.assert_frame_equal(edited[t], resumed[t])
    assert compose(settings)[0].world.capability_data in map(str, store.data_files(config))


def test_summary_json_lists_runs_and_platforms(tmp_path):
    bs.simulate("baseline", ["runner.workers=1"], runs=4, out=tmp_path / "j")
    summary = json.loads((tmp_path / "j" / "summary.json").read_text())
    assert summary["runs"] == 4
    assert "viability" in next(iter(summary["platforms"].values()))
