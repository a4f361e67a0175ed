"""Runner: chunks, workers, resume and the streamed summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

import balancing_sim as bs
from balancing_sim.config.loading import compose
from balancing_sim.results import TABLES, summarize
from balancing_sim.runner import OutputConflict, execute, layout, plan, run
from balancing_sim.runner.store import fingerprint
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
    out.mkdir()
    (out / "config.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    folder = out / "chunks"
    folder.mkdir()
    size = layout(folder, 9, 2)
    jobs = plan(config, compile_config(config), out, size, fingerprint(data))
    execute(jobs[1])
    torn = out / "trajectories.parquet" / "part-000002.parquet"
    torn.write_bytes(b"torn")  # no marker: discarded
    # resumed with other execution settings: the recorded layout wins
    config2, data2 = compose(["runs=9", "seed=3", "runner.workers=2", "runner.chunk_runs=4"])
    resumed, summary = contract(run(config2, data2, out).path)
    for t in TABLES:
        pd.testing.assert_frame_equal(reference[t], resumed[t])
    assert summary["runs"] == 9


def test_summary_json_lists_runs_and_platforms(tmp_path):
    bs.simulate("baseline", ["runner.workers=1"], runs=4, out=tmp_path / "j")
    summary = json.loads((tmp_path / "j" / "summary.json").read_text())
    assert summary["runs"] == 4
    assert "viability" in next(iter(summary["platforms"].values()))
