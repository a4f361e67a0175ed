"""Shared fixtures: a tiny synthetic world that names no real country."""

from __future__ import annotations

import copy
import warnings

import pytest
from worlds import tiny_world_dict, user_folder

from balancing_sim.config.validate import build_config
from balancing_sim.world import compile_config

warnings.filterwarnings("error", category=DeprecationWarning, module="mesa")
warnings.filterwarnings("error", category=FutureWarning, module="mesa")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny world run twice into a folder (once per test module), and the overrides
    that choose it (the reading commands' attacks)."""
    import balancing_sim as bs

    root = tmp_path_factory.mktemp("tiny")
    overrides = user_folder(root / "myconf", tiny_world_dict())
    bs.simulate("mine", overrides[:2], runs=2, seed=1, workers=1, progress="off",
                out=root / "run")
    return root, overrides[:2]


@pytest.fixture
def tiny_dict() -> dict:
    return copy.deepcopy(tiny_world_dict())


@pytest.fixture
def tiny_compiled(tiny_dict):
    config = build_config(tiny_dict)
    return config, compile_config(config)
