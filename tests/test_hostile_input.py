"""Hostile and sloppy bodies: each gets a protocol answer, the server stays responsive, and nothing
accepted is lost.

Every attack here is bounded in size and count. After each one a normal request must still be
answered, every journal listing must still be plain JSON (parsed strictly: no NaN), and reports
accepted before the attack must still be handed out.
"""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockgateway.client import BodyFormat, credentials
from mockgateway.protocol import mobiles
from tests.conftest import Harness, Start

BODY_FORMAT = range(-100100, -100089)


def _no_constants(name: str) -> Any:
    raise AssertionError(f"the listing holds {name}, which is not JSON")


async def assert_healthy(gw: Harness) -> None:
    """A normal request is answered and every listing is strict JSON."""
    answer = await gw.call("send_single", mobile="85292041234", content="still here")
    assert answer["result"] == 0
    for listing in ("requests", "messages", "reports", "pushes"):
        response = await gw.client.get(f"/_mock/{listing}")
        assert response.status == 200, listing
        json.loads(await response.read(), parse_constant=_no_constants)


def signed_json(**fields: Any) -> str:
    return json.dumps({**credentials("J10003", "111111"), **fields})


def signed_form(**fields: str) -> str:
    return "&".join(f"{k}={v}" for k, v in {**credentials("J10003", "111111"), **fields}.items())


# --- invalid Unicode, NaN, huge numbers ---------------------------------------------------------


@pytest.mark.parametrize("field", ["exno", "custid", "svrtype", "userid", "content", "mobile"])
async def test_a_lone_surrogate_is_refused_and_loses_no_report(gw: Harness, field: str) -> None:
    await gw.call("send_single", mobile="85292041234", content="before")
    fields: dict[str, Any] = {"mobile": "85292041235", "content": "x", field: "ab\udcff"}
    body = json.dumps({**credentials("J10003", "111111"), **fields})  # ensure_ascii: \udcff
    status, answer, _ = await gw.raw("send_single", body, "application/json")
    assert (status, answer["result"]) == (200, -100093)
    assert "not valid Unicode" in (gw.last().diagnosis or "")
    gw.clock.advance(2)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert [r["mobile"] for r in rpts] == ["85292041234"], "the earlier report is handed out"
    await assert_healthy(gw)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_numbers_are_refused(gw: Harness, constant: str) -> None:
    body = signed_json(mobile="85292041234", content="hi")[:-1] + f',"retsize":{constant}}}'
    _, answer, _ = await gw.raw("get_rpt", body, "application/json")
    assert answer["result"] == -100093
    assert f"{constant} is not a JSON number" in (gw.last().diagnosis or "")
    await assert_healthy(gw)


async def test_a_number_beyond_64_bits_is_refused(gw: Harness) -> None:
    body = signed_json()[:-1] + ',"retsize":' + "9" * 4000 + "}"
    _, answer, _ = await gw.raw("get_rpt", body, "application/json")
    assert answer["result"] == -100093
    assert "64 bits" in (gw.last().diagnosis or "")
    await assert_healthy(gw)


# --- size and repetition ------------------------------------------------------------------------


async def test_a_form_repeating_one_field_two_million_times(gw: Harness) -> None:
    body = signed_form(mobile="85292041234", content="hi") + "&a=" * 1_300_000
    assert len(body) > 3_900_000
    _, answer, _ = await gw.raw("send_single", body, "application/x-www-form-urlencoded")
    assert answer["result"] == -100092
    record = gw.last()
    assert "more than 100 fields" in (record.diagnosis or "")
    assert record.fields == {} and len(record.warnings) <= 1
    await assert_healthy(gw)


async def test_a_query_with_too_many_fields(gw: Harness) -> None:
    query = signed_form(mobile="85292041234", content="hi") + "".join(
        f"&f{i}=1" for i in range(120)
    )
    response = await gw.client.get(f"/sms/v2/std/send_single?{query}")
    assert (await response.json())["result"] == -100092
    await assert_healthy(gw)


async def test_a_repeated_field_warns_once(gw: Harness) -> None:
    body = signed_form(mobile="85292041234", content="hi") + "&exdata=a" * 50
    _, answer, _ = await gw.raw("send_single", body, "application/x-www-form-urlencoded")
    assert answer["result"] == 0
    repeated = [w for w in gw.last().warnings if "given more than once" in w]
    assert repeated == ["field exdata given more than once (50 times): the first is used"]


@pytest.mark.parametrize("fmt", ["json", "form", "xml"])
async def test_a_long_field_is_refused(gw: Harness, fmt: BodyFormat) -> None:
    answer = await gw.call(
        "send_single", fmt, mobile="85292041234", content="hi", svrtype="x" * 1025
    )
    assert answer["result"] == -100092
    assert "svrtype is 1025 characters long; at most 1024" in (gw.last().diagnosis or "")
    await assert_healthy(gw)


async def test_a_long_field_name_is_refused(gw: Harness) -> None:
    body = signed_json(mobile="85292041234", content="hi")[:-1] + f',"{"k" * 100_000}":1}}'
    _, answer, _ = await gw.raw("send_single", body, "application/json")
    assert answer["result"] == -100092
    assert len(gw.last().diagnosis or "") < 300
    await assert_healthy(gw)


async def test_mobile_and_content_may_be_long_but_diagnoses_stay_short(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="8" * 100_000, content="hi")
    assert answer["result"] == -100274
    assert len(gw.last().diagnosis or "") < 300
    answer = await gw.call("send_single", mobile="85292041234", content="a" * 3000)
    assert answer["result"] == -100011


async def test_a_batch_shares_one_warnings_tuple(gw: Harness) -> None:
    numbers = ",".join(f"852920{i:05d}" for i in range(1000))
    answer = await gw.call("send_batch", "form", mobile=numbers, content="hi", svrtype="9")
    assert answer["result"] == 0
    first, *rest = gw.gateway.messages
    assert first.warnings and all(m.warnings is first.warnings for m in rest)


async def test_three_hundred_thousand_numbers_are_refused_before_any_is_parsed(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = await start(
        "clock: virtual\n"
        "rules:\n  - when: {mobile_prefix: '8529'}\n    report: {errcode: UNDELIV}\n"
    )
    calls = 0
    real = mobiles.normalise

    def counting(sent: str) -> str | None:
        nonlocal calls
        calls += 1
        return real(sent)

    monkeypatch.setattr(mobiles, "normalise", counting)
    numbers = ",".join(["85292041234"] * 300_000)
    answer = await gw.call("send_batch", mobile=numbers, content="hi")
    assert answer["result"] == -100014
    assert calls <= 1001, f"{calls} numbers parsed before the limit was checked"
    await assert_healthy(gw)


# --- depth --------------------------------------------------------------------------------------


async def test_deep_xml_inside_a_field_is_refused(gw: Harness) -> None:
    c = credentials("J10003", "111111")
    head = "".join(f"<{k}>{v}</{k}>" for k, v in c.items())
    deep = "<a>" * 2000 + "1" + "</a>" * 2000
    body = f"<mtreq>{head}<mobile>{deep}</mobile><content>hi</content></mtreq>"
    _, answer, _ = await gw.raw("send_single", body, "application/xml")
    assert answer["result"] in BODY_FORMAT
    assert "nested" in (gw.last().diagnosis or "")
    await assert_healthy(gw)


@pytest.mark.parametrize(
    ("depth", "diagnosis"),
    [(40, "exdata is nested more than 32 levels"), (500, "exdata is nested"), (5000, "nested")],
)
async def test_deep_json_is_refused(gw: Harness, depth: int, diagnosis: str) -> None:
    deep = "[" * depth + "]" * depth
    body = signed_json(content="hi")[:-1] + f',"exdata":{deep}}}'
    _, answer, _ = await gw.raw("send_single", body, "application/json")
    assert answer["result"] in BODY_FORMAT
    assert diagnosis in (gw.last().diagnosis or "")
    assert gw.last().fields == {}
    await assert_healthy(gw)


async def test_many_xml_elements_are_refused_before_parsing(gw: Harness) -> None:
    body = "<mtreq>" + "<a/>" * 1_000_000 + "</mtreq>"
    _, answer, _ = await gw.raw("send_single", body, "application/xml")
    assert answer["result"] == -100092
    await assert_healthy(gw)


# --- retsize, rule counters, the connection slot -----------------------------------------------


@pytest.mark.parametrize("retsize", ["+-5", "9" * 1000, "1e3", "3.5", "ten"])
async def test_retsize_that_is_not_an_integer(gw: Harness, retsize: str) -> None:
    answer = await gw.call("get_rpt", "form", retsize=retsize)
    assert answer == {"result": -100096, "desc": "Request%20message%20body%20format%20error"} | {
        "rpts": ""
    }
    assert "retsize must be an integer" in (gw.last().diagnosis or "")


@pytest.mark.parametrize("retsize", [3.5, True, [1], {"n": 1}])
async def test_retsize_of_the_wrong_json_type(gw: Harness, retsize: Any) -> None:
    answer = await gw.call("get_rpt", retsize=retsize)
    assert answer["result"] == -100096


async def test_retsize_as_a_json_string_of_digits_is_accepted_with_a_warning(
    gw: Harness,
) -> None:
    await gw.call("send_batch", mobile="85292041234,85292041235", content="hi")
    gw.clock.advance(2)
    answer = await gw.call("get_rpt", retsize="1")
    assert len(answer["rpts"]) == 1
    assert any("retsize is a string" in w for w in gw.last().warnings)


async def test_a_request_that_breaks_the_mock_counts_once_for_rules(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    gw = await start(
        "clock: virtual\n"
        "rules:\n  - when: {endpoint: get_rpt, nth: 2}\n    respond: {result: -100057}\n"
    )
    from mockgateway.domain.reporting import Reporting

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    with monkeypatch.context() as patch:
        patch.setattr(Reporting, "take", broken)
        assert (await gw.call("get_rpt"))["result"] == -100999
    assert (await gw.call("get_rpt"))["result"] == -100057, "the second get_rpt is the nth=2"


async def test_a_failure_after_the_slot_is_taken_releases_it(start: Start) -> None:
    gw = await start("clock: virtual\nmax_connections: 1\n")
    failures = 0

    def broken_log(record: object) -> None:
        nonlocal failures
        failures += 1
        raise UnicodeEncodeError("utf-8", "x", 0, 1, "simulated")

    gw.gateway.on_request = broken_log
    for _ in range(3):
        answer = await gw.call("send_single", mobile="85292041234", content="hi")
        assert answer["result"] == 0
    gw.gateway.on_request = None
    assert failures == 3
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == 0


# --- memory: bytes, exno, cycles ----------------------------------------------------------------


async def test_the_journal_is_capped_by_bytes(start: Start) -> None:
    gw = await start("clock: virtual\njournal: {max_bytes: 1000000}\n")
    big = "x" * 1000
    for _ in range(20):
        body = signed_json(mobile="8" * 200_000, content=big)
        _, answer, _ = await gw.raw("send_single", body, "application/json")
        assert answer["result"] == -100274
    requests = gw.gateway.requests
    assert requests.dropped > 0
    assert requests.bytes <= 1_000_000
    listing = await (await gw.client.get("/_mock/requests")).json()
    assert listing["dropped"] == requests.dropped
    await assert_healthy(gw)


async def test_a_huge_exno_is_ignored_with_a_warning(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content="hi", exno="E" * 1000)
    assert answer["result"] == 0
    assert any("exno" in w and "ignored" in w for w in gw.last().warnings)
    gw.clock.advance(2)
    (rpt,) = (await gw.call("get_rpt"))["rpts"]
    assert rpt["exno"] == ""


async def test_a_control_character_in_exno_is_ignored(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi", exno="Mont\x01")
    gw.clock.advance(2)
    status, answer, _ = await gw.raw("get_rpt", _signed_xml(), "application/xml")
    assert status == 200 and answer["rpts"][0]["exno"] == ""


def _signed_xml() -> str:
    c = credentials("J10003", "111111")
    return "<rptreq>" + "".join(f"<{k}>{v}</{k}>" for k, v in c.items()) + "</rptreq>"


async def test_journal_records_hold_no_reference_cycles(start: Start) -> None:
    """What the journal drops must be freed by reference counting alone: with the collector off,
    a full journal under load would otherwise grow without bound (the collector is tuned down
    in ``mockgateway serve``)."""
    gw = await start("clock: virtual\njournal: {limit: 5}\nreports: {delay: 0}\n")
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(10):
            await gw.call("send_batch", mobile="85292041234,85292041235", content="a" * 200)
            await gw.call("get_rpt", retsize=1)
        gc.collect()
        leaked = [
            type(o).__name__
            for o in gc.garbage
            if type(o).__module__.startswith("mockgateway.domain")
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert leaked == []


# --- encodings real clients send ----------------------------------------------------------------


async def test_a_json_body_with_a_bom_is_accepted_with_a_warning(gw: Harness) -> None:
    body = b"\xef\xbb\xbf" + signed_json(mobile="85292041234", content="hi").encode()
    _, answer, _ = await gw.raw("send_single", body, "application/json")
    assert answer["result"] == 0
    assert any("byte order mark" in w for w in gw.last().warnings)


async def test_a_bom_without_content_type_is_still_sniffed_as_json(gw: Harness) -> None:
    body = b"\xef\xbb\xbf" + signed_json(mobile="85292041234", content="hi").encode()
    _, answer, _ = await gw.raw("send_single", body, None)
    assert answer["result"] == 0


@pytest.mark.parametrize("declared", ["GBK", "gb2312", "GB18030"])
async def test_an_xml_body_declaring_gbk(gw: Harness, declared: str) -> None:
    c = credentials("J10003", "111111")
    head = "".join(f"<{k}>{v}</{k}>" for k, v in c.items())
    xml = (
        f'<?xml version="1.0" encoding="{declared}"?><mtreq>{head}<mobile>85292041234</mobile>'
        "<content>%e4%bd%a0%e5%a5%bd</content><exdata>\u4f60</exdata></mtreq>"
    )
    _, answer, _ = await gw.raw("send_single", xml.encode("gbk"), "application/xml")
    assert answer["result"] == -100004, "the GBK bytes were read as GBK: 你 is not an exdata"
    xml = xml.replace("<exdata>\u4f60</exdata>", "")
    _, answer, _ = await gw.raw("send_single", xml.encode("gbk"), "application/xml")
    assert answer["result"] == 0
    assert any(declared in w and "GBK" in w.upper() for w in gw.last().warnings)
    assert list(gw.gateway.messages)[-1].content == "你好"


async def test_the_manuals_unquoted_xml_declaration_is_accepted_with_a_warning(
    gw: Harness,
) -> None:
    c = credentials("J10003", "111111")
    head = "".join(f"<{k}>{v}</{k}>" for k, v in c.items())
    xml = (
        f"<?xml version=1.0 encoding=utf-8?><mtreq>{head}<mobile>85292041234</mobile>"
        "<content>hi</content></mtreq>"
    )
    _, answer, content_type = await gw.raw("send_single", xml, "application/xml")
    assert answer["result"] == 0 and content_type.startswith("application/xml")
    assert any("unquoted" in w for w in gw.last().warnings)


async def test_a_hostile_content_type_is_not_stored_whole(gw: Harness) -> None:
    body = signed_json(mobile="85292041234", content="hi")
    status, answer, _ = await gw.raw("send_single", body, "text/" + "x" * 4000)
    assert (status, answer["result"]) == (200, 0)
    assert all(len(w) < 300 for w in gw.last().warnings)
    await assert_healthy(gw)


# --- any hostile value in any field, format and endpoint ---------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1),
    st.just("x" * 2000),
    st.just("%" * 50),
    st.just("\x00\x01\x1f"),
)
HOSTILE = st.recursive(
    st.one_of(
        HOSTILE_TEXT,
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        st.booleans(),
        st.none(),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=6,
)
FIELDS = st.sampled_from(
    ["mobile", "content", "custid", "exdata", "svrtype", "exno", "retsize", "userid", "pwd"]
)


def _json_with_surrogates(value: Any) -> str:
    return json.dumps(value, allow_nan=True)  # lone surrogates come out as \\udXXX escapes


def _xml(fields: dict[str, Any]) -> bytes:
    from xml.sax.saxutils import escape

    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
    return f"<mtreq>{inner}</mtreq>".encode("utf-8", "surrogatepass")


def _form(fields: dict[str, Any]) -> bytes:
    from urllib.parse import quote_from_bytes

    return "&".join(
        f"{k}={quote_from_bytes(str(v).encode('utf-8', 'surrogatepass'))}"
        for k, v in fields.items()
    ).encode()


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    hostile=st.dictionaries(FIELDS, HOSTILE, min_size=1, max_size=3),
    fmt=st.sampled_from(["json", "xml", "form"]),
    endpoint=st.sampled_from(["send_single", "send_batch", "batch_send", "get_rpt"]),
)
async def test_any_hostile_field_gets_a_protocol_answer_and_breaks_nothing(
    gw: Harness, hostile: dict[str, Any], fmt: str, endpoint: str
) -> None:
    fields = {
        **credentials("J10003", "111111"),
        "mobile": "85292041234",
        "content": "hi",
        **hostile,
    }
    if fmt == "json":
        body, content_type = _json_with_surrogates(fields).encode(), "application/json"
    elif fmt == "xml":
        body, content_type = _xml(fields), "application/xml"
    else:
        body, content_type = _form(fields), "application/x-www-form-urlencoded"
    status, answer, _ = await gw.raw(endpoint, body, content_type)
    assert status == 200
    assert isinstance(answer["result"], int)
    await assert_healthy(gw)
