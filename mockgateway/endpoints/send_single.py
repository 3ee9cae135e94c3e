"""``send_single`` (V5.13 2.2.1, V5.7.2 §3.1; the SDKs spell it ``single_send``): one message to
one number."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockgateway.domain import sending
from mockgateway.endpoints.base import BOTH_EDITIONS, AnswerShape, Endpoint
from mockgateway.scenario.model import Edition

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
"""``{result, desc, msgid, custid}``: send_single's answer, the SDKs' batch_send, and every send
of the domestic edition (V5.7.2 §1.3)."""


def send(
    name: str,
    alias: str,
    serve: Callable[[Gateway, Call], sending.Accepted],
    editions: frozenset[Edition] = frozenset({"domestic"}),
) -> Endpoint[sending.Accepted]:
    """A send answering ``{msgid, custid}`` under its name and the SDKs' spelling of it."""
    return Endpoint(
        name=name,
        paths={name: FIRST_MSGID, alias: FIRST_MSGID},
        request_root="mtreq",
        answer_root="mtrsp",
        serve=serve,
        editions=editions,
    )


ENDPOINT = send("send_single", "single_send", serve, BOTH_EDITIONS)
