"""``get_mo`` (V5.7.2 §3.6): inbound messages that have arrived, oldest first, each handed out
once; none while the account pushes its MOs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.endpoints.base import AnswerShape, Endpoint
from mockgateway.endpoints.get_rpt import handed_out
from mockgateway.protocol.inbound import MoItem

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

MAX_RETSIZE = 200


def serve(desk: Gateway, call: Call) -> list[MoItem]:
    pushed = "MOs" if call.account.mo_push.pushing else None
    return handed_out(call, MAX_RETSIZE, pushed, desk.inbound.take)


def mos(items: list[MoItem]) -> dict[str, Any]:
    return {"mos": items}


ENDPOINT = Endpoint(
    name="get_mo",
    paths={"get_mo": AnswerShape(mos, {"mos": ""})},
    request_root="moreq",
    answer_root="morsp",
    items={"mos": "mo"},
    editions=frozenset({"domestic"}),
    serve=serve,
)
