"""SMS content: URL decoding, charset, length rules and segmentation as an SMS centre splits."""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from mockgateway.protocol.codec import Format, utf8_or_gbk
from mockgateway.protocol.errors import Code, GatewayError

MAX_CHARACTERS = 1000

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
_GSM_BASIC_ONLY = re.compile("[" + re.escape("".join(sorted(GSM_BASIC))) + "]*")

_STILL_ENCODED = re.compile(r"[A-Za-z0-9._~*'()!+\-]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~*'()!+\-]*)+")


def decode(value: str | bytes, fmt: Format, *, allow_gbk: bool) -> tuple[str, list[str]]:
    """The text a client meant, with warnings for what it got sloppy.

    JSON and XML carry content URL-encoded (the manual's ``UrlEncode(UTF-8)``); form and query
    values were already decoded once by the codec. Content still percent-encoded after that was
    encoded twice, and is decoded once more.
    """
    warnings: list[str] = []
    if isinstance(value, bytes):
        text = _bytes_to_text(value, allow_gbk, warnings)
    elif fmt in (Format.JSON, Format.XML):
        if value.isascii():
            text = _bytes_to_text(unquote_to_bytes(value.replace("+", " ")), allow_gbk, warnings)
        else:
            warnings.append("content is not URL-encoded: the manual asks for UrlEncode(UTF-8)")
            text = value
    else:
        text = value
    if "%" in text and _STILL_ENCODED.fullmatch(text):
        again = unquote_to_bytes(text.replace("+", " "))
        try:
            text = again.decode("utf-8")
            warnings.append("content was URL-encoded twice: it was decoded once more")
        except UnicodeDecodeError:
            pass
    if text == "":
        raise GatewayError(Code.CONTENT_EMPTY, "content is empty")
    if len(text) > MAX_CHARACTERS:
        raise GatewayError(
            Code.CONTENT_TOO_LONG,
            f"content is {len(text)} characters after decoding; at most {MAX_CHARACTERS}",
        )
    return text, warnings


def _bytes_to_text(raw: bytes, allow_gbk: bool, warnings: list[str]) -> str:
    text, gbk = utf8_or_gbk(raw, "content", Code.BODY_NOT_A_RECORD)
    if not gbk:
        return text
    if not allow_gbk:
        raise GatewayError(
            Code.BODY_NOT_A_RECORD,
            "content is GBK-encoded and this account accepts UTF-8 only",
        )
    warnings.append("content is GBK-encoded: the manual asks for UTF-8")
    return text


class Segmentation(NamedTuple):
    encoding: str
    """``gsm7`` or ``ucs2``."""
    units: int
    """Septets (GSM 7-bit) or UTF-16 code units (UCS-2)."""
    segments: int


def segment(text: str) -> Segmentation:
    """Split as an SMS centre would: 160/153 septets or 70/67 UTF-16 units per segment.

    An extension character (two septets) and a surrogate pair are never cut across segments.
    """
    if _GSM_BASIC_ONLY.fullmatch(text):  # the common case, at C speed
        units = len(text)
        return Segmentation("gsm7", units, 1 if units <= 160 else -(-units // 153))
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        costs = [2 if c in GSM_EXTENSION else 1 for c in text]
        return Segmentation("gsm7", sum(costs), _pack(costs, 160, 153))
    costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return Segmentation("ucs2", sum(costs), _pack(costs, 70, 67))


def _pack(costs: list[int], single: int, multi: int) -> int:
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments
