"""Whatever arrives, under whatever Content-Type, gets a protocol answer: never a 5xx."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mockgateway.client import credentials, parse_answer
from mockgateway.protocol.codec import Format, parse, render, render_json
from mockgateway.protocol.errors import GatewayError, is_domestic, is_known
from tests.conftest import Harness

CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "application/xml",
        "text/xml",
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/json; charset=gbk",
    ]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELD_NAMES = st.sampled_from(
    [
        "userid",
        "pwd",
        "timestamp",
        "mobile",
        "content",
        "custid",
        "exdata",
        "svrtype",
        "exno",
        "retsize",
    ]
)
BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.dictionaries(FIELD_NAMES, JSONISH, max_size=10).map(lambda d: json.dumps(d).encode()),
    st.dictionaries(FIELD_NAMES, st.text(max_size=20), max_size=10)
    .map(lambda d: "<mtreq>" + "".join(f"<{k}>{v}</{k}>" for k, v in d.items()) + "</mtreq>")
    .map(lambda s: s.encode("utf-8", "surrogatepass")),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=BODIES,
    content_type=CONTENT_TYPES,
    endpoint=st.sampled_from(["send_single", "send_batch", "batch_send", "get_rpt"]),
)
async def test_any_body_gets_a_protocol_answer(
    gw: Harness, body: bytes, content_type: str | None, endpoint: str
) -> None:
    status, answer, _ = await gw.raw(endpoint, body, content_type)
    assert status == 200
    assert isinstance(answer["result"], int)
    assert is_known(answer["result"])
    assert gw.last().result == answer["result"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.dictionaries(FIELD_NAMES, JSONISH, max_size=10))
async def test_signed_requests_with_any_field_values(gw: Harness, fields: dict[str, Any]) -> None:
    body = json.dumps({**fields, **credentials("J10003", "111111")})
    status, answer, _ = await gw.raw("send_batch", body, "application/json")
    assert status == 200
    assert is_known(answer["result"])
    assert (answer["result"] == 0) == bool(answer["messages"])


ANSWERS = st.fixed_dictionaries(
    {
        "result": st.integers(-(2**31), 2**31),
        "desc": st.from_regex(r"[%0-9A-Za-z._~-]{0,40}", fullmatch=True),
        "msgid": st.integers(-(2**63), 2**64 - 1),
        "custid": st.from_regex(r"[A-Za-z0-9_-]{0,64}", fullmatch=True),
    }
)


@given(ANSWERS)
def test_answers_round_trip_through_json_and_xml(answer: dict[str, Any]) -> None:
    for fmt in (Format.JSON, Format.XML):
        body, _ = render(fmt, "mtrsp", answer)
        assert parse_answer(body) == answer


@given(
    st.dictionaries(
        FIELD_NAMES,
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20
        ),
        max_size=6,
    )
)
def test_request_codecs_round_trip(fields: dict[str, str]) -> None:
    from mockgateway.client import encode_body

    for fmt, parsed_as in (("json", Format.JSON), ("form", Format.FORM)):
        body, _ = encode_body(fmt, fields)  # type: ignore[arg-type]
        assert parse(parsed_as, body, b"")[0] == fields
    xml_safe = {k: v.strip() for k, v in fields.items() if v.strip()}
    body, _ = encode_body("xml", xml_safe)
    parsed = parse(Format.XML, body, b"")[0]
    parsed.pop("@root")
    assert parsed == xml_safe


CONTROL = st.sampled_from(
    [
        ("PUT", "/_mock/scenario"),
        ("POST", "/_mock/clock/advance"),
        ("PUT", "/_mock/accounts/J10003/push"),
        ("POST", "/_mock/pushes/retry"),
        ("GET", "/_mock/wait"),
        ("GET", "/_mock/messages"),
        ("GET", "/_mock/requests"),
        ("GET", "/_mock/reports"),
        ("GET", "/_mock/pushes"),
        ("GET", "/_mock/mos"),
        ("POST", "/_mock/mo"),
        ("PUT", "/_mock/accounts/J10003/mo_push"),
    ]
)
QUERY_KEYS = st.sampled_from(
    [
        "mobile",
        "since",
        "accepted",
        "state",
        "userid",
        "messages",
        "reports",
        "timeout",
        "seqid",
        "mos",
        "mo_pushed",
        "kind",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=CONTROL,
    body=st.one_of(st.binary(max_size=200), JSONISH.map(lambda v: json.dumps(v).encode())),
    query=st.dictionaries(QUERY_KEYS, st.text(max_size=12), max_size=3),
)
async def test_the_control_api_never_answers_5xx(
    gw: Harness, target: tuple[str, str], body: bytes, query: dict[str, str]
) -> None:
    method, path = target
    if path == "/_mock/wait":
        query = {**query, "timeout": "0"}
    response = await gw.client.request(method, path, data=body, params=query)
    assert response.status < 500, await response.text()


DOMESTIC_FIELDS = st.sampled_from(
    ["mobile", "content", "custid", "exdata", "svrtype", "exno", "tmplid", "multimt", "apiver"]
)
ITEM = st.dictionaries(
    st.sampled_from(["mobile", "content", "svrtype", "exno", "custid", "exdata", "x"]),
    JSONISH,
    max_size=6,
)
DOMESTIC_BODIES = st.one_of(
    BODIES,
    st.dictionaries(DOMESTIC_FIELDS, JSONISH | st.lists(ITEM, max_size=4), max_size=8).map(
        lambda d: json.dumps(d).encode()
    ),
    st.lists(ITEM, max_size=4).map(
        lambda items: b"multimt=" + json.dumps(items).encode() + b"&userid=J10003"
    ),
    st.lists(st.dictionaries(st.sampled_from(["mobile", "content"]), st.text(max_size=10)))
    .map(
        lambda items: (
            "<mtreq><multimt>"
            + "".join(
                "<mt>" + "".join(f"<{k}>{v}</{k}>" for k, v in i.items()) + "</mt>" for i in items
            )
            + "</multimt></mtreq>"
        )
    )
    .map(lambda s: s.encode("utf-8", "surrogatepass")),
)
DOMESTIC_SPELLINGS = st.sampled_from(
    [
        "send_multi",
        "multi_send",
        "send_mixed",
        "mixed_send",
        "send_template",
        "template_send",
        "send_batch",
        "get_rpt",
    ]
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=DOMESTIC_BODIES, content_type=CONTENT_TYPES, endpoint=DOMESTIC_SPELLINGS)
async def test_any_body_to_a_domestic_endpoint_gets_a_protocol_answer(
    dgw: Harness, body: bytes, content_type: str | None, endpoint: str
) -> None:
    status, answer, _ = await dgw.raw(endpoint, body, content_type)
    assert status == 200
    assert isinstance(answer["result"], int)
    assert is_domestic(answer["result"]) or answer["result"] == 0
    assert dgw.last().result == answer["result"]
    assert "internal error" not in (dgw.last().diagnosis or "")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.dictionaries(DOMESTIC_FIELDS, JSONISH | st.lists(ITEM, max_size=4), max_size=8),
    endpoint=DOMESTIC_SPELLINGS,
    fmt=st.sampled_from(["json", "xml", "form", "get"]),
)
async def test_signed_domestic_requests_with_any_field_values(
    dgw: Harness, fields: dict[str, Any], endpoint: str, fmt: str
) -> None:
    if fmt == "xml":
        fields = {k: v for k, v in fields.items() if isinstance(v, str) and v.strip()}
    answer = await dgw.call(endpoint, fmt, **fields)  # type: ignore[arg-type]
    assert is_domestic(answer["result"]) or answer["result"] == 0
    assert "internal error" not in (dgw.last().diagnosis or "")
    listing = await dgw.client.get("/_mock/requests", params={"since": "0"})
    assert listing.status == 200


ANSWER_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),  # msgids are unsigned 64-bit
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
)
RENDERED = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        ANSWER_SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=10,
    ),
    max_size=6,
)


@given(RENDERED)
def test_answers_are_written_as_the_standard_library_writes_compact_json(answer: Any) -> None:
    """orjson writes what ``json`` would (``render_json``'s claim): key order, escapes,
    non-ASCII as UTF-8, 64-bit integers."""
    expected = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
    assert render_json(answer) == expected


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**64 - 1, 2**64, -(2**63), -(2**63) - 1]),  # orjson's edges
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),  # lone surrogates too
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["userid", "mobile", "content", "a\\u0022:", 'x":', "k"]),
            st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=2)),
        ),
        max_size=6,
    ),
    st.sampled_from(["", " ", "\n"]),
)
@example([("userid", 2**64), ("mobile", -(2**63) - 1)], "")  # orjson reads these as floats
@example([("userid", "J10003"), ("userid", "J10004")], " ")
def test_a_json_body_reads_as_the_standard_decoder_reads_it(
    pairs: list[tuple[str, Any]], space: str
) -> None:
    """The orjson fast path and the standard decoder agree on every body: the fields, the
    warning for a key named twice, the error for a number past 64 bits."""
    text = "{" + ",".join(f"{json.dumps(k)}{space}:{space}{json.dumps(v)}" for k, v in pairs) + "}"
    body = text.encode("utf-8", "surrogatepass")
    with patch("mockgateway.protocol.codec._flat_object", return_value=None):
        expected = _outcome(body)
    assert _outcome(body) == expected


def _outcome(body: bytes) -> Any:
    try:
        return parse(Format.JSON, body, b"")
    except GatewayError as error:
        return error.code, error.diagnosis
