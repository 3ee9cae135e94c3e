"""The numbers the docs promise are valid (or invalid) are so, through a real socket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Harness

DOC = (Path(__file__).parents[1] / "docs" / "numbers.md").read_text()
VALID = re.findall(r"^\| [^|]+ \| (\d+) \|$", DOC, flags=re.MULTILINE)
INVALID = re.findall(r"`(\d{10,})`", DOC.split("for testing -100012")[1])
NOT_MOBILES = re.findall(
    r"`(\d{10,})`", DOC.split("for testing failed reports")[1].split("\n\n")[0]
)


def test_the_doc_lists_numbers() -> None:
    assert len(VALID) >= 20 and len(INVALID) == 3 and len(NOT_MOBILES) == 3


@pytest.mark.parametrize("number", VALID)
async def test_documented_numbers_are_accepted_in_every_form(gw: Harness, number: str) -> None:
    answer = await gw.call("send_batch", mobile=f"{number},00{number},+{number}", content="hi")
    assert answer["result"] == 0, gw.last().diagnosis


@pytest.mark.parametrize("number", INVALID)
async def test_documented_invalid_numbers_are_rejected(gw: Harness, number: str) -> None:
    answer = await gw.call("send_single", mobile=number, content="hi")
    assert answer["result"] == -100012


@pytest.mark.parametrize("number", NOT_MOBILES)
async def test_documented_non_mobiles_are_accepted_and_their_reports_fail(
    gw: Harness, number: str
) -> None:
    answer = await gw.call("send_single", mobile=f"+{number}", content="hi")
    assert answer["result"] == 0
    assert "not a mobile" in gw.last().warnings[0]
    gw.clock.advance(5)
    (rpt,) = (await gw.call("get_rpt"))["rpts"]
    assert (rpt["status"], rpt["errcode"]) == (1, "UNDELIV")


@pytest.mark.parametrize("number", VALID)
async def test_documented_numbers_are_mobiles_without_warnings(gw: Harness, number: str) -> None:
    answer = await gw.call("send_single", mobile=number, content="hi")
    assert answer["result"] == 0
    assert gw.last().warnings == []
