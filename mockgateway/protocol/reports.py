"""The status report on the wire: one item of get_rpt's ``rpts`` and of a push's, in the
manual's order (V5.13 2.2.6 and 2.3.3)."""

from __future__ import annotations

from functools import lru_cache
from typing import NotRequired, TypedDict

from mockgateway.protocol.errors import url_encode


class Rpt(TypedDict):
    """One report, keys in the manual's order; ``msgid`` is never the last key (the official PHP
    demo rewrites ``"msgid":<digits><one character>`` before parsing)."""

    msgid: int
    custid: str
    pknum: int
    pktotal: int
    mobile: str
    countrycode: int
    spno: str
    """Reserved: always empty (V5.13)."""
    exno: str
    stime: str
    rtime: str
    status: int
    errcode: str
    errdesc: str
    exdata: str
    smstype: NotRequired[str]
    """V5.7.2 only: "0", an SMS (the mock sends nothing else)."""
    rpttype: NotRequired[str]
    """V5.7.2 only: "1", always so for an SMS."""


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
    domestic: bool = False,
) -> Rpt:
    """One item of ``rpts``, in the manual's order (``spno`` is reserved and empty); the
    domestic edition's ends with ``smstype`` and ``rpttype``."""
    record: Rpt = {
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
    if domestic:
        record["smstype"], record["rpttype"] = "0", "1"  # strings, as the manual types them
    return record


SEGMENT_STRIDE = 2**34
"""V5.7.2 §5.3: segment k of a long message reports msgid + (k-1)·17179869184."""
MAX_SEGMENTS = 15
"""The most segments 1000 characters make (UCS-2, 67 a segment)."""


def segment_msgid(msgid: int, pknum: int) -> int:
    """The domestic msgid of segment ``pknum`` of the message with ``msgid``."""
    return msgid + (pknum - 1) * SEGMENT_STRIDE


@lru_cache(maxsize=1024)
def get_rpt_errdesc(errdesc: str, charset: str) -> str:
    """errdesc as get_rpt sends it: URL-encoded in the charset the message's content came in
    (manual 2.2.6), whatever the answer's format. Cached: a scenario has few texts."""
    return url_encode(errdesc, charset)
