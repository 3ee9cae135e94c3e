"""``send_mixed`` / ``mixed_send`` (V5.7.2 §3.4): up to 500 numbers and as many contents, paired
by position; svrtype, exno, custid and exdata are shared.

``content`` is the contents URL-encoded each on its own and joined with plain commas (a form
encodes the joined list once more, which the form decoding undoes): so it is split on its commas
first, and each piece URL-decoded once, whatever the format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockgateway.domain import sending
from mockgateway.endpoints.send_single import send
from mockgateway.protocol import fields
from mockgateway.protocol.codec import Format
from mockgateway.protocol.errors import Code, GatewayError

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

MAX_NUMBERS = 500


def serve(desk: Gateway, call: Call) -> sending.Accepted:
    given = call.request.fields
    custid, exdata = sending.ids(given)
    numbers = sending.numbers_of(call, given, limit=MAX_NUMBERS)
    joined = fields.text(given, "content")
    if joined is None:
        raise GatewayError(Code.CONTENT_EMPTY, "content is missing")
    encrypted = sending.decrypt(call, joined) if joined else None
    if encrypted is not None:
        joined = encrypted  # §5.4: the joined, individually encoded list is what is encrypted
    pieces = joined.split(",")
    if len(pieces) != len(numbers):
        raise GatewayError(Code.MIXED_COUNTS, _count_diagnosis(len(numbers), len(pieces), joined))
    contents = []
    for position, piece in enumerate(pieces, start=1):
        with call.within(f"content {position} of {len(pieces)}"):
            contents.append(sending.content_of(call, piece, Format.JSON, encrypted=False))
    svrtype, exno = sending.svrtype(call, given), sending.exno(call, given)
    parts = [
        sending.Part(number, decoded, custid, exdata, svrtype, exno)
        for number, decoded in zip(numbers, contents, strict=True)
    ]
    return desk.sending.accept(call, sending.Draft(parts))


def _count_diagnosis(numbers: int, contents: int, joined: str) -> str:
    said = f"{numbers} numbers and {contents} contents: send_mixed pairs them by position"
    if contents < numbers and "%2c" in joined.lower():
        return (
            f"{said}; the commas between the contents are encoded (%2c): encode each content "
            "on its own, then join them with plain commas"
        )
    if contents > numbers:
        return f"{said}; a comma inside a content must be encoded (%2c)"
    return said


ENDPOINT = send("send_mixed", "mixed_send", serve)
