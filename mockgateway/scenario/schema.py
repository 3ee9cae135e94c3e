"""The scenario file's shape, read off the model: the keys each mapping takes and the words each
choice takes. The loader checks files against it and a test checks docs/scenarios.md against
it, so the model, the loader and the docs cannot drift apart.

A settings dataclass mirrors its mapping in the file: each init field is a key, unless its
metadata says otherwise (:data:`NOT_A_KEY`: a rule's position, a fault's kind); a field typed
with a ``Literal`` is a choice of its words.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, get_args, get_origin, get_type_hints

NOT_A_KEY = {"key": False}
"""Metadata of a model field that a scenario file does not write."""


def keys(model: type[Any]) -> frozenset[str]:
    """The keys of the mapping ``model`` is read from."""
    assert is_dataclass(model)
    return frozenset(f.name for f in fields(model) if f.init and f.metadata.get("key", True))


@cache
def choices(model: type[Any], name: str) -> tuple[str, ...]:
    """The words field ``name`` of ``model`` takes (its ``Literal``'s)."""
    return words(get_type_hints(model)[name])


def words(literal: Any) -> tuple[str, ...]:
    """The words of a ``Literal`` type."""
    found = get_args(literal)
    assert found and all(isinstance(w, str) for w in found), f"{literal} is not a Literal of str"
    return found


def nested(model: type[Any]) -> dict[str, type[Any]]:
    """The fields of ``model`` that are mappings of their own (a settings dataclass, maybe
    None), by name: what a table of dotted keys (``retry.attempts``) spells out."""
    found: dict[str, type[Any]] = {}
    for name, hint in get_type_hints(model).items():
        options = get_args(hint) if get_origin(hint) is not None else (hint,)
        for option in options:
            if isinstance(option, type) and is_dataclass(option) and name in keys(model):
                found[name] = option
    return found
