"""send_multi's ``multimt`` (V5.7.2 §3.3) in one shape, whatever body carried it.

JSON carries it as an array of objects, XML as ``<multimt><mt>…</mt>…</multimt>``, and a form or
query string as JSON text (raw in the manual's POST example, URL-encoded in its GET example: the
form decoding has undone that once already). The codec turns every one of them into a list of
field mappings before anything is checked or stored, so the limits, the rules, the journal and
the endpoint all see items, never text to parse again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mockgateway.protocol import limits
from mockgateway.protocol.errors import Code, GatewayError

FIELD = "multimt"
ITEM = "mt"
"""The XML element of each item."""
ITEM_FIELDS = ("mobile", "content", "svrtype", "exno", "custid", "exdata")
"""What an item may hold, in the manual's order."""

_GLUED = re.compile(r"\}\s*\{")
MAX_ITEMS = 500
MAX_COMMAS = MAX_ITEMS * (1000 + len(ITEM_FIELDS))
"""Commas a readable multimt text may hold: 500 items of six fields whose contents are at most
1000 characters, every one a comma. Past that the text is refused before it is parsed, so that a
form of four megabytes of ``1,1,1...`` costs a count, not two million objects."""


def normalise(fields: dict[str, Any], xml: bool) -> list[str]:
    """Put ``fields["multimt"]`` (if any) in its one shape: a list of mappings; return the
    warnings. Raise a body-format :class:`GatewayError` for one that cannot be read."""
    if FIELD not in fields:
        return []
    value = fields[FIELD]
    warnings: list[str] = []
    if isinstance(value, str):
        if xml:
            warnings.append(
                "multimt holds JSON text in XML: the manual's XML example writes "
                "<multimt><mt>…</mt></multimt>"
            )
        value = _from_text(value)
    elif isinstance(value, bytes):
        raise GatewayError(Code.BODY_FIELD_WRONG_TYPE, "multimt is not UTF-8 text")
    elif xml:
        value = _from_xml(value)
    fields[FIELD] = value
    return warnings


def _from_text(text: str) -> Any:
    stripped = text.strip()
    if stripped[:3].lower() == "%5b":
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE,
            "multimt is still URL-encoded after the form decoding (it starts with %5b): it "
            "was encoded twice",
        )
    commas = stripped.count(",")
    if commas > MAX_COMMAS:
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE,
            f"multimt holds {commas} commas: {MAX_ITEMS} items never need more than {MAX_COMMAS}",
        )
    try:
        return json.loads(stripped, parse_constant=limits.reject_constant)
    except RecursionError:
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE, f"multimt is nested more than {limits.MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:
        hint = ""
        if _GLUED.search(stripped):
            hint = " (objects written }{ with no comma between them?)"
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE, f"multimt is not a JSON array of items: {exc}{hint}"
        ) from None


def _from_xml(value: Any) -> Any:
    """``{"mt": item or [items]}`` (xmltodict's reading of ``<multimt>``) as a list."""
    if value is None:
        return []
    if not isinstance(value, dict) or set(value) != {ITEM}:
        found = sorted(value) if isinstance(value, dict) else []
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE,
            f"<multimt> must hold only <mt> items, found {', '.join(found) or 'text'}",
        )
    items = value[ITEM]
    return items if isinstance(items, list) else [items]


def mobiles(fields: Mapping[str, Any], limit: int) -> list[str]:
    """The numbers a request's items name, read leniently (what is not a string is skipped),
    at most ``limit`` of them: for rules and journal filters."""
    items = fields.get(FIELD)
    if not isinstance(items, list):
        return []
    found = []
    for item in items[:limit]:
        mobile = item.get("mobile") if isinstance(item, dict) else None
        if isinstance(mobile, str):
            found.append(mobile.strip())
    return found
