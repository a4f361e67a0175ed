"""Landscape theory of aggregation (Axelrod & Bennett 1993) as a small numpy API.

`energy` holds frustration, energy, splits and local minima; `dynamics` the sequential
descent, basins and annealing; `files` the YAML/CSV worlds (read by the config layer's
reader, so mistakes are reported as the model's are); `result` the analysis of a world;
`cli` the `balancing-sim-landscape` command. See docs/LANDSCAPE.md.
"""

from .cli import main
from .dynamics import (
    AnnealResult,
    BasinResult,
    DynamicsPath,
    anneal,
    basins,
    sequential_dynamics,
)
from .energy import (
    EXHAUSTIVE_LIMIT,
    LocalMinima,
    all_splits,
    canonical,
    energy,
    energy_all,
    flip_gain,
    frustration,
    iter_splits,
    local_minima,
    split_codes,
)
from .files import (
    LandscapeWorld,
    dump_world,
    load_world,
    propensity_from_codings,
    read_propensity_csv,
    write_propensity_csv,
)
from .result import LandscapeResult, analyze

__all__ = [
    "EXHAUSTIVE_LIMIT",
    "AnnealResult",
    "BasinResult",
    "DynamicsPath",
    "LandscapeResult",
    "LandscapeWorld",
    "LocalMinima",
    "all_splits",
    "analyze",
    "anneal",
    "basins",
    "canonical",
    "dump_world",
    "energy",
    "energy_all",
    "flip_gain",
    "frustration",
    "iter_splits",
    "load_world",
    "local_minima",
    "main",
    "propensity_from_codings",
    "read_propensity_csv",
    "sequential_dynamics",
    "split_codes",
    "write_propensity_csv",
]
