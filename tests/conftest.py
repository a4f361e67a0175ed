"""Shared fixtures: a tiny synthetic world that names no real country."""

from __future__ import annotations

import copy
import warnings

import pytest
from worlds import tiny_world_dict

from balancing_sim.config.validate import build_config
from balancing_sim.world import compile_config

warnings.filterwarnings("error", category=DeprecationWarning, module="mesa")
warnings.filterwarnings("error", category=FutureWarning, module="mesa")


@pytest.fixture
def tiny_dict() -> dict:
    return copy.deepcopy(tiny_world_dict())


@pytest.fixture
def tiny_compiled(tiny_dict):
    config = build_config(tiny_dict)
    return config, compile_config(config)
