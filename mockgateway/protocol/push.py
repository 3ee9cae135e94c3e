"""Pushes (manual 2.3): the request envelope and judging the receiver's answer.

Pure functions over an :class:`Exchange`, the wire description of one kind of push: status reports
(``RPT_REQ``/``RPT_RESP``, :data:`REPORTS`) and inbound messages (``MO_REQ``/``MO_RESP``,
:data:`MOS`).
The domain decides what to push and when, the HTTP layer sends it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote

from mockgateway.protocol.auth import md5_pwd
from mockgateway.protocol.codec import JSON_TYPE, XML_TYPE, render_json, render_xml
from mockgateway.protocol.errors import url_encode
from mockgateway.protocol.limits import shown
from mockgateway.scenario.model import PushBody

FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


def errdesc(text: str, body: PushBody = "json") -> str:
    """errdesc as a push carries it (manual 2.3.3, V5.7.2 §5.2): raw UTF-8 in JSON, URL-encoded
    UTF-8 in a form or XML body."""
    return text if body == "json" else url_encode(text)


@dataclass(frozen=True)
class Exchange:
    """One kind of push on the wire: its command, the answer that acknowledges it, the key of
    its list and how many items one request may carry."""

    cmd: str
    answer_cmd: str
    list_key: str
    max_batch: int

    @property
    def kind(self) -> str:
        """``rpt`` or ``mo``: how the journal and the control API name the kind."""
        return self.cmd.removesuffix("_REQ").lower()

    @property
    def expected(self) -> str:
        """The acknowledgement, as a diagnosis shows it."""
        return f'{{"cmd":"{self.answer_cmd}","seqid":N,"result":0}}'

    @property
    def xml_root(self) -> str:
        """The root of an XML push (V5.7.2's gateway: ``rptreq``, ``moreq``)."""
        return self.cmd.removesuffix("_REQ").lower() + "req"

    @property
    def xml_item(self) -> str:
        """The element of each item of the list (``rpts`` holds ``rpt``s, ``mos`` ``mo``s)."""
        return self.list_key.removesuffix("s")


REPORTS = Exchange("RPT_REQ", "RPT_RESP", "rpts", 500)
"""Status reports (manual 2.3): at most 500 a request."""
MOS = Exchange("MO_REQ", "MO_RESP", "mos", 100)
"""Inbound messages (V5.7.2 §5.2): at most 100 a request."""
KINDS = {exchange.kind: exchange for exchange in (REPORTS, MOS)}


def envelope(
    exchange: Exchange,
    userid: str,
    password: str,
    timestamp: str,
    seqid: int,
    items: Sequence[Any],
) -> dict[str, Any]:
    """The request body, keys in the manual's order; ``pwd`` by the MD5 rule so the receiver
    can check that the push comes from the gateway."""
    return {
        "userid": userid,
        "pwd": md5_pwd(userid, password, timestamp),
        "timestamp": timestamp,
        "cmd": exchange.cmd,
        "seqid": seqid,
        exchange.list_key: list(items),
    }


class Encoded(NamedTuple):
    """A push body on the wire."""

    data: bytes
    content_type: str


def encode(exchange: Exchange, body: Mapping[str, Any], fmt: PushBody = "json") -> Encoded:
    """The push body in the account's format: compact JSON (V5.13); a form whose list is JSON
    text (the domestic manual's own example, ``rpts=[{...}]``); or XML under ``<rptreq>`` with
    ``<rpts><rpt>`` items (the domestic gateway's). ``errdesc`` is URL-encoded in the last two."""
    if fmt == "json":
        return Encoded(render_json(body), JSON_TYPE)
    key = exchange.list_key
    items = [_encoded_errdesc(item, fmt) for item in body[key]]
    if fmt == "xml":
        xml = render_xml(exchange.xml_root, {**body, key: items}, {key: exchange.xml_item})
        return Encoded(xml.encode("utf-8"), XML_TYPE)
    pairs = {**body, key: json.dumps(items, ensure_ascii=False, separators=(",", ":"))}
    form = "&".join(f"{name}={quote(str(value), safe='')}" for name, value in pairs.items())
    return Encoded(form.encode("ascii"), FORM_TYPE)


def _encoded_errdesc(item: Mapping[str, Any], fmt: PushBody) -> Mapping[str, Any]:
    text = item.get("errdesc")
    return {**item, "errdesc": errdesc(text, fmt)} if isinstance(text, str) else item


class Verdict(NamedTuple):
    """How one push attempt ended, in words for the receiver's developer (``/_mock/pushes``)."""

    failure: str | None
    """Why the answer does not acknowledge the push; None when it does."""
    warning: str | None = None
    """What a lenient account let through, that the manual would not."""


_KEYS = ("cmd", "seqid", "result")


def judge(
    http_status: int,
    body: bytes,
    seqid: int,
    *,
    exchange: Exchange,
    lenient: bool = False,
) -> Verdict:
    """Whether an answer acknowledges push ``seqid``.

    Only HTTP 200 with ``{"cmd":"RPT_RESP","seqid":<same>,"result":0}`` (the exchange's answer
    command) acknowledges. A lenient
    account (``push.ack: lenient``, for receivers that cannot be changed) takes any 2xx that does
    not refuse the batch outright (a non-zero result, however spelt), and keeps the strict
    reason as a warning.
    """
    reason = _strict_failure(http_status, body, seqid, exchange)
    if reason is None:
        return Verdict(None)
    if not lenient or not 200 <= http_status < 300:
        return Verdict(reason)
    refused = _refusal(body)
    if refused is not None:
        return Verdict(refused)
    return Verdict(None, f"acknowledged only because push.ack is lenient: {reason}")


def _strict_failure(http_status: int, body: bytes, seqid: int, exchange: Exchange) -> str | None:
    if http_status != 200:
        return f"HTTP {http_status}: only 200 acknowledges"
    answer = _json_object(body)
    if not isinstance(answer, dict):
        if answer is _NOT_JSON:
            shown = body[:60].decode("utf-8", "replace")
            return f"the answer is not JSON ({shown!r}): send {exchange.expected}"
        return f"the answer is JSON {type(answer).__name__}, not an object"
    misspelt = [k for k in answer if isinstance(k, str) and k.lower() in _KEYS and k not in _KEYS]
    missing = [k for k in _KEYS if k not in answer]
    if misspelt and missing:
        shown = ", ".join(repr(k) for k in misspelt)
        return (
            f"the answer spells {shown}; the manual's keys are lowercase {', '.join(_KEYS)} "
            f"(keys are case-sensitive): send {exchange.expected}"
        )
    cmd = answer.get("cmd")
    if cmd != exchange.answer_cmd:
        return f"cmd is {cmd!r}, not {exchange.answer_cmd!r}"
    got = answer.get("seqid")
    if isinstance(got, str):
        return f"seqid is the string {got!r}: send the integer {seqid}"
    if isinstance(got, bool) or not isinstance(got, int):
        return f"seqid must be the integer {seqid}, got {got!r}"
    if got != seqid:
        return f"seqid {got} answers another push: this one was seqid {seqid}"
    result = answer.get("result")
    if isinstance(result, str):
        return f"result is the string {result!r}: send the integer 0"
    if isinstance(result, bool) or not isinstance(result, int):
        return f"result must be the integer 0, got {result!r}"
    if result != 0:
        return f"result {result}: the receiver refused the batch"
    return None


_ASCII_INTEGER = re.compile(r"([+-]?)([0-9]+)")


def _refusal(body: bytes) -> str | None:
    """A non-zero result in an answer read leniently (any key spelling, digits in a string)."""
    answer = _json_object(body)
    if not isinstance(answer, dict):
        return None
    for key, value in answer.items():
        if not (isinstance(key, str) and key.lower() == "result"):
            continue
        if isinstance(value, str):
            number = _ASCII_INTEGER.fullmatch(value.strip())
            if number is None:
                return f"result {shown(value)} is not a number: the receiver refused the batch"
            sign, significant = number.group(1), number.group(2).lstrip("0") or "0"
            if len(significant) > 20:
                return f"result of {len(significant)} digits: the receiver refused the batch"
            value = int(sign + significant)
        if isinstance(value, int) and not isinstance(value, bool) and value != 0:
            return f"result {value}: the receiver refused the batch"
    return None


_NOT_JSON = object()


def _json_object(body: bytes) -> Any:
    """The parsed answer, or ``_NOT_JSON``."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _NOT_JSON
