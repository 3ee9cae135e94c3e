"""``push.ack: lenient``: a receiver that cannot be changed (wrong key spelling, numbers as
strings, any 2xx) is acknowledged, and each attempt it got away with carries a warning; a
receiver that refuses the batch is still refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Behaviour, Receiver, Start
from tests.test_push import advance, control, pushing

LET_THROUGH: dict[str, tuple[Behaviour, str]] = {
    "seqId": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqId": b["seqid"], "result": 0}),
        "the answer spells 'seqId'",
    ),
    "Result": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": b["seqid"], "Result": 0}),
        "the answer spells 'Result'",
    ),
    "strings": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": str(b["seqid"]), "result": "0"}),
        "seqid is the string '1'",
    ),
    "plain OK": (lambda b, n: (200, "OK"), "the answer is not JSON ('OK')"),
    "202": (lambda b, n: (202, ""), "HTTP 202: only 200 acknowledges"),
}


async def attempts(start: Start, receiver: Receiver, ack: str) -> list[dict[str, Any]]:
    gw = await pushing(start, receiver, attempts=2, extra=f"ack: {ack}")
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 1)
    await advance(gw, 5)
    items: list[dict[str, Any]] = (await control(gw, "/_mock/pushes"))["items"]
    return items


@pytest.mark.parametrize("kind", LET_THROUGH)
async def test_lenient_acknowledges_with_a_warning_naming_the_deviation(
    start: Start, receiver: Receiver, kind: str
) -> None:
    receiver.behaviour, reason = LET_THROUGH[kind]
    (push,) = await attempts(start, receiver, "lenient")
    assert push["outcome"] == "acknowledged"
    assert push["warning"].startswith("acknowledged only because push.ack is lenient: ")
    assert reason in push["warning"]


@pytest.mark.parametrize("kind", LET_THROUGH)
async def test_strict_fails_the_same_answers(start: Start, receiver: Receiver, kind: str) -> None:
    receiver.behaviour, reason = LET_THROUGH[kind]
    pushes = await attempts(start, receiver, "strict")
    assert [p["outcome"].startswith(f"failed: {reason}") for p in pushes] == [True, True]
    assert [p["warning"] for p in pushes] == [None, None]


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"cmd": "RPT_RESP", "seqid": 1, "result": -1}),
        (200, {"CMD": "RPT_RESP", "SeqId": 1, "Result": "-100999"}),
        (500, {"cmd": "RPT_RESP", "seqid": 1, "result": 0}),
    ],
)
async def test_lenient_still_fails_a_refusal_or_an_error_status(
    start: Start, receiver: Receiver, answer: tuple[int, Any]
) -> None:
    receiver.behaviour = lambda b, n: answer
    pushes = await attempts(start, receiver, "lenient")
    assert [p["outcome"].split(":")[0] for p in pushes] == ["failed", "failed"]
    assert pushes[-1]["parked"]


async def test_a_correct_answer_has_no_warning_under_lenient(
    start: Start, receiver: Receiver
) -> None:
    (push,) = await attempts(start, receiver, "lenient")
    assert (push["outcome"], push["warning"]) == ("acknowledged", None)
