"""Config keys that say how runs are executed, not what they compute: defined once here.

`EXECUTION_ONLY` (the run settings marked `execution` in `config.schema`, and the
experiment's name) never changes a number: an output directory may be resumed with other
values (the runner leaves them out of a run's identity), and they never name a sweep
point (`config.resolvers.POINT_EXCLUDE` is the same tuple). `RUN_SETTINGS` do change the
numbers but are not inputs of the model: the analysis does not treat a swept `seed` or
`runs` as a parameter. Dotted keys, as on the command line.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config.schema import EXECUTION_ONLY

RUN_SETTINGS: tuple[str, ...] = ("runs", "seed", "engine", "runner.record_every")
NOT_MODEL_INPUTS: tuple[str, ...] = (*EXECUTION_ONLY, *RUN_SETTINGS)
"""Besides these, every `hydra.*` key is not a model input."""


def is_model_input(key: str) -> bool:
    """Does a (swept) dotted key change the model, as opposed to how it is run?"""
    return key not in NOT_MODEL_INPUTS and not key.startswith("hydra.")


def without_execution(resolved: Mapping) -> dict:
    """A resolved config without its execution-only keys: what determines the results."""
    data = dict(resolved)
    for key in EXECUTION_ONLY:
        section, _, name = key.rpartition(".")
        if not section:
            data.pop(key, None)
        elif isinstance(data.get(section), Mapping):
            data[section] = {k: v for k, v in data[section].items() if k != name}
    return data
