"""Editions per account: which paths each serves (decided after authentication), both spellings,
/sms/v1/std/, the answer shapes, the sign of the codes and the texts of ``desc``, through a
real socket."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from mockgateway.client import credentials, encode_body, parse_answer
from mockgateway.endpoints import REGISTRY
from mockgateway.protocol.errors import DOMESTIC_TEXTS
from tests.conftest import DOMESTIC, Harness, Start

MIXED = """
clock: virtual
seed: 7
accounts:
  - {userid: J10003, password: "111111"}
  - {userid: D10001, password: "222222", edition: domestic}
  - {userid: P10001, password: "333333", edition: domestic, error_sign: positive}
"""

FAILED_AUTH = "%e9%89%b4%e6%9d%83%e5%a4%b1%e8%b4%a5"  # 鉴权失败, the manual's example
SUCCESS = "%e6%88%90%e5%8a%9f"  # 成功

SPELLINGS = {
    "send_single": "single_send",
    "send_batch": "batch_send",
    "send_multi": "multi_send",
    "send_mixed": "mixed_send",
    "send_template": "template_send",
}


async def signed(
    gw: Harness, endpoint: str, userid: str, password: str, fmt: str = "json", **fields: Any
) -> dict[str, Any]:
    body, content_type = encode_body(
        fmt,  # type: ignore[arg-type]
        {**credentials(userid, password), **fields},
        root=REGISTRY.request_root(endpoint),
    )
    status, answer, _ = await gw.raw(endpoint, body, content_type)
    assert status == 200
    return answer


async def test_a_domestic_endpoint_is_refused_to_an_international_account_after_auth(
    start: Start,
) -> None:
    gw = await start(MIXED)
    fields = {"multimt": [{"mobile": "13800138000", "content": "hi"}]}
    body, content_type = encode_body("json", {**credentials("J10003", "111111"), **fields})
    response = await gw.client.post(
        "/sms/v2/std/multi_send", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 404
    listed = (await response.json())["endpoints"]
    assert listed == [f"/sms/v2/std/{s}" for s in REGISTRY.spellings(["international"])]
    record = gw.last()
    assert (record.endpoint, record.result, record.http_status) == ("send_multi", None, 404)
    assert record.userid == "J10003" and record.edition == "international"
    assert record.diagnosis == (
        "multi_send is not served by the international edition: use an account with "
        "`edition: domestic`; account J10003 is international"
    )
    assert record.client_error
    assert record.fields["multimt"] == fields["multimt"], "its body was read: it was judged"
    assert gw.gateway.accounts.current["J10003"].in_flight == 0, "no slot is kept"
    # The domestic account of the same scenario is served.
    answer = await signed(gw, "multi_send", "D10001", "222222", multimt=fields["multimt"])
    assert answer["result"] == 0


async def test_an_international_only_scenario_refuses_before_reading_the_body(
    gw: Harness,
) -> None:
    response = await gw.client.post("/sms/v2/std/send_template", data=b"\xff" * 10)
    assert response.status == 404
    record = gw.last()
    assert (record.endpoint, record.format, record.fields) == ("unknown", "unread", {})
    assert (record.diagnosis or "").startswith(
        "send_template is not served by the international edition"
    )


async def test_a_failed_authentication_to_a_domestic_endpoint_is_a_protocol_answer(
    start: Start,
) -> None:
    gw = await start(MIXED)
    answer = await signed(gw, "send_mixed", "D10001", "wrong", mobile="13800138000", content="a")
    assert answer == {"result": -100001, "desc": FAILED_AUTH, "msgid": 0, "custid": ""}
    unknown = await signed(gw, "send_mixed", "NOBODY", "x", mobile="13800138000", content="a")
    assert unknown["result"] == -100001


@pytest.mark.parametrize(("canonical", "alias"), list(SPELLINGS.items()))
async def test_every_endpoint_answers_under_both_spellings_and_v1(
    dgw: Harness, canonical: str, alias: str
) -> None:
    cases: dict[str, dict[str, Any]] = {
        "send_single": {"mobile": "13800138000", "content": "hi"},
        "send_batch": {"mobile": "13800138000,13900139000", "content": "hi"},
        "send_multi": {"multimt": [{"mobile": "13800138000", "content": "hi"}]},
        "send_mixed": {"mobile": "13800138000,13900139000", "content": "a,b"},
        "send_template": {"tmplid": "OTP", "mobile": "13800138000", "content": "code%3d1234"},
    }
    fields = cases[canonical]
    answers = []
    for path in (f"/sms/v2/std/{canonical}", f"/sms/v2/std/{alias}", f"/sms/v1/std/{alias}"):
        body, content_type = encode_body("json", {**credentials("J10003", "111111"), **fields})
        response = await dgw.client.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status == 200
        answer = parse_answer(await response.read())
        assert list(answer) == ["result", "desc", "msgid", "custid"], path
        assert answer["result"] == 0, (path, dgw.last().diagnosis)
        answers.append(answer)
        assert dgw.last().endpoint == canonical
    v1 = dgw.last()
    assert v1.path == alias
    assert v1.warnings[0].startswith("path under /sms/v1/std/: the manuals' path is /sms/v2/std/")
    assert len({a["msgid"] for a in answers}) == 3


async def test_v1_serves_the_international_edition_too_with_its_warning(gw: Harness) -> None:
    body, content_type = encode_body(
        "json", {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
    )
    response = await gw.client.post(
        "/sms/v1/std/send_single", data=body, headers={"Content-Type": content_type}
    )
    assert (await response.json())["result"] == 0
    assert "path under /sms/v1/std/" in gw.last().warnings[0]
    missing = await gw.client.post("/sms/v1/std/send_multi", data=body)
    assert missing.status == 404


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_send_batch_answers_the_first_msgid_in_the_domestic_edition(
    dgw: Harness, fmt: str
) -> None:
    answer = await dgw.call(
        "send_batch",
        fmt,  # type: ignore[arg-type]
        mobile="13800138000,13900139000",
        content="hi",
        custid="order-1",
    )
    assert list(answer) == ["result", "desc", "msgid", "custid"]
    assert (answer["result"], answer["desc"], answer["custid"]) == (0, SUCCESS, "order-1")
    assert answer["msgid"] == dgw.last().first_msgid
    assert not any("JSON only" in w for w in dgw.last().warnings), "V5.7.2 allows every format"
    failed = await dgw.call("send_batch", fmt, mobile="", content="hi")  # type: ignore[arg-type]
    assert failed == {"result": -100012, "desc": failed["desc"], "msgid": 0, "custid": ""}


async def test_error_sign_positive_turns_every_answer_of_the_account_positive(
    start: Start,
) -> None:
    text = (
        MIXED
        + """
rules:
  - when: {userid: P10001, custid: forced}
    respond: {result: -100999}
"""
    )
    gw = await start(text)
    wrong = await signed(gw, "send_single", "P10001", "nope", mobile="13800138000", content="a")
    assert wrong["result"] == 100001 and wrong["desc"] == FAILED_AUTH
    assert gw.last().result == 100001, "the journal has the code the wire had"
    bad = await signed(gw, "send_single", "P10001", "333333", mobile="1380013800", content="a")
    assert bad["result"] == 100012
    empty = await signed(gw, "send_single", "P10001", "333333", mobile="13800138000", content="")
    assert empty["result"] == 100106
    forced = await signed(
        gw, "send_single", "P10001", "333333", mobile="13800138000", content="a", custid="forced"
    )
    assert forced["result"] == 100999
    assert unquote(forced["desc"]) == "系统内部错误"
    rpt = await signed(gw, "get_rpt", "P10001", "333333", retsize="x")
    assert rpt == {"result": 100096, "desc": rpt["desc"], "rpts": ""}
    ok = await signed(gw, "send_single", "P10001", "333333", mobile="13800138000", content="a")
    assert ok["result"] == 0
    # Its neighbours keep their signs.
    other = await signed(gw, "send_single", "D10001", "nope", mobile="13800138000", content="a")
    assert other["result"] == -100001


async def test_domestic_desc_texts_are_the_manuals(start: Start) -> None:
    gw = await start(MIXED)
    answer = await signed(gw, "send_single", "D10001", "222222", mobile="13800138000", content="")
    assert unquote(answer["desc"]) == DOMESTIC_TEXTS[100106] == "短信内容字段不存在或为空"
    international = await signed(gw, "send_single", "J10003", "111111", mobile="85292041234")
    assert (international["result"], unquote(international["desc"])) == (
        -100271,
        "SMS content is empty",
    )


async def test_v513_only_codes_become_the_domestic_tables(dgw: Harness) -> None:
    """A domestic client never sees -100268, -100274, -100807 or -100271: its table has none."""
    cases = [
        ({"mobile": "13800138000,13900139000", "content": "a"}, -100014, "send_single takes"),
        ({"mobile": "abc", "content": "a"}, -100012, "holds characters other than digits"),
        ({"mobile": "13800138000"}, -100106, "content is missing"),
    ]
    for fields, code, diagnosis in cases:
        answer = await dgw.call("send_single", **fields)
        assert answer["result"] == code, fields
        assert diagnosis in (dgw.last().diagnosis or "")
    stale = credentials("J10003", "111111")
    stale["timestamp"] = "0101000000" if stale["timestamp"][:2] != "01" else "0701000000"
    from mockgateway.protocol.auth import md5_pwd

    stale["pwd"] = md5_pwd("J10003", "111111", stale["timestamp"])
    answer = await dgw.call("send_single", sign=False, **stale, mobile="13800138000", content="a")
    assert answer["result"] == -100001
    assert "timestamp" in (dgw.last().diagnosis or "")


async def test_a_scenario_without_domestic_accounts_warns_about_its_templates() -> None:
    from mockgateway.scenario import load_text

    scenario = load_text("templates: [{id: '1', text: 'hi {P1}'}]\n")
    assert any(
        "send_template is served to accounts with `edition: domestic`" in w
        for w in (scenario.warnings)
    )
    assert load_text(DOMESTIC).warnings == ()
