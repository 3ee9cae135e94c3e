"""``send_batch`` (V5.13 2.2.2, V5.7.2 §3.2): one content to up to 1000 numbers, a msgid each.

Two spellings, two answers in the international edition: ``send_batch`` lists every
``{msgid, mobile}`` as V5.13 does; ``batch_send`` answers ``{msgid, custid}`` with the first msgid,
the shape the official SDKs read. The domestic edition answers ``{msgid, custid}`` under both
(§1.3), and takes every format without the V5.13 "JSON only" warning (§1 allows them all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.domain import sending
from mockgateway.endpoints.base import BOTH_EDITIONS, AnswerShape, Endpoint
from mockgateway.endpoints.send_single import FIRST_MSGID
from mockgateway.protocol.codec import Format

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway


def serve(desk: Gateway, call: Call) -> sending.Accepted:
    draft = sending.read(call, single=False)
    request = call.request
    if request.format is not Format.JSON and not sending.domestic(call):
        call.warn(
            f"{request.spelling} sent as {request.format.value}: the manual documents "
            "send_batch as POST with JSON only"
        )
    return desk.sending.accept(call, draft)


def every_msgid(accepted: sending.Accepted) -> dict[str, Any]:
    return {"messages": [{"msgid": m.msgid, "mobile": m.mobile} for m in accepted.messages]}


MESSAGES = AnswerShape(every_msgid, {"messages": []})
"""``{result, desc, messages: [{msgid, mobile}, ...]}``"""

ENDPOINT = Endpoint(
    name="send_batch",
    paths={"send_batch": MESSAGES, "batch_send": FIRST_MSGID},
    request_root="mtreq",
    answer_root="mtrsp",
    items={"messages": "message"},
    serve=serve,
    editions=BOTH_EDITIONS,
    domestic=FIRST_MSGID,
)
