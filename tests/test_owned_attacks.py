"""Red-team attacks on the files the analysis commands may replace (docs/RELIABILITY.md,
attacks 260-266): a user's folder that only looks like a run's, links, a list of files
that is no list, a user's file put there while a long command ran, and two commands
writing into one folder at once. Nothing the user made is replaced; one line, exit 2.
Each test fails on the code before its fix."""

from __future__ import annotations

import contextlib
import threading

import pytest

from balancing_sim.analysis import owned


def refused(done, path, what="a file balancing-sim did not write"):
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{path}: {what}" in done.stderr.strip().splitlines()[-1]  # one line, the last


@pytest.mark.parametrize("mark", ["summary.json", "points", "chunks", "point.json"])
@pytest.mark.parametrize("where", ["in it", "above it"])
def test_a_users_folder_holding_a_file_named_like_a_runs_is_still_the_users(
        tiny_run, tmp_path, mark, where):
    from command import run_cli

    out = tmp_path / "thesis" / "figs"
    out.mkdir(parents=True)
    ((out if where == "in it" else out.parent) / mark).write_text("the user's own")
    (out / "report.html").write_text("the user's own")
    done = run_cli("balancing-sim-report", str(tiny_run[0] / "run"), "--out", str(out))
    refused(done, out / "report.html")
    assert (out / "report.html").read_text() == "the user's own"


@pytest.mark.parametrize(("cmd", "name"), [("balancing-sim-report", "report.html"),
                                           ("balancing-sim-plot", "hedging.png"),
                                           ("balancing-sim-export", "memberships.csv")])
def test_a_link_is_never_written_through(tiny_run, tmp_path, cmd, name):
    from command import run_cli

    precious = tmp_path / "precious.txt"
    precious.write_text("the user's own")
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(precious)
    (out / owned.LIST).write_text(f'["{name}"]')  # listed by hand, or by a hostile list
    done = run_cli(cmd, str(tiny_run[0] / "run"), "--out", str(out))
    refused(done, out / name, "a link")
    assert precious.read_text() == "the user's own"


def test_a_link_in_a_runs_own_figures_is_never_written_through(tiny_run, tmp_path):
    from command import run_cli

    precious = tmp_path / "precious.png"
    precious.write_text("the user's own")
    figures = tiny_run[0] / "run" / "figures"
    figures.mkdir(exist_ok=True)
    (figures / "hedging.png").unlink(missing_ok=True)
    (figures / "hedging.png").symlink_to(precious)
    try:
        done = run_cli("balancing-sim-plot", str(tiny_run[0] / "run"))
    finally:
        (figures / "hedging.png").unlink()
    refused(done, figures / "hedging.png", "a link")
    assert precious.read_text() == "the user's own"


@pytest.mark.parametrize("theirs", ["my notes\n", "{}", '["a", 3]', None])
def test_a_list_of_files_that_is_no_list_is_a_users_file_and_kept(tiny_run, tmp_path,
                                                                    theirs):
    from command import run_cli

    out = tmp_path / "out"
    out.mkdir()
    if theirs is None:
        (out / owned.LIST).mkdir()
    else:
        (out / owned.LIST).write_text(theirs)
    done = run_cli("balancing-sim-report", str(tiny_run[0] / "run"), "--out", str(out))
    refused(done, out / owned.LIST, "not the list of files balancing-sim wrote")
    assert sorted(p.name for p in out.iterdir()) == [owned.LIST]
    if theirs is not None:
        assert (out / owned.LIST).read_text() == theirs


def test_a_users_file_put_there_while_discover_ran_is_kept(tiny_run, tmp_path, monkeypatch):
    from command import run_cli

    from balancing_sim.evaluation import Study

    evaluate = Study.evaluate

    def user_copies_a_file_in(self, *args, **kwargs):
        (tmp_path / "box.csv").write_text("the user's own")
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(Study, "evaluate", user_copies_a_file_in)
    done = run_cli("balancing-sim-discover", "--set", tiny_run[1][0], "--set",
                   tiny_run[1][1], "--scenario", "mine", "--outcome", "alpha in_bloc",
                   "--samples", "4", "--runs", "2", "--out", str(tmp_path))
    refused(done, tmp_path / "box.csv")
    assert (tmp_path / "box.csv").read_text() == "the user's own"


def test_a_users_file_put_there_while_sensitivity_ran_is_one_line(tiny_run, tmp_path,
                                                                   monkeypatch):
    from command import run_cli

    from balancing_sim.analysis import sensitivity

    compute = sensitivity.run

    def user_copies_a_file_in(*args, **kwargs):
        (tmp_path / "samples.csv").write_text("the user's own")
        return compute(*args, **kwargs)

    monkeypatch.setattr(sensitivity, "run", user_copies_a_file_in)
    done = run_cli("balancing-sim-sensitivity", "--set", tiny_run[1][0], "--set",
                   tiny_run[1][1], "--scenario", "mine", "-n", "2", "--runs", "2",
                   "--param", "w_autonomy=0.4:0.6",
                   "--out", str(tmp_path))
    refused(done, tmp_path / "samples.csv")
    assert (tmp_path / "samples.csv").read_text() == "the user's own"


def test_two_commands_writing_into_one_folder_at_once_both_keep_their_names(
        tmp_path, monkeypatch):
    from balancing_sim.results import atomic_write_bytes

    both_read = threading.Barrier(2, timeout=5)
    listed = owned._listed

    def read_then_wait(folder):
        names = listed(folder)
        # without the lock both read the empty list, then write; with it the other one
        # waits for the lock (the barrier breaks) and reads after this one wrote
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return names

    monkeypatch.setattr(owned, "_listed", read_then_wait)
    for name in ("a.csv", "b.csv"):
        atomic_write_bytes(tmp_path / name, b"x")
    threads = [threading.Thread(target=owned.record, args=([tmp_path / name],))
               for name in ("a.csv", "b.csv")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(owned, "_listed", listed)
    assert owned._listed(tmp_path) == {"a.csv", "b.csv"}


def test_a_file_written_before_a_ctrl_c_is_the_commands_own_the_next_time(tiny_run, tmp_path,
                                                                           monkeypatch):
    import pandas as pd

    from balancing_sim.analysis import report

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with monkeypatch.context() as patched:
        patched.setattr(pd.DataFrame, "to_csv", ctrl_c)  # after report.html, before its CSV
        with pytest.raises(KeyboardInterrupt):
            report.report(tiny_run[0] / "run", out)
    assert sorted(p.name for p in out.iterdir()) == [owned.LIST, "report.html"]
    assert report.report(tiny_run[0] / "run", out) == (out / "report.html",
                                                      out / "report_numbers.csv")
