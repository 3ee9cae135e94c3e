"""send_batch (V5.13 shape) and batch_send (the SDKs' shape) end to end."""

from __future__ import annotations

import json

import pytest

from mockgateway.client import credentials
from tests.conftest import MANUAL_CONTENT, Harness

NUMBERS = ["85292041234", "85292041235", "85292041236"]


async def test_manual_json_example(gw: Harness) -> None:
    body = json.dumps(
        {
            **credentials("J10003", "111111"),
            "mobile": ",".join(NUMBERS),
            "content": MANUAL_CONTENT,
            "svrtype": "1",
            "exno": "0006",
            "custid": "b3d0a2783d31b21b8573",
            "exdata": "exdata000002",
        }
    )
    status, answer, _ = await gw.raw("send_batch", body, "application/json")
    assert status == 200
    assert list(answer) == ["result", "desc", "messages"]
    assert answer["result"] == 0
    assert [m["mobile"] for m in answer["messages"]] == NUMBERS
    assert all(list(m) == ["msgid", "mobile"] for m in answer["messages"])
    msgids = [m["msgid"] for m in answer["messages"]]
    assert msgids == list(range(msgids[0], msgids[0] + 3)), "consecutive within one batch"
    assert gw.last().warnings == []


@pytest.mark.parametrize("fmt", ["xml", "form", "get"])
async def test_other_formats_are_accepted_with_a_warning(gw: Harness, fmt: str) -> None:
    answer = await gw.call("send_batch", fmt, mobile=",".join(NUMBERS), content="hello")  # type: ignore[arg-type]
    assert answer["result"] == 0
    assert [m["mobile"] for m in answer["messages"]] == NUMBERS
    assert any("send_batch as POST with JSON only" in w for w in gw.last().warnings)


async def test_batch_send_alias_answers_with_the_first_msgid(gw: Harness) -> None:
    answer = await gw.call("batch_send", mobile=",".join(NUMBERS), content="hi", custid="order-9")
    assert list(answer) == ["result", "desc", "msgid", "custid"]
    first = next(iter(gw.gateway.messages))
    assert answer["msgid"] == first.msgid
    assert answer["custid"] == "order-9"
    assert len(gw.gateway.messages) == 3


async def test_spaces_around_commas_are_ignored(gw: Harness) -> None:
    answer = await gw.call(
        "send_batch", mobile=" 85292041234 , +85292041235,0085292041236 ", content="hi"
    )
    assert answer["result"] == 0
    assert [m["mobile"] for m in answer["messages"]] == [
        "85292041234",
        "+85292041235",
        "0085292041236",
    ]


async def test_one_bad_number_rejects_the_whole_batch(gw: Harness) -> None:
    answer = await gw.call("send_batch", mobile="85292041234,85212,85292041236", content="hi")
    assert answer == {"result": -100274, "desc": answer["desc"], "messages": []}
    assert "number 2 of 3" in (gw.last().diagnosis or "")
    assert len(gw.gateway.messages) == 0


async def test_one_invalid_number_rejects_the_whole_batch(gw: Harness) -> None:
    answer = await gw.call("send_batch", mobile="85292041234,85200000000", content="hi")
    assert answer["result"] == -100012
    assert len(gw.gateway.messages) == 0


async def test_exactly_1000_numbers_pass_and_1001_fail(gw: Harness) -> None:
    numbers = [f"85292{n:06d}" for n in range(1001)]
    ok = await gw.call("send_batch", mobile=",".join(numbers[:1000]), content="hi")
    assert ok["result"] == 0, gw.last().diagnosis
    msgids = [m["msgid"] for m in ok["messages"]]
    assert len(set(msgids)) == 1000 and msgids[-1] - msgids[0] == 999
    too_many = await gw.call("send_batch", mobile=",".join(numbers), content="hi")
    assert too_many["result"] == -100014
    assert too_many["desc"] == (
        "The%20mobile%20number%20exceeds%20the%20maximum%20supported%20number%20%281000%29"
    )
    assert "1001 numbers" in (gw.last().diagnosis or "")


async def test_duplicate_numbers_are_accepted_with_a_warning(gw: Harness) -> None:
    answer = await gw.call("send_batch", mobile="85292041234,+85292041234", content="hi")
    assert answer["result"] == 0
    assert len({m["msgid"] for m in answer["messages"]}) == 2
    assert "more than once" in " ".join(gw.last().warnings)


async def test_msgids_are_unique_across_requests(gw: Harness) -> None:
    seen: set[int] = set()
    for _ in range(5):
        answer = await gw.call("send_batch", mobile=",".join(NUMBERS), content="hi")
        seen.update(m["msgid"] for m in answer["messages"])
    assert len(seen) == 15
