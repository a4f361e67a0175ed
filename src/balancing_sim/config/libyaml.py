"""Hydra reads every config file with OmegaConf's YAML loader, a pure-Python PyYAML
`SafeLoader`: scanning and parsing YAML is about half of what composing a config costs
(~0.15 of ~0.3 s). Where PyYAML was built with libyaml, `install` gives OmegaConf the same
loader on libyaml's parser: the same resolvers, constructors and duplicate-key check, so
the same data, read about 7x faster. A file that does not parse is read again by
OmegaConf's own loader, so every error and its message stay exactly OmegaConf's.

Writing is the same story: Hydra saves every job's composed config (`.hydra/config.yaml`)
with `OmegaConf.to_yaml`, a pure-Python PyYAML `Dumper`: ~0.25 CPU-s of a command on the
history, a tenth of a small command. `install` gives it libyaml's emitter under
OmegaConf's own representers (quotes around strings that would read back as numbers or
booleans), ~3x faster. What it writes always reads back as the same data; it is the same
text as OmegaConf's where every string is one line of printable characters of the Basic
Multilingual Plane (every shipped config). Beyond that the two emitters differ in form
only: libyaml escapes an emoji (`"\\U0001F600"`), folds long double-quoted text at other
places and writes an empty key as `? ''`; and a NEL character, which the Python emitter
writes as a line break that reads back as a space, libyaml writes as `"\\N"`.

This replaces `omegaconf._utils.get_yaml_loader`, which `OmegaConf.load` looks up on each
call, and `omegaconf.omegaconf.get_omega_conf_dumper`, which `OmegaConf.to_yaml` looks up
on each call; if a later OmegaConf moves them, `install` leaves them and only speed is
lost."""

from __future__ import annotations

import io
from typing import Any

import omegaconf._utils as omegaconf_utils
import omegaconf.omegaconf as omegaconf_module
import yaml
from yaml.constructor import SafeConstructor
from yaml.cyaml import CEmitter, CParser
from yaml.representer import Representer
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


def libyaml_dumper(python_dumper: type) -> type:
    """`python_dumper` (OmegaConf's) on libyaml's emitter: its representers, libyaml's
    serializer and emitter (what `yaml.CDumper` is to `yaml.Dumper`)."""

    class LibyamlDumper(CEmitter, python_dumper):
        def __init__(self, stream: Any, default_style: Any = None,
                     default_flow_style: Any = False, canonical: Any = None,
                     indent: Any = None, width: Any = None, allow_unicode: Any = None,
                     line_break: Any = None, encoding: Any = None,
                     explicit_start: Any = None, explicit_end: Any = None,
                     version: Any = None, tags: Any = None, sort_keys: bool = True) -> None:
            CEmitter.__init__(self, stream, canonical=canonical, indent=indent, width=width,
                              encoding=encoding, allow_unicode=allow_unicode,
                              line_break=line_break, explicit_start=explicit_start,
                              explicit_end=explicit_end, version=version, tags=tags)
            Representer.__init__(self, default_style=default_style,
                                 default_flow_style=default_flow_style, sort_keys=sort_keys)
            Resolver.__init__(self)

    return LibyamlDumper


def _replace(module: Any, name: str, twin: Any, attribute: str) -> None:
    """Have `module.name()` return `twin(module.name())`, keeping the original getter as
    `attribute` of the new one (which also marks it as installed)."""
    original = getattr(module, name, None)
    if original is None or hasattr(original, attribute):
        return
    made = twin(original())

    def getter() -> type:
        return made

    setattr(getter, attribute, original)
    setattr(module, name, getter)


def install() -> None:
    """Make OmegaConf (hence Hydra) read and write YAML with libyaml; idempotent."""
    if not yaml.__with_libyaml__:
        return
    _replace(omegaconf_utils, "get_yaml_loader", libyaml_twin, "python_loader")
    _replace(omegaconf_module, "get_omega_conf_dumper", libyaml_dumper, "python_dumper")
