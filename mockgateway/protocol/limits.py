"""What a client may send, checked before any per-field or per-number work.

Every request body passes through here before anything of it is stored, so the journal only ever
holds plain JSON-safe data: text that is valid Unicode, numbers that are finite and fit 64 bits,
nesting no deeper than a real Montnets body needs, and no field outside ``mobile``, ``content``
and ``multimt`` longer than a line. A listing can then always be written, whatever was sent.
The counts come first and are cheap (C-level scans), so an oversized body costs milliseconds.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from mockgateway.protocol.errors import Code, GatewayError

MAX_BODY = 4 * 1024 * 1024
"""Bytes of body; past it -100092 (the manual's own bodies are a few KB; 1000 numbers ~16 KB)."""
MAX_FIELDS = 100
"""Fields in a form, query string or body's top level."""
MAX_FIELD_CHARS = 1024
"""Characters of any field but the long ones."""
LONG_FIELDS = frozenset({"mobile", "content", "multimt"})
"""Fields only the body limit bounds: 1000 numbers, 1000 encoded characters, 500 items (whose
own fields meet the limits top-level fields meet, ``mobile`` and ``content`` being long)."""
MAX_NAME_CHARS = 64
"""Characters of a field name (the manual's longest is 9)."""
MAX_DEPTH = 32
"""Levels of nesting (send_multi needs three: the body, multimt, an item)."""
MAX_VALUES = 20_000
"""Values in one body, nested ones included (500 send_multi items of 8 fields is 4,500)."""
MAX_XML_TAGS = 2 * MAX_VALUES
_INT64 = range(-(2**63), 2**64)

_PAIR = re.compile(rb"[^&]+")


def check_pairs(data: bytes) -> None:
    """A form or query string must have at most :data:`MAX_FIELDS` fields; counted without
    splitting, so two million repeated fields cost one scan."""
    if data.count(b"&") < MAX_FIELDS:
        return
    for seen, _ in enumerate(_PAIR.finditer(data), start=1):
        if seen > MAX_FIELDS:
            raise GatewayError(
                Code.BODY_NOT_A_RECORD,
                f"more than {MAX_FIELDS} fields: the manual's requests have at most 12",
            )


def check_xml_size(body: bytes) -> None:
    """Counted before parsing, in C: tags by their ``<``, attributes by their ``=`` (an
    attribute costs the parser as much as an element; the manual's bodies have none, and text
    with more ``=`` than this is no SMS)."""
    tags = body.count(b"<")
    if tags > MAX_XML_TAGS:
        raise GatewayError(
            Code.BODY_NOT_A_RECORD,
            f"the XML body has {tags} tags; at most {MAX_XML_TAGS} are read",
        )
    signs = body.count(b"=")
    if signs > MAX_XML_TAGS:
        raise GatewayError(
            Code.BODY_NOT_A_RECORD,
            f"the XML body has {signs} '=' signs (attributes?); at most {MAX_XML_TAGS} are read",
        )


def reject_constant(name: str) -> Any:
    """For ``json.loads(parse_constant=...)``: NaN and Infinity are not JSON numbers."""
    raise GatewayError(Code.BODY_JSON_MALFORMED, f"{name} is not a JSON number")


class RepeatedKeys(dict[str, Any]):
    """A JSON object that named a key more than once: the last value kept, as JSON parsers do,
    and the names repeated, so that the codec can say so (a form's repeated field is warned of
    too)."""

    __slots__ = ("repeated",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        counts = Counter(k for k, _ in pairs)
        self.repeated = sorted(k for k, n in counts.items() if n > 1)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(pairs)
    return built if len(built) == len(pairs) else RepeatedKeys(pairs)


JSON_DECODER = json.JSONDecoder(parse_constant=reject_constant, object_pairs_hook=_json_object)
"""One decoder for every body (``json.loads`` with an option builds a new one per call)."""


def check_fields(fields: dict[str, Any]) -> None:
    """Raise a body-format :class:`GatewayError` unless ``fields`` is safe to store and show.

    Walks every value once, iteratively (no recursion for a hostile depth to exhaust).
    """
    if len(fields) > MAX_FIELDS:
        raise GatewayError(
            Code.BODY_NOT_A_RECORD, f"{len(fields)} fields; at most {MAX_FIELDS} are read"
        )
    if _plain(fields):
        return
    budget = MAX_VALUES
    stack: list[tuple[Any, int, str, bool]] = []
    for name, value in fields.items():
        _check_name(name)
        stack.append((value, 1, name, name in LONG_FIELDS))
    while stack:
        value, depth, field, long = stack.pop()
        budget -= 1
        if budget < 0:
            raise GatewayError(
                Code.BODY_FIELD_WRONG_TYPE, f"more than {MAX_VALUES} values in one body"
            )
        if isinstance(value, str):
            _check_text(value, field, long)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if value not in _INT64:
                raise GatewayError(
                    Code.BODY_JSON_MALFORMED, f"{field} holds a number that does not fit 64 bits"
                )
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise GatewayError(Code.BODY_JSON_MALFORMED, f"{field} holds a non-finite number")
        elif isinstance(value, dict | list):
            if len(value) > budget:  # before stacking a million items, not after
                raise GatewayError(
                    Code.BODY_FIELD_WRONG_TYPE, f"more than {MAX_VALUES} values in one body"
                )
            if depth >= MAX_DEPTH:
                raise GatewayError(
                    Code.BODY_FIELD_WRONG_TYPE,
                    f"{field} is nested more than {MAX_DEPTH} levels deep",
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_name(key, field)
                    # Within a long field (multimt's items), only mobile and content are long:
                    # an item's svrtype meets the limit a top-level svrtype meets.
                    inner = f"{field}.{path_shown(key)}" if isinstance(key, str) else field
                    stack.append((item, depth + 1, inner, long and key in LONG_FIELDS))
            else:
                stack.extend((item, depth + 1, field, long) for item in value)
        elif isinstance(value, bytes) and not long and len(value) > MAX_FIELD_CHARS:
            raise _too_long(field, len(value))


def _plain(fields: dict[str, Any]) -> bool:
    """The common case, decided in one pass: short ASCII names, every value a short ASCII
    string (or a long field's ASCII string). Such fields pass every rule."""
    for name, value in fields.items():
        if (
            type(value) is not str
            or not value.isascii()
            or not name.isascii()
            or len(name) > MAX_NAME_CHARS
            or (len(value) > MAX_FIELD_CHARS and name not in LONG_FIELDS)
        ):
            return False
    return True


def _check_name(name: object, within: str | None = None) -> None:
    if not isinstance(name, str):
        return
    _check_unicode(name, "a field name")
    if len(name) > MAX_NAME_CHARS:
        where = f" inside {within}" if within else ""
        raise GatewayError(
            Code.BODY_NOT_A_RECORD,
            f"a field name{where} is {len(name)} characters long; at most {MAX_NAME_CHARS}",
        )


def _check_text(value: str, field: str, long: bool) -> None:
    if not long and len(value) > MAX_FIELD_CHARS:
        raise _too_long(field, len(value))
    _check_unicode(value, field)


def _check_unicode(value: str, what: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise GatewayError(
            Code.BODY_JSON_MALFORMED,
            f"{what} is not valid Unicode: it holds a lone surrogate "
            f"(U+{ord(value[exc.start]):04X}), which no text encoding can carry",
        ) from None


def _too_long(field: str, length: int) -> GatewayError:
    return GatewayError(
        Code.BODY_NOT_A_RECORD,
        f"{field} is {length} characters long; at most {MAX_FIELD_CHARS}",
    )


def shown(value: str, limit: int = 40) -> str:
    """``value`` quoted for a diagnosis, cut to ``limit`` characters: what a client sent may be
    megabytes long, and a diagnosis is one line."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value)} characters)"


def path_shown(name: str, limit: int = 64) -> str:
    """A path as the journal and a 404 keep it: at most ``limit`` characters, and nothing that
    could break a log line or a JSON encoder (controls, lone surrogates)."""
    cut = name if len(name) <= limit else name[:limit] + "…"
    if cut.isprintable():
        return cut
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in cut)
