"""send_single end to end, in every format, starting from the manual's own examples."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mockgateway.client import credentials
from tests.conftest import MANUAL_CONTENT, MANUAL_TEXT, Harness

SUCCESS_DESC = "%e6%88%90%e5%8a%9f"


def manual_fields() -> dict[str, str]:
    """The manual's 2.1.4 example, with a fresh timestamp and its pwd."""
    return {
        **credentials("J10003", "111111"),
        "mobile": "85292041234",
        "content": MANUAL_CONTENT,
        "svrtype": "1",
        "exno": "0006",
        "custid": "b3d0a2783d31b21b8573",
        "exdata": "exdata000002",
    }


async def test_manual_json_example_is_accepted(gw: Harness) -> None:
    fields = manual_fields()
    body = (
        f'{{"userid":"J10003","pwd":"{fields["pwd"]}","mobile":"85292041234",'
        f'"content":"{MANUAL_CONTENT}","timestamp":"{fields["timestamp"]}","svrtype":"1",'
        '"exno":"0006","custid":"b3d0a2783d31b21b8573","exdata":"exdata000002"}'
    )
    status, answer, content_type = await gw.raw("send_single", body, "application/json")
    assert status == 200
    assert content_type.startswith("application/json")
    assert list(answer) == ["result", "desc", "msgid", "custid"]
    assert answer["result"] == 0
    assert answer["desc"] == SUCCESS_DESC
    assert answer["custid"] == "b3d0a2783d31b21b8573"
    assert 2**53 < answer["msgid"] < 2**63
    (message,) = gw.gateway.messages
    assert message.content == MANUAL_TEXT
    assert (message.exno, message.svrtype, message.exdata) == ("0006", "1", "exdata000002")


async def test_manual_form_example_is_accepted(gw: Harness) -> None:
    fields = manual_fields()
    body = "&".join(f"{k}={v}" for k, v in fields.items())  # already in the manual's encoding
    status, answer, content_type = await gw.raw(
        "send_single", body, "application/x-www-form-urlencoded"
    )
    assert (status, answer["result"]) == (200, 0)
    assert content_type.startswith("application/json")
    assert gw.gateway.messages.__iter__().__next__().content == MANUAL_TEXT


async def test_manual_xml_example_is_accepted_and_answered_in_xml(gw: Harness) -> None:
    f = manual_fields()
    # The manual's XML example has a trailing space after pwd; a real client copying it works.
    body = (
        f"<mtreq><userid>J10003</userid><pwd>{f['pwd']} </pwd><mobile>85292041234</mobile>"
        f"<content>{MANUAL_CONTENT}</content><timestamp>{f['timestamp']}</timestamp>"
        "<svrtype>1</svrtype><exno>0006</exno><custid>b3d0a2783d31b21b8573</custid>"
        "<exdata>exdata000002</exdata></mtreq>"
    )
    response = await gw.client.post(
        "/sms/v2/std/send_single", data=body, headers={"Content-Type": "text/xml"}
    )
    text = await response.text()
    assert response.headers["Content-Type"].startswith("application/xml")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?><mtrsp><result>0</result>')
    assert f"<desc>{SUCCESS_DESC}</desc>" in text
    assert "<custid>b3d0a2783d31b21b8573</custid></mtrsp>" in text


async def test_manual_get_example_is_accepted(gw: Harness) -> None:
    query = "&".join(f"{k}={v}" for k, v in manual_fields().items())
    response = await gw.client.get(f"/sms/v2/std/send_single?{query}")
    answer = await response.json()
    assert answer["result"] == 0
    assert next(iter(gw.gateway.messages)).content == MANUAL_TEXT


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
@pytest.mark.parametrize("path", ["send_single", "single_send"])
async def test_every_format_and_alias(gw: Harness, fmt: str, path: str) -> None:
    content = "Hello 世界" if fmt in ("form", "get") else quote("Hello 世界")
    answer = await gw.call(path, fmt, mobile="+85292041234", content=content, custid="c-1")  # type: ignore[arg-type]
    assert answer["result"] == 0, gw.last().diagnosis
    assert int(answer["msgid"]) > 2**53
    assert answer["custid"] == "c-1"
    message = next(iter(gw.gateway.messages))
    assert message.content == "Hello 世界"
    assert message.endpoint == "send_single"
    assert message.mobile == "+85292041234"


async def test_msgid_is_not_the_last_key_and_is_a_bare_number(gw: Harness) -> None:
    fields = manual_fields()
    body = "&".join(f"{k}={v}" for k, v in fields.items())
    response = await gw.client.post(
        "/sms/v2/std/send_single",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    raw = await response.text()
    assert '"msgid":' in raw and not raw.rstrip("}").endswith(str((await response.json())["msgid"]))
    assert " " not in raw, "answers are compact JSON"
    msgid = (await response.json())["msgid"]
    assert f'"msgid":{msgid},' in raw


async def test_missing_custid_is_replaced_by_a_generated_batch_id(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    assert answer["custid"] == str(answer["msgid"])


async def test_failure_shape(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content="hi", pwd="wrong")
    assert answer == {
        "result": -100001,
        "desc": "Authentication%20fails%2c%20please%20check%20whether%20the%20account%2c%20"
        "password%2c%20timestamp%2c%20fixed%20string%2c%20and%20MD5%20algorithm%20are%20set%20"
        "according%20to%20the%20requirements%20of%20the%20document",
        "msgid": 0,
        "custid": "",
    }
