"""Every field rule with its Montnets code and desc, through a real socket."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mockgateway.protocol.errors import desc_of, text_of
from tests.conftest import Harness, Start


@pytest.mark.parametrize(
    ("fields", "code", "diagnosis"),
    [
        ({"mobile": "85292041234", "content": "hi", "custid": "a" * 65}, -100004, "65 characters"),
        ({"mobile": "85292041234", "content": "hi", "custid": "order#1"}, -100004, "'#'"),
        ({"mobile": "85292041234", "content": "hi", "exdata": "a b"}, -100004, "exdata holds ' '"),
        ({"mobile": "85292041234", "content": "x" * 1001}, -100011, "1001 characters"),
        ({"mobile": "85200000000", "content": "hi"}, -100012, "not a valid number"),
        ({"mobile": "13800138000", "content": "hi"}, -100012, "without its country code"),
        ({"mobile": "85292041234,85292041235", "content": "hi"}, -100807, "use send_batch"),
        ({"mobile": "85292041234", "content": ""}, -100271, "content is empty"),
        ({"mobile": "85292041234"}, -100271, "content is missing"),
        ({"mobile": "852-9204-1234", "content": "hi"}, -100274, "other than digits"),
        ({"mobile": "085292041234", "content": "hi"}, -100274, "single 0"),
        ({"mobile": "852920", "content": "hi"}, -100274, "7 to 15"),
        ({"mobile": "8529204123456789", "content": "hi"}, -100274, "7 to 15"),
        ({"content": "hi"}, -100274, "mobile is missing"),
    ],
)
async def test_send_single_rules(
    gw: Harness, fields: dict[str, str], code: int, diagnosis: str
) -> None:
    answer = await gw.call("send_single", **fields)
    assert (answer["result"], answer["msgid"], answer["custid"]) == (code, 0, "")
    assert answer["desc"] == desc_of(code)
    assert diagnosis in (gw.last().diagnosis or ""), gw.last().diagnosis
    assert len(gw.gateway.messages) == 0


def test_error_descs_are_the_tables_text_url_encoded_lowercase() -> None:
    assert desc_of(0) == "%e6%88%90%e5%8a%9f"
    assert desc_of(-100011) == "SMS%20content%20is%20too%20long"
    assert desc_of(-100095) == quote("Request message body format error", safe="")
    assert text_of(-100999) == "Platform database internal error"
    assert text_of(-1) == "Unknown error"


async def test_1000_characters_is_the_limit_in_code_points(gw: Harness) -> None:
    content = quote("中" * 1000)
    assert (await gw.call("send_single", mobile="85292041234", content=content))["result"] == 0
    (message,) = gw.gateway.messages
    assert (message.encoding, message.segments) == ("ucs2", 15)


async def test_64_character_ids_are_allowed(gw: Harness) -> None:
    ident = "A-z_09" * 10 + "abcd"
    answer = await gw.call(
        "send_single", mobile="85292041234", content="hi", custid=ident, exdata=ident
    )
    assert answer["result"] == 0
    assert answer["custid"] == ident


async def test_unknown_svrtype_is_accepted_with_a_warning(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content="hi", svrtype="SMS001")
    assert answer["result"] == 0
    assert "svrtype 'SMS001'" in gw.last().warnings[0]


async def test_relaxed_numbers_accept_any_digits(start: Start) -> None:
    gw = await start("clock: virtual\nnumbers: relaxed\n")
    answer = await gw.call("send_batch", mobile="85200000000,9991234567", content="hi")
    assert answer["result"] == 0
    gw.clock.advance(2)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert [r["countrycode"] for r in rpts] == [852, -1]


async def test_gbk_content_accepted_with_a_warning(gw: Harness) -> None:
    gbk = "".join(f"%{b:02x}" for b in "测试".encode("gbk"))
    answer = await gw.call("send_single", mobile="85292041234", content=gbk)
    assert answer["result"] == 0
    assert next(iter(gw.gateway.messages)).content == "测试"
    assert "GBK" in gw.last().warnings[0]


async def test_gbk_form_content_accepted_with_a_warning(gw: Harness) -> None:
    from mockgateway.client import credentials

    creds = "&".join(f"{k}={v}" for k, v in credentials("J10003", "111111").items())
    gbk = "".join(f"%{b:02X}" for b in "测试".encode("gbk"))
    body = f"{creds}&mobile=85292041234&content={gbk}"
    _, answer, _ = await gw.raw("send_single", body, "application/x-www-form-urlencoded")
    assert answer["result"] == 0
    assert next(iter(gw.gateway.messages)).content == "测试"


async def test_gbk_can_be_refused(start: Start) -> None:
    gw = await start("gbk: false\n")
    gbk = "".join(f"%{b:02x}" for b in "测试".encode("gbk"))
    answer = await gw.call("send_single", mobile="85292041234", content=gbk)
    assert answer["result"] == -100092
    assert "UTF-8 only" in (gw.last().diagnosis or "")


async def test_content_not_url_encoded_is_accepted_with_a_warning(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content="验证码")
    assert answer["result"] == 0
    assert "not URL-encoded" in gw.last().warnings[0]


async def test_plus_in_content_is_a_space(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="Hello+world%21")
    assert next(iter(gw.gateway.messages)).content == "Hello world!"
