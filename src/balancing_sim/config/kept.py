"""Hydra's compositions, kept per process.

Composing reads and merges about ten YAML files (~0.3 CPU-s, mostly OmegaConf building
and copying the nodes of the world and the situation), and one command composes the same
files again and again: the checks before anything is created, Hydra's own run (twice: its
mode, then the run), a sweep's points (twice each: the sweeper checks its batch, then the
launcher composes each job), a notebook's runs with other seeds or sizes. `install`
makes Hydra's `ConfigLoaderImpl.load_configuration` keep what it composed, keyed by
everything a composition reads: the primary config, the overrides that choose files
(`scenario=...`, `hydra.searchpath=...`), the search path (the primary config's
`hydra.searchpath` included), the working folder, Hydra's `version_base` and a digest of
every YAML file of the config folders (`config_files_digest`), taken before and after
composing: a composition made while a file changed is not kept. One composition is made
at a time (it marks the job's name Hydra gives a composition no config names).

What Hydra sets after composing the files is set again on each copy, with Hydra's own
function: the overrides that set one value (`runs=8`, `out=/x`, `params.w_autonomy=0.6`,
`hydra.mode=RUN`), the record of the command line's overrides, the job's folder name and
the job's name (when no config sets it). A composition for a run serves a multirun's
(Hydra composes them alike when the run's composes: only a run refuses a config left
`???`); a multirun's serves only multiruns; Hydra's check of sweep overrides runs on
every call. Failures are never kept: every error is Hydra's own, the first in the
order of all the overrides. Hydra's deep copy of each config it places under its package
is spared where no other config holds it (`_embedded`). If a later Hydra moves
what this wraps, `install` does nothing and only speed is lost.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import pickle
import threading
import typing
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from hydra import version
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, ValueType
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, flag_override

try:  # Hydra's own loader, its step for value overrides, its job folder name, its reader
    from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
    from hydra._internal.sources_registry import SourcesRegistry
    from hydra.core.utils import JobRuntime
    from hydra.plugins.config_source import ConfigResult
except ImportError:  # pragma: no cover - a later Hydra moved them
    ConfigLoaderImpl = None

KEEP = 64
"""Compositions kept (pickled, about 0.2 MB each): `make test` composes 232 distinct
choices in its two workers; keeping 16 composed 25 of them twice."""
KEEP_FILES = 256
"""Config files kept as read (pickled, the world's about 0.1 MB)."""
GROUP_KEYS: tuple[str, ...] = ()
"""Set by `install`: config groups, whose overrides choose files."""
VALUE_KEYS: tuple[str, ...] = ("hydra.mode",)
"""Keys an override sets as a value without a dot in them (`install` adds run settings),
and the one Hydra key that changes nothing Hydra composes (`hydra.mode`)."""
UNNAMED = "\0 job name of the moment"
"""The job's name while a composition to keep is made: Hydra's when no config sets it."""

_kept: OrderedDict[tuple, bytes] = OrderedDict()
_files: OrderedDict[tuple[str, bytes], tuple[bytes, dict]] = OrderedDict()
composed = 0
"""Compositions Hydra made in this process since `install` (what a kept one saved it)."""
_lock = threading.Lock()
_naming = threading.RLock()


def value_overrides(parsed: Sequence[Override],
                    folders: Sequence[Path] = ()) -> list[Override]:
    """The overrides that set one config value (a run setting, a dotted key or
    `hydra.mode`, never a file's choice nor another `hydra.*` key); none when another
    override of a value touches the same part of the config (`runner={...}`,
    `scenario={...}`, `+params.x=1`): Hydra keeps their order. A run setting named like
    a folder of the config folders is a file's choice to Hydra (`seed/7.yaml`)."""
    values = [o for o in parsed if (o.key_or_group in VALUE_KEYS
                                    and not any((f / o.key_or_group).is_dir() for f in folders))
              or ("." in o.key_or_group and not o.is_hydra_override())]
    values = [o for o in values if o.package is None
              and o.type == OverrideType.CHANGE and o.value_type == ValueType.ELEMENT]
    keys = [o.key_or_group for o in values]
    others = [o.key_or_group for o in parsed if not any(o is v for v in values)
              and not o.is_hydra_override()
              and (o.key_or_group not in GROUP_KEYS  # a mapping is a value to Hydra
                   or (not o.is_sweep_override() and isinstance(o.value(), dict)))]
    if any(k == other or k.startswith(other + ".") or other.startswith(k + ".")
           for k in keys for other in others):
        return []
    return values


def apply_values(cfg: DictConfig, parsed: Sequence[Override],
                 values: Sequence[Override]) -> None:
    """What Hydra does with value overrides after composing the files: set them in their
    order, record the command line's overrides in theirs, name the job's folder."""
    ConfigLoaderImpl._apply_overrides_to_config(list(values), cfg)
    cfg.hydra.overrides.hydra = [o.input_line for o in parsed if o.is_hydra_override()]
    task = [o for o in parsed if not o.is_hydra_override()]
    cfg.hydra.overrides.task = [o.input_line for o in task]
    names = cfg.hydra.job.config.override_dirname
    cfg.hydra.job.override_dirname = get_overrides_dirname(
        overrides=task, kv_sep=names.kv_sep, item_sep=names.item_sep,
        exclude_keys=names.exclude_keys)


def config_files_digest(folders: Sequence[Path]) -> str:
    """A digest of the names and bytes of every YAML file in these config folders, at any
    depth (Hydra's groups nest): any edit changes it."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for path in _yaml_files(folder):
            digest.update(str(path).encode() + b"\0")
            with contextlib.suppress(OSError):  # vanished or unreadable: Hydra says so
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _yaml_files(folder: Path) -> list[Path]:
    """Every YAML file under `folder`, through linked folders as Hydra reads them (each
    real folder once: a link to a parent ends)."""
    found, seen = [], set()
    for root, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs.clear()
            continue
        seen.add(real)
        found += [Path(root, n) for n in names if n.endswith(".yaml")]
    return sorted(found)


def _folders(loader: object, config_name: str | None,
             parsed: Sequence[Override]) -> list[Path]:
    """The config folders a composition may read: the loader's, then `hydra.searchpath`
    as Hydra finds it (the command line's first, else the primary config's)."""
    paths = [str(p.path) for p in loader.config_search_path.get_path()]
    value = next((o.value() for o in parsed if o.get_key_element() == "hydra.searchpath"),
                 None)
    if value is None and config_name is not None:
        with contextlib.suppress(Exception):  # a broken primary config: Hydra says so
            loaded = loader.repository.load_config(config_path=config_name)
            value = OmegaConf.select(loaded.config, "hydra.searchpath") if loaded else None
    if value is not None:
        paths += [str(v) for v in (value if isinstance(value, Sequence)
                                   and not isinstance(value, str) else [value])]
    return [Path(p.removeprefix("file://")).expanduser() for p in paths
            if "://" not in p.removeprefix("file://")]


def install(groups: Sequence[str], value_keys: Sequence[str]) -> None:
    """Keep Hydra's compositions in this process (idempotent)."""
    global GROUP_KEYS, VALUE_KEYS
    if ConfigLoaderImpl is None or hasattr(ConfigLoaderImpl.load_configuration, "composing"):
        return
    GROUP_KEYS, VALUE_KEYS = tuple(groups), ("hydra.mode", *value_keys)
    composing = ConfigLoaderImpl.load_configuration

    def load_configuration(self, config_name, overrides, run_mode, from_shell=True,
                           validate_sweep_overrides=True):
        try:
            parsed = OverridesParser.create().parse_overrides(list(overrides))
        except (HydraException, ValueError):  # Hydra says what is wrong, its way
            parsed = None
        if parsed is None:
            return composing(self, config_name, overrides, run_mode, from_shell,
                             validate_sweep_overrides)
        _keep_reads()
        folders = _folders(self, config_name, parsed)
        values = value_overrides(parsed, folders)
        files = [o.input_line for o in parsed if not any(o is v for v in values)]
        key = (config_name, tuple(files),
               tuple(str(p.path) for p in self.config_search_path.get_path()),
               os.getcwd(), version.getbase(), config_files_digest(folders))
        modes = [RunMode.RUN, run_mode] if run_mode != RunMode.RUN else [run_mode]
        with _lock:
            found = next((k for k in [(key, m) for m in modes] if k in _kept), None)
            if found is not None:
                _kept.move_to_end(found)  # the least recently used goes first
                cfg = _copy_of(_kept[found])
            else:
                cfg = None
        if cfg is not None and validate_sweep_overrides:
            ConfigLoaderImpl.validate_sweep_overrides_legal(parsed, run_mode, from_shell)
        if cfg is None:
            global composed
            composed += 1
            with _naming:  # one composition at a time puts its mark in the job's name
                name = OmegaConf.select(JobRuntime().conf, "name")
                JobRuntime().set("name", UNNAMED)
                try:
                    cfg = composing(self, config_name, files, run_mode, from_shell,
                                    validate_sweep_overrides)
                except Exception:
                    if not values:
                        raise
                    cfg = None  # Hydra's own first error, in the order of all overrides
                finally:
                    JobRuntime().set("name", name)
            if cfg is None:
                with _naming:  # the job's name, not another thread's mark
                    return composing(self, config_name, overrides, run_mode, from_shell,
                                     validate_sweep_overrides)
            if (not cfg.hydra.job.env_copy  # one that copies the environment is not kept
                    and config_files_digest(folders) == key[-1]):  # nor one read mid-edit
                with _lock:
                    _kept[(key, run_mode)] = pickle.dumps(cfg)
                    while len(_kept) > KEEP:
                        _kept.popitem(last=False)
        if cfg.hydra.job.name == UNNAMED:
            with _naming:
                cfg.hydra.job.name = JobRuntime().get("name")
        if values:
            apply_values(cfg, parsed, values)
        return cfg

    load_configuration.composing = composing
    ConfigLoaderImpl.load_configuration = load_configuration
    ConfigLoaderImpl._embed_result_config = staticmethod(_embedded(
        ConfigLoaderImpl._embed_result_config))


FRESH_SOURCES = ("file://", "pkg://", "structured://")
"""Hydra's own config sources, which hand out a new config on each read (a file read
anew or unpickled, a package resource parsed, a ConfigStore node deep copied)."""


def _embedded(embedding):
    """Hydra's step that puts a loaded config under its package (`world:`, `scenario:`),
    without its deep copy of a config no other config holds: one Hydra's own sources
    have just read (`FRESH_SOURCES`); the copy was ~40% of a composition. A config
    already placed somewhere (read twice in one composition from Hydra's per-composition
    cache), or from another source (a plugin may hand out what it keeps), is copied, as
    Hydra does."""

    def embed(ret: ConfigResult, package_override: str | None) -> ConfigResult:
        package = ret.header["package"] if package_override is None else package_override
        if not package or not OmegaConf.is_config(ret.config) \
                or not str(ret.path).startswith(FRESH_SOURCES) \
                or ret.config._get_parent() is not None:
            return embedding(ret, package_override)
        cfg = OmegaConf.create()
        with flag_override(cfg, "no_deepcopy_set_nodes", True):
            OmegaConf.update(cfg, package, ret.config, merge=False)
        ret = copy.copy(ret)
        ret.config = cfg
        return ret

    embed.embedding = embedding
    return embed


def _keep_reads() -> None:
    """Keep what Hydra's file reader reads. The reader is the class Hydra's plugin scan
    registered, a copy of `FileConfigSource` the scan made by running its module again."""
    source = SourcesRegistry.instance().types.get("file")
    if source is not None and not hasattr(source.load_config, "reading"):
        source.load_config = _kept_reader(source.load_config)


def _kept_reader(reading):
    """Hydra's reader of one config file, keeping what it read per file path and bytes:
    building OmegaConf's nodes of a file costs ~7x unpickling them, and a composition of
    new choices reads mostly files read before (the world, the situation, config.yaml).
    A file that changes while Hydra reads it is not kept."""

    def load_config(self, config_path: str) -> ConfigResult:
        full = os.path.realpath(os.path.join(self.path, self._normalize_file_name(config_path)))
        try:
            key = (full, _digest(full))
        except OSError:  # missing or unreadable: Hydra says so
            return reading(self, config_path)
        with _lock:
            found = _files.get(key)
            if found is not None:
                _files.move_to_end(key)
        if found is not None:
            return ConfigResult(config=_copy_of(found[0]), header=dict(found[1]),
                                path=f"{self.scheme()}://{self.path}", provider=self.provider)
        result = reading(self, config_path)
        with contextlib.suppress(OSError):
            if _digest(full) == key[1]:
                with _lock:
                    _files[key] = (pickle.dumps(result.config), dict(result.header))
                    while len(_files) > KEEP_FILES:
                        _files.popitem(last=False)
        return result

    load_config.reading = reading
    return load_config


PLAIN = frozenset({("builtins", n) for n in ("bool", "bytes", "dict", "float", "frozenset",
                                              "int", "list", "set", "str", "tuple")}
                  | {("collections", "defaultdict"), ("collections", "OrderedDict")})


class ConfigUnpickler(pickle.Unpickler):
    """Builds only what a composition is made of: plain values, typing's names, and
    OmegaConf's and Hydra's classes (nodes, metadata, Hydra's config dataclasses and
    enums), never a function. The bytes are this process's own copies of configs it
    composed, never read from a file; the check is there so that even they cannot
    name anything else."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) in PLAIN or (module == "typing" and hasattr(typing, name)):
            return super().find_class(module, name)
        if module.partition(".")[0] in ("omegaconf", "hydra"):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"not part of a config: {module}.{name}")


def _copy_of(pickled: bytes) -> DictConfig:
    """A new config from a kept one (a deep copy ~4x cheaper than `copy.deepcopy`)."""
    return ConfigUnpickler(io.BytesIO(pickled)).load()


@contextlib.contextmanager
def nothing_kept():
    """Hydra as it is inside the block: every composition and file read anew (to compare
    a kept composition with Hydra's own)."""
    _keep_reads()  # the reader Hydra registered, wrapped or not, is put back as found
    source = SourcesRegistry.instance().types.get("file")
    loading, reading = ConfigLoaderImpl.load_configuration, getattr(source, "load_config", None)
    embedding = ConfigLoaderImpl.__dict__["_embed_result_config"]
    ConfigLoaderImpl.load_configuration = getattr(loading, "composing", loading)
    ConfigLoaderImpl._embed_result_config = staticmethod(
        getattr(embedding.__func__, "embedding", embedding.__func__))
    if source is not None:
        source.load_config = getattr(reading, "reading", reading)
    try:
        yield
    finally:
        ConfigLoaderImpl.load_configuration = loading
        ConfigLoaderImpl._embed_result_config = embedding
        if source is not None:
            source.load_config = reading


def _digest(path: str) -> bytes:
    with open(path, "rb") as f:
        return hashlib.blake2b(f.read(), digest_size=16).digest()
