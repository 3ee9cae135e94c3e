"""``get_rpt`` (V5.13 2.2.6, V5.7.2 §3.7): due status reports, oldest first, each handed out
once; a domestic account's carry ``smstype`` and ``rpttype`` and its segments' own msgids."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mockgateway.endpoints.base import BOTH_EDITIONS, AnswerShape, Endpoint
from mockgateway.protocol import fields
from mockgateway.protocol.codec import Format
from mockgateway.protocol.reports import Rpt

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

MAX_RETSIZE = 500
T = TypeVar("T")


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


def handed_out(
    call: Call, maximum: int, pushed: str | None, take: Callable[[Call, int], list[T]]
) -> list[T]:
    """What a get hands out: up to ``retsize`` items, by ``take``; none while the account pushes
    them (``pushed`` names what it pushes then)."""
    size = retsize(call, maximum)
    if pushed is not None:
        call.warn(
            f"account {call.account.userid} has a push URL for its {pushed}: they are pushed, "
            f"and {call.request.endpoint.name} returns none (manual, precautions 3)"
        )
        return []
    return take(call, size)


def serve(desk: Gateway, call: Call) -> list[Rpt]:
    fields.text(call.request.fields, "apiver")  # V5.7.2: the client's API version; unused
    pushed = "reports" if call.account.pushing else None
    return handed_out(call, MAX_RETSIZE, pushed, desk.reporting.take)


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
