"""Kept compositions (config.kept) are Hydra's own: cases a red team found where a kept
composition, or its error, differed from what Hydra composes fresh."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.utils import JobRuntime
from hydra.errors import HydraException
from omegaconf import OmegaConf

from balancing_sim.config import kept
from balancing_sim.config.loading import _compose_raw, conf_dir


def _fresh(call):
    """`call()` with Hydra composing everything anew (nothing kept)."""
    with kept.nothing_kept():
        return call()


def _yaml(overrides: list[str]) -> str:
    return OmegaConf.to_yaml(_compose_raw(overrides))


@pytest.mark.parametrize("overrides", [
    ["params.w_autonomy=0.7", "params={w_autonomy:0.5}"],
    ["scenario.end=2031-01", "scenario={end:2030-01}"],
])
def test_a_mapping_given_to_a_group_after_a_value_is_applied_in_order(overrides):
    """To Hydra `params={...}` is a value (a mapping), applied in command-line order with
    `params.w_autonomy=...`: the last one wins, kept or not."""
    first, again = _yaml(overrides), _yaml(overrides)
    assert first == again == _fresh(lambda: _yaml(overrides))


def _error(overrides: list[str]) -> str:
    with pytest.raises(HydraException) as caught:
        _compose_raw(overrides)
    return str(caught.value)


def test_the_first_failing_override_is_the_one_hydra_names():
    """Hydra applies a value and an addition in their order and stops at the first that
    fails; a kept composition must not report the later one."""
    overrides = ["params.nope=1", "+params.w_autonomy=2"]
    whole = _fresh(lambda: _error(overrides))
    assert whole.startswith("Could not override 'params.nope'")
    assert _error(overrides) == _error(overrides) == whole


def _compose_in(folder: Path, overrides: list[str], version_base: str | None = None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Hydra's note on version_base 1.1
        with initialize_config_dir(config_dir=str(folder), version_base=version_base):
            return compose("config", overrides=overrides, return_hydra_config=True)


def test_another_version_base_is_another_composition():
    """`version_base` changes what Hydra composes (and it records it): a composition made
    under one is not served under another."""
    _compose_in(conf_dir(), ["seed=2"])
    cfg = _compose_in(conf_dir(), ["seed=2"], version_base="1.1")
    fresh = _fresh(lambda: _compose_in(conf_dir(), ["seed=2"], version_base="1.1"))
    assert cfg.hydra.runtime.version_base == fresh.hydra.runtime.version_base == "1.1"
    assert OmegaConf.to_yaml(cfg) == OmegaConf.to_yaml(fresh)


def test_compositions_in_threads_leave_the_job_name_alone():
    """Compositions made at once in threads put back the job's name Hydra set."""
    scenarios = ["history", "baseline", "trilateral", "peace_treaty"]
    failures: list[BaseException] = []
    names: set[str] = set()

    def compose_some(scenario: str) -> None:
        try:
            for i in range(3):  # new compositions (another run dir), and kept ones
                for other in (f"hydra.run.dir=/r{i}", f"seed={i}"):
                    cfg = compose("config", overrides=[f"scenario={scenario}", other],
                                  return_hydra_config=True)
                    names.add(cfg.hydra.job.name)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    with initialize_config_dir(config_dir=str(conf_dir()), version_base=None,
                               job_name="threads"):
        threads = [threading.Thread(target=compose_some, args=(s,)) for s in scenarios]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cfg = compose("config", overrides=["scenario=history", "hydra.run.dir=/r0"],
                      return_hydra_config=True)
        assert (failures, names, JobRuntime().get("name"), cfg.hydra.job.name) == (
            [], {"threads"}, "threads", "threads")


def _edits_are_seen(chosen: Path, composed_value: Callable[[], object]) -> None:
    """`chosen` written with `v: 1`, then `v: 2`: each composition after a write reads it."""
    for v in (1, 2):
        chosen.write_text(f"v: {v}\n")
        assert composed_value() == v


def test_an_edit_in_a_folder_the_primary_config_searches_is_seen(tmp_path):
    """The primary config's own `hydra.searchpath` names folders a composition reads."""
    (tmp_path / "main").mkdir()
    (tmp_path / "extra" / "g").mkdir(parents=True)
    (tmp_path / "main" / "config.yaml").write_text(
        f"defaults:\n  - g: a\n  - _self_\nhydra:\n  searchpath: ['file://{tmp_path}/extra']\n")
    _edits_are_seen(tmp_path / "extra" / "g" / "a.yaml",
                    lambda: _compose_in(tmp_path / "main", []).g.v)


def test_an_edit_in_a_deeply_nested_group_is_seen(tmp_path):
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "config.yaml").write_text("defaults:\n  - a/b/c: z\n  - _self_\n")
    _edits_are_seen(tmp_path / "a" / "b" / "c" / "z.yaml",
                    lambda: _compose_in(tmp_path, []).a.b.c.v)


def test_a_run_setting_named_like_a_config_group_is_a_choice_of_file(tmp_path):
    """With a folder `seed/` on the search path, `seed=7` chooses `seed/7.yaml` to Hydra
    (which refuses an int as a choice): a kept composition must not take it as a value."""
    (tmp_path / "seed").mkdir()
    (tmp_path / "seed" / "7.yaml").write_text("# @package _global_\nseed: 700\n")
    overrides = [f"hydra.searchpath=['file://{tmp_path}']", "seed=7"]

    def error() -> str:
        with pytest.raises(ValueError) as caught:
            _compose_raw(overrides)
        return str(caught.value)

    assert error() == error() == _fresh(error)


def test_an_edit_in_a_linked_group_folder_is_seen(tmp_path):
    """Hydra reads a group folder that is a link; so does the digest of kept files (and
    a link back to a parent folder ends)."""
    (tmp_path / "real" / "g").mkdir(parents=True)
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "config.yaml").write_text("defaults:\n  - g: a\n  - _self_\n")
    (tmp_path / "main" / "g").symlink_to(tmp_path / "real" / "g")
    (tmp_path / "real" / "g" / "loop").symlink_to(tmp_path / "real")
    _edits_are_seen(tmp_path / "real" / "g" / "a.yaml",
                    lambda: _compose_in(tmp_path / "main", []).g.v)


def test_a_kept_file_is_hydras_reading_and_each_caller_gets_its_own(tmp_path):
    """Files Hydra read are kept per path and bytes (config.kept): a second reading is
    equal to a fresh one, a caller changing its copy changes no later reading, and an
    edit of the file is read anew."""
    from hydra._internal.sources_registry import SourcesRegistry

    _compose_raw(["scenario=baseline"])  # Hydra's plugins are scanned and its reader kept
    source = SourcesRegistry.instance().types["file"](provider="test", path=str(tmp_path))
    (tmp_path / "f.yaml").write_text("# @package _global_\na: {b: [1, 2]}\n")
    first = source.load_config("f")
    first.config.a.b.append(3)
    second = source.load_config("f")
    with kept.nothing_kept():
        fresh = source.load_config("f")
    assert OmegaConf.to_yaml(second.config) == OmegaConf.to_yaml(fresh.config)
    assert second.header == fresh.header == {"package": "_global_"}
    (tmp_path / "f.yaml").write_text("# @package _global_\na: {b: [7]}\n")
    assert list(source.load_config("f").config.a.b) == [7]




def test_a_composition_made_while_a_file_changed_is_not_kept(tmp_path, monkeypatch):
    """A file edited after the config files' digest is taken but before Hydra reads it,
    then put back: the composition read the edit, so it is not kept under the digest of
    the files as they were (the next composition was served the edit: v 2 for a file
    saying 1)."""
    config = tmp_path / "config.yaml"
    config.write_text("v: 1\n")
    digest, edits = kept.config_files_digest, ["v: 2\n"]

    def digest_then_edit(folders):
        taken = digest(folders)
        if edits:
            config.write_text(edits.pop())
        return taken

    monkeypatch.setattr(kept, "config_files_digest", digest_then_edit)
    assert _compose_in(tmp_path, ["+seed=1"]).v == 2  # Hydra read the edit
    config.write_text("v: 1\n")
    assert _compose_in(tmp_path, ["+seed=1"]).v == 1


def test_a_loaded_config_is_placed_under_its_package_once_and_copied_after():
    """Hydra's deep copy of a config it embeds under its package is skipped for a config
    no other config holds (each read of Hydra's own sources is new); one already placed,
    or one from another source, is copied, as Hydra does, so two compositions never share
    a node."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.plugins.config_source import ConfigResult

    import balancing_sim.config.loading  # noqa: F401  (installs the kept compositions)

    read = ConfigResult(provider="test", path="file:///conf", header={"package": "world.part"},
                        config=OmegaConf.create({"a": {"b": 1}}))
    first = ConfigLoaderImpl._embed_result_config(read, None)
    second = ConfigLoaderImpl._embed_result_config(read, None)
    assert first.config.world.part is read.config
    assert second.config.world.part is not read.config
    assert OmegaConf.to_container(first.config) == OmegaConf.to_container(second.config) \
        == {"world": {"part": {"a": {"b": 1}}}}

    def fresh(path: str = "file:///conf") -> ConfigResult:
        return ConfigResult(provider="test", path=path, header={"package": "world"},
                            config=OmegaConf.create({"a": 1}))

    kept_by_a_plugin = fresh("myplugin://store")
    assert ConfigLoaderImpl._embed_result_config(kept_by_a_plugin, None).config.world \
        is not kept_by_a_plugin.config  # another source may keep what it hands out
    with kept.nothing_kept():  # Hydra's own step, which copies every time, is put back
        read = fresh()
        assert ConfigLoaderImpl._embed_result_config(read, None).config.world \
            is not read.config
    read = fresh()
    assert ConfigLoaderImpl._embed_result_config(read, None).config.world is read.config
