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
