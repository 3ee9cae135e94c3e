"""send_template's variables (V5.7.2 §3.5): ``P1=UrlEncode(v1)&P2=UrlEncode(v2)``, URL-encoded
once more as a whole.

In every format the server ends up with the once-encoded pairs after one decoding of the whole:
a JSON or XML body carries the twice-encoded text and is decoded here; a form or query string
was decoded once by the form encoding. What a client encoded once too few or once too many
times is read all the same, with a warning.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from mockgateway.protocol.codec import Format, utf8_or_gbk
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import shown

MAX_VARIABLES = 64
"""Pairs read at most; a template has a handful."""


class Variables(NamedTuple):
    values: dict[str, str]
    charset: str
    """``gbk`` when a value came GBK-encoded (its reports' errdesc follow it), else ``utf-8``."""
    warnings: list[str]


def variables(raw: str, fmt: Format, *, allow_gbk: bool) -> Variables:
    """The variables ``content`` names, in order, or a :class:`GatewayError` (100059)."""
    warnings: list[str] = []
    pairs = raw
    if fmt in (Format.JSON, Format.XML):
        if "=" in raw:
            warnings.append(
                "send_template content is encoded once (it holds a raw =): the manual encodes "
                "each name and value, then the whole string once more"
            )
        else:
            pairs = _decoded(raw, "content")
    if "=" not in pairs and "%3d" in pairs.lower():
        warnings.append(
            "send_template content is encoded once more than the manual's twice: read all the same"
        )
        pairs = _decoded(pairs, "content")
    if not pairs:
        return Variables({}, "utf-8", warnings)
    if pairs.count("&") >= MAX_VARIABLES:
        raise GatewayError(
            Code.TEMPLATE_VARIABLES,
            f"content names more than {MAX_VARIABLES} variables: a template has a handful",
        )
    values: dict[str, str] = {}
    gbk = False
    for pair in pairs.split("&"):
        name_raw, equals, value_raw = pair.partition("=")
        name = _decoded(name_raw, "a variable's name")
        if not equals:
            raise GatewayError(
                Code.TEMPLATE_VARIABLES,
                f"variable {shown(name)} has no value: write name=value pairs joined with &",
            )
        value, was_gbk = utf8_or_gbk(
            unquote_to_bytes(value_raw.replace("+", " ")),
            f"the value of {shown(name)}",
            Code.BODY_NOT_A_RECORD,
        )
        gbk = gbk or was_gbk
        if name in values:
            warnings.append(f"variable {shown(name)} given more than once: the first is used")
            continue
        values[name] = value
    if gbk and not allow_gbk:
        raise GatewayError(
            Code.BODY_NOT_A_RECORD,
            "a variable's value is GBK-encoded and this account accepts UTF-8 only",
        )
    if gbk:
        warnings.append("a variable's value is GBK-encoded: the manual asks for UTF-8")
    return Variables(values, "gbk" if gbk else "utf-8", warnings)


def _decoded(text: str, what: str) -> str:
    raw = unquote_to_bytes(text.replace("+", " "))
    return utf8_or_gbk(raw, what, Code.BODY_NOT_A_RECORD)[0]
