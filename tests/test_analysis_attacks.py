"""Attacks on the analysis commands (RELIABILITY 275 and after): balancing-sim-discover,
-sensitivity and -landscape given hostile options, files and reruns. Each test fails on
the code before its fix."""

from __future__ import annotations

import pytest

from balancing_sim import discovery
from balancing_sim.analysis import sensitivity


@pytest.mark.parametrize("main", [discovery.main, sensitivity.main],
                         ids=["discover", "sensitivity"])
@pytest.mark.parametrize("workers", ["0", "-3", "5000"])
def test_a_worker_count_runner_workers_refuses_is_refused_before_anything_runs(
        main, workers, tmp_path, capsys):
    """discover: 5000 ended in a traceback after the plan line; sensitivity: 0 and -3 ran
    on one worker and 5000 started a process per point, silently."""
    with pytest.raises(SystemExit) as exit_:
        main(["--outcome", "alpha in_bloc", "--workers", workers, "--out", str(tmp_path / "o")]
             if main is discovery.main else ["--workers", workers, "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --workers: {workers!r}: -1 (every core) or a whole number from 1 to 4096" \
        in err
    assert not (tmp_path / "o").exists()
