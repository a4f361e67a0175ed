"""Hydra reads every config file with OmegaConf's YAML loader, a pure-Python PyYAML
`SafeLoader`: scanning and parsing YAML is about half of what composing a config costs
(~0.15 of ~0.3 s). Where PyYAML was built with libyaml, `install` gives OmegaConf the same
loader on libyaml's parser: the same resolvers, constructors and duplicate-key check, so
the same data, read about 7x faster. A file that does not parse is read again by
OmegaConf's own loader, so every error and its message stay exactly OmegaConf's.

This replaces `omegaconf._utils.get_yaml_loader`, which `OmegaConf.load` looks up on each
call; if a later OmegaConf moves it, `install` does nothing and only speed is lost."""

from __future__ import annotations

import io
from typing import Any

import omegaconf._utils as omegaconf_utils
import yaml
from yaml.constructor import SafeConstructor
from yaml.cyaml import CParser
from yaml.resolver import Resolver


def _reopened(data: str | bytes, name: str | None) -> Any:
    """The text again, as a stream carrying the original stream's name (marks show it)."""
    if name is None:
        return data
    stream = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)
    stream.name = name
    return stream


def libyaml_twin(python_loader: type) -> type:
    """`python_loader` (OmegaConf's) on libyaml's parser, falling back to it on errors."""

    class LibyamlLoader(CParser, python_loader):  # libyaml parses; the rest is OmegaConf's
        def __init__(self, stream: Any) -> None:
            if hasattr(stream, "read"):
                self._source = (stream.read(), getattr(stream, "name", "<file>"))
            else:
                self._source = (stream, None)
            CParser.__init__(self, _reopened(*self._source))
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        def get_single_data(self) -> Any:
            try:
                return super().get_single_data()
            except yaml.YAMLError:  # OmegaConf's own loader says what is wrong, its way
                again = python_loader(_reopened(*self._source))
                try:
                    return again.get_single_data()
                finally:
                    again.dispose()

    return LibyamlLoader


def install() -> None:
    """Make OmegaConf (hence Hydra) read YAML with libyaml; idempotent."""
    original = getattr(omegaconf_utils, "get_yaml_loader", None)
    if not yaml.__with_libyaml__ or original is None or hasattr(original, "python_loader"):
        return
    loader = libyaml_twin(original())

    def get_yaml_loader() -> type:
        return loader

    get_yaml_loader.python_loader = original
    omegaconf_utils.get_yaml_loader = get_yaml_loader
