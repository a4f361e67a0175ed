"""Red-team attacks on a user's calibration file (docs/RELIABILITY.md, attacks 268-270):
a misspelt key, a method or weighting it does not know, and `start_weight` where nothing
reads it were each silently their default. The first test fails on the code before
its fix; the others keep what is allowed readable (the shipped files, a posterior's
weight)."""

from __future__ import annotations

import re

import pytest

from balancing_sim.calibrate import read_settings
from balancing_sim.config.errors import ConfigError
from balancing_sim.config.loading import conf_dir


def settings_of(tmp_path, shipped: str, old: str, new: str):
    """read_settings of a copy of a shipped calibration file with one line changed."""
    calibration = tmp_path / "calibration"
    calibration.mkdir()
    text = (conf_dir() / "calibration" / f"{shipped}.yaml").read_text(encoding="utf-8")
    assert re.search(rf"(?m)^{old}", text)  # the line the shipped file has, spoilt
    (calibration / "mine.yaml").write_text(re.sub(rf"(?m)^{old}.*$", new, text),
                                           encoding="utf-8")
    return read_settings(tmp_path, "mine")


@pytest.mark.parametrize(("shipped", "old", "new", "named"), [
    ("posterior", "start_weight:", "start_wieght: 1", "start_wieght = 1: one of scenario, "),
    ("posterior", "method:", "method: ABC",
     "method = 'ABC': abc (a posterior), or no method (a point: CMA-ES)"),
    ("posterior", "weights:", "weights: eqaul", "weights = 'eqaul': importance or equal"),
    ("history", "seed:", "seed: 1\nstart_weight: 1",
     "start_weight = 1: 0 without method: abc (a point calibration has no distance"),
])
def test_a_calibration_setting_that_would_be_ignored_is_named(tmp_path, shipped, old, new,
                                                              named):
    with pytest.raises(ConfigError) as caught:
        settings_of(tmp_path, shipped, old, new)
    assert str(caught.value).count("\n") == 0
    assert f"mine.yaml: {named}" in str(caught.value)


def test_every_shipped_calibration_file_is_read():
    for path in sorted((conf_dir() / "calibration").glob("*.yaml")):
        assert read_settings(conf_dir(), path.stem)["name"] == path.stem


def test_a_posterior_may_weigh_its_last_month(tmp_path):
    assert settings_of(tmp_path, "posterior", "start_weight:", "start_weight: 1.5")[
        "start_weight"] == 1.5


@pytest.mark.parametrize("until", ["1990-01", "2030-06"])
def test_a_cutoff_outside_the_records_window_is_named_before_anything_runs(
        tmp_path, monkeypatch, capsys, until):
    """`until:` before the record starts gave an inverted window, scored silently; after
    it ends, months no run records (RELIABILITY 301)."""
    import shutil

    from balancing_sim import calibrate

    root = tmp_path / "conf"
    shutil.copytree(conf_dir(), root)
    text = (root / "calibration" / "history_to2004.yaml").read_text(encoding="utf-8")
    (root / "calibration" / "mine.yaml").write_text(
        text.replace('until: "2004-12"', f'until: "{until}"'), encoding="utf-8")
    monkeypatch.setattr(calibrate, "conf_dir", lambda: root)
    assert calibrate.main(["--name", "mine", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert (f"mine.yaml: until = '{until}': a month within the record's window "
            "(1992-01 to 2024-06)") in err
    assert not (tmp_path / "out").exists()
