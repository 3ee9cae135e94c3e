"""Typed reads of request fields, so a wrong type is a protocol answer and never a crash."""

from __future__ import annotations

import re

from mockgateway.protocol.codec import Fields, FieldValue
from mockgateway.protocol.errors import Code, GatewayError

_ID = re.compile(r"[A-Za-z0-9_-]{0,64}")
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def kind_of(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list (was the field given twice?)"
    return type(value).__name__


def text(fields: Fields, name: str) -> str | None:
    """A string field, or None when absent. JSON ``null`` counts as absent."""
    value = fields.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        raise GatewayError(Code.BODY_FIELD_WRONG_TYPE, f"{name} is not UTF-8 text")
    hint = f' (send "{value}")' if isinstance(value, int) and not isinstance(value, bool) else ""
    raise GatewayError(
        Code.BODY_FIELD_WRONG_TYPE, f"{name} must be a string, got {kind_of(value)}{hint}"
    )


def integer(fields: Fields, name: str) -> int | None:
    """An int field, or None when absent or empty.

    Form, query and XML carry only text, so digits in a string are an integer in any format.
    """
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("+-").isdigit() and stripped.isascii():
            return int(stripped)
        if stripped == "":
            return None
    raise GatewayError(
        Code.BODY_FIELD_WRONG_TYPE, f"{name} must be an integer, got {kind_of(value)!s}"
    )


def client_id(fields: Fields, name: str) -> str:
    """custid / exdata: at most 64 of ``[A-Za-z0-9_-]``; empty when absent."""
    value = text(fields, name) or ""
    if _ID.fullmatch(value):
        return value
    if len(value) > 64:
        raise GatewayError(
            Code.BAD_CUSTID_OR_EXDATA, f"{name} is {len(value)} characters long; at most 64"
        )
    bad = sorted({c for c in value if c not in _ID_CHARS})
    if bad:
        shown = "".join(bad)
        raise GatewayError(
            Code.BAD_CUSTID_OR_EXDATA,
            f"{name} holds {shown!r}: only letters, digits, underscore and minus are allowed",
        )
    return value
