"""Inbound messages (MO) through a real socket: injecting them (``POST /_mock/mo``), pulling them
with get_mo (each once, oldest first, every field of V5.7.2 §3.6), long ones in segments, and the
listing and waits of the control API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockgateway.protocol.errors import url_encode
from tests.conftest import Harness, Start

DOMESTIC = "edition: domestic\nclock: virtual\nseed: 5\n"


async def domestic(start: Start, extra: str = "") -> Harness:
    return await start(DOMESTIC + extra)


async def inject(gw: Harness, **body: Any) -> tuple[int, dict[str, Any]]:
    response = await gw.client.post("/_mock/mo", json={"userid": "J10003", **body})
    return response.status, await response.json()


async def listed(gw: Harness, **params: str) -> list[dict[str, Any]]:
    response = await gw.client.get("/_mock/mos", params=params)
    assert response.status == 200
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_an_injected_mo_is_pulled_by_get_mo_exactly_once(start: Start) -> None:
    gw = await domestic(start)
    status, made = await inject(gw, mobile="8613800138000", content="TD", exno="0006")
    assert status == 200 and made["segments"] == 1
    answer = await gw.call("get_mo")
    assert (answer["result"], answer["desc"]) == (0, "%e6%88%90%e5%8a%9f")
    (mo,) = answer["mos"]
    assert list(mo) == [
        "msgid", "mobile", "countrycode", "pknum", "pktotal", "spno", "exno", "rtime", "content",
    ]  # fmt: skip
    when = gw.gateway.clock.now()
    assert mo == {
        "msgid": made["msgid"],
        "mobile": "8613800138000",
        "countrycode": 86,
        "pknum": 1,
        "pktotal": 1,
        "spno": "1000457890006",
        "exno": "0006",
        "rtime": mo["rtime"],
        "content": "TD",
    }
    assert mo["rtime"] == _moment(when, "local")
    assert (await gw.call("get_mo"))["mos"] == []  # once only
    (listing,) = await listed(gw)
    assert (listing["state"], listing["fetched_by"]) == ("fetched", gw.last().id - 1)
    assert gw.last().mos_returned == 0


def _moment(epoch: float, offset: str) -> str:
    from mockgateway.protocol.times import format_moment, zone_of

    return format_moment(epoch, zone_of(offset))


async def test_content_is_url_encoded_utf8_in_json_and_xml(start: Start) -> None:
    gw = await domestic(start)
    await inject(gw, mobile="8613800138000", content="退订 & <ok>")
    (mo,) = (await gw.call("get_mo", "xml"))["mos"]
    assert mo["content"] == url_encode("退订 & <ok>")
    assert mo["content"] == "%e9%80%80%e8%ae%a2%20%26%20%3cok%3e"
    response = await gw.client.post(
        "/sms/v2/std/get_mo", data=b"<moreq></moreq>", headers={"Content-Type": "text/xml"}
    )
    body = await response.read()
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?><morsp><result>-100001<')
    assert body.endswith(b"<mos></mos></morsp>")  # failed: mos "" in XML too


async def test_oldest_first_and_retsize(start: Start) -> None:
    gw = await domestic(start)
    for n in range(205):
        await inject(gw, mobile="8613800138000", content=f"m{n}")
        gw.clock.advance(0.01)
    first = await gw.call("get_mo")
    assert [m["content"] for m in first["mos"]] == [f"m{n}" for n in range(200)]
    assert (await gw.call("get_mo", retsize=3))["mos"][0]["content"] == "m200"
    answer = await gw.call("get_mo", retsize=500)
    assert [m["content"] for m in answer["mos"]] == ["m203", "m204"]
    assert "retsize 500 is above 200: 200 used" in gw.last().warnings


@pytest.mark.parametrize("retsize", [0, -5])
async def test_a_retsize_of_zero_or_less_means_200(start: Start, retsize: int) -> None:
    gw = await domestic(start)
    for n in range(201):
        await inject(gw, mobile="8613800138000", content=f"m{n}")
    assert len((await gw.call("get_mo", retsize=retsize))["mos"]) == 200


async def test_a_failed_get_mo_answers_mos_as_an_empty_string(start: Start) -> None:
    gw = await domestic(start)
    await inject(gw, mobile="8613800138000", content="TD")
    answer = await gw.call("get_mo", pwd="wrong")
    assert (answer["result"], answer["mos"]) == (-100001, "")
    assert len((await gw.call("get_mo"))["mos"]) == 1  # the failure took nothing


@pytest.mark.parametrize("retsize", ["+-5", 3.5, True])
async def test_a_retsize_that_is_no_integer_is_a_body_format_error(
    start: Start, retsize: Any
) -> None:
    gw = await domestic(start)
    await inject(gw, mobile="8613800138000", content="TD")
    answer = await gw.call("get_mo", retsize=retsize)
    assert (answer["result"], answer["mos"]) == (-100096, "")
    assert "retsize must be an integer" in (gw.last().diagnosis or "")


async def test_get_mo_is_a_domestic_endpoint(gw: Harness) -> None:
    response = await gw.client.post("/sms/v2/std/get_mo", json={})
    assert response.status == 404
    assert "get_mo is not served by the international edition" in gw.last().diagnosis  # type: ignore[operator]


async def test_a_long_mo_comes_in_segments_sharing_its_msgid(start: Start) -> None:
    gw = await domestic(start)
    text = "退订" * 50  # 100 UCS-2 characters: 67 + 33
    status, made = await inject(gw, mobile="8613800138000", content=text)
    assert status == 200 and made["segments"] == 2
    mos = (await gw.call("get_mo"))["mos"]
    assert [(m["msgid"], m["pknum"], m["pktotal"]) for m in mos] == [
        (made["msgid"], 1, 2),
        (made["msgid"], 2, 2),
    ]
    assert "".join(m["content"] for m in mos) == url_encode(text)
    assert [len(m["text"]) for m in await listed(gw)] == [100, 100]


async def test_an_mo_does_not_arrive_before_its_time(start: Start) -> None:
    gw = await domestic(start, "rules:\n  - when: {}\n    reply: {content: TD, delay: 5}\n")
    await gw.call("send_single", mobile="8613800138000", content="hi")
    (mo,) = await listed(gw)
    assert mo["state"] == "pending"
    assert (await gw.call("get_mo"))["mos"] == []
    gw.clock.advance(5)
    assert [m["content"] for m in (await gw.call("get_mo"))["mos"]] == ["TD"]


INVALID: list[tuple[Any, str]] = [
    ([], "expected a JSON object"),
    ({"mobile": "8613800138000", "content": "x", "colour": "red"}, "unknown key 'colour'"),
    ({"userid": 7, "mobile": "8613800138000", "content": "x"}, "userid must be a string"),
    ({"mobile": 8613800138000, "content": "x"}, "mobile must be a string, got int"),
    ({"mobile": "8613800138000"}, "content must be a string, got nothing"),
    ({"mobile": "8613800138000", "content": {"a": 1}}, "content must be a string, got dict"),
    ({"mobile": "8613800138000", "content": ""}, "content is empty"),
    ({"mobile": "8613800138000", "content": "x" * 1001}, "content is 1001 characters"),
    ({"mobile": "8613800138000", "content": "a\x00b"}, "the control character '\\x00'"),
    ({"mobile": "8613800138000", "content": "a\ud800b"}, "unpaired surrogate"),
    ({"mobile": "0086138001380", "content": "x"}, "not a valid number for its country"),
    ({"mobile": "12ab", "content": "x"}, "holds characters other than digits"),
    ({"mobile": "1" * 40, "content": "x"}, "mobile is 40 characters long"),
    (
        {"mobile": "0085223456789", "content": "x"},
        "is a landline number: an MO comes from a mobile",
    ),
    ({"mobile": "8613800138000", "content": "x", "exno": "1234567"}, "at most 6 digits"),
    ({"mobile": "8613800138000", "content": "x", "exno": "12a"}, "at most 6 digits"),
    ({"mobile": "8613800138000", "content": "x", "exno": 12}, "exno must be a string"),
    ({"mobile": "8613800138000", "content": "x", "spno": "1" * 21}, "spno must be 1 to 20"),
    ({"mobile": "8613800138000", "content": "x", "spno": "１２"}, "spno must be 1 to 20"),
]


@pytest.mark.parametrize(("body", "reason"), INVALID)
async def test_a_bad_mo_gets_a_400_naming_what_is_wrong(
    start: Start, body: Any, reason: str
) -> None:
    gw = await domestic(start)
    if isinstance(body, dict) and "userid" not in body:
        body = {"userid": "J10003", **body}
    response = await gw.client.post(
        "/_mock/mo",
        data=json.dumps(body, ensure_ascii=True),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert await listed(gw) == []


async def test_bodies_that_are_not_json_or_too_big_are_refused(start: Start) -> None:
    gw = await domestic(start)
    for data, status in (
        (b"\xff\xfe", 400),
        (b"{", 400),
        (b"[" * 100_00 + b"]" * 100_00, 400),
        (b'{"content": "' + b"a" * 70_000 + b'"}', 413),
    ):
        response = await gw.client.post("/_mock/mo", data=data)
        assert response.status == status, data[:20]
        assert "error" in await response.json()


async def test_an_unknown_account_is_404_and_an_international_one_409(start: Start) -> None:
    gw = await start(
        "clock: virtual\naccounts:\n  - {userid: J10003, password: '1', edition: domestic}\n"
        "  - {userid: INTL01, password: '2'}\n"
    )
    status, answer = await inject(gw, userid="NOBODY", mobile="8613800138000", content="x")
    assert status == 404 and "no account 'NOBODY' (accounts: J10003, INTL01)" in answer["error"]
    status, answer = await inject(gw, userid="INTL01", mobile="8613800138000", content="x")
    assert status == 409
    assert "INTL01 is in the international edition" in answer["error"]
    status, _ = await inject(gw, mobile="8613800138000", content="x")
    assert status == 200


async def test_relaxed_numbers_take_any_digits(start: Start) -> None:
    gw = await domestic(start, "numbers: relaxed\n")
    status, made = await inject(gw, mobile="99912345678", content="x")
    assert status == 200
    assert made["items"][0]["countrycode"] == -1


async def test_the_listing_filters_and_the_waits(start: Start) -> None:
    gw = await domestic(start)
    waited = gw.client.get("/_mock/wait", params={"mos": "2", "mobile": "+8613800138000"})
    await inject(gw, mobile="8613800138000", content="a")
    await inject(gw, mobile="8613900139000", content="b")
    await inject(gw, mobile="008613800138000", content="c")
    answer = await (await waited).json()
    assert (answer["kind"], answer["seen"]) == ("mos", 2)
    assert [m["content"] for m in await listed(gw, mobile="+8613800138000")] == ["a", "c"]
    await gw.call("get_mo", retsize=1)
    assert [m["content"] for m in await listed(gw, state="fetched")] == ["a"]
    assert [m["content"] for m in await listed(gw, state="pending")] == ["b", "c"]
    assert await listed(gw, userid="OTHER") == []
    response = await gw.client.get("/_mock/mos", params={"state": "lost"})
    assert response.status == 400
    timed_out = await gw.client.get("/_mock/wait", params={"mos": "4", "timeout": "0"})
    assert timed_out.status == 408 and (await timed_out.json())["seen"] == 3


async def test_a_wait_on_mos_counts_them_as_they_arrive(start: Start) -> None:
    gw = await domestic(start, "rules:\n  - when: {}\n    reply: {content: TD, delay: 30}\n")
    await gw.call("send_single", mobile="8613800138000", content="hi")
    early = await gw.client.get("/_mock/wait", params={"mos": "1", "timeout": "0"})
    assert early.status == 408  # made, not arrived
    waited = gw.client.get("/_mock/wait", params={"mos": "1", "timeout": "10"})
    await gw.client.post("/_mock/clock/advance", json={"seconds": 30})
    assert (await (await waited).json())["seen"] == 1


async def test_reset_empties_the_mos(start: Start) -> None:
    gw = await domestic(start)
    await inject(gw, mobile="8613800138000", content="a")
    assert (await gw.client.post("/_mock/reset")).status == 200
    assert await listed(gw) == []
    assert (await gw.call("get_mo"))["mos"] == []


async def test_the_inbox_knows_which_accounts_take_mos(start: Start) -> None:
    gw = await start(
        "clock: virtual\naccounts:\n  - {userid: J10003, password: '1', edition: domestic}\n"
        "  - {userid: INTL01, password: '2'}\n"
    )
    response = await gw.client.get("/_mock/ui/feed", params={"kind": "messages"})
    answer = await response.json()
    assert (answer["accounts"], answer["mo_accounts"]) == (["J10003", "INTL01"], ["J10003"])


VALUES = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"(\+|00)?86 ?1[3-9][0-9]{9}", fullmatch=True),
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.fixture
async def domestic_gw(start: Start) -> Harness:
    return await domestic(start)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.dictionaries(st.sampled_from(["mobile", "content", "exno", "spno", "x"]), VALUES))
async def test_any_mo_body_gets_200_or_a_400_and_every_listing_survives(
    domestic_gw: Harness, fields: dict[str, Any]
) -> None:
    gw = domestic_gw
    response = await gw.client.post("/_mock/mo", json={"userid": "J10003", **fields})
    assert response.status in (200, 400), await response.text()
    for path in ("/_mock/mos", "/metrics", "/_mock/ui/feed?kind=messages"):
        listing = await gw.client.get(path)
        assert listing.status == 200
        await listing.read()
    answer = await gw.call("get_mo")
    assert answer["result"] == 0
