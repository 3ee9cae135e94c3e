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

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Decoded(NamedTuple):
    text: str
    """What the phone shows: the content URL-decoded exactly once."""
    charset: str
    """``utf-8``, or ``gbk`` when the content came as GBK (the charset its errdesc is sent in)."""
    warnings: list[str]


def decode(value: str | bytes, fmt: Format, *, allow_gbk: bool) -> Decoded:
    """The content as the phone would show it, with warnings for what the client got sloppy.

    JSON and XML carry content URL-encoded (the manual's ``UrlEncode(UTF-8)``) and are decoded
    here, once, with ``+`` as a space; form and query values were decoded once by the form
    encoding in the codec. A real gateway decodes once too, so whatever still looks encoded after
    that is what the phone shows, and is only warned about.
    """
    warnings: list[str] = []
    if isinstance(value, bytes):
        text, charset = _bytes_to_text(value, allow_gbk, warnings)
    elif fmt in (Format.JSON, Format.XML):
        # The codec's limits let only valid Unicode through, so this encodes.
        raw = unquote_to_bytes(value.replace("+", " "))
        text, charset = _bytes_to_text(raw, allow_gbk, warnings)
        sign = unencoded_sign(value)
        if sign is not None:
            warnings.append(
                f"content is not URL-encoded ({sign}): the manual asks for UrlEncode(UTF-8)"
            )
            if "+" in value:
                warnings.append(
                    "the + in the content became a space, as URL-decoding makes it: a raw "
                    "`a+b c` is read as `a b c`; encode + as %2B"
                )
    else:
        text, charset = value, "utf-8"
    twice = "%" in text and _ESCAPE.search(text) is not None
    if twice:
        warnings.append(
            "content still holds %XX escapes after its one URL-decoding: encoded twice? "
            "The phone shows them as they are"
        )
    hint = " (it still holds %XX escapes: encoded twice?)" if twice else ""
    return checked(text, charset, warnings, hint)


def decrypted(text: str) -> Decoded:
    """Decrypted content (V5.7.2 §5.4): the UTF-8 text itself, never URL-decoded, under the
    same rules."""
    warnings: list[str] = []
    escaped = "%" in text and _ESCAPE.search(text) is not None
    if escaped:
        warnings.append(
            "the decrypted content holds %XX escapes: URL-encoded before encryption? The manual "
            "encrypts the UTF-8 text itself, and the phone shows them as they are"
        )
    hint = " (it holds %XX escapes: URL-encoded before encryption?)" if escaped else ""
    return checked(text, "utf-8", warnings, hint)


def checked(text: str, charset: str, warnings: list[str], hint: str = "") -> Decoded:
    """``text`` as a message's content, if it may be one: not empty, at most 1000 characters."""
    if text == "":
        raise GatewayError(Code.CONTENT_EMPTY, "content is empty")
    if len(text) > MAX_CHARACTERS:
        raise GatewayError(
            Code.CONTENT_TOO_LONG,
            f"content is {len(text)} characters after decoding; at most {MAX_CHARACTERS}{hint}",
        )
    return Decoded(text, charset, warnings)


def unencoded_sign(value: str) -> str | None:
    """What shows that ``value`` was never URL-encoded (no encoder leaves these), or None."""
    if not value.isascii():
        return "it holds non-ASCII characters"
    if " " in value:
        return "it holds a raw space"
    if _CONTROL.search(value):
        return "it holds a raw control character"
    if "%" in value and _BROKEN_ESCAPE.search(value):
        return "it holds a % that starts no %XX escape"
    return None


def _bytes_to_text(raw: bytes, allow_gbk: bool, warnings: list[str]) -> tuple[str, str]:
    text, gbk = utf8_or_gbk(raw, "content", Code.BODY_NOT_A_RECORD)
    if not gbk:
        return text, "utf-8"
    if not allow_gbk:
        raise GatewayError(
            Code.BODY_NOT_A_RECORD,
            "content is GBK-encoded and this account accepts UTF-8 only",
        )
    warnings.append("content is GBK-encoded: the manual asks for UTF-8")
    return text, "gbk"


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


def split(text: str) -> list[str]:
    """The texts of the segments :func:`segment` counts, in order (an inbound message arrives
    in them, each with its pknum)."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        costs = [2 if c in GSM_EXTENSION else 1 for c in text]
        starts = _starts(costs, 160, 153)
    else:
        starts = _starts([2 if ord(c) > 0xFFFF else 1 for c in text], 70, 67)
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _pack(costs: list[int], single: int, multi: int) -> int:
    return len(_starts(costs, single, multi))


def _starts(costs: list[int], single: int, multi: int) -> list[int]:
    """Where each segment starts (indexes of ``costs``): one segment of ``single`` units, or
    several of ``multi`` units, a character never cut."""
    if sum(costs) <= single:
        return [0]
    starts, used = [0], 0
    for index, cost in enumerate(costs):
        if used + cost > multi:
            starts.append(index)
            used = 0
        used += cost
    return starts
