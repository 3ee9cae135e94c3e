"""send_template (V5.7.2 §3.5) end to end: the scenario's templates, variables encoded twice,
100058 / 100059 / 100502, and the rendered text as the message."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mockgateway.client import template_content, url_encode
from mockgateway.scenario import ScenarioError, load_text
from tests.conftest import Harness, Start

VARIABLES = {"P1": "梦网科技", "P2": "201701"}
RENDERED = "【梦网科技】您的订单201701已受理"


def wire(fmt: str, variables: dict[str, str]) -> str:
    """``content`` as the client writes it in ``fmt`` (the form encoding adds the second
    encoding there)."""
    once = template_content(variables)
    return url_encode(once) if fmt in ("json", "xml") else once


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_the_message_is_the_rendered_template(dgw: Harness, fmt: str) -> None:
    answer = await dgw.call(
        "template_send",
        fmt,  # type: ignore[arg-type]
        tmplid="20170",
        mobile="13800138000,13900139000",
        content=wire(fmt, VARIABLES),
        custid="t-1",
        svrtype="SMS001",
    )
    assert list(answer) == ["result", "desc", "msgid", "custid"]
    assert (answer["result"], answer["custid"]) == (0, "t-1"), dgw.last().diagnosis
    assert dgw.last().warnings == []
    messages = list(dgw.gateway.messages)
    assert [m.content for m in messages] == [RENDERED, RENDERED]
    assert [m.msgid for m in messages] == [answer["msgid"], answer["msgid"] + 1]
    assert {m.endpoint for m in messages} == {"send_template"}


async def test_values_may_hold_the_characters_that_join_them(dgw: Harness) -> None:
    answer = await dgw.call(
        "send_template",
        tmplid="OTP",
        mobile="13800138000",
        content=wire("json", {"code": "a=b&c d%"}),
    )
    assert answer["result"] == 0
    (message,) = dgw.gateway.messages
    assert message.content == "Your code is a=b&c d%"


async def test_content_encoded_once_in_json_is_read_with_a_warning(dgw: Harness) -> None:
    once = template_content(VARIABLES)
    answer = await dgw.call("send_template", tmplid="20170", mobile="13800138000", content=once)
    assert answer["result"] == 0
    assert [m.content for m in dgw.gateway.messages] == [RENDERED]
    assert any("content is encoded once (it holds a raw =)" in w for w in dgw.last().warnings)


async def test_content_encoded_three_times_is_read_with_a_warning(dgw: Harness) -> None:
    thrice = quote(url_encode(template_content(VARIABLES)), safe="")
    answer = await dgw.call("send_template", tmplid="20170", mobile="13800138000", content=thrice)
    assert answer["result"] == 0
    assert [m.content for m in dgw.gateway.messages] == [RENDERED]
    assert any("encoded once more than the manual's twice" in w for w in dgw.last().warnings)


@pytest.mark.parametrize(
    ("tmplid", "code", "diagnosis"),
    [
        ("999", -100058, "no template '999' in scenario 'scenario' (templates: 20170, OTP, OFF)"),
        ("", -100058, "tmplid is missing"),
        ("1" * 21, -100058, "is 21 characters long: at most 20"),
        ("OFF", -100502, "template OFF is disabled (enabled: false)"),
    ],
)
async def test_the_template_must_exist_and_be_enabled(
    dgw: Harness, tmplid: str, code: int, diagnosis: str
) -> None:
    answer = await dgw.call(
        "send_template", tmplid=tmplid, mobile="13800138000", content=wire("json", {"P1": "x"})
    )
    assert answer == {"result": code, "desc": answer["desc"], "msgid": 0, "custid": ""}
    assert diagnosis in (dgw.last().diagnosis or ""), dgw.last().diagnosis


@pytest.mark.parametrize(
    ("variables", "diagnosis"),
    [
        ({"P1": "x"}, "template 20170 has 2 variables ('P1', 'P2'); content gives 1 ('P1')"),
        ({"P1": "x", "P2": "y", "P3": "z"}, "content gives 3"),
        ({"P1": "x", "P9": "y"}, "content gives 2 ('P1', 'P9'): the names differ"),
        ({}, "content gives 0 (none)"),
    ],
)
async def test_the_variables_must_be_the_templates(
    dgw: Harness, variables: dict[str, str], diagnosis: str
) -> None:
    answer = await dgw.call(
        "send_template", tmplid="20170", mobile="13800138000", content=wire("json", variables)
    )
    assert answer["result"] == -100059
    assert diagnosis in (dgw.last().diagnosis or ""), dgw.last().diagnosis


async def test_a_variable_without_a_value_and_too_many_variables(dgw: Harness) -> None:
    answer = await dgw.call(
        "send_template", tmplid="20170", mobile="13800138000", content=url_encode("P1&P2=x")
    )
    assert answer["result"] == -100059
    assert "variable 'P1' has no value" in (dgw.last().diagnosis or "")
    many = url_encode("&".join(f"V{i}=x" for i in range(100_000)))
    answer = await dgw.call("send_template", tmplid="20170", mobile="13800138000", content=many)
    assert answer["result"] == -100059
    assert "more than 64 variables" in (dgw.last().diagnosis or "")


async def test_the_rendered_text_meets_the_content_rules(dgw: Harness) -> None:
    answer = await dgw.call(
        "send_template",
        tmplid="OTP",
        mobile="13800138000",
        content=wire("json", {"code": "x" * 990}),
    )
    assert answer["result"] == -100011
    assert "template OTP rendered is 1003 characters; at most 1000" in (dgw.last().diagnosis or "")


async def test_a_huge_value_in_a_repeated_placeholder_is_never_rendered(start: Start) -> None:
    text = "{P1}" * 250
    gw = await start(f"clock: virtual\nedition: domestic\ntemplates: [{{id: R, text: '{text}'}}]\n")
    content = wire("json", {"P1": "x" * 1_000_000})
    answer = await gw.call("send_template", tmplid="R", mobile="13800138000", content=content)
    assert answer["result"] == -100011
    assert "rendered is 250000000 characters" in (gw.last().diagnosis or "")


async def test_the_manuals_stray_space_in_tmplid_is_read_with_a_warning(dgw: Harness) -> None:
    fields = {"tmplid ": "20170", "mobile": "13800138000", "content": wire("json", VARIABLES)}
    answer = await dgw.call("send_template", **fields)
    assert answer["result"] == 0
    assert any("'tmplid ' with a trailing space" in w for w in dgw.last().warnings)


async def test_numbers_are_checked_before_the_template(dgw: Harness) -> None:
    answer = await dgw.call("send_template", tmplid="999", mobile="abc", content="")
    assert answer["result"] == -100012
    over = ",".join(["13800138000"] * 1001)
    answer = await dgw.call("send_template", tmplid="20170", mobile=over, content="")
    assert answer["result"] == -100014


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("templates: [{id: '', text: hi}]\n", "templates.0.id: '': a tmplid is 1 to 20"),
        ("templates: [{id: 123456789012345678901, text: hi}]\n", "a tmplid is 1 to 20"),
        ("templates: [{id: a, text: ''}]\n", "templates.0.text: a template's text is 1 to 1000"),
        ("templates: [{id: a, text: x}, {id: a, text: y}]\n", "template a appears twice"),
        ("templates: [{id: a, text: x, enabled: 1}]\n", "enabled: must be true or false"),
        ("templates: [{id: a, txt: x}]\n", "unknown key 'txt'"),
        ("templates: {id: a}\n", "templates: must be a list of templates"),
    ],
)
def test_the_loader_checks_templates(text: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text("edition: domestic\n" + text, source="s.yaml")
    assert any(problem in str(p) for p in caught.value.problems), caught.value.problems


def test_template_ids_may_be_written_as_numbers() -> None:
    scenario = load_text("edition: domestic\ntemplates: [{id: 200170, text: 'hi {P1}'}]\n")
    (template,) = scenario.templates
    assert (template.id, set(template.variables), template.enabled) == ("200170", {"P1"}, True)
    assert template.render({"P1": "{P1}"}) == "hi {P1}", "a value is never read as a placeholder"
