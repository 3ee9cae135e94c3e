"""Answer shapes, one per endpoint form, in the manual's key order.

``msgid`` is never the last key of an object: the official PHP demo rewrites
``"msgid":<digits><one character>`` before parsing, which breaks on a closing brace.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from mockgateway.protocol.errors import desc_of, url_encode


class Shape(StrEnum):
    SINGLE = "single"
    """``{result, desc, msgid, custid}``"""
    MESSAGES = "messages"
    """``{result, desc, messages:[{msgid, mobile}]}`` (V5.13's send_batch)"""
    FIRST = "first"
    """``{result, desc, msgid, custid}`` with the first msgid of a batch (the SDKs' batch_send)"""
    REPORTS = "reports"
    """``{result, desc, rpts:[...]}``"""


@dataclass(frozen=True)
class Route:
    endpoint: str
    """The canonical endpoint, which rules and the journal name."""
    shape: Shape
    xml_root: str


ROUTES: dict[str, Route] = {
    "send_single": Route("send_single", Shape.SINGLE, "mtrsp"),
    "single_send": Route("send_single", Shape.SINGLE, "mtrsp"),
    "send_batch": Route("send_batch", Shape.MESSAGES, "mtrsp"),
    "batch_send": Route("send_batch", Shape.FIRST, "mtrsp"),
    "get_rpt": Route("get_rpt", Shape.REPORTS, "rptrsp"),
}


DOMESTIC_ONLY = frozenset(
    {
        "send_multi",
        "multi_send",
        "send_mixed",
        "mixed_send",
        "send_template",
        "template_send",
        "get_mo",
        "get_balance",
    }
)
"""The wider family of the domestic manual (V5.7.2), which the international edition lacks."""

UNKNOWN = "unknown"
"""The endpoint the journal gives a request to a path that is none of the known ones."""


def path_shown(name: str, limit: int = 64) -> str:
    """An unknown path as the journal and the 404 keep it: at most ``limit`` characters, and
    nothing that could break a log line or a JSON encoder (controls, lone surrogates)."""
    cut = name if len(name) <= limit else name[:limit] + "…"
    if cut.isprintable():
        return cut
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in cut)


def unknown_endpoint(name: str) -> str:
    """The diagnosis of a request to an unknown path under /sms/v2/std/: what it probably was."""
    shown = path_shown(name)
    if name in DOMESTIC_ONLY:
        return (
            f"{name} is a V5.7.2 domestic endpoint: the international edition (V5.13) does not "
            "serve it, and this release serves only the international edition"
        )
    stripped = name.strip("/").lower()
    if stripped != name and (stripped in ROUTES or stripped in DOMESTIC_ONLY):
        return f"{shown!r} is not an endpoint; did you mean {stripped}? (paths are exact)"
    if len(name) <= 64:
        near = difflib.get_close_matches(name, [*ROUTES, *DOMESTIC_ONLY], n=1, cutoff=0.75)
        if near:
            return f"{shown!r} is not an endpoint; did you mean {near[0]}?"
    served = ", ".join(ROUTES)
    return f"{shown!r} is not a Montnets endpoint; this gateway serves {served}"


def build(
    shape: Shape,
    code: int,
    *,
    sent: Sequence[tuple[int, str]] = (),
    custid: str = "",
    rpts: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The answer for ``code``; ``sent`` is (msgid, mobile) per accepted message.

    Failures take the manual's failure shapes: msgid 0 and custid "" on a send, ``rpts: ""`` on
    get_rpt, an empty ``messages`` list on send_batch.
    """
    head: dict[str, Any] = {"result": code, "desc": desc_of(code)}
    ok = code == 0
    if shape is Shape.REPORTS:
        head["rpts"] = list(rpts) if ok else ""
    elif shape is Shape.MESSAGES:
        head["messages"] = [{"msgid": m, "mobile": mobile} for m, mobile in sent] if ok else []
    else:
        head["msgid"] = sent[0][0] if ok and sent else 0
        head["custid"] = custid if ok else ""
    return head


@lru_cache(maxsize=1024)
def get_rpt_errdesc(errdesc: str, charset: str) -> str:
    """errdesc as get_rpt sends it: URL-encoded in the charset the message's content came in
    (manual 2.2.6), whatever the answer's format. Cached: a scenario has few texts."""
    return url_encode(errdesc, charset)


def rpt_record(
    *,
    msgid: int,
    custid: str,
    pknum: int,
    pktotal: int,
    mobile: str,
    countrycode: int,
    exno: str,
    stime: str,
    rtime: str,
    status: int,
    errcode: str,
    errdesc: str,
    exdata: str,
) -> dict[str, Any]:
    """One item of ``rpts``, in the manual's order (``spno`` is reserved and empty)."""
    return {
        "msgid": msgid,
        "custid": custid,
        "pknum": pknum,
        "pktotal": pktotal,
        "mobile": mobile,
        "countrycode": countrycode,
        "spno": "",
        "exno": exno,
        "stime": stime,
        "rtime": rtime,
        "status": status,
        "errcode": errcode,
        "errdesc": errdesc,
        "exdata": exdata,
    }
