"""Global sensitivity analysis: SALib pipeline on a function of known indices, then the
model with a tiny sample."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from balancing_sim import cli
from balancing_sim.analysis import sensitivity as sa

# Ishigami (a=7, b=0.1): analytic first-order and total indices (Saltelli et al. 2008)
S1 = [0.314, 0.442, 0.0]
ST = [0.558, 0.442, 0.244]
SHORT = ("scenario.end=2025-12",)


@pytest.fixture(scope="module")
def ishigami():
    return sa.problem({f"x{i}": (-math.pi, math.pi) for i in (1, 2, 3)})


def test_sobol_recovers_the_ishigami_indices(ishigami):
    X, Y, indices = sa.run(ishigami, Ishigami.evaluate, "sobol", n=2048, seed=3)
    assert len(X) == 2048 * (3 + 2) and Y.shape == (len(X),)
    assert indices["parameter"].tolist() == ["x1", "x2", "x3"]
    assert np.allclose(indices["S1"], S1, atol=0.05)
    assert np.allclose(indices["ST"], ST, atol=0.05)
    assert (indices["S1_conf"] > 0).all() and (indices["S1_conf"] < 0.1).all()


def test_morris_screens_x3_as_interaction_only(ishigami):
    _, _, indices = sa.run(ishigami, Ishigami.evaluate, "morris", n=100, seed=3)
    m = indices.set_index("parameter")
    assert abs(m.at["x3", "mu"]) < 0.5 * m.at["x3", "mu_star"]  # effects cancel: interaction
    assert m.at["x3", "sigma"] > 0 and (m["mu_star"] > 0).all()


def test_sensitivity_figure_has_both_indices_with_intervals(ishigami):
    X, Y, indices = sa.run(ishigami, Ishigami.evaluate, "sobol", n=256, seed=1)
    fig = sa.sensitivity_figure(indices, "sobol", "Ishigami")
    ax = fig.axes[0]
    assert len(ax.patches) == 6 and len(ax.containers) == 4  # 2 bar sets + 2 error bars
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order S1",
                                                                    "total ST"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x1", "x2", "x3"]
    assert "Sobol" in ax.get_xlabel()


def test_bounds_default_around_the_configured_values():
    bounds = sa.default_bounds({"w_a": 2.0, "w_b": 0.0, "w_c": 1.0}, ["w_a", "w_b"], 0.5)
    assert bounds == {"w_a": (1.0, 3.0), "w_b": (0.0, 0.5)}
    with pytest.raises(ValueError, match="unknown"):
        sa.default_bounds({"w_a": 1.0}, ["w_z"])
    with pytest.raises(ValueError, match="not below"):
        sa.problem({"w_a": (2.0, 1.0)})
    assert sa.parse_bound("params.w_a=0.5:2") == ("w_a", (0.5, 2.0))


def test_the_model_gets_an_index_for_every_parameter():
    model = sa.ModelOutcome(["w_autonomy", "w_polarization", "w_security"], actor="",
                            posture="", scenario="baseline", runs=3, seed=1, overrides=SHORT)
    resolved = model.compose()[1]
    model.actor = next(iter(resolved["world"]["states"]))
    model.posture = "align_" + next(iter(resolved["world"]["poles"]))
    model.check()
    prob = sa.problem(sa.default_bounds(resolved["params"], model.names))
    for method, n in (("morris", 2), ("sobol", 2)):
        X, Y, indices = sa.run(prob, model, method, n=n, seed=1)
        assert indices["parameter"].tolist() == model.names
        assert np.isfinite(Y).all() and ((Y >= 0) & (Y <= 1)).all()
        assert len(indices.columns) == 5
    # common random numbers: the same point gives the same outcome
    assert model(X[:1])[0] == Y[0]


def test_sensitivity_command_writes_csv_figure_and_problem(tmp_path, capsys):
    out = tmp_path / "sa"
    code = cli.sensitivity_main(["--method", "morris", "-n", "2", "--runs", "2",
                                 "--param", "w_autonomy=0.5:2.0", "--param",
                                 "w_polarization=0.5:2.0", "--set", SHORT[0],
                                 "--actor", "hungary", "--posture", "west",
                                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    indices = pd.read_csv(out / "indices.csv")
    assert indices["parameter"].tolist() == ["w_autonomy", "w_polarization"]
    assert len(pd.read_csv(out / "samples.csv")) == 2 * 3
    meta = json.loads((out / "problem.json").read_text())
    assert meta["method"] == "morris" and meta["problem"]["names"] == ["w_autonomy",
                                                                        "w_polarization"]
    assert (out / "sensitivity.png").is_file() and (out / "sensitivity.svg").is_file()
    # an outcome no factor moves ranks nothing: said on stderr and kept in problem.json
    # (Hungary, in NATO and the EU since 1999 and 2004, leans West in every run)
    assert meta["caution"].startswith("the outcome is 1 at every point")
    assert f"warning: {meta['caution']}" in capsys.readouterr().err


def test_indices_too_uncertain_to_rank_the_factors_come_with_a_caution():
    narrow = pd.DataFrame({"parameter": ["a", "b"], "S1": [0.6, 0.1], "S1_conf": [0.05, 0.2],
                           "ST": [0.7, 0.2], "ST_conf": [0.1, 0.05]})
    assert sa.caution(narrow, "sobol") is None
    wide = narrow.assign(ST_conf=[0.1, 0.35])
    assert "+-0.35" in sa.caution(wide, "sobol")
    morris = pd.DataFrame({"parameter": ["a"], "mu": [0.4], "mu_star": [0.4], "sigma": [0.1],
                           "mu_star_conf": [0.1]})
    assert sa.caution(morris, "morris") is None
    assert "every elementary effect is 0" in sa.caution(morris.assign(mu_star=0.0), "morris")
    assert "largest mu* is 0.4" in sa.caution(morris.assign(mu_star_conf=0.3),
                                                       "morris")
    assert sa.caution(narrow, "sobol", np.array([0.5, 0.2])) is None
    assert "is 0.5 at every point" in sa.caution(narrow, "sobol", np.array([0.5, 0.5]))


@pytest.mark.filterwarnings("ignore:Constant values encountered")
def test_indices_that_are_not_numbers_or_all_0_of_a_moving_outcome_come_with_a_caution():
    """rt11: NaN intervals (Morris) or NaN indices with narrow intervals (Sobol') passed
    as rankable, and so did Sobol' indices all 0 of an outcome that changed between points
    (SALib returns them for an outcome that moved at one point of a small sample); a
    Morris caution told of Sobol' base samples."""
    nan, moved = math.nan, np.array([0.0, 1.0, 0.0])
    sobol = pd.DataFrame({"parameter": ["a", "b"], "S1": [0.6, 0.1], "S1_conf": [0.05, 0.1],
                          "ST": [0.7, 0.2], "ST_conf": [0.1, 0.05]})
    assert sa.caution(sobol, "sobol", moved) is None
    assert "not numbers" in sa.caution(sobol.assign(S1=[nan, 0.1]), "sobol", moved)
    assert "not numbers" in sa.caution(sobol.assign(ST_conf=[nan, 0.1]), "sobol", moved)
    zero = sobol.assign(S1=0.0, S1_conf=0.0, ST=0.0, ST_conf=0.0)
    assert "every index is 0" in sa.caution(zero, "sobol", moved)
    prob = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    X = sa.sample(prob, "sobol", 2, seed=1)
    Y = np.where(np.arange(len(X)) == 1, 1.0, 0.0)
    assert "every index is 0" in sa.caution(sa.analyze(prob, X, Y, "sobol"), "sobol", Y)
    morris = pd.DataFrame({"parameter": ["a", "b"], "mu": [0.4, 0.1], "mu_star": [0.4, 0.1],
                           "sigma": [0.1, 0.1], "mu_star_conf": [0.1, 0.05]})
    assert sa.caution(morris, "morris", moved) is None
    for broken in (morris.assign(mu_star_conf=nan), morris.assign(mu_star=[nan, 0.1]),
                   morris.assign(mu_star_conf=[nan, 0.05])):
        assert "not numbers" in sa.caution(broken, "morris", moved)
    wide = sa.caution(morris.assign(mu_star_conf=0.3), "morris", moved)
    assert "Sobol'" not in wide and "trajectories" in wide


@pytest.mark.parametrize("args", [["--actor", "nowhere"], ["--posture", "sideways"],
                                  ["--param", "w_nothing=0:1"], ["--param", "w_autonomy=2"]])
def test_sensitivity_command_rejects_bad_input(args, tmp_path, capsys):
    code = cli.sensitivity_main([*args, "--set", SHORT[0], "--out", str(tmp_path / "x")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("balancing-sim-sensitivity:")
    assert not (tmp_path / "x").exists()
