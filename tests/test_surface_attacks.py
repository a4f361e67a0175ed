"""Attacks on the surfaces added after the reliability work (docs/RELIABILITY.md, the
last rows of the attack table): the record and calibration commands, the posterior
draws, the Python API, the EMA adapter, the sensitivity command, the dashboard, load().
Each test fails on the code before its fix."""

from __future__ import annotations

import pytest

from command import run_cli


# ---------------------------------------------------------------- balancing-sim-record


@pytest.mark.parametrize("text", ["no markers here\n", None])
def test_record_refuses_a_doc_it_cannot_regenerate_before_running(tmp_path, text):
    doc = tmp_path / "doc.md"
    if text is None:
        doc.mkdir()
    else:
        doc.write_text(text, encoding="utf-8")
    done = run_cli("balancing-sim-record", "--runs", "1", "--doc", str(doc))
    assert done.returncode == 2
    assert "argument --doc" in done.stderr and str(doc) in done.stderr
    assert ("markers" if text else "existing, writable text file") in done.stderr
    assert "Traceback" not in done.stderr
    assert "History, seed" not in done.stdout  # refused before any run
    if text is not None:
        assert doc.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("option, value", [("--runs", "0"), ("--runs", "-1"),
                                           ("--worst", "-2")])
def test_record_refuses_counts_below_their_least_value(option, value):
    done = run_cli("balancing-sim-record", option, value)
    assert done.returncode == 2
    assert f"argument {option}: {value!r}: a whole number >=" in done.stderr
    assert "History, seed" not in done.stdout


# ---------------------------------------------------------------- balancing-sim-calibrate


@pytest.mark.parametrize("name", ["../config", "../../../../../../tmp/evil", "nope", ""])
def test_calibrate_name_is_one_of_the_calibration_files_never_a_path(tmp_path, name):
    (tmp_path / "evil.yaml").write_text("method: abc\nwrites: ../../x\n", encoding="utf-8")
    done = run_cli("balancing-sim-calibrate", "--name", name, "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert f"--name = {name!r}: one of history, posterior, posterior_to2014" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("option, value", [("--runs", "0"), ("--samples", "0"),
                                           ("--population", "-1"), ("--draws", "0"),
                                           ("--generations", "-1")])
def test_calibrate_refuses_counts_that_would_write_nan(tmp_path, option, value):
    """--runs 0 used to run, score NaN and write a calibrated.yaml of it (exit 0)."""
    done = run_cli("balancing-sim-calibrate", option, value, "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    assert f"argument {option}: {value!r}: a whole number >=" in done.stderr
    assert not (tmp_path / "o").exists()


def test_calibrate_refuses_an_output_folder_it_cannot_write_before_computing(tmp_path):
    (tmp_path / "file").write_text("mine", encoding="utf-8")
    done = run_cli("balancing-sim-calibrate", "--runs", "1", "--samples", "1",
                   "--out", str(tmp_path / "file" / "x"))
    assert done.returncode == 2
    assert "argument --out" in done.stderr and "is a file, not a folder" in done.stderr
    assert "latin hypercube" not in done.stdout  # nothing was computed
    assert (tmp_path / "file").read_text(encoding="utf-8") == "mine"
