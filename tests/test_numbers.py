"""Numbers that are real but not mobiles, and national numbers sent without their country code:
accepted or rejected as a gateway routing by country code would, with a diagnosis naming the
likely mistake."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Harness, Start

NOT_A_MOBILE = "not%20a%20mobile%20number"


async def report_of(gw: Harness, mobile: str) -> dict[str, Any]:
    gw.clock.advance(60)
    rpts: list[dict[str, Any]] = (await gw.call("get_rpt"))["rpts"]
    rpts = [r for r in rpts if r["mobile"] == mobile]
    assert len(rpts) == 1
    return rpts[0]


@pytest.mark.parametrize(
    ("number", "kind", "where"),
    [
        ("85221234567", "landline", "+852, HK"),
        ("441212345678", "landline", "+44, GB"),
        ("448001234567", "toll-free", "+44, GB"),
        ("852800123456", "toll-free", "+852, HK"),
        ("449012345678", "premium-rate", "+44, GB"),
        ("33891123456", "premium-rate", "+33, FR"),
    ],
)
async def test_a_valid_number_that_is_not_a_mobile_is_accepted_and_its_report_fails(
    gw: Harness, number: str, kind: str, where: str
) -> None:
    answer = await gw.call("send_single", mobile=number, content="hi")
    assert answer["result"] == 0
    (warning,) = gw.last().warnings
    assert f"is a valid {kind} number ({where}), not a mobile" in warning
    rpt = await report_of(gw, number)
    assert (rpt["status"], rpt["errcode"], rpt["errdesc"]) == (1, "UNDELIV", NOT_A_MOBILE)


async def test_in_a_batch_only_the_landline_fails(gw: Harness) -> None:
    answer = await gw.call("send_batch", mobile="85292041234,85221234567", content="hi")
    assert answer["result"] == 0
    gw.clock.advance(60)
    rpts = {r["mobile"]: r["errcode"] for r in (await gw.call("get_rpt"))["rpts"]}
    assert rpts == {"85292041234": "DELIVRD", "85221234567": "UNDELIV"}


async def test_a_rule_that_says_how_the_report_ends_still_wins(start: Start) -> None:
    gw = await start(
        "clock: virtual\nrules:\n"
        "  - when: {mobile: '85221234567'}\n    report: {errcode: DELIVRD}\n"
        "  - when: {mobile: '441212345678'}\n    report: {delay: 30}\n"
    )
    await gw.call("send_single", mobile="85221234567", content="hi")
    assert (await report_of(gw, "85221234567"))["errcode"] == "DELIVRD"
    await gw.call("send_single", mobile="441212345678", content="hi")
    gw.clock.advance(10)
    assert (await gw.call("get_rpt"))["rpts"] == []  # the rule's delay holds ...
    rpt = await report_of(gw, "441212345678")
    assert (rpt["errcode"], rpt["errdesc"]) == ("UNDELIV", NOT_A_MOBILE)  # ... and it fails


async def test_a_batch_of_landlines_says_so_in_a_few_lines(gw: Harness) -> None:
    landlines = [f"8522123{n:04d}" for n in range(100)]
    answer = await gw.call("send_batch", mobile=",".join(landlines), content="hi")
    assert answer["result"] == 0
    warnings = gw.last().warnings
    assert len(warnings) == 6
    assert warnings[-1] == "... and 95 more numbers like these"


async def test_relaxed_numbers_are_not_judged(start: Start) -> None:
    gw = await start("clock: virtual\nnumbers: relaxed\n")
    await gw.call("send_single", mobile="85221234567", content="hi")
    assert gw.last().warnings == []
    assert (await report_of(gw, "85221234567"))["errcode"] == "DELIVRD"


async def test_a_us_number_without_its_1_that_reads_as_an_egyptian_landline(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="2015800798", content="hi")
    assert answer["result"] == 0
    (warning,) = gw.last().warnings
    assert "is a valid landline number (+20, EG), not a mobile" in warning
    assert "a US number without its country code 1? send 12015800798" in warning
    assert (await report_of(gw, "2015800798"))["errcode"] == "UNDELIV"


@pytest.mark.parametrize(
    ("number", "diagnosis"),
    [
        ("2063267459", "(+20, EG): is it a US number without its country code 1? send 12063267459"),
        ("2192936710", "no country has the code it starts with: is it a US number"),
        ("13800138000", "is it a mainland China mobile without its country code? send 86138"),
    ],
)
async def test_an_invalid_national_number_is_rejected_naming_the_mistake(
    gw: Harness, number: str, diagnosis: str
) -> None:
    answer = await gw.call("send_single", mobile=number, content="hi")
    assert answer["result"] == -100012
    assert diagnosis in (gw.last().diagnosis or ""), gw.last().diagnosis


async def test_a_bare_mainland_mobile_that_is_also_a_us_number_is_warned_about(
    gw: Harness,
) -> None:
    answer = await gw.call("send_single", mobile="13123456789", content="hi")
    assert answer["result"] == 0
    (warning,) = gw.last().warnings
    assert warning == (
        "mobile '13123456789' reads as +1, US: is it a mainland China mobile without its "
        "country code? send 8613123456789"
    )
    assert (await report_of(gw, "13123456789"))["countrycode"] == 1


async def test_a_correct_ten_digit_mobile_is_not_flagged(gw: Harness) -> None:
    await gw.call("send_single", mobile="6581234567", content="hi")  # a Singapore mobile
    assert gw.last().warnings == []
