"""An inbound message (MO) on the wire (V5.7.2 §3.6, §5.2): one item of get_mo's ``mos`` and of
an ``MO_REQ`` push, in the manual's order; and what an MO's text, extension and channel number
may be.
"""

from __future__ import annotations

import re
from typing import TypedDict

from mockgateway.protocol.content import MAX_CHARACTERS
from mockgateway.protocol.errors import url_encode

CHANNEL = "100045789"
"""The channel number an MO's ``spno`` starts with unless one is given: the manual's example
(spno ``1000457890006`` for exno ``0006``)."""
MAX_EXNO = 6
"""An extension is at most 6 digits (§1.2)."""
MAX_SPNO = 20
"""Channel number and extension together are at most 20 digits (§1.2)."""

_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters a handset cannot type; line feed and carriage return it can."""


class MoItem(TypedDict):
    """One segment of an MO, keys in the manual's order (§3.6); ``msgid`` is never the last."""

    msgid: int
    mobile: str
    countrycode: int
    pknum: int
    pktotal: int
    spno: str
    exno: str
    rtime: str
    content: str
    """URL-encoded UTF-8 (lowercase hex), in get_mo and in pushes alike."""


def mo_record(
    *,
    msgid: int,
    mobile: str,
    countrycode: int,
    pknum: int,
    pktotal: int,
    spno: str,
    exno: str,
    rtime: str,
    content: str,
) -> MoItem:
    """One item of ``mos``; ``content`` is the segment's text, URL-encoded here."""
    return {
        "msgid": msgid,
        "mobile": mobile,
        "countrycode": countrycode,
        "pknum": pknum,
        "pktotal": pktotal,
        "spno": spno,
        "exno": exno,
        "rtime": rtime,
        "content": url_encode(content),
    }


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be what a handset sent, or None."""
    if text == "":
        return "content is empty: a handset sends at least one character"
    if len(text) > MAX_CHARACTERS:
        return f"content is {len(text)} characters; at most {MAX_CHARACTERS}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "content holds an unpaired surrogate: it is not text a handset can send"
    found = _CONTROL.search(text)
    if found is not None:
        return f"content holds the control character {found.group()!r}: a handset cannot type it"
    return None


def exno_problem(exno: str) -> str | None:
    """Why ``exno`` is no extension of the channel number (empty is none, and fine), or None."""
    if len(exno) > MAX_EXNO or not ((exno.isascii() and exno.isdigit()) or exno == ""):
        return f"exno must be at most {MAX_EXNO} digits (an extension of the channel number)"
    return None


def spno_problem(spno: str) -> str | None:
    """Why ``spno`` is no full channel number, or None."""
    if not (spno.isascii() and spno.isdigit()) or len(spno) > MAX_SPNO:
        return f"spno must be 1 to {MAX_SPNO} digits (the full channel number)"
    return None


def spno_of(exno: str) -> str:
    """The full channel number an MO to extension ``exno`` came in on."""
    return CHANNEL + exno
