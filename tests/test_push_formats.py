"""Push bodies in JSON, form or XML (``push.format``, V5.7.2 §5.2) to a real receiver: the
envelope, errdesc raw in JSON and URL-encoded in form and XML, the domestic report fields, and the
same acknowledgement rules whatever the body."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

import pytest

from mockgateway.protocol.auth import md5_pwd
from tests.conftest import DOMESTIC, Receiver, Start
from tests.test_push import advance, control

FAILED = """
reports:
  delay: 1
  outcomes: [{errcode: "MK:0005", errdesc: "欠费 & more"}]
"""


async def pushing(start: Start, receiver: Receiver, fmt: str, domestic: bool = True) -> None:
    base = DOMESTIC if domestic else "clock: virtual\nseed: 7\n"
    gw = await start(base + FAILED + f"push: {{url: '{receiver.url}', format: {fmt}}}\n")
    mobile = "13800138000" if domestic else "85292041234"
    answer = await gw.call("send_single", mobile=mobile, content="hi", custid="c-1")
    assert answer["result"] == 0
    await advance(gw, 2)
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [p["outcome"] for p in pushes] == ["acknowledged"]


@pytest.mark.parametrize("domestic", [True, False])
async def test_a_json_push_carries_errdesc_raw(
    start: Start, receiver: Receiver, domestic: bool
) -> None:
    await pushing(start, receiver, "json", domestic)
    ((content_type, data),) = receiver.raw
    assert content_type == "application/json; charset=utf-8"
    assert "欠费 & more".encode() in data
    (body,) = receiver.received
    assert list(body) == ["userid", "pwd", "timestamp", "cmd", "seqid", "rpts"]
    (rpt,) = body["rpts"]
    assert rpt["errdesc"] == "欠费 & more"
    if domestic:
        assert b'"smstype":"0","rpttype":"1"' in data, "strings, as the manual types them"
    else:
        assert "smstype" not in rpt


async def test_a_form_push_is_the_manuals_example(start: Start, receiver: Receiver) -> None:
    await pushing(start, receiver, "form")
    ((content_type, data),) = receiver.raw
    assert content_type == "application/x-www-form-urlencoded; charset=utf-8"
    pairs = parse_qsl(data.decode("ascii"))
    assert [k for k, _ in pairs] == ["userid", "pwd", "timestamp", "cmd", "seqid", "rpts"]
    fields = dict(pairs)
    assert fields["cmd"] == "RPT_REQ" and fields["seqid"] == "1"
    assert fields["pwd"] == md5_pwd("J10003", "111111", fields["timestamp"])
    assert fields["rpts"].startswith('[{"msgid":'), "the list is JSON text"
    (rpt,) = receiver.received[0]["rpts"]
    assert rpt["errdesc"] == "%e6%ac%a0%e8%b4%b9%20%26%20more"
    assert unquote(rpt["errdesc"]) == "欠费 & more"
    assert (rpt["custid"], rpt["smstype"], rpt["rpttype"]) == ("c-1", "0", "1")


async def test_an_xml_push_is_rptreq_with_rpt_items(start: Start, receiver: Receiver) -> None:
    await pushing(start, receiver, "xml")
    ((content_type, data),) = receiver.raw
    assert content_type == "application/xml; charset=utf-8"
    text = data.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?><rptreq><userid>J10003</userid>')
    assert "<cmd>RPT_REQ</cmd><seqid>1</seqid><rpts><rpt><msgid>" in text
    assert "<errdesc>%e6%ac%a0%e8%b4%b9%20%26%20more</errdesc>" in text
    assert "<smstype>0</smstype><rpttype>1</rpttype></rpt></rpts></rptreq>" in text


@pytest.mark.parametrize("result", [-100999, 100999])
async def test_a_non_zero_result_of_either_sign_fails_the_push(
    start: Start, receiver: Receiver, result: int
) -> None:
    receiver.behaviour = lambda body, n: (
        200,
        {"cmd": "RPT_RESP", "seqid": body["seqid"], "result": result if n == 1 else 0},
    )
    gw = await start(DOMESTIC + f"push: {{url: '{receiver.url}', format: xml}}\n")
    await gw.call("send_single", mobile="13800138000", content="hi")
    await advance(gw, 2)
    await advance(gw, 5)
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [p["outcome"] for p in pushes] == [
        f"failed: result {result}: the receiver refused the batch",
        "acknowledged",
    ]
    assert [p["seqid"] for p in pushes] == [1, 1]


def test_the_loader_checks_the_push_format() -> None:
    from mockgateway.scenario import ScenarioError, load_text

    with pytest.raises(ScenarioError) as caught:
        load_text("push: {url: 'http://127.0.0.1:1/', format: yaml}\n", source="s.yaml")
    assert "push.format: must be one of json, form, xml; got 'yaml'" in str(caught.value)
