"""``send_single`` (V5.13 2.2.1, V5.7.2 §3.1; the SDKs spell it ``single_send``): one message to
one number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.domain import sending
from mockgateway.endpoints.base import BOTH_EDITIONS, AnswerShape, Endpoint

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway


def serve(desk: Gateway, call: Call) -> sending.Accepted:
    return desk.sending.accept(call, sending.read(call, single=True))


def first_msgid(accepted: sending.Accepted) -> dict[str, Any]:
    """``{msgid, custid}``: the first (or only) msgid of the request."""
    first = accepted.messages[0].msgid if accepted.messages else 0
    return {"msgid": first, "custid": accepted.custid}


FIRST_MSGID = AnswerShape(first_msgid, {"msgid": 0, "custid": ""})
"""``{result, desc, msgid, custid}``: send_single's answer, and the SDKs' batch_send."""

ENDPOINT = Endpoint(
    name="send_single",
    paths={"send_single": FIRST_MSGID, "single_send": FIRST_MSGID},
    request_root="mtreq",
    answer_root="mtrsp",
    serve=serve,
    editions=BOTH_EDITIONS,
)
