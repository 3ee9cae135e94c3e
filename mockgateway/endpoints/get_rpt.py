"""``get_rpt`` (V5.13 2.2.6, V5.7.2 §3.7): due status reports, oldest first, each handed out
once; a domestic account's carry ``smstype`` and ``rpttype`` and its segments' own msgids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.endpoints.base import BOTH_EDITIONS, AnswerShape, Endpoint
from mockgateway.protocol import fields
from mockgateway.protocol.codec import Format
from mockgateway.protocol.reports import Rpt

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

MAX_RETSIZE = 500


def serve(desk: Gateway, call: Call) -> list[Rpt]:
    given = call.request.fields
    fields.text(given, "apiver")  # V5.7.2: the API version the client speaks; accepted, unused
    retsize = fields.integer(given, "retsize")
    if call.request.format is Format.JSON and isinstance(given.get("retsize"), str):
        call.warn("retsize is a string in JSON: the manual's type is int")
    if retsize is None or retsize <= 0:
        size = MAX_RETSIZE
    else:
        size = min(retsize, MAX_RETSIZE)
        if retsize > MAX_RETSIZE:
            call.warn(f"retsize {retsize} is above {MAX_RETSIZE}: {size} used")
    if call.account.pushing:
        call.warn(
            f"account {call.account.userid} has a push URL: its reports are pushed, and "
            "get_rpt returns none (manual, precautions 3)"
        )
        return []
    return desk.reporting.take(call, size)


def reports(rpts: list[Rpt]) -> dict[str, Any]:
    return {"rpts": rpts}


ENDPOINT = Endpoint(
    name="get_rpt",
    paths={"get_rpt": AnswerShape(reports, {"rpts": ""})},
    request_root="rptreq",
    answer_root="rptrsp",
    items={"rpts": "rpt"},
    serve=serve,
    editions=BOTH_EDITIONS,
)
