"""Tests for balancing_sim.landscape (Axelrod & Bennett 1993 landscape theory)."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from command import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
try:
    from balancing_sim import landscape as ls
except ModuleNotFoundError:  # package not installed: run from the source tree
    sys.path.insert(0, str(ROOT / "src"))
    from balancing_sim import landscape as ls

CONF = ROOT / "conf" / "landscape"


# --------------------------------------------------------------------------- helpers


def random_instance(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    s = rng.uniform(0.1, 3.0, n)
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0.0)
    return s, p


def brute_energy(s, p, b) -> float:
    n = len(s)
    return sum(s[i] * s[j] * p[i, j] * (b[i] != b[j]) for i in range(n) for j in range(n))


def brute_frustration(s, p, b, i) -> float:
    return sum(s[j] * p[i, j] * (b[i] != b[j]) for j in range(len(s)))


def brute_local_minima(s, p) -> set[tuple[int, ...]]:
    """Configurations (actor 0 in bloc 0) where no actor lowers its own frustration."""
    n = len(s)
    out = set()
    for tail in itertools.product((0, 1), repeat=n - 1):
        b = (0, *tail)
        ok = True
        for i in range(n):
            moved = list(b)
            moved[i] = 1 - moved[i]
            if brute_frustration(s, p, moved, i) < brute_frustration(s, p, b, i) - 1e-9:
                ok = False
                break
        if ok:
            out.add(b)
    return out


@st.composite
def instances(draw, min_n: int = 2, max_n: int = 8):
    n = draw(st.integers(min_n, max_n))
    sizes = draw(st.lists(st.floats(0.05, 5.0), min_size=n, max_size=n))
    upper = draw(
        st.lists(
            st.floats(-3.0, 3.0, allow_nan=False).map(lambda v: round(v, 3)),
            min_size=n * (n - 1) // 2,
            max_size=n * (n - 1) // 2,
        )
    )
    p = np.zeros((n, n))
    p[np.triu_indices(n, 1)] = upper
    return np.array(sizes), p + p.T


# --------------------------------------------------------------------------- hand example


TOY_S = np.array([2.0, 1.0, 1.0, 1.0])
TOY_P = np.array(
    [
        [0.0, 1.0, -1.0, -0.5],
        [1.0, 0.0, -1.0, 0.0],
        [-1.0, -1.0, 0.0, 1.0],
        [-0.5, 0.0, 1.0, 0.0],
    ]
)


def test_hand_computed_four_actor_example():
    # {A,B} vs {C,D}: F_A = 1*(-1) + 1*(-0.5) = -1.5, F_B = -1, F_C = 2*(-1) + 1*(-1) = -3,
    # F_D = 2*(-0.5) = -1; E = sum_i s_i F_i = 2*(-1.5) - 1 - 3 - 1 = -8 (ordered pairs).
    b = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(ls.frustration(TOY_S, TOY_P, b), [-1.5, -1.0, -3.0, -1.0])
    assert ls.energy(TOY_S, TOY_P, b) == pytest.approx(-8.0)
    # B alone: F = [1, 1, -1, 0], E = 2*1 + 1 - 1 + 0 = 2
    b2 = np.array([0, 1, 0, 0])
    np.testing.assert_allclose(ls.frustration(TOY_S, TOY_P, b2), [1.0, 1.0, -1.0, 0.0])
    assert ls.energy(TOY_S, TOY_P, b2) == pytest.approx(2.0)
    assert ls.energy(TOY_S, TOY_P, np.zeros(4, int)) == 0.0
    # the unordered-pair energy is exactly half
    assert ls.energy(TOY_S, TOY_P, b) / 2 == pytest.approx(
        sum(TOY_S[i] * TOY_S[j] * TOY_P[i, j] for i in (0, 1) for j in (2, 3))
    )
    lm = ls.local_minima(TOY_S, TOY_P)
    assert lm.blocs.tolist() == [[0, 0, 1, 1]]
    assert lm.energies.tolist() == pytest.approx([-8.0])


def test_three_actor_frustrated_triangle():
    # all-negative triangle: every split leaves one rival pair together
    s = np.ones(3)
    p = -(np.ones((3, 3)) - np.eye(3))
    e = ls.energy(s, p, ls.all_splits(3))
    np.testing.assert_allclose(e, [0.0, -4.0, -4.0, -4.0])
    assert len(ls.local_minima(s, p).energies) == 3


def test_vectorised_many_configurations_match_single():
    rng = np.random.default_rng(3)
    s, p = random_instance(rng, 6)
    b = ls.all_splits(6)
    e = ls.energy(s, p, b)
    f = ls.frustration(s, p, b)
    for r in (0, 5, 31):
        assert e[r] == pytest.approx(ls.energy(s, p, b[r]))
        np.testing.assert_allclose(f[r], ls.frustration(s, p, b[r]), atol=1e-12)
    np.testing.assert_allclose(e, f @ s)


def test_utility_equals_constant_minus_frustration():
    # U_i(A) = sum_j s_j p_ij [j in A] = C_i - F_i(i in A): best bloc = least frustration
    rng = np.random.default_rng(7)
    s, p = random_instance(rng, 7)
    c = (p * s).sum(axis=1)
    for b in ls.all_splits(7)[::9]:
        f = ls.frustration(s, p, b)
        own = (b[None, :] == b[:, None]).astype(float)
        utility = (p * s[None, :] * own).sum(axis=1)
        np.testing.assert_allclose(utility, c - f)


# --------------------------------------------------------------------------- splits


def test_all_splits_bit_layout_and_codes():
    b = ls.all_splits(5)
    assert b.shape == (16, 5)
    assert np.all(b[:, 0] == 0)
    assert len({row.tobytes() for row in b}) == 16
    np.testing.assert_array_equal(ls.split_codes(b), np.arange(16))
    np.testing.assert_array_equal(ls.split_codes(1 - b), np.arange(16))  # relabelled blocs
    assert b[6].tolist() == [0, 0, 1, 1, 0]  # code 6 = 0b110 -> actors 2 and 3
    chunks = np.concatenate([blk for _, blk in ls.iter_splits(5, chunk=3)])
    np.testing.assert_array_equal(chunks, b)


@settings(max_examples=40, deadline=None)
@given(instances())
def test_exhaustive_equals_brute_force(inst):
    s, p = inst
    n = len(s)
    b = ls.all_splits(n)
    brute = np.array([brute_energy(s, p, row) for row in b])
    np.testing.assert_allclose(ls.energy_all(s, p, chunk=5), brute, atol=1e-9)
    lm = ls.local_minima(s, p, chunk=5)
    assert {tuple(r) for r in lm.blocs.tolist()} == brute_local_minima(s, p)
    assert lm.energies[0] == pytest.approx(brute.min(), abs=1e-9)
    assert np.all(np.diff(lm.energies) >= -1e-12)


@settings(max_examples=30, deadline=None)
@given(instances(3, 9))
def test_local_minima_have_no_improving_single_move(inst):
    s, p = inst
    lm = ls.local_minima(s, p)
    gain = ls.flip_gain(s, p, lm.blocs)
    assert np.all(gain >= -1e-8 * (np.abs(p) @ s).max())
    for b in lm.blocs:  # and directly: switching never lowers the switcher's frustration
        for i in range(len(s)):
            moved = b.copy()
            moved[i] ^= 1
            assert ls.frustration(s, p, moved)[i] >= ls.frustration(s, p, b)[i] - 1e-9


# --------------------------------------------------------------------------- dynamics


@pytest.mark.parametrize("order", ["greedy", "lowest", "random"])
def test_sequential_dynamics_descends_to_listed_minimum(order):
    rng = np.random.default_rng(11)
    for _ in range(15):
        n = int(rng.integers(3, 10))
        s, p = random_instance(rng, n)
        minima = {r.tobytes() for r in ls.local_minima(s, p).blocs}
        start = rng.integers(0, 2, n)
        path = ls.sequential_dynamics(
            s, p, start, rng=rng if order == "random" else None, order=order
        )
        assert np.all(np.diff(path.energies) < 0)  # each move strictly lowers E
        np.testing.assert_array_equal(path.states[0], start)
        for k, (a, b) in enumerate(itertools.pairwise(path.states)):
            mover = path.movers[k]
            assert np.flatnonzero(a != b).tolist() == [mover]  # one actor at a time
            assert ls.frustration(s, p, b)[mover] < ls.frustration(s, p, a)[mover]
        np.testing.assert_allclose(path.energies, ls.energy(s, p, path.states))
        assert ls.canonical(path.final).tobytes() in minima


def test_greedy_order_moves_the_most_frustrated_gain_first():
    s, p = TOY_S, TOY_P
    start = np.array([0, 1, 1, 0])
    path = ls.sequential_dynamics(s, p, start)
    gain = ls.flip_gain(s, p, start)
    assert path.movers[0] == int(np.argmin(gain))
    assert ls.canonical(path.final).tolist() == [0, 0, 1, 1]


def test_random_order_is_reproducible_from_seed():
    rng = np.random.default_rng(5)
    s, p = random_instance(rng, 9)
    start = np.zeros(9, int)
    start[::2] = 1
    a = ls.sequential_dynamics(s, p, start, rng=42)
    b = ls.sequential_dynamics(s, p, start, rng=np.random.default_rng(np.random.SeedSequence(42)))
    np.testing.assert_array_equal(a.movers, b.movers)


@pytest.mark.parametrize("order", ["greedy", "lowest", "random"])
def test_basins_partition_all_starts(order):
    rng = np.random.default_rng(21)
    for _ in range(5):
        n = int(rng.integers(4, 11))
        s, p = random_instance(rng, n)
        br = ls.basins(s, p, order=order, rng=1, chunk=37)
        assert br.n_starts == 2 ** (n - 1)
        assert br.sizes.sum() == br.n_starts
        assert np.all(br.sizes > 0)
        minima = {r.tobytes() for r in ls.local_minima(s, p).blocs}
        assert {r.tobytes() for r in br.blocs} <= minima
        assert np.bincount(br.start_minimum, minlength=len(br.sizes)).tolist() == br.sizes.tolist()
        # the per-start outcome agrees with running the dynamics one start at a time
        if order != "random":
            for code in (0, 3, 2 ** (n - 1) - 1):
                one = ls.sequential_dynamics(s, p, ls.all_splits(n)[code], order=order)
                assert ls.canonical(one.final).tolist() == br.blocs[br.start_minimum[code]].tolist()


def test_basins_from_sampled_starts():
    rng = np.random.default_rng(2)
    s, p = random_instance(rng, 12)
    br = ls.basins(s, p, n_starts=1000, rng=3, chunk=128)
    assert br.n_starts == 1000
    assert br.sizes.sum() == 1000
    again = ls.basins(s, p, n_starts=1000, rng=3, chunk=128)
    np.testing.assert_array_equal(br.sizes, again.sizes)


def test_anneal_finds_exhaustive_global_minimum():
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        s, p = random_instance(rng, 12)
        exact = ls.local_minima(s, p)
        res = ls.anneal(s, p, rng=seed, n_chains=32, n_sweeps=200)
        assert res.best_energy == pytest.approx(exact.energies[0], rel=1e-9, abs=1e-9)
        np.testing.assert_array_equal(res.best, exact.global_min)
        assert res.counts.sum() == 32
        known = {r.tobytes() for r in exact.blocs}
        assert {r.tobytes() for r in res.blocs} <= known  # every chain ends in a local minimum


def test_analyze_switches_to_annealing_above_limit():
    rng = np.random.default_rng(9)
    n = ls.EXHAUSTIVE_LIMIT + 1
    s, p = random_instance(rng, n)
    w = ls.LandscapeWorld(names=tuple(f"a{i}" for i in range(n)), sizes=s, propensity=p)
    res = ls.analyze(w, n_starts=256)
    assert res.method == "annealing"
    assert res.basin_sizes.sum() == 256
    assert np.all(np.diff(res.energies) >= 0)
    assert np.all(ls.flip_gain(s, p, res.blocs) >= -1e-8 * (np.abs(p) @ s).max())


# --------------------------------------------------------------------------- loaders


def test_propensity_csv_round_trip(tmp_path):
    names = ["Alpha", "Beta", "Gamma"]
    m = np.array([[0, 1.5, -2], [1.5, 0, 0.25], [-2, 0.25, 0]])
    path = tmp_path / "p.csv"
    ls.write_propensity_csv(path, names, m)
    got_names, got = ls.read_propensity_csv(path)
    assert got_names == names
    np.testing.assert_array_equal(got, m)


def test_world_yaml_round_trip(tmp_path):
    w = ls.load_world(CONF / "europe_1936.yaml")
    out = tmp_path / "w.yaml"
    ls.dump_world(w, out)
    w2 = ls.load_world(out)
    assert w2.names == w.names
    np.testing.assert_array_equal(w2.sizes, w.sizes)
    np.testing.assert_array_equal(w2.propensity, w.propensity)
    np.testing.assert_array_equal(w2.observed, w.observed)
    assert w2.observed_labels == w.observed_labels


def test_codings_csv_and_matrix_worlds_agree():
    coded = ls.load_world(CONF / "europe_1936.yaml")
    from_csv = ls.load_world(CONF / "europe_1936_matrix.yaml")
    assert coded.names == from_csv.names
    np.testing.assert_array_equal(coded.sizes, from_csv.sizes)
    np.testing.assert_array_equal(coded.propensity, from_csv.propensity)
    assert set(coded.components) == {"religion", "government", "ethnicity", "history"}
    np.testing.assert_array_equal(sum(coded.components.values()), coded.propensity)
    assert any("Poland" in a or "Soviet" in a for a in coded.assumptions)


def test_toy_pairs_world():
    w = ls.load_world(CONF / "toy_triangle.yaml")
    np.testing.assert_array_equal(w.propensity, TOY_P)
    np.testing.assert_array_equal(w.sizes, TOY_S)


BAD_CSV = {
    "asymmetric": (",a,b\na,0,1\nb,2,0\n", ["not symmetric", "p[a][b] = 1", "p[b][a] = 2"]),
    "nonsquare": (",a,b,c\na,0,1,1\nb,1,0,1\n", ["not square", "2 rows and 3 columns"]),
    "duplicate": (",a,a\na,0,1\na,1,0\n", ["duplicate actor 'a'"]),
    "text": (",a,b\na,0,x\nb,x,0\n", ["[a][b]", "'x'", "not a number"]),
    "diagonal": (",a,b\na,1,0\nb,0,0\n", ["diagonal", "must be 0"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_csv_rejects_bad_input_with_clear_message(tmp_path, case):
    text, expected = BAD_CSV[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        ls.read_propensity_csv(path)
    msg = str(err.value)
    assert str(path) in msg
    for piece in expected:
        assert piece in msg


GOOD_ACTORS = """
actors:
  - {name: X, size: {value: 1, source: s}}
  - {name: Y, size: {value: 2, source: s}}
"""
BAD_YAML = {
    "negative size": (
        "actors:\n  - {name: X, size: {value: -1, source: s}}\n"
        "  - {name: Y, size: {value: 2, source: s}}\n"
        "propensity: {pairs: [{a: X, b: Y, value: 1, source: s}]}\n",
        ["actors[0].size.value", "-1", "'X'", "> 0"],
    ),
    "unknown actor": (
        GOOD_ACTORS + "propensity: {pairs: [{a: X, b: Spain, value: 1, source: s}]}\n",
        ["propensity.pairs[0].b", "unknown actor 'Spain'", "known: X, Y"],
    ),
    "asymmetric matrix": (
        GOOD_ACTORS + "propensity: {source: s, matrix: [[0, 1], [3, 0]]}\n",
        ["propensity.matrix", "not symmetric", "p[X][Y] = 1", "p[Y][X] = 3"],
    ),
    "non-square matrix": (
        GOOD_ACTORS + "propensity: {source: s, matrix: [[0, 1, 2], [1, 0, 2]]}\n",
        ["propensity.matrix", "must be square"],
    ),
    "duplicate actor": (
        "actors:\n  - {name: X, size: {value: 1, source: s}}\n"
        "  - {name: X, size: {value: 2, source: s}}\n"
        "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\n",
        ["duplicate actor 'X'"],
    ),
    "missing source": (
        "actors:\n  - {name: X, size: {value: 1}}\n  - {name: Y, size: {value: 2, source: s}}\n"
        "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\n",
        ["actors[0].size", "'source'"],
    ),
    "bare number": (
        "actors:\n  - {name: X, size: 3}\n  - {name: Y, size: {value: 2, source: s}}\n"
        "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\n",
        ["actors[0].size = 3", "value: <number>, source: <text>"],
    ),
    "two propensity forms": (
        GOOD_ACTORS + "propensity: {source: s, matrix: [[0, 1], [1, 0]], pairs: []}\n",
        ["exactly one of matrix, pairs, csv, codings"],
    ),
    "bad observed": (
        "observed_labels: [L, R]\n"
        "actors:\n  - {name: X, size: {value: 1, source: s}, observed: Q}\n"
        "  - {name: Y, size: {value: 2, source: s}, observed: L}\n"
        "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\n",
        ["actors[0].observed", "'Q'", "['L', 'R']"],
    ),
    "invalid yaml": ("actors: [\n", ["invalid YAML"]),
    # RELIABILITY 276: a traceback (a list is no set member), or read silently
    "a pair of lists": (
        "actors:\n  - {name: X, size: {value: 1, source: s}, attributes: {r: a}}\n"
        "  - {name: Y, size: {value: 2, source: s}, attributes: {r: b}}\n"
        "propensity: {codings: {factors: {f: {source: s, attribute: r, "
        "values: [{pair: [[a], [b]], value: 1}]}}}}\n",
        ["propensity.codings.factors.f.values[0].pair", "two attribute values [u, v] (text)"],
    ),
    "true and false in the matrix": (
        GOOD_ACTORS + "propensity: {source: s, matrix: [[false, true], [true, false]]}\n",
        ["propensity.matrix", "no text, true or false"],
    ),
    "text in the matrix": (
        GOOD_ACTORS + "propensity: {source: s, matrix: [['0', '1'], ['1', '0']]}\n",
        ["propensity.matrix", "no text, true or false"],
    ),
    "one label twice": (
        "observed_labels: [L, L]\n"
        "actors:\n  - {name: X, size: {value: 1, source: s}, observed: L}\n"
        "  - {name: Y, size: {value: 2, source: s}, observed: L}\n"
        "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\n",
        ["observed_labels", "two different names"],
    ),
    "assumptions a text": (
        "assumptions: sizes guessed\n" + GOOD_ACTORS
        + "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\n",
        ["assumptions = 'sizes guessed'", "a list of texts"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_YAML))
def test_yaml_rejects_bad_input_with_clear_message(tmp_path, case):
    text, expected = BAD_YAML[case]
    path = tmp_path / "world.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        ls.load_world(path)
    msg = str(err.value)
    assert str(path) in msg
    for piece in expected:
        assert piece in msg, (piece, msg)


def test_core_functions_validate_arrays():
    with pytest.raises(ValueError, match="not symmetric"):
        ls.energy([1, 1], [[0, 1], [2, 0]], [0, 1])
    with pytest.raises(ValueError, match="square"):
        ls.energy([1, 1], [[0, 1, 1], [1, 0, 1]], [0, 1])
    with pytest.raises(ValueError, match="sizes must be > 0"):
        ls.energy([1, -1], [[0, 1], [1, 0]], [0, 1])
    with pytest.raises(ValueError, match="only 0 and 1"):
        ls.energy([1, 1], [[0, 1], [1, 0]], [0, 2])


# --------------------------------------------------------------------------- CLI


def test_cli_text_and_json(capsys):
    assert ls.main([str(CONF / "toy_triangle.yaml")]) == 0
    out = capsys.readouterr().out
    assert "global minimum: E = -8" in out
    assert ls.main([str(CONF / "europe_1936.yaml"), "--json", "--top", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_minima"] == 2 and len(doc["minima"]) == 1
    assert doc["minima"][0]["basin_size"] == 62720


def test_cli_bad_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_ACTORS + "propensity: {pairs: [{a: X, b: Nowhere, value: 1, source: s}]}")
    for target in (bad, tmp_path / "missing.yaml"):
        proc = run_cli("balancing-sim-landscape", str(target))
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1
        assert "Traceback" not in proc.stderr
        assert str(target) in proc.stderr


def test_cli_refuses_a_negative_seed_naming_the_option(capsys):
    """It said "error: expected non-negative integer", naming no option (RELIABILITY 276)."""
    with pytest.raises(SystemExit) as exit_:
        ls.main([str(CONF / "toy_triangle.yaml"), "--seed", "-1"])
    assert exit_.value.code == 2
    assert "argument --seed: '-1': a whole number >= 0" in capsys.readouterr().err


def test_a_csv_the_parser_refuses_is_one_line(tmp_path):
    """pandas' tokenizer message ends in a newline: the message was two lines."""
    world = tmp_path / "world.yaml"
    (tmp_path / "p.csv").write_text(",X,Y\nX,0,1\nY,1,0,5,6\n")
    world.write_text(GOOD_ACTORS + "propensity: {csv: p.csv}\n")
    proc = run_cli("balancing-sim-landscape", str(world))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Expected 3 fields in line 3, saw 5)" in proc.stderr


# --------------------------------------------------------------------------- replication


def test_replication_europe_1936():
    """Axelrod & Bennett (1993), Europe 1936, with the rebuilt codings shipped in conf/.

    Published (paper, as quoted by secondary sources; see docs/LANDSCAPE.md): the
    landscape has the observed Allied/Axis split as its main minimum, right for 15 of
    17 nations with Poland and Portugal misplaced, plus a second, metastable minimum
    in which most of Europe is aligned against the Soviet Union.

    Reproduced here: two local minima; the global minimum (95.7% of starts) is the
    Allied/Axis split and the other is the Soviet Union (with Greece and Yugoslavia)
    against the rest of Europe.  Differs: the main minimum is right for 14/17, not
    15/17 -- Poland is misplaced as published, but Portugal is placed correctly and
    Italy and Romania are misplaced.  The paper's propensity table was not available;
    sizes are COW NMC v6.0 CINC 1936 and propensities are a coding reconstruction.
    """
    w = ls.load_world(CONF / "europe_1936.yaml")
    assert w.n == 17
    published = w.meta["published"]
    assert published["n_correct"] == 15
    assert published["misplaced"] == ["Poland", "Portugal"]

    res = ls.analyze(w)
    assert res.method == "exhaustive" and res.n_starts == 2**16
    assert len(res.energies) == 2
    assert res.basin_sizes.tolist() == [62720, 2816]

    # main minimum: the Allied/Axis split
    assert res.correct[0] == 14  # published: 15
    assert res.misplaced(0) == ["Italy", "Poland", "Romania"]  # published: Poland, Portugal
    allies, axis = res.sides(0)
    assert {"Britain", "France", "Soviet Union", "Czechoslovakia"} <= set(allies)
    assert {"Germany", "Hungary", "Finland"} <= set(axis)
    assert "Poland" in set(published["misplaced"]) & set(res.misplaced(0))

    # second (metastable) minimum: most of Europe against the Soviet Union
    soviet_side, rest = res.sides(1)
    if "Soviet Union" not in soviet_side:
        soviet_side, rest = rest, soviet_side
    assert set(soviet_side) == {"Soviet Union", "Greece", "Yugoslavia"}
    assert {"Britain", "France", "Germany", "Italy", "Poland"} <= set(rest)
    assert res.energies[1] > res.energies[0]


def test_every_mistake_of_a_world_file_is_reported_with_its_key(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text("actors:\n  - {name: X, size: 3}\n  - {name: Y, size: {value: 1}}\n"
                    "propensity: {source: s, matrix: [[0, 1], [1, 0]]}\ncolour: red\n")
    with pytest.raises(ValueError) as err:
        ls.load_world(path)
    keys = [p.key for p in err.value.problems]
    assert keys == ["colour", "actors[0].size", "actors[1].size.source"]
