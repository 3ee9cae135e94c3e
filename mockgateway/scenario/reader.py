"""Reading a scenario's YAML (or JSON) once into plain data and the line of every value.

The text is parsed once, by libyaml where it is installed, and built from the parser's events
without recursion, so what a scenario file costs is bounded by its size:

- anchors and aliases are refused (a scenario never needs them, and aliases are how a few hundred
  bytes expand into gigabytes);
- nesting deeper than :data:`MAX_DEPTH` is refused;
- a scalar that cannot be read (a number of thousands of digits, a tag such as ``!!python/...``)
  is a problem at its line, not an exception; dates stay text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[Any, ...]

MAX_DEPTH = 32
"""A scenario nests four levels deep; a file nested past this is not a scenario."""

MAX_DIGITS = 100
"""No scenario number needs more characters (Python refuses integers of more than 4,300 digits,
and printing one of a few thousand in a problem costs more than the rest of the file)."""

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAGS = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAGS + name for name in ("null", "bool", "int", "float", "str"))
_COLLECTION_TAGS = frozenset((None, "!", _TAGS + "seq", _TAGS + "map"))
_NO_KEY = object()


@dataclass
class Read:
    data: Any
    lines: dict[Path_, int]
    problems: list[tuple[int, str]]
    """``(line, message)`` for values that could not be read; their data is None."""


class Unreadable(Exception):
    """The text is not one YAML document this reader accepts; ``line`` is 0 when unknown."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Open:
    """A mapping or sequence being filled."""

    value: dict[Any, Any] | list[Any]
    path: Path_
    key: Any = _NO_KEY
    key_line: int = 0


@dataclass
class _Builder:
    loader: Any
    """A ``SafeLoader`` or ``CSafeLoader`` (the stubs leave their event methods untyped)."""
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    root: Any = None

    def document(self) -> Any:
        next_event = self.loader.get_event
        next_event()  # the stream's start
        if isinstance(self.loader.peek_event(), yaml.StreamEndEvent):
            return None
        next_event()  # the document's start
        while True:
            self.event(next_event())
            if not self.stack:
                break
        next_event()  # the document's end
        if not isinstance(self.loader.peek_event(), yaml.StreamEndEvent):
            line = _line(self.loader.peek_event())
            raise Unreadable(line, "expected one document, found another ('---')")
        return self.root

    def event(self, event: yaml.Event) -> None:
        line = _line(event)
        if isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()
            return
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            raise Unreadable(
                line,
                f"{kind} {anchor!r}: anchors and aliases (&name, *name) are not allowed in "
                "scenario files; write the value out",
            )
        if isinstance(event, yaml.ScalarEvent):
            self.place(self.scalar(event, line), line)
            return
        if not isinstance(event, yaml.CollectionStartEvent):
            raise Unreadable(line, f"unexpected {type(event).__name__}")
        if event.tag not in _COLLECTION_TAGS:
            raise Unreadable(line, f"tag {event.tag} is not allowed in scenario files")
        if len(self.stack) >= MAX_DEPTH:
            raise Unreadable(line, f"nested deeper than {MAX_DEPTH} levels")
        opened: dict[Any, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
        path = self.place(opened, line)
        self.stack.append(_Open(opened, path))

    def place(self, value: Any, line: int) -> Path_:
        """Put ``value`` where the document is; return its path."""
        if not self.stack:
            self.root = value
            self.lines[()] = line
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            path = (*top.path, len(top.value))
            top.value.append(value)
            self.lines[path] = line
            return path
        if top.key is _NO_KEY:
            if isinstance(value, dict | list):
                raise Unreadable(line, "a key must be a plain value, not a mapping or a list")
            top.key, top.key_line = value, line
            return top.path
        path = (*top.path, top.key)
        top.value[top.key] = value
        self.lines[path] = top.key_line
        top.key = _NO_KEY
        return path

    def scalar(self, event: yaml.ScalarEvent, line: int) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag == _TAGS + "timestamp":
                return event.value  # a date is text to every check of a scenario
        if tag not in _SCALAR_TAGS:
            self.problems.append((line, f"tag {tag} is not allowed in scenario files"))
            return None
        if tag != _TAGS + "str" and len(event.value) > MAX_DIGITS:
            shown = event.value[:20]
            self.problems.append(
                (line, f"{shown}... is a number written with more than {MAX_DIGITS} characters")
            )
            return None
        node = yaml.ScalarNode(tag, event.value, style=event.style)
        construct: Callable[[yaml.SafeLoader, yaml.ScalarNode], Any] = (
            self.loader.yaml_constructors[tag]
        )
        try:
            return construct(self.loader, node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            self.problems.append((line, f"cannot read {event.value[:40]!r}: {exc}"))
            return None


def read(text: str) -> Read:
    """Parse ``text`` once; raise :class:`Unreadable` when it is not one acceptable document."""
    loader = _Loader(text)
    try:
        builder = _Builder(loader)
        data = builder.document()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise Unreadable(line, f"not valid YAML or JSON: {problem}") from None
    finally:
        loader.dispose()
    return Read(data, builder.lines, builder.problems)


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 0
