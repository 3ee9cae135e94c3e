"""The domestic msgid rule (V5.7.2 §5.3): a report of segment k to the n-th number of a request
carries ``msgid + (n-1) + (k-1)·2^34``, for send_single, send_batch, send_multi, send_mixed and
send_template alike, in get_rpt and in pushes; and every derived msgid stays in its range."""

from __future__ import annotations

from typing import Any

import pytest

from mockgateway.client import mixed_content, report_msgid, template_content, url_encode
from mockgateway.domain.msgids import STARTS
from mockgateway.domain.sending import MAX_BATCH
from mockgateway.protocol.content import MAX_CHARACTERS, segment
from mockgateway.protocol.reports import MAX_SEGMENTS, SEGMENT_STRIDE
from tests.conftest import DOMESTIC, Harness, Receiver, Start
from tests.test_push import advance

LONG = "长" * 150  # UCS-2, 67 a segment: three segments
SHORT = "hi"


def test_a_1000_character_message_has_at_most_15_segments() -> None:
    assert segment("长" * MAX_CHARACTERS).segments == MAX_SEGMENTS
    assert segment("€" * MAX_CHARACTERS).segments <= MAX_SEGMENTS
    assert segment(LONG).segments == 3


@pytest.mark.parametrize(("kind", "ceiling"), [("above-2^53", 2**63), ("unsigned", 2**64)])
def test_every_derived_msgid_stays_below_its_ceiling(kind: str, ceiling: int) -> None:
    """Starts are drawn below 2^62 (2^63 + 2^62 unsigned): a process would need about 10^15
    requests before a segment's msgid came near 2^63 (2^64)."""
    high = STARTS[kind][1]  # type: ignore[index]
    largest = high + MAX_BATCH + (MAX_SEGMENTS - 1) * SEGMENT_STRIDE
    assert largest < ceiling
    assert (ceiling - largest) // (MAX_BATCH + 64) > 10**15


def test_negative_msgids_stay_negative() -> None:
    high = STARTS["signed"][1]
    assert high + MAX_BATCH + (MAX_SEGMENTS - 1) * SEGMENT_STRIDE < 0


async def requests(gw: Harness) -> list[tuple[dict[str, Any], list[str]]]:
    """One request of each send, each with a long message to its second number; the answer and
    the numbers in their order."""
    sent = []
    numbers = ["13800138000", "13900139000", "0085292041234"]
    enc = url_encode
    calls: list[tuple[str, dict[str, Any]]] = [
        ("single_send", {"mobile": numbers[0], "content": enc(LONG)}),
        ("batch_send", {"mobile": ",".join(numbers), "content": enc(LONG)}),
        (
            "multi_send",
            {
                "multimt": [
                    {"mobile": numbers[0], "content": enc(SHORT)},
                    {"mobile": numbers[1], "content": enc(LONG)},
                    {"mobile": numbers[2], "content": enc(SHORT)},
                ]
            },
        ),
        ("mixed_send", {"mobile": ",".join(numbers), "content": mixed_content([SHORT, LONG, "x"])}),
        (
            "template_send",
            {
                "tmplid": "OTP",
                "mobile": ",".join(numbers),
                "content": enc(template_content({"code": LONG})),
            },
        ),
    ]
    for endpoint, fields in calls:
        answer = await gw.call(endpoint, **fields)
        assert answer["result"] == 0, gw.last().diagnosis
        count = len(fields.get("multimt", [])) or fields["mobile"].count(",") + 1
        sent.append((answer, numbers[:count]))
    return sent


def expected(sent: list[tuple[dict[str, Any], list[str]]], gw: Harness) -> set[tuple[Any, ...]]:
    """(msgid, mobile, pknum) of every report, worked out from the answers alone."""
    found = set()
    segments = {m.msgid: m.segments for m in gw.gateway.messages}
    for answer, numbers in sent:
        for position, mobile in enumerate(numbers, start=1):
            total = segments[answer["msgid"] + position - 1]
            for pknum in range(1, total + 1):
                found.add((report_msgid(answer["msgid"], position, pknum), mobile, pknum))
    return found


async def test_every_report_matches_its_submission_by_msgid_alone(dgw: Harness) -> None:
    sent = await requests(dgw)
    await advance(dgw, 2)
    rpts = (await dgw.call("get_rpt"))["rpts"]
    got = {(r["msgid"], r["mobile"], r["pknum"]) for r in rpts}
    assert got == expected(sent, dgw)
    assert len(got) == len(rpts), "every report has its own msgid"
    long_batch = [r for r in rpts if r["custid"] == str(sent[1][0]["msgid"])]
    second = sorted(
        (r for r in long_batch if r["mobile"] == "13900139000"), key=lambda r: r["pknum"]
    )
    base = sent[1][0]["msgid"] + 1
    assert [r["msgid"] for r in second] == [base, base + 2**34, base + 2 * 2**34]
    assert [r["pktotal"] for r in second] == [3, 3, 3]


async def test_pushed_reports_carry_the_same_msgids(start: Start, receiver: Receiver) -> None:
    gw = await start(DOMESTIC + f"push: {{url: '{receiver.url}'}}\n")
    sent = await requests(gw)
    await advance(gw, 2)
    pushed = {(r["msgid"], r["mobile"], r["pknum"]) for b in receiver.received for r in b["rpts"]}
    assert pushed == expected(sent, gw)
    listing = await (await gw.client.get("/_mock/reports")).json()
    assert {(r["rpt_msgid"], r["mobile"], r["pknum"]) for r in listing["items"]} == pushed
    assert all(r["rpt_msgid_str"] == str(r["rpt_msgid"]) for r in listing["items"])


@pytest.mark.parametrize("kind", ["unsigned", "signed"])
async def test_the_rule_holds_at_the_edges_of_the_ranges(start: Start, kind: str) -> None:
    gw = await start(DOMESTIC + f"msgids: {{range: {kind}}}\n")
    answer = await gw.call("send_batch", mobile="13800138000,13900139000", content=url_encode(LONG))
    await advance(gw, 2)
    rpts = (await gw.call("get_rpt"))["rpts"]
    wanted = {report_msgid(answer["msgid"], p, k) for p in (1, 2) for k in (1, 2, 3)}
    assert {r["msgid"] for r in rpts} == wanted
    assert all((m >= 2**63) if kind == "unsigned" else (m < 0) for m in wanted)


async def test_an_international_account_keeps_one_msgid_per_message(gw: Harness) -> None:
    answer = await gw.call("send_single", mobile="85292041234", content=url_encode(LONG))
    await advance(gw, 2)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert [r["msgid"] for r in rpts] == [answer["msgid"]] * 3
    assert all("smstype" not in r for r in rpts)
