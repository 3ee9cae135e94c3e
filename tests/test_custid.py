"""A send without custid: the generated one (the first msgid, as a string) is the answer's custid
and every report's, in get_rpt and in push, so a client can match reports by custid + mobile."""

from __future__ import annotations

import pytest

from mockgateway.client import BodyFormat
from tests.conftest import Harness, Receiver, Start
from tests.test_push import advance, pushing


async def test_send_single_without_custid_its_report_carries_the_generated_one(
    gw: Harness,
) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    assert answer["custid"] == str(answer["msgid"])
    gw.clock.advance(2)
    (rpt,) = (await gw.call("get_rpt"))["rpts"]
    assert (rpt["msgid"], rpt["custid"]) == (answer["msgid"], answer["custid"])


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_send_batch_without_custid_every_report_carries_the_first_msgid(
    gw: Harness, fmt: BodyFormat
) -> None:
    answer = await gw.call("send_batch", fmt, mobile="85292041234,85251234567", content="hi")
    first = answer["messages"][0]["msgid"]
    gw.clock.advance(2)
    rpts = (await gw.call("get_rpt", fmt))["rpts"]
    assert [r["custid"] for r in rpts] == [str(first), str(first)]


async def test_batch_send_spelling_answers_and_reports_the_same_custid(gw: Harness) -> None:
    answer = await gw.call(
        "batch_send", mobile="85292041234,85251234567,8613800138000", content="hi"
    )
    assert answer["custid"] == str(answer["msgid"])
    gw.clock.advance(2)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert len(rpts) == 3
    assert {r["custid"] for r in rpts} == {answer["custid"]}


async def test_a_custid_given_is_kept_as_given(gw: Harness) -> None:
    await gw.call("send_batch", mobile="85292041234,85251234567", content="hi", custid="order-7")
    gw.clock.advance(2)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert [r["custid"] for r in rpts] == ["order-7", "order-7"]


@pytest.mark.parametrize("endpoint", ["send_single", "send_batch", "batch_send"])
async def test_pushed_reports_carry_the_generated_custid(
    start: Start, receiver: Receiver, endpoint: str
) -> None:
    gw = await pushing(start, receiver)
    mobile = "85292041234" if endpoint == "send_single" else "85292041234,85251234567"
    answer = await gw.call(endpoint, mobile=mobile, content="hi")
    first = answer["messages"][0]["msgid"] if "messages" in answer else answer["msgid"]
    await advance(gw, 2)
    rpts = [r for body in receiver.received for r in body["rpts"]]
    assert rpts and {r["custid"] for r in rpts} == {str(first)}
