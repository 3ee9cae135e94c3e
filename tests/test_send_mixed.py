"""send_mixed (V5.7.2 §3.4) end to end: parallel lists, each content encoded on its own."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mockgateway.client import credentials, mixed_content
from tests.conftest import Harness

TEXTS = ["验证码：6666，打死都不要告诉别人哦！", "a, b & c", "x" * 200]
NUMBERS = "13800138000,13900139000,0085292041234"


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_each_number_gets_its_own_content(dgw: Harness, fmt: str) -> None:
    answer = await dgw.call(
        "mixed_send",
        fmt,  # type: ignore[arg-type]
        mobile=NUMBERS,
        content=mixed_content(TEXTS),
        svrtype="SMS001",
        exno="0006",
        custid="mix-1",
        exdata="d1",
    )
    assert list(answer) == ["result", "desc", "msgid", "custid"]
    assert (answer["result"], answer["custid"]) == (0, "mix-1"), dgw.last().diagnosis
    messages = list(dgw.gateway.messages)
    assert [m.content for m in messages] == TEXTS
    assert [m.mobile for m in messages] == NUMBERS.split(",")
    assert [m.msgid for m in messages] == [answer["msgid"] + i for i in range(3)]
    assert {(m.custid, m.exdata, m.svrtype, m.exno) for m in messages} == {
        ("mix-1", "d1", "SMS001", "0006")
    }
    assert [m.segments for m in messages] == [1, 1, 2]
    assert not [w for w in dgw.last().warnings if "00 + country code" not in w]


@pytest.mark.parametrize(
    ("numbers", "contents", "diagnosis"),
    [
        ("13800138000,13900139000", ["a"], "2 numbers and 1 contents"),
        ("13800138000", ["a", "b"], "1 numbers and 2 contents"),
    ],
)
async def test_unequal_counts_are_100060(
    dgw: Harness, numbers: str, contents: list[str], diagnosis: str
) -> None:
    answer = await dgw.call("send_mixed", mobile=numbers, content=mixed_content(contents))
    assert answer == {"result": -100060, "desc": answer["desc"], "msgid": 0, "custid": ""}
    assert (dgw.last().diagnosis or "").startswith(diagnosis)


async def test_encoded_commas_between_contents_are_named(dgw: Harness) -> None:
    joined = quote(mixed_content(["a", "b"]), safe="")  # the whole encoded once more, in JSON
    answer = await dgw.call("send_mixed", mobile="13800138000,13900139000", content=joined)
    assert answer["result"] == -100060
    assert "the commas between the contents are encoded (%2c)" in (dgw.last().diagnosis or "")


async def test_a_raw_comma_inside_a_content_splits_it(dgw: Harness) -> None:
    answer = await dgw.call("send_mixed", mobile="13800138000", content="a,b")
    assert answer["result"] == -100060
    assert "a comma inside a content must be encoded (%2c)" in (dgw.last().diagnosis or "")


async def test_a_bad_content_names_its_position(dgw: Harness) -> None:
    answer = await dgw.call("send_mixed", mobile="13800138000,13900139000", content="a,")
    assert answer["result"] == -100106
    assert dgw.last().diagnosis == "content 2 of 2: content is empty"
    long = mixed_content(["x" * 1001, "y"])
    answer = await dgw.call("send_mixed", mobile="13800138000,13900139000", content=long)
    assert answer["result"] == -100011
    assert (dgw.last().diagnosis or "").startswith("content 1 of 2: content is 1001 characters")


async def test_missing_content_and_numbers(dgw: Harness) -> None:
    assert (await dgw.call("send_mixed", mobile="13800138000"))["result"] == -100106
    assert (await dgw.call("send_mixed", content="a"))["result"] == -100012


async def test_at_most_500_numbers(dgw: Harness) -> None:
    numbers = ",".join(["13800138000"] * 501)
    answer = await dgw.call("send_mixed", mobile=numbers, content=",".join(["a"] * 501))
    assert answer["result"] == -100014
    assert dgw.last().diagnosis == "501 numbers: send_mixed takes at most 500 a request"
    ok = await dgw.call("send_mixed", mobile=numbers[12:], content=",".join(["a"] * 500))
    assert ok["result"] == 0


async def test_a_form_that_skipped_the_second_encoding_is_read_with_a_warning(
    dgw: Harness,
) -> None:
    """The pieces arrive decoded by the form already: decoded once more, they say so."""
    signed = credentials("J10003", "111111")
    body = "&".join(f"{k}={v}" for k, v in signed.items())
    body += "&mobile=13800138000,13900139000&content=" + mixed_content(["验证码", "hi"])
    _, answer, _ = await dgw.raw("send_mixed", body, "application/x-www-form-urlencoded")
    assert answer["result"] == 0
    assert [m.content for m in dgw.gateway.messages] == ["验证码", "hi"]
    assert any("content 1 of 2: content is not URL-encoded" in w for w in dgw.last().warnings)
