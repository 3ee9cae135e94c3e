"""Bodies of every shape get a protocol answer: sniffing, parse errors, wrong types, 404."""

from __future__ import annotations

import json

import pytest

from mockgateway.client import credentials
from tests.conftest import Harness


def creds_json(**extra: object) -> str:
    return json.dumps({**credentials("J10003", "111111"), **extra})


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream"])
async def test_unknown_content_type_is_sniffed(gw: Harness, content_type: str | None) -> None:
    body = creds_json(mobile="85292041234", content="hi")
    status, answer, _ = await gw.raw("send_single", body, content_type)
    assert (status, answer["result"]) == (200, 0)
    assert "body read as json" in gw.last().warnings[0]


async def test_sniffed_xml_gets_an_xml_answer(gw: Harness) -> None:
    c = credentials("J10003", "111111")
    body = "".join(f"<{k}>{v}</{k}>" for k, v in c.items())
    _, answer, content_type = await gw.raw(
        "send_single",
        f"<mtreq>{body}<mobile>85292041234</mobile><content>hi</content></mtreq>",
        "text/plain",
    )
    assert answer["result"] == 0
    assert content_type.startswith("application/xml")


async def test_sniffed_form(gw: Harness) -> None:
    c = credentials("J10003", "111111")
    body = "&".join(f"{k}={v}" for k, v in c.items()) + "&mobile=85292041234&content=hi"
    _, answer, _ = await gw.raw("send_single", body, None)
    assert answer["result"] == 0
    assert gw.last().format == "form"


@pytest.mark.parametrize(
    ("body", "content_type", "code", "diagnosis"),
    [
        ("just some words", "text/plain", -100100, "neither JSON, XML nor form"),
        ("just some words", None, -100100, "no Content-Type"),
        ('{"userid": "J10003"', "application/json", -100093, "not valid JSON"),
        ("userid=J10003&pwd=x", "application/json", -100093, "looks like form data"),
        ("<mtreq><userid>J1</mtreq>", "application/xml", -100091, "not valid XML"),
        ('{"userid":"J10003"}', "text/xml", -100091, "looks like JSON"),
        ('["J10003"]', "application/json", -100092, "must be an object"),
        (
            '{CREDS,"mobile":85292041234,"content":"hi"}',
            "application/json",
            -100096,
            'send "85292041234"',
        ),
        (
            '{"userid":{"a":1}}',
            "application/json",
            -100096,
            "userid must be a string, got an object",
        ),
        ("<mtreq>text</mtreq>", "application/xml", -100092, "one element per field"),
        (b"\xff\xfe{", "application/json", -100093, "neither UTF-8 nor GBK"),
    ],
)
async def test_bodies_that_cannot_be_read(
    gw: Harness, body: str | bytes, content_type: str | None, code: int, diagnosis: str
) -> None:
    if isinstance(body, str):
        body = body.replace("CREDS", creds_json()[1:-1])
    status, answer, _ = await gw.raw("send_single", body, content_type)
    assert status == 200
    assert answer["result"] == code
    assert answer["desc"] == "Request%20message%20body%20format%20error"
    assert diagnosis in (gw.last().diagnosis or ""), gw.last().diagnosis


async def test_a_list_field_in_xml_is_a_wrong_type(gw: Harness) -> None:
    c = credentials("J10003", "111111")
    body = "".join(f"<{k}>{v}</{k}>" for k, v in c.items())
    numbers = "<mobile>85292041234</mobile><mobile>85292041235</mobile>"
    xml = f"<mtreq>{body}{numbers}<content>hi</content></mtreq>"
    _, answer, _ = await gw.raw("send_single", xml, "application/xml")
    assert answer["result"] == -100096
    assert "given twice" in (gw.last().diagnosis or "")


async def test_a_field_given_twice_in_a_form_uses_the_first_with_a_warning(gw: Harness) -> None:
    c = credentials("J10003", "111111")
    body = "&".join(f"{k}={v}" for k, v in c.items()) + "&mobile=85292041234&mobile=1&content=hi"
    _, answer, _ = await gw.raw("send_single", body, "application/x-www-form-urlencoded")
    assert answer["result"] == 0
    assert "given more than once" in gw.last().warnings[0]


async def test_post_with_fields_in_the_url(gw: Harness) -> None:
    c = credentials("J10003", "111111")
    query = "&".join(f"{k}={v}" for k, v in c.items()) + "&mobile=85292041234&content=hi"
    response = await gw.client.post(f"/sms/v2/std/send_single?{query}")
    assert (await response.json())["result"] == 0
    assert "fields were read from the URL" in gw.last().warnings[0]


async def test_an_empty_post_is_an_auth_failure_not_a_crash(gw: Harness) -> None:
    status, answer, _ = await gw.raw("send_single", b"", None)
    assert (status, answer["result"]) == (200, -100001)


async def test_unknown_endpoint_is_404_listing_the_known_ones(gw: Harness) -> None:
    response = await gw.client.post("/sms/v2/std/send_everything", data="{}")
    assert response.status == 404
    body = await response.json()
    assert "/sms/v2/std/send_single" in body["endpoints"]
    assert "/sms/v2/std/get_rpt" in body["endpoints"]


async def test_a_body_over_the_size_limit_gets_a_protocol_answer(gw: Harness) -> None:
    status, answer, _ = await gw.raw(
        "send_single", b"{" + b" " * (5 * 1024 * 1024) + b"}", "application/json"
    )
    assert (status, answer["result"]) == (200, -100092)


async def test_a_bug_in_the_mock_answers_minus_100999_not_500(
    gw: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(gw.gateway, "_serve", broken)
    status, answer, _ = await gw.raw(
        "send_single", creds_json(mobile="85292041234", content="hi"), "application/json"
    )
    assert (status, answer["result"]) == (200, -100999)
    assert "RuntimeError('boom')" in (gw.last().diagnosis or "")
