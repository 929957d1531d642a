"""Reading the YAML files in ``data/``: one strict loader, one shape check, errors that name the file.

========================  ===================================================================
``load_yaml(path)``        one YAML document; a duplicated key, a syntax error or a missing file
                           raises :class:`~dfp.core.errors.PlaybookError` naming file and line
``load_yaml_all(path)``    every document of a multi-document file (``---``), the same rules
``check_shape(v, spec)``   check a parsed value against a small type spec; errors name file and key
========================  ===================================================================

PyYAML keeps the *last* value of a key written twice (``engineers: 3`` ... ``engineers: 30``) without a
word, and inside a flow mapping it splits an unquoted value at each comma (``{note: 2 vCPU, 8 GiB}``
becomes ``note: 2 vCPU`` plus a stray key ``8 GiB``). Every loader of a file in ``data/`` goes through
:func:`load_yaml`, which refuses both.

A spec for :func:`check_shape` is a Python value mirroring the document: a ``dict`` of key -> spec
(every key required unless written ``"key?"``; ``"*"`` is the spec of every key not named), a
one-element ``list`` ``[spec]`` for a list of such items, or a leaf: ``int``, ``float`` (any number;
``bool`` is not a number), ``str`` (not empty), ``bool``, ``dict`` (any mapping), ``"date"`` (a YAML
date or ``YYYY-MM-DD`` text), ``"timestamp"`` (a YAML timestamp or ISO 8601 text), ``"number-map"``
(a mapping of names to numbers), ``"number-list"``, ``"str-list"`` or ``object`` (anything). Keys
a spec does not name are allowed (documents may carry notes).

>>> check_shape({"team": {"engineers": 3}}, {"team": {"engineers": int}}, "system.yml")
>>> check_shape({"team": {"engineers": "three"}}, {"team": {"engineers": int}}, "system.yml")
Traceback (most recent call last):
...
dfp.core.errors.PlaybookError: system.yml: team.engineers must be an integer; got 'three'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dfp.core.errors import PlaybookError

__all__ = ["check_shape", "load_yaml", "load_yaml_all"]


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if (node.flow_style and isinstance(value_node, yaml.ScalarNode) and value_node.value == ""
                and value_node.style is None):
            raise PlaybookError(f"{loader.name}: line {line}: {key!r} has no value inside a {{...}} mapping: an "
                                "unquoted comma split the value before it; put that value in quotes")
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: let PyYAML report it
            continue
        if first is not None:
            raise PlaybookError(f"{loader.name}: line {line}: duplicate key {key!r} (first written on line {first}); "
                                "YAML would silently keep the second value")
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read(path: Path | str) -> tuple[Path, str]:
    p = Path(path)
    try:
        return p, p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PlaybookError(f"data file not found: {p}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(f"{p.name}: cannot be read: {exc}") from exc


def _yaml_error(p: Path, exc: yaml.YAMLError) -> PlaybookError:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return PlaybookError(f"{p.name}: {where}not valid YAML: {problem}")


def _loader(text: str, p: Path) -> _StrictLoader:
    loader = _StrictLoader(text)
    loader.name = p.name
    return loader


def load_yaml(path: Path | str) -> Any:
    """Parse one YAML document strictly (see the module docstring); an empty file is ``None``.

    Raises:
        PlaybookError: the file is missing or unreadable, is not valid YAML, or repeats a key in a
            mapping; the message names the file and the line.
    """
    p, text = _read(path)
    loader = _loader(text, p)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise _yaml_error(p, exc) from exc
    finally:
        loader.dispose()


def load_yaml_all(path: Path | str) -> list[Any]:
    """Parse every document of a YAML file strictly, skipping empty ones."""
    p, text = _read(path)
    loader = _loader(text, p)
    docs: list[Any] = []
    try:
        while loader.check_data():
            doc = loader.get_data()
            if doc is not None:
                docs.append(doc)
    except yaml.YAMLError as exc:
        raise _yaml_error(p, exc) from exc
    finally:
        loader.dispose()
    return docs


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_time(v: object, kind: str) -> bool:
    if isinstance(v, dt.datetime):
        return kind == "timestamp"
    if isinstance(v, dt.date):
        return True
    if not isinstance(v, str):
        return False
    try:
        pd.Timestamp(v)
    except (ValueError, TypeError):
        return False
    return kind == "timestamp" or len(v) == 10


_LEAF_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", dict: "a mapping",
               "date": "a date (YYYY-MM-DD)", "timestamp": "a timestamp (ISO 8601)",
               "number-map": "a mapping of names to numbers", "number-list": "a list of numbers",
               "str-list": "a list of strings"}


def _leaf_ok(value: object, spec: object) -> bool:
    if spec is object:
        return True
    if spec is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if spec is float:
        return _is_number(value)
    if spec is str:
        return isinstance(value, str) and value.strip() != ""
    if spec is bool:
        return isinstance(value, bool)
    if spec is dict:
        return isinstance(value, Mapping)
    if spec in ("date", "timestamp"):
        return _is_time(value, str(spec))
    if spec == "number-map":
        return isinstance(value, Mapping) and all(_is_number(v) for v in value.values())
    if spec == "number-list":
        return isinstance(value, list) and all(_is_number(v) for v in value)
    if spec == "str-list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    raise PlaybookError(f"check_shape: unknown spec {spec!r}")  # a bug in a spec, not in the data


def check_shape(value: object, spec: object, fname: str, where: str = "") -> None:
    """Check ``value`` against ``spec`` (see the module docstring); return nothing or raise.

    Raises:
        PlaybookError: ``<fname>: missing field <key path>`` or ``<fname>: <key path> must be <kind>;
            got <value>``, e.g. ``system.yml: sample_data.size_sigma must be a number; got 'wide'``.
    """
    label = where or "the document"
    if isinstance(spec, dict):
        if not isinstance(value, Mapping):
            raise PlaybookError(f"{fname}: {label} must be a mapping; got {value!r}")
        named = {k.rstrip("?") for k in spec if k != "*"}
        if "*" in spec:
            for key in value:
                if key not in named:
                    check_shape(value[key], spec["*"], fname, f"{where}.{key}" if where else str(key))
        for raw_key, sub in spec.items():
            if raw_key == "*":
                continue
            optional = raw_key.endswith("?")
            key = raw_key[:-1] if optional else raw_key
            path = f"{where}.{key}" if where else key
            if key not in value:
                if optional:
                    continue
                raise PlaybookError(f"{fname}: missing field {path}")
            check_shape(value[key], sub, fname, path)
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise PlaybookError(f"{fname}: {label} must be a list; got {value!r}")
        for i, item in enumerate(value):
            check_shape(item, spec[0], fname, f"{where}[{i}]")
    elif not _leaf_ok(value, spec):
        raise PlaybookError(f"{fname}: {label} must be {_LEAF_NAMES.get(spec, spec)}; got {value!r}")
