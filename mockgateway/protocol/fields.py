"""Typed reads of request fields, so a wrong type is a protocol answer and never a crash."""

from __future__ import annotations

import re

from mockgateway.protocol.codec import Fields, FieldValue
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import shown

_ID = re.compile(r"[A-Za-z0-9_-]{0,64}")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
MAX_EXNO = 20
"""A SenderID is at most 11 letters or 15 digits; a domestic extension at most 6 digits."""
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
    if isinstance(value, str):
        return f"the text {shown(value)}"
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

    Form, query and XML carry only text, so digits in a string are an integer in any format
    (at most 18 of them: every Montnets integer field fits 64 bits).
    """
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        if _INTEGER.fullmatch(stripped):
            return int(stripped)
        if stripped == "":
            return None
    raise GatewayError(
        Code.BODY_FIELD_WRONG_TYPE, f"{name} must be an integer, got {kind_of(value)}"
    )


def exno(fields: Fields, name: str = "exno") -> tuple[str, str | None]:
    """exno and, when it cannot be used, why: it is then ignored, as the domestic manual says a
    gateway does with an extension that is too long, rather than echoed into every report."""
    value = text(fields, name) or ""
    if len(value) <= MAX_EXNO and value.isprintable():
        return value, None
    problem = (
        f"is {len(value)} characters long (a SenderID is at most 11 letters or 15 digits)"
        if len(value) > MAX_EXNO
        else "holds control characters"
    )
    return "", f"{name} {problem}: it was ignored, and reports carry an empty exno"


_EXTENSION = re.compile(r"[0-9]{0,6}")
_SVRTYPE = re.compile(r"[A-Za-z0-9]{0,32}")


def extension(fields: Fields, name: str = "exno") -> tuple[str, str | None]:
    """The domestic exno: an extension of at most 6 digits (V5.7.2 §1.2); anything else is
    ignored, as the manual says a gateway does with an extension too long for its channel."""
    value = text(fields, name) or ""
    if _EXTENSION.fullmatch(value):
        return value, None
    return "", (
        f"{name} {shown(value)} is not an extension of at most 6 digits: ignored, as the "
        "domestic manual says, and reports carry an empty exno"
    )


def business_type(fields: Fields, name: str = "svrtype") -> str:
    """The domestic svrtype: at most 32 letters and digits (V5.7.2 §1.2), else 100252."""
    value = text(fields, name) or ""
    if _SVRTYPE.fullmatch(value):
        return value
    problem = (
        f"is {len(value)} characters long"
        if len(value) > 32
        else f"holds {''.join(sorted({c for c in value if not c.isascii() or not c.isalnum()}))!r}"
    )
    raise GatewayError(
        Code.SVRTYPE_ILLEGAL,
        f"{name} {shown(value)} {problem}: the domestic manual allows at most 32 letters and "
        "digits",
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
