"""send_multi (V5.7.2 §3.3) end to end: multimt in every format, each item's own fields and
checks, the limits on items, and what hostile items cost."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from mockgateway.client import credentials, url_encode
from mockgateway.protocol.limits import MAX_FIELD_CHARS
from tests.conftest import Harness
from tests.test_push import advance


def items(fmt: str, *texts: str, **extra: str) -> list[dict[str, str]]:
    encode = url_encode if fmt in ("json", "xml") else (lambda t: t)
    return [
        {"mobile": f"1380013800{i}", "content": encode(text), **extra}
        for i, text in enumerate(texts)
    ]


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_each_item_is_its_own_message(dgw: Harness, fmt: str) -> None:
    multimt = items(fmt, "验证码 1111", "code 2222", "x" * 200)
    multimt[0].update(svrtype="SMS001", exno="0006", custid="batch-1", exdata="e1")
    multimt[2].update(custid="other", exdata="e3")
    answer = await dgw.call("multi_send", fmt, multimt=multimt)  # type: ignore[arg-type]
    assert list(answer) == ["result", "desc", "msgid", "custid"]
    assert answer["result"] == 0, dgw.last().diagnosis
    assert answer["custid"] == "batch-1", "the first item's custid"
    assert dgw.last().warnings == []
    messages = list(dgw.gateway.messages)
    assert [m.content for m in messages] == ["验证码 1111", "code 2222", "x" * 200]
    assert [m.msgid for m in messages] == [answer["msgid"] + i for i in range(3)]
    assert [(m.custid, m.exdata, m.svrtype, m.exno) for m in messages] == [
        ("batch-1", "e1", "SMS001", "0006"),
        ("batch-1", "", "", ""),
        ("other", "e3", "", ""),
    ]
    assert [m.segments for m in messages] == [1, 1, 2]
    assert all(m.endpoint == "send_multi" and m.format == dgw.last().format for m in messages)


async def test_an_item_without_custid_takes_the_answers_generated_one(dgw: Harness) -> None:
    answer = await dgw.call("send_multi", multimt=items("json", "a", "b"))
    assert answer["custid"] == str(answer["msgid"])
    await advance(dgw, 2)
    rpts = (await dgw.call("get_rpt"))["rpts"]
    assert {r["custid"] for r in rpts} == {answer["custid"]}


async def test_form_multimt_as_raw_json_text_as_the_manuals_post_example(dgw: Harness) -> None:
    """``multimt=[{...}]`` with the JSON text written raw in the form body, contents encoded."""
    signed = credentials("J10003", "111111")
    text = json.dumps(items("json", "验证码：6666", "hi there"), ensure_ascii=False)
    body = "&".join(f"{k}={v}" for k, v in signed.items()) + "&multimt=" + text
    status, answer, _ = await dgw.raw("send_multi", body, "application/x-www-form-urlencoded")
    assert (status, answer["result"]) == (200, 0), dgw.last().diagnosis
    assert [m.content for m in dgw.gateway.messages] == ["验证码：6666", "hi there"]
    assert isinstance(dgw.last().fields["multimt"], list), "the journal keeps the items"


async def test_multimt_given_as_json_text_inside_json_is_read(dgw: Harness) -> None:
    """The parameter table types multimt as a string."""
    text = json.dumps(items("json", "hi"))
    answer = await dgw.call("send_multi", multimt=text)
    assert answer["result"] == 0


async def test_an_items_mistake_names_the_item(dgw: Harness) -> None:
    multimt = items("json", "a", "b", "c")
    multimt[1]["svrtype"] = "bad type"
    answer = await dgw.call("send_multi", multimt=multimt)
    assert answer["result"] == -100252
    assert (dgw.last().diagnosis or "").startswith("multimt item 2 of 3: svrtype 'bad type'")
    assert len(dgw.gateway.messages) == 0, "one bad item rejects the request"


@pytest.mark.parametrize(
    ("change", "code", "diagnosis"),
    [
        ({"mobile": "13800138000,13900139000"}, -100014, "an item takes one number, got 2"),
        ({"mobile": ""}, -100012, "mobile is missing"),
        ({"mobile": "85292041234"}, -100012, "neither a mainland mobile"),
        ({"content": ""}, -100106, "content is empty"),
        ({"content": None}, -100106, "content is missing"),
        ({"content": ["a"]}, -100096, "content must be a string, got a list"),
        ({"custid": "a b"}, -100004, "custid holds ' '"),
        ({"exdata": "x" * 65}, -100004, "exdata is 65 characters long"),
        ({"content": "x" * 1001}, -100011, "content is 1001 characters"),
    ],
)
async def test_every_item_meets_the_checks_of_a_top_level_send(
    dgw: Harness, change: dict[str, Any], code: int, diagnosis: str
) -> None:
    multimt: list[dict[str, Any]] = items("json", "ok", "ok")
    multimt[1].update(change)
    if multimt[1]["content"] is None:
        del multimt[1]["content"]
    answer = await dgw.call("send_multi", multimt=multimt)
    assert answer == {"result": code, "desc": answer["desc"], "msgid": 0, "custid": ""}
    assert (dgw.last().diagnosis or "").startswith("multimt item 2 of 2: "), dgw.last().diagnosis
    assert diagnosis in (dgw.last().diagnosis or "")


@pytest.mark.parametrize(
    ("multimt", "code", "diagnosis"),
    [
        (None, -100012, "multimt is missing"),
        ([], -100012, "multimt has no items"),
        ({"mobile": "13800138000"}, -100096, "multimt must be an array of items, got an object"),
        (["13800138000"], -100096, "an item must be an object of fields, got the text"),
        ("[{]", -100096, "multimt is not a JSON array of items"),
        ('[{"mobile":"1"}{"mobile":"2"}]', -100096, "objects written }{ with no comma"),
    ],
)
async def test_a_multimt_that_cannot_be_read(
    dgw: Harness, multimt: Any, code: int, diagnosis: str
) -> None:
    fields = {} if multimt is None else {"multimt": multimt}
    answer = await dgw.call("send_multi", **fields)
    assert answer["result"] == code
    assert diagnosis in (dgw.last().diagnosis or ""), dgw.last().diagnosis


async def test_at_most_500_items(dgw: Harness) -> None:
    many = [{"mobile": "13800138000", "content": "a"}] * 501
    answer = await dgw.call("send_multi", multimt=many)
    assert answer["result"] == -100014
    assert dgw.last().diagnosis == "multimt has 501 items: at most 500"
    answer = await dgw.call("send_multi", multimt=many[:500])
    assert answer["result"] == 0
    assert len(dgw.gateway.messages) == 500
    assert any("the same number appears more than once" in w for w in dgw.last().warnings)


async def test_an_items_fields_meet_the_limits_of_top_level_fields(dgw: Harness) -> None:
    long = "x" * (MAX_FIELD_CHARS + 1)
    for fmt in ("json", "form", "xml"):
        multimt = items(fmt, "a")
        multimt[0]["svrtype"] = long
        answer = await dgw.call("send_multi", fmt, multimt=multimt)
        assert answer["result"] == -100092, fmt
        assert (
            dgw.last().diagnosis == f"multimt.svrtype is {len(long)} characters long; at most 1024"
        )
        assert dgw.last().fields == {}, "nothing of it is stored"


async def test_nesting_inside_an_item_is_bounded(dgw: Harness) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    answer = await dgw.call("send_multi", multimt=[{"mobile": "13800138000", "content": deep}])
    assert answer["result"] == -100096
    form_text = "[" * 5000 + "]" * 5000
    answer = await dgw.call("send_multi", "form", multimt=form_text)
    assert answer["result"] == -100096


async def test_many_items_with_the_same_slip_make_a_few_warnings(dgw: Harness) -> None:
    """500 unencoded contents must not put 500 warnings into every message's record."""
    many = [{"mobile": f"138{n:08d}", "content": "raw text"} for n in range(500)]
    answer = await dgw.call("send_multi", multimt=many)
    assert answer["result"] == 0
    warnings = dgw.last().warnings
    assert len(warnings) == 21
    assert warnings[0].startswith("multimt item 1 of 500: content is not URL-encoded")
    assert warnings[-1] == "... more warnings left out (at most 20 a request)"
    listing = await (
        await dgw.client.get("/_mock/messages", params={"mobile": "8613800000499"})
    ).json()
    (message,) = listing["items"]
    assert len(message["warnings"]) == 21


async def test_the_journal_finds_a_send_multi_by_any_of_its_numbers(dgw: Harness) -> None:
    await dgw.call("send_multi", "form", multimt=items("form", "a", "b"))
    found = await (
        await dgw.client.get("/_mock/requests", params={"mobile": "8613800138001"})
    ).json()
    assert [r["endpoint"] for r in found["items"]] == ["send_multi"]


async def test_top_level_mobile_and_content_are_ignored_with_a_warning(dgw: Harness) -> None:
    answer = await dgw.call(
        "send_multi", multimt=items("json", "a"), mobile="13900139000", content="b"
    )
    assert answer["result"] == 0
    assert [m.mobile for m in dgw.gateway.messages] == ["13800138000"]
    assert any("send_multi ignores top-level content, mobile" in w for w in dgw.last().warnings)


async def test_a_twice_encoded_get_multimt_is_named(dgw: Harness) -> None:
    text = quote(json.dumps(items("json", "a")), safe="")
    answer = await dgw.call("send_multi", "get", multimt=text)
    assert answer["result"] == -100096
    assert "it was encoded twice" in (dgw.last().diagnosis or "")


async def test_xml_multimt_with_one_item_and_with_stray_elements(dgw: Harness) -> None:
    signed = "".join(f"<{k}>{v}</{k}>" for k, v in credentials("J10003", "111111").items())
    item = "<mt><mobile>13800138000</mobile><content>hi</content></mt>"
    one = f"<mtreq>{signed}<multimt>{item}</multimt></mtreq>"
    _, answer, _ = await dgw.raw("send_multi", one, "text/xml")
    assert answer["result"] == 0
    stray = f"<mtreq>{signed}<multimt><item><mobile>1</mobile></item></multimt></mtreq>"
    _, answer, _ = await dgw.raw("send_multi", stray, "text/xml")
    assert answer["result"] == -100096
    assert "<multimt> must hold only <mt> items, found item" in (dgw.last().diagnosis or "")


async def test_a_form_multimt_of_millions_of_values_is_refused_before_parsing(
    dgw: Harness,
) -> None:
    signed = "&".join(f"{k}={v}" for k, v in credentials("J10003", "111111").items())
    body = signed + "&multimt=[" + "1," * 2_000_000 + "1]"
    _, answer, _ = await dgw.raw("send_multi", body, "application/x-www-form-urlencoded")
    assert answer["result"] == -100096
    assert (dgw.last().diagnosis or "").startswith("multimt holds 2000000 commas: 500 items")
    many = signed + "&multimt=[" + '{"a":1},' * 30_000 + "{}]"
    _, answer, _ = await dgw.raw("send_multi", many, "application/x-www-form-urlencoded")
    assert answer["result"] == -100096
    assert dgw.last().diagnosis == "more than 20000 values in one body"
