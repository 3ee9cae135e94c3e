"""Delivery outcomes and delays drawn from the scenario, the same for the same seed."""

from __future__ import annotations

import statistics
from collections import Counter

from mockgateway.domain.outcomes import OutcomeDrawer
from mockgateway.scenario import load_text
from tests.conftest import Start

OUTCOMES = """
clock: virtual
seed: {seed}
reports:
  delay: {{min: 1, max: 60}}
  outcomes:
    - {{weight: 70, status: 0, errcode: DELIVRD, errdesc: success}}
    - {{weight: 20, status: 1, errcode: UNDELIV}}
    - {{weight: 10, status: 2, errcode: "MK:0005"}}
"""


async def run(start: Start, seed: int) -> list[tuple[int, str, str, float, int]]:
    gw = await start(OUTCOMES.format(seed=seed))
    numbers = ",".join(f"85292{n:06d}" for n in range(200))
    assert (await gw.call("send_batch", mobile=numbers, content="hi"))["result"] == 0
    return [
        (r.status, r.errcode, r.errdesc, round(r.due - r.message.submitted_at, 6), r.msgid)
        for r in gw.gateway.reports
    ]


async def test_same_seed_same_outcomes_delays_and_msgids(start: Start) -> None:
    first, again, other = await run(start, 5), await run(start, 5), await run(start, 6)
    assert first == again
    assert first != other
    assert [r[4] for r in first] != [r[4] for r in other]


async def test_outcomes_follow_their_weights_and_get_texts(start: Start) -> None:
    reports = await run(start, 5)
    counts = Counter(r[1] for r in reports)
    assert set(counts) == {"DELIVRD", "UNDELIV", "MK:0005"}
    assert counts["DELIVRD"] > counts["UNDELIV"] > counts["MK:0005"]
    texts = {r[1]: r[2] for r in reports}
    assert texts["UNDELIV"] == "undeliverable"
    assert texts["MK:0005"].startswith("MK:0005 returned by the ")  # an operator-style text
    assert all(1 <= r[3] <= 60 for r in reports)


async def test_failed_reports_reach_the_client(start: Start) -> None:
    gw = await start(OUTCOMES.format(seed=5))
    numbers = ",".join(f"85292{n:06d}" for n in range(50))
    await gw.call("send_batch", mobile=numbers, content="hi")
    gw.clock.advance(61)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert len(rpts) == 50
    assert {(r["status"], r["errcode"]) for r in rpts} >= {(0, "DELIVRD"), (1, "UNDELIV")}


def test_a_long_tail_delay_has_its_median_and_p99() -> None:
    scenario = load_text("seed: 1\nreports: {delay: {median: 2, p99: 30}}\n")
    drawer = OutcomeDrawer(scenario.reports, 1.0)
    delays = sorted(drawer.delay(None) for _ in range(5000))
    assert 1.7 < statistics.median(delays) < 2.3
    assert 20 < delays[int(len(delays) * 0.99)] < 45
    assert delays[-1] > 10 * delays[len(delays) // 2]  # a real tail, not a uniform spread
