"""The push of status reports (manual 2.3): the RPT_REQ envelope and judging the RPT_RESP.

Pure functions; the domain decides what to push and when, the HTTP layer sends it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from mockgateway.protocol.auth import md5_pwd
from mockgateway.protocol.errors import url_encode

PushBody = Literal["json", "form", "xml"]
"""The body a push goes in; V5.13 pushes JSON, the domestic gateway can send form or XML too."""


def errdesc(text: str, body: PushBody = "json") -> str:
    """errdesc as a push carries it (manual 2.3.3): raw UTF-8 in JSON, URL-encoded UTF-8 in a
    form or XML body."""
    return text if body == "json" else url_encode(text)


def envelope(
    userid: str, password: str, timestamp: str, seqid: int, rpts: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The RPT_REQ body, keys in the manual's order; ``pwd`` by the MD5 rule so the receiver
    can check that the push comes from the gateway."""
    return {
        "userid": userid,
        "pwd": md5_pwd(userid, password, timestamp),
        "timestamp": timestamp,
        "cmd": "RPT_REQ",
        "seqid": seqid,
        "rpts": list(rpts),
    }


def judge(http_status: int, body: bytes, seqid: int) -> str | None:
    """Why an answer does not acknowledge push ``seqid``, or None when it does.

    Only HTTP 200 with ``{"cmd":"RPT_RESP","seqid":<same>,"result":0}`` acknowledges; the reason
    is written for the receiver's developer, who reads it in ``/_mock/pushes``.
    """
    if http_status != 200:
        return f"HTTP {http_status}: only 200 acknowledges"
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        shown = body[:60].decode("utf-8", "replace")
        return f"the answer is not JSON ({shown!r}): send {{'cmd':'RPT_RESP','seqid':N,'result':0}}"
    if not isinstance(answer, dict):
        return f"the answer is JSON {type(answer).__name__}, not an object"
    cmd = answer.get("cmd")
    if cmd != "RPT_RESP":
        return f"cmd is {cmd!r}, not 'RPT_RESP'"
    got = answer.get("seqid")
    if isinstance(got, bool) or not isinstance(got, int):
        return f"seqid must be the integer {seqid}, got {got!r}"
    if got != seqid:
        return f"seqid {got} answers another push: this one was seqid {seqid}"
    result = answer.get("result")
    if isinstance(result, bool) or not isinstance(result, int):
        return f"result must be the integer 0, got {result!r}"
    if result != 0:
        return f"result {result}: the receiver refused the batch"
    return None
