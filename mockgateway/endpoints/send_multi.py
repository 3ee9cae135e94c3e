"""``send_multi`` / ``multi_send`` (V5.7.2 §3.3): up to 500 items, each its own number, content,
svrtype, exno, custid and exdata; the answer is the first item's msgid and custid.

The codec has already put ``multimt`` in one shape, whatever body carried it
(``protocol/multimt.py``); each item meets the checks a top-level send's fields meet, in the same
order, and an item's mistake names the item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockgateway.domain import sending
from mockgateway.endpoints.send_single import send
from mockgateway.protocol import fields
from mockgateway.protocol.codec import Fields, FieldValue
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.multimt import FIELD, ITEM_FIELDS, MAX_ITEMS

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway


def serve(desk: Gateway, call: Call) -> sending.Accepted:
    given = call.request.fields
    items = given.get(FIELD)
    if items is None:
        raise GatewayError(
            Code.MOBILE_BREAKS_RULES,
            "multimt is missing: send_multi takes its numbers and contents as multimt items",
        )
    if not isinstance(items, list):
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE,
            f"multimt must be an array of items, got {fields.kind_of(items)}",
        )
    if not items:
        raise GatewayError(Code.MOBILE_BREAKS_RULES, "multimt has no items")
    if len(items) > MAX_ITEMS:
        raise GatewayError(
            Code.TOO_MANY_MOBILES, f"multimt has {len(items)} items: at most {MAX_ITEMS}"
        )
    ignored = sorted({"mobile", "content", "svrtype", "exno"} & set(given))
    if ignored:
        call.warn(
            f"send_multi ignores top-level {', '.join(ignored)}: each multimt item carries its own"
        )
    parts = []
    for position, item in enumerate(items, start=1):
        with call.within(f"multimt item {position} of {len(items)}"):
            parts.append(_part(call, item))
    return desk.sending.accept(call, sending.Draft(parts))


def _part(call: Call, item: FieldValue) -> sending.Part:
    if not isinstance(item, dict):
        raise GatewayError(
            Code.BODY_FIELD_WRONG_TYPE,
            f"an item must be an object of fields, got {fields.kind_of(item)}",
        )
    given: Fields = item
    unknown = sorted(k for k in given if k not in ITEM_FIELDS)
    if unknown:
        call.warn(f"unknown item fields {', '.join(map(repr, unknown[:5]))}: ignored")
    custid, exdata = sending.ids(given)
    (number,) = sending.numbers_of(call, given, limit=1, what="an item")
    decoded = sending.content_of(call, given.get("content"))
    svrtype, exno = sending.svrtype(call, given), sending.exno(call, given)
    return sending.Part(number, decoded, custid, exdata, svrtype, exno)


ENDPOINT = send("send_multi", "multi_send", serve)
