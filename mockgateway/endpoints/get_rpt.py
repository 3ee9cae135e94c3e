"""``get_rpt`` (V5.13 2.2.6): due status reports, oldest first, each handed out once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.endpoints.base import AnswerShape, Endpoint
from mockgateway.protocol import fields
from mockgateway.protocol.codec import Format
from mockgateway.protocol.reports import Rpt

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

MAX_RETSIZE = 500


def retsize(call: Call, maximum: int) -> int:
    """How many items a get may hand out: ``retsize``, at most ``maximum``, which is also what
    a missing, zero or negative one means (get_mo reads it the same way)."""
    given = call.request.fields
    asked = fields.integer(given, "retsize")
    if call.request.format is Format.JSON and isinstance(given.get("retsize"), str):
        call.warn("retsize is a string in JSON: the manual's type is int")
    if asked is None or asked <= 0:
        return maximum
    if asked > maximum:
        call.warn(f"retsize {asked} is above {maximum}: {maximum} used")
    return min(asked, maximum)


def serve(desk: Gateway, call: Call) -> list[Rpt]:
    size = retsize(call, MAX_RETSIZE)
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
    editions=frozenset({"international", "domestic"}),
    serve=serve,
)
