"""get_balance (V5.7.2 §3.8) and billing: one unit per segment, charged on acceptance, a send the
balance cannot cover refused whole; the control API that sets the balance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockgateway.client import credentials
from mockgateway.harness import running_gateway
from mockgateway.protocol.errors import Dialect
from mockgateway.scenario.model import MAX_BALANCE
from tests.conftest import Harness, Start
from tests.test_properties import BODIES, CONTENT_TYPES

DOMESTIC = """\
edition: domestic
clock: virtual
seed: 7
auth: {timestamp_window: null}
accounts:
  - userid: J10003
    password: "111111"
    apikey: abade5589e2798f82f006bbc36d269ce
    auth: {modes: [md5, plaintext, apikey]}
"""
BILLED = """\
edition: domestic
clock: virtual
seed: 7
accounts:
  - userid: J10003
    password: "111111"
    billing: {balance: 5, price: 0.045}
"""
NUMBER = "0085292041234"
TWO_SEGMENTS = "a" * 161
ORDER = ["result", "desc", "chargetype", "balance", "money"]


@pytest.fixture
async def domestic(start: Start) -> Harness:
    return await start(DOMESTIC)


# The manual's get_balance requests, fixed for their damage ("timestam p" in the JSON example is
# the PDF's line break); the trailing comma of its answer example is not something we send.
MANUAL_FORM = "userid=J10003&pwd=26dad7f364507df18f3841cc9c4ff94d&timestamp=0803192020"
MANUAL_JSON = (
    '{"userid":"J10003","pwd":"26dad7f364507df18f3841cc9c4ff94d","timestamp":"0803192020"}'
)
MANUAL_XML = (
    "<?xml version=1.0 encoding=utf-8?>\n<feereq>\n<userid>J10003</userid>\n"
    "<pwd>26dad7f364507df18f3841cc9c4ff94d</pwd>\n<timestamp>0803192020</timestamp>\n</feereq>"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (MANUAL_JSON, "application/json"),
        (MANUAL_XML, "application/xml"),
        (MANUAL_FORM, "application/x-www-form-urlencoded"),
    ],
    ids=["json", "xml", "form"],
)
async def test_the_manuals_post_examples_are_answered(
    start: Start, body: str, content_type: str
) -> None:
    gw = await start(DOMESTIC)
    status, answer, answered_as = await gw.raw("get_balance", body, content_type)
    assert status == 200
    assert answer == {
        "result": 0,
        "desc": "%e6%88%90%e5%8a%9f",
        "chargetype": 0,
        "balance": 99999999,
        "money": "0.00",
    }
    assert ("xml" in answered_as) == (content_type == "application/xml")
    assert gw.last().endpoint == "get_balance" and gw.last().result == 0


@pytest.mark.parametrize(
    "query", [MANUAL_FORM, "apikey=abade5589e2798f82f006bbc36d269ce"], ids=["pwd", "apikey"]
)
async def test_the_manuals_get_examples_are_answered(start: Start, query: str) -> None:
    gw = await start(DOMESTIC)
    response = await gw.client.get(f"/sms/v2/std/get_balance?{query}")
    raw = await response.read()
    assert json.loads(raw)["result"] == 0
    assert list(json.loads(raw)) == ORDER, "keys in the documented order"
    assert gw.last().userid == "J10003"


async def test_the_xml_answer_is_feersp_in_order(start: Start) -> None:
    gw = await start(DOMESTIC)
    response = await gw.client.post(
        "/sms/v2/std/get_balance", data=MANUAL_XML, headers={"Content-Type": "text/xml"}
    )
    text = await response.text()
    assert (
        "<feersp><result>0</result><desc>%e6%88%90%e5%8a%9f</desc><chargetype>0</chargetype>"
        in (text)
    )
    assert "<balance>99999999</balance><money>0.00</money></feersp>" in text


async def test_a_failed_get_balance_has_the_manuals_failure_shape(start: Start) -> None:
    gw = await start(DOMESTIC)
    answer = await gw.call("get_balance", sign=False, userid="J10003", pwd="wrong")
    assert answer == {
        "result": -100001,
        "desc": answer["desc"],
        "chargetype": 0,
        "balance": 0,
        "money": "0.00",
    }


async def balance(gw: Harness) -> dict[str, Any]:
    answer = await gw.call("get_balance")
    assert answer["result"] == 0, gw.last().diagnosis
    return answer


async def test_each_segment_of_each_message_costs_one_unit(start: Start) -> None:
    gw = await start(BILLED)
    assert await balance(gw) == {
        "result": 0,
        "desc": "%e6%88%90%e5%8a%9f",
        "chargetype": 0,
        "balance": 5,
        "money": "0.225",
    }
    assert (await gw.call("send_single", mobile=NUMBER, content="hi"))["result"] == 0
    assert (await balance(gw))["balance"] == 4
    two = await gw.call("batch_send", mobile=f"{NUMBER},0085292041235", content=TWO_SEGMENTS)
    assert two["result"] == 0
    assert await balance(gw) | {"desc": ""} == {
        "result": 0,
        "desc": "",
        "chargetype": 0,
        "balance": 0,
        "money": "0.000",
    }
    assert len(gw.gateway.messages) == 3


async def test_a_send_the_balance_cannot_cover_is_refused_whole(start: Start) -> None:
    gw = await start(BILLED)
    batch = ",".join(f"008529204123{i}" for i in range(3))
    assert (await gw.call("send_batch", mobile=batch, content=TWO_SEGMENTS))["result"] == -100003
    refused = gw.last()
    assert refused.diagnosis == (
        "the send costs 6 units (3 messages of 2 segments, one unit a segment); account J10003 "
        "has 5 left: nothing was accepted"
    )
    single = await gw.call("send_single", mobile=NUMBER, content="a" * 1000)  # 7 segments
    arrears = Dialect("domestic").desc(-100003)  # 用户欠费
    assert single == {"result": -100003, "desc": arrears, "msgid": 0, "custid": ""}
    assert len(gw.gateway.messages) == 0 and len(gw.gateway.reports) == 0, "no msgid, no report"
    assert (await balance(gw))["balance"] == 5, "a refused send costs nothing"
    assert (await gw.call("send_single", mobile=NUMBER, content=TWO_SEGMENTS))["result"] == 0
    assert (await balance(gw))["balance"] == 3


async def test_an_unbilled_account_is_never_charged(start: Start) -> None:
    gw = await start(DOMESTIC)
    for _ in range(3):
        await gw.call("send_batch", mobile=f"{NUMBER},0085292041235", content=TWO_SEGMENTS)
    assert (await balance(gw))["balance"] == 99999999


async def put_balance(gw: Harness, body: Any, userid: str = "J10003") -> tuple[int, Any]:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    response = await gw.client.put(f"/_mock/accounts/{userid}/balance", data=data)
    return response.status, await response.json()


async def test_the_control_api_sets_and_reads_the_balance_and_a_reset_restores_it(
    start: Start,
) -> None:
    gw = await start(BILLED)
    assert await put_balance(gw, {"balance": 0}) == (
        200,
        {"userid": "J10003", "balance": 0, "chargetype": 0, "money": "0.000"},
    )
    assert (await gw.call("send_single", mobile=NUMBER, content="hi"))["result"] == -100003
    assert (await put_balance(gw, {"balance": 2}))[0] == 200
    assert (await gw.call("send_single", mobile=NUMBER, content="hi"))["result"] == 0
    read = await (await gw.client.get("/_mock/accounts/J10003/balance")).json()
    assert read["balance"] == 1
    assert (await put_balance(gw, {"balance": None}))[1]["balance"] is None
    assert (await balance(gw))["balance"] == 99999999, "null is unlimited"
    await gw.client.post("/_mock/reset")
    assert (await balance(gw))["balance"] == 5, "a reset restores the scenario's balance"


@pytest.mark.parametrize(
    "body",
    [
        {"balance": -1},
        {"balance": MAX_BALANCE + 1},
        {"balance": 1.0},
        {"balance": 1.5},
        {"balance": "7"},
        {"balance": True},
        {"balance": [3]},
        {"balance": {"n": 3}},
        {"balanse": 3},
        [3],
        "NaN",
        '{"balance": NaN}',
        '{"balance": Infinity}',
        '{"balance": 1e400}',
        '{"balance": ' + "9" * 5000 + "}",
        "[" * 100_000,
        b"\xff\xfe",
        "",
    ],
    ids=lambda body: repr(body)[:30],
)
async def test_a_balance_that_is_not_a_sane_whole_number_is_a_400(start: Start, body: Any) -> None:
    gw = await start(BILLED)
    status, answer = await put_balance(gw, body)
    assert status == 400
    assert "whole number from 0 to 999999999999" in answer["error"]
    assert (await balance(gw))["balance"] == 5, "nothing changed"


async def test_an_unknown_account_is_a_404(start: Start) -> None:
    gw = await start(BILLED)
    status, answer = await put_balance(gw, {"balance": 3}, userid="Q" * 5000)
    assert status == 404 and len(answer["error"]) < 200
    assert (await gw.client.get("/_mock/accounts/NOONE/balance")).status == 404


async def test_a_replaced_scenario_keeps_the_balance_unless_its_billing_changed(
    start: Start,
) -> None:
    gw = await start(BILLED)
    await gw.call("send_single", mobile=NUMBER, content="hi")
    same = await gw.client.put("/_mock/scenario", data=BILLED.replace("seed: 7", "seed: 8"))
    assert same.status == 200
    assert (await balance(gw))["balance"] == 4, "the same billing: the balance goes on"
    changed = await gw.client.put(
        "/_mock/scenario", data=BILLED.replace("balance: 5", "balance: 9")
    )
    assert changed.status == 200
    assert (await balance(gw))["balance"] == 9, "new billing settings: the new balance"


def test_the_harness_sets_and_reads_the_balance() -> None:
    with running_gateway(BILLED) as gateway:
        assert gateway.balance() == 5
        gateway.set_balance(1)
        assert gateway.balance() == 1
        gateway.set_balance(None)
        assert gateway.balance() is None
        gateway.reset()
        assert gateway.balance() == 5


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES, content_type=CONTENT_TYPES)
async def test_any_body_to_get_balance_gets_a_protocol_answer(
    domestic: Harness, body: bytes, content_type: str | None
) -> None:
    gw = domestic
    status, answer, _ = await gw.raw("get_balance", body, content_type)
    assert status == 200
    assert list(answer) == ORDER
    assert isinstance(answer["result"], int) and answer["result"] != -100999
    assert gw.last().result == answer["result"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.dictionaries(
        st.sampled_from(["retsize", "mobile", "content", "apiver", "balance", "timestamp"]),
        st.text(max_size=20),
        max_size=4,
    )
)
async def test_signed_get_balance_with_any_extra_fields_reads_the_balance(
    domestic: Harness, fields: dict[str, str]
) -> None:
    gw = domestic
    answer = await gw.call(
        "get_balance", sign=False, **{**fields, **credentials("J10003", "111111")}
    )
    assert answer["result"] == 0
    assert answer["balance"] == 99999999


async def test_a_push_url_body_nested_too_deep_is_a_400_too(start: Start) -> None:
    gw = await start(BILLED)
    response = await gw.client.put("/_mock/accounts/J10003/push", data="[" * 100_000)
    assert response.status == 400, "the parser's recursion limit is not a 500"
