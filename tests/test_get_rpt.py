"""get_rpt: due reports, oldest first, each exactly once, every field of the manual's table."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.conftest import Harness, Start

FIELDS = [
    "msgid", "custid", "pknum", "pktotal", "mobile", "countrycode", "spno", "exno",
    "stime", "rtime", "status", "errcode", "errdesc", "exdata",
]  # fmt: skip
MOMENT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


async def test_reports_fall_due_about_a_second_after_submission(gw: Harness) -> None:
    sent = await gw.call(
        "send_single", mobile="8613800138000", content="hi", custid="c1", exdata="x-1", exno="Mont"
    )
    before = await gw.call("get_rpt")
    assert before == {"result": 0, "desc": "%e6%88%90%e5%8a%9f", "rpts": []}
    gw.clock.advance(0.9)
    assert (await gw.call("get_rpt"))["rpts"] == []
    gw.clock.advance(0.2)
    answer = await gw.call("get_rpt")
    (rpt,) = answer["rpts"]
    assert list(rpt) == FIELDS
    assert rpt["msgid"] == sent["msgid"]
    assert (rpt["custid"], rpt["exdata"], rpt["exno"], rpt["spno"]) == ("c1", "x-1", "Mont", "")
    assert (rpt["pknum"], rpt["pktotal"]) == (1, 1)
    assert (rpt["mobile"], rpt["countrycode"]) == ("8613800138000", 86)
    assert (rpt["status"], rpt["errcode"], rpt["errdesc"]) == (0, "DELIVRD", "success")
    assert MOMENT.fullmatch(rpt["stime"]) and MOMENT.fullmatch(rpt["rtime"])
    stime = datetime.strptime(rpt["stime"], "%Y-%m-%d %H:%M:%S")
    rtime = datetime.strptime(rpt["rtime"], "%Y-%m-%d %H:%M:%S")
    assert 0 <= (rtime - stime).total_seconds() <= 2
    assert (await gw.call("get_rpt"))["rpts"] == [], "each report is handed out once"


async def test_each_segment_of_a_long_message_gets_a_report(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="a" * 161)
    (message,) = gw.gateway.messages
    assert message.segments == 2
    gw.clock.advance(5)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert [(r["pknum"], r["pktotal"]) for r in rpts] == [(1, 2), (2, 2)]
    assert {r["msgid"] for r in rpts} == {message.msgid}


async def test_oldest_first_and_retsize(gw: Harness) -> None:
    msgids = []
    for _ in range(3):
        sent = await gw.call("send_single", mobile="85292041234", content="hi")
        msgids.append(sent["msgid"])
        gw.clock.advance(0.1)
    gw.clock.advance(5)
    first = await gw.call("get_rpt", retsize=2)
    second = await gw.call("get_rpt", retsize="2")
    assert [r["msgid"] for r in first["rpts"]] == msgids[:2]
    assert [r["msgid"] for r in second["rpts"]] == msgids[2:]


@pytest.mark.parametrize(
    ("retsize", "expected"), [(None, 500), (0, 500), (-3, 500), (501, 500), (20, 20)]
)
async def test_retsize_defaults_and_clamps_to_500(
    gw: Harness, retsize: int | None, expected: int
) -> None:
    numbers = ",".join(f"85292{n:06d}" for n in range(600))
    assert (await gw.call("send_batch", mobile=numbers, content="hi"))["result"] == 0
    gw.clock.advance(2)
    extra = {} if retsize is None else {"retsize": retsize}
    answer = await gw.call("get_rpt", **extra)
    assert len(answer["rpts"]) == expected


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_every_format(gw: Harness, fmt: str) -> None:
    await gw.call("send_batch", mobile="85292041234,85292041235", content="hi")
    gw.clock.advance(2)
    answer = await gw.call("get_rpt", fmt, retsize=300)  # type: ignore[arg-type]
    assert answer["result"] == 0
    assert [list(r) for r in answer["rpts"]] == [FIELDS, FIELDS]
    assert [r["mobile"] for r in answer["rpts"]] == ["85292041234", "85292041235"]


async def test_xml_answer_uses_rptrsp_rpts_rpt(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    gw.clock.advance(2)
    from mockgateway.client import credentials, encode_body

    body, ctype = encode_body("xml", credentials("J10003", "111111"), root="rptreq")
    response = await gw.client.post(
        "/sms/v2/std/get_rpt", data=body, headers={"Content-Type": ctype}
    )
    text = await response.text()
    assert re.fullmatch(
        r'<\?xml version="1.0" encoding="utf-8"\?><rptrsp><result>0</result><desc>[^<]+</desc>'
        r"<rpts><rpt><msgid>\d+</msgid>.*</rpt></rpts></rptrsp>",
        text,
    )


async def test_failure_shape_has_empty_string_rpts(gw: Harness) -> None:
    answer = await gw.call("get_rpt", pwd="nope")
    assert answer["result"] == -100001
    assert answer["rpts"] == ""
    assert list(answer) == ["result", "desc", "rpts"]


async def test_a_wrong_retsize_type_is_a_body_format_error(gw: Harness) -> None:
    answer = await gw.call("get_rpt", retsize="lots")
    assert answer["result"] == -100096
    assert "retsize must be an integer" in (gw.last().diagnosis or "")


async def test_reports_follow_the_scenario_delay(start: Start) -> None:
    gw = await start("clock: virtual\nseed: 3\nreports: {delay: {min: 10, max: 20}}\n")
    await gw.call("send_single", mobile="85292041234", content="hi")
    gw.clock.advance(9.9)
    assert (await gw.call("get_rpt"))["rpts"] == []
    gw.clock.advance(10.2)
    assert len((await gw.call("get_rpt"))["rpts"]) == 1


async def test_reports_of_one_account_are_not_given_to_another(start: Start) -> None:
    gw = await start(
        "clock: virtual\naccounts:\n  - {userid: J10003, password: '111111'}\n"
        "  - {userid: K20001, password: secret}\n"
    )
    await gw.call("send_single", mobile="85292041234", content="hi")
    gw.clock.advance(2)
    from mockgateway.client import credentials

    other = await gw.call("get_rpt", sign=False, **credentials("K20001", "secret"))
    assert other["rpts"] == []
    assert len((await gw.call("get_rpt"))["rpts"]) == 1
