"""``get_balance`` (V5.7.2 §3.8): what the account has left, ``{chargetype, balance, money}``.

The manual documents ``balance`` only; the gateway's own code (S2) and the official Python demo
(S3) know ``chargetype`` and ``money`` too, so the answer carries all three, in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockgateway.domain import billing
from mockgateway.endpoints.base import AnswerShape, Endpoint

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway


def serve(desk: Gateway, call: Call) -> billing.Statement:
    return billing.statement(call.account)


def balance(statement: billing.Statement) -> dict[str, Any]:
    return statement._asdict()


ENDPOINT = Endpoint(
    name="get_balance",
    paths={"get_balance": AnswerShape(balance, {"chargetype": 0, "balance": 0, "money": "0.00"})},
    request_root="feereq",
    answer_root="feersp",
    editions=frozenset({"domestic"}),
    serve=serve,
)
