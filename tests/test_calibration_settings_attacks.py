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
