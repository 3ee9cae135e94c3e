"""The domestic edition's field rules (V5.7.2 §1.2, §5.1) through a real socket: number forms,
invalid numbers as failed reports, svrtype, exno, empty content."""

from __future__ import annotations

import pytest

from tests.conftest import Harness, Start
from tests.test_push import advance


@pytest.mark.parametrize(
    ("mobile", "digits", "countrycode"),
    [
        ("13800138000", "8613800138000", 86),
        ("8613800138000", "8613800138000", 86),
        ("008613800138000", "8613800138000", 86),
        ("0085292041234", "85292041234", 852),
        ("+85292041234", "85292041234", 852),
    ],
)
async def test_the_domestic_number_forms(
    dgw: Harness, mobile: str, digits: str, countrycode: int
) -> None:
    answer = await dgw.call("send_single", mobile=mobile, content="hi")
    assert answer["result"] == 0, dgw.last().diagnosis
    (message,) = dgw.gateway.messages
    assert (message.mobile, message.mobile_digits, message.countrycode) == (
        mobile,
        digits,
        countrycode,
    )
    plus = [w for w in dgw.last().warnings if "written +cc" in w]
    assert bool(plus) == mobile.startswith("+")
    await advance(dgw, 2)
    (rpt,) = (await dgw.call("get_rpt"))["rpts"]
    assert (rpt["mobile"], rpt["countrycode"], rpt["status"]) == (mobile, countrycode, 0)


@pytest.mark.parametrize(
    ("mobile", "diagnosis"),
    [
        ("85292041234", "the domestic edition writes other countries' numbers as 0085292041234"),
        ("1380013800", "has 10 digits: a mainland mobile is 1[3-9] and 9 more digits"),
        ("138-0013-8000", "holds characters other than digits"),
        ("0013800", "has 5 digits"),
    ],
)
async def test_a_malformed_number_is_still_rejected_with_100012(
    dgw: Harness, mobile: str, diagnosis: str
) -> None:
    answer = await dgw.call("send_batch", mobile=f"13900139000,{mobile}", content="hi")
    assert answer["result"] == -100012
    assert diagnosis in (dgw.last().diagnosis or ""), dgw.last().diagnosis
    assert "number 2 of 2" in (dgw.last().diagnosis or "")
    assert len(dgw.gateway.messages) == 0


async def test_a_well_formed_invalid_number_is_accepted_and_its_report_fails(
    dgw: Harness,
) -> None:
    answer = await dgw.call("send_batch", mobile="13800138000,14000000000", content="hi")
    assert answer["result"] == 0
    assert any(
        "'14000000000' is not a valid number for its country (+86, CN); accepted, and its "
        "reports fail (MK:0012)" in w
        for w in dgw.last().warnings
    ), dgw.last().warnings
    await advance(dgw, 2)
    rpts = {r["mobile"]: r for r in (await dgw.call("get_rpt"))["rpts"]}
    assert (rpts["13800138000"]["status"], rpts["13800138000"]["errcode"]) == (0, "DELIVRD")
    invalid = rpts["14000000000"]
    assert (invalid["status"], invalid["errcode"], invalid["countrycode"]) == (1, "MK:0012", -1)
    assert invalid["errdesc"] == "invalid%20mobile%20number"


async def test_a_rule_that_sets_the_outcome_wins_over_the_invalid_number(start: Start) -> None:
    from tests.conftest import DOMESTIC

    gw = await start(DOMESTIC + "rules:\n  - when: {}\n    report: {lost: true}\n")
    assert (await gw.call("send_single", mobile="14000000000", content="hi"))["result"] == 0
    await advance(gw, 2)
    assert (await gw.call("get_rpt"))["rpts"] == []


async def test_mixing_domestic_and_international_forms_is_warned(dgw: Harness) -> None:
    answer = await dgw.call("send_batch", mobile="13800138000,0085292041234", content="hi")
    assert answer["result"] == 0
    assert any("00 + country code" in w for w in dgw.last().warnings)
    await dgw.call("send_batch", mobile="008613800138000,0085292041234", content="hi")
    assert not any("00 + country code" in w for w in dgw.last().warnings)


async def test_rules_match_bare_mainland_numbers_by_their_country_code(start: Start) -> None:
    from tests.conftest import DOMESTIC

    gw = await start(
        DOMESTIC + "rules:\n  - when: {mobile_prefix: '86139'}\n    respond: {result: -100999}\n"
    )
    assert (await gw.call("send_single", mobile="13900139000", content="hi"))["result"] == -100999
    assert (await gw.call("send_single", mobile="13800138000", content="hi"))["result"] == 0
    listing = await (
        await gw.client.get("/_mock/requests", params={"mobile": "8613900139000"})
    ).json()
    assert [r["result"] for r in listing["items"]] == [-100999]


@pytest.mark.parametrize("svrtype", ["SMS001", "a" * 32, "0"])
async def test_svrtype_is_free_text_of_32_letters_and_digits(dgw: Harness, svrtype: str) -> None:
    answer = await dgw.call("send_single", mobile="13800138000", content="hi", svrtype=svrtype)
    assert answer["result"] == 0
    assert dgw.last().warnings == [], "no V5.13 1/2/3 warning in the domestic edition"


@pytest.mark.parametrize(
    ("svrtype", "diagnosis"),
    [
        ("SMS_001", "holds '_'"),
        ("a" * 33, "is 33 characters long"),
        ("短信", "holds '信短'"),
    ],
)
async def test_an_illegal_svrtype_is_100252(dgw: Harness, svrtype: str, diagnosis: str) -> None:
    answer = await dgw.call("send_single", mobile="13800138000", content="hi", svrtype=svrtype)
    assert answer["result"] == -100252
    assert diagnosis in (dgw.last().diagnosis or "")
    assert "at most 32 letters and digits" in (dgw.last().diagnosis or "")


@pytest.mark.parametrize(("exno", "kept"), [("0006", "0006"), ("123456", "123456"), ("", "")])
async def test_an_exno_of_up_to_6_digits_is_kept(dgw: Harness, exno: str, kept: str) -> None:
    assert (await dgw.call("send_single", mobile="13800138000", content="hi", exno=exno))[
        "result"
    ] == 0
    assert dgw.last().warnings == []
    await advance(dgw, 2)
    (rpt,) = (await dgw.call("get_rpt"))["rpts"]
    assert rpt["exno"] == kept


@pytest.mark.parametrize("exno", ["1234567", "MontSMS", "12 34"])
async def test_any_other_exno_is_ignored_with_a_warning(dgw: Harness, exno: str) -> None:
    answer = await dgw.call("send_single", mobile="13800138000", content="hi", exno=exno)
    assert answer["result"] == 0
    assert any("is not an extension of at most 6 digits: ignored" in w for w in dgw.last().warnings)
    await advance(dgw, 2)
    (rpt,) = (await dgw.call("get_rpt"))["rpts"]
    assert rpt["exno"] == ""


@pytest.mark.parametrize("content", [None, ""])
async def test_missing_or_empty_content_is_100106(dgw: Harness, content: str | None) -> None:
    fields = (
        {"mobile": "13800138000"}
        if content is None
        else {"mobile": "13800138000", "content": content}
    )
    answer = await dgw.call("send_single", **fields)
    assert answer["result"] == -100106
    assert unquote_desc(answer["desc"]) == "短信内容字段不存在或为空"


def unquote_desc(desc: str) -> str:
    from urllib.parse import unquote

    return unquote(desc)


async def test_custid_and_exdata_keep_their_rule(dgw: Harness) -> None:
    answer = await dgw.call("send_single", mobile="13800138000", content="hi", custid="a b")
    assert answer["result"] == -100004


async def test_get_rpt_accepts_apiver_and_adds_the_domestic_fields(dgw: Harness) -> None:
    await dgw.call("send_single", mobile="13800138000", content="hi", exdata="x1")
    await advance(dgw, 2)
    answer = await dgw.call("get_rpt", "xml", apiver="V5.7.2", retsize=10)
    assert answer["result"] == 0 and dgw.last().warnings == []
    (rpt,) = answer["rpts"]
    assert list(rpt)[-3:] == ["exdata", "smstype", "rpttype"]
    assert (rpt["smstype"], rpt["rpttype"]) == ("0", "1")
    bad = await dgw.call("get_rpt", apiver=572)
    assert bad["result"] == -100096


def test_the_checker_warns_of_a_bare_mainland_number_in_a_domestic_rule() -> None:
    from mockgateway.scenario import load_text

    text = (
        "edition: domestic\nrules:\n  - when: {mobile: '13800138000'}\n    respond: {result: 1}\n"
        "  - when: {mobile_prefix: '139'}\n    respond: {result: 1}\n"
        "  - when: {mobile_prefix: '86139'}\n    respond: {result: 1}\n"
    )
    warnings = [w for w in load_text(text, source="s.yaml").warnings if "country code" in w]
    assert warnings == [
        "s.yaml:3: rules.0.when.mobile: 13800138000 reads as +1 3800138000: a domestic "
        "account's numbers are matched with their country code (8613800138000)",
        "s.yaml:5: rules.1.when.mobile_prefix: 139 reads as +1 39: a domestic account's "
        "numbers are matched with their country code (86139)",
    ]
    assert not [
        w for w in load_text(text.replace("domestic", "international")).warnings if "86" in w
    ]
