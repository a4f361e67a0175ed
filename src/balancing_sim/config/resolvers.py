"""Sweep point names and the resolvers `conf/config.yaml` uses (`point_id`, `out_or`).

They are registered when the config layer is imported, so composing a config never
depends on importing the runner.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from omegaconf import OmegaConf

from .schema import EXECUTION_ONLY as POINT_EXCLUDE  # never in a sweep point's id

_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+\-]+")


def point_id(override_dirname: object) -> str:
    """A safe, deterministic directory name from a job's overrides (Hydra's
    `override_dirname`, sorted by key): never a path, never hidden, at most 100 chars."""
    text = _UNSAFE.sub("_", str(override_dirname or "")).strip("._") or "default"
    if len(text) > 100:
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        text = f"{text[:80].rstrip('._')}-{digest}"
    return text


def _register_resolver() -> None:
    if not OmegaConf.has_resolver("point_id"):
        OmegaConf.register_new_resolver("point_id", lambda o: _point_resolver(o))
    if not OmegaConf.has_resolver("out_or"):  # `out`, or Hydra's dated folder when null
        OmegaConf.register_new_resolver(
            "out_or", lambda out, default: default if out in (None, "") else out)


def _short(key: str) -> str:
    """`scenario.events.<id>.value.value` -> `<id>`, `params.<name>` -> `<name>`."""
    match = re.fullmatch(r"scenario\.events\.(\w+)\.value\.value", key)
    if match:
        return match.group(1)
    return key.removeprefix("params.")


def point_name(overrides: Sequence[str]) -> str:
    """A sweep point's id from its overrides, whatever their order: `key=value` items,
    sorted, joined by `,` (keys shortened when that stays unambiguous)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    items = []
    for o in OverridesParser.create().parse_overrides([str(x) for x in overrides]):
        key = o.key_or_group
        if key in POINT_EXCLUDE or key.startswith("hydra.") or o.is_delete():
            continue
        value = o.value()
        text = "+".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        items.append((key, text))
    shorts = [_short(k) for k, _ in items]
    if len(set(shorts)) < len(shorts):
        shorts = [k for k, _ in items]
    return point_id(",".join(sorted(f"{k}={v}" for k, (_, v) in zip(shorts, items,
                                                                    strict=True))))


def _point_resolver(overrides: object) -> str:
    if isinstance(overrides, str):
        return point_id(overrides)
    return point_name(list(overrides))


_register_resolver()
