"""The status report on the wire: one item of get_rpt's ``rpts`` and of a push's, in the
manual's order (V5.13 2.2.6 and 2.3.3)."""

from __future__ import annotations

from functools import lru_cache
from typing import TypedDict

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
) -> Rpt:
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


@lru_cache(maxsize=1024)
def get_rpt_errdesc(errdesc: str, charset: str) -> str:
    """errdesc as get_rpt sends it: URL-encoded in the charset the message's content came in
    (manual 2.2.6), whatever the answer's format. Cached: a scenario has few texts."""
    return url_encode(errdesc, charset)
