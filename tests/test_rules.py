"""Scenario rules, observed from a real client socket: forced codes, HTTP faults, fixed reports."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from mockgateway.client import credentials
from tests.conftest import Harness, Start


def scenario(rules: str, extra: str = "") -> str:
    return f"clock: virtual\nseed: 11\n{extra}rules:\n{rules}"


async def post_json(gw: Harness, endpoint: str, **fields: Any) -> aiohttp.ClientResponse:
    body = {**credentials("J10003", "111111"), **fields}
    return await gw.client.post(f"/sms/v2/std/{endpoint}", json=body)


async def test_the_nth_send_batch_fails_with_the_given_code(start: Start) -> None:
    gw = await start(
        scenario("  - when: {endpoint: send_batch, nth: 3}\n    respond: {result: -100999}\n")
    )
    results = []
    for _ in range(4):
        answer = await gw.call("send_batch", mobile="85292041234,85292041235", content="hi")
        results.append(answer["result"])
        await gw.call("send_single", mobile="85292041234", content="hi")  # not counted
    assert results == [0, 0, -100999, 0]
    forced = [r for r in gw.gateway.requests if r.result == -100999]
    assert forced[0].rule == "rule 1 (line 4)"
    assert "forced by rule 1" in (forced[0].diagnosis or "")
    assert len(gw.gateway.messages) == 4 * 2 - 2 + 4


async def test_batch_send_counts_as_send_batch(start: Start) -> None:
    gw = await start(scenario("  - when: {endpoint: batch_send}\n    respond: {result: -100014}\n"))
    answer = await gw.call("send_batch", mobile="85292041234", content="hi")
    assert answer["result"] == -100014


async def test_one_numbers_reports_are_undeliverable(start: Start) -> None:
    gw = await start(
        scenario("  - when: {mobile: '+85292041235'}\n    report: {errcode: UNDELIV}\n")
    )
    answer = await gw.call("send_batch", mobile="85292041234,0085292041235", content="hi")
    assert answer["result"] == 0
    gw.clock.advance(2)
    rpts = {r["mobile"]: r for r in (await gw.call("get_rpt"))["rpts"]}
    assert (rpts["0085292041235"]["status"], rpts["0085292041235"]["errcode"]) == (1, "UNDELIV")
    assert rpts["0085292041235"]["errdesc"] == "undeliverable"
    assert (rpts["85292041234"]["status"], rpts["85292041234"]["errcode"]) == (0, "DELIVRD")


async def test_report_rules_can_lose_reports_and_delay_them(start: Start) -> None:
    gw = await start(
        scenario(
            "  - when: {mobile_prefix: '852920'}\n    report: {lost: true}\n"
            "  - when: {countrycode: 86}\n    report: {status: 1, errcode: EXPIRED, delay: 30}\n"
        )
    )
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.call("send_single", mobile="+8613800138000", content="hi")
    gw.clock.advance(29)
    assert (await gw.call("get_rpt"))["rpts"] == []
    gw.clock.advance(2)
    (rpt,) = (await gw.call("get_rpt"))["rpts"]
    assert (rpt["mobile"], rpt["errcode"]) == ("+8613800138000", "EXPIRED")
    lost = next(m for m in gw.gateway.messages if m.mobile == "85292041234")
    assert (lost.report_state(), lost.rule) == ("none", "rule 1 (line 4)")


async def test_every_answer_is_delayed(start: Start) -> None:
    gw = await start("rules:\n  - fault: {delay: 2}\n")
    began = time.monotonic()
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    assert time.monotonic() - began >= 2.0
    assert answer["result"] == 0
    assert gw.last().fault == "delay 2 s"


async def test_every_fifth_connection_is_dropped(start: Start) -> None:
    gw = await start(scenario("  - when: {every: 5}\n    fault: {drop_connection: true}\n"))
    outcomes = []
    for _ in range(10):
        try:
            response = await post_json(gw, "send_single", mobile="85292041234", content="hi")
            outcomes.append((await response.json())["result"])
        except aiohttp.ServerDisconnectedError:
            outcomes.append("dropped")
    assert outcomes == [0, 0, 0, 0, "dropped", 0, 0, 0, 0, "dropped"]
    assert len(gw.gateway.messages) == 8  # not accepted: the dropped ones sent nothing


async def test_accepted_drop_shows_a_client_retry_duplicating_the_sms(start: Start) -> None:
    gw = await start(scenario("  - fault: {drop_connection: true, accepted: true}\n    times: 1\n"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post_json(gw, "send_single", mobile="85292041234", content="hi")
    retried = await post_json(gw, "send_single", mobile="85292041234", content="hi")
    assert (await retried.json())["result"] == 0
    assert [m.mobile for m in gw.gateway.messages] == ["85292041234", "85292041234"]
    assert [r.fault for r in gw.gateway.requests] == ["drop_connection", None]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_http_status_faults(start: Start, status: int) -> None:
    gw = await start(scenario(f"  - fault: {{http_status: {status}}}\n"))
    response = await post_json(gw, "send_single", mobile="85292041234", content="hi")
    assert response.status == status
    assert response.headers.get("Retry-After") == ("1" if status in (429, 503) else None)
    assert str(status) in await response.text()
    assert len(gw.gateway.messages) == 0


async def test_retry_after_is_as_given(start: Start) -> None:
    gw = await start(scenario("  - fault: {http_status: 429, retry_after: 7}\n"))
    response = await post_json(gw, "send_single", mobile="85292041234", content="hi")
    assert (response.status, response.headers["Retry-After"]) == (429, "7")


@pytest.mark.parametrize("kind", ["garbage_body", "truncated_body"])
async def test_broken_bodies_fail_to_parse(start: Start, kind: str) -> None:
    gw = await start(scenario(f"  - fault: {{{kind}: true, accepted: true}}\n"))
    response = await post_json(gw, "send_single", mobile="85292041234", content="hi")
    assert response.status == 200
    raw = await response.read()
    with pytest.raises(ValueError):
        json.loads(raw)
    assert len(gw.gateway.messages) == 1  # accepted before the answer was broken


async def test_a_stall_runs_into_the_client_timeout(start: Start) -> None:
    gw = await start(scenario("  - fault: {stall: 30}\n"))
    with pytest.raises(asyncio.TimeoutError):
        await gw.client.post(
            "/sms/v2/std/send_single",
            json={"userid": "J10003"},
            timeout=aiohttp.ClientTimeout(total=0.3),
        )
    assert gw.last().fault == "stall 30 s"


async def test_times_lets_a_rule_fire_then_step_aside(start: Start) -> None:
    gw = await start(scenario("  - respond: {result: -100056}\n    times: 2\n"))
    results = [
        (await gw.call("send_single", mobile="85292041234", content="hi"))["result"]
        for _ in range(3)
    ]
    assert results == [-100056, -100056, 0]


async def test_the_first_matching_rule_wins(start: Start) -> None:
    gw = await start(
        scenario(
            "  - when: {content: '^otp \\d+$'}\n    respond: {result: -100272}\n"
            "  - when: {custid: order-1}\n    respond: {result: -100004}\n"
            "  - when: {userid: J10003}\n    respond: {result: -100999}\n"
        )
    )
    otp = await gw.call("send_single", mobile="85292041234", content="otp 1234", custid="order-1")
    order = await gw.call("send_single", mobile="85292041234", content="hello", custid="order-1")
    other = await gw.call("send_single", mobile="85292041234", content="hello")
    assert [otp["result"], order["result"], other["result"]] == [-100272, -100004, -100999]


async def test_rules_run_before_authentication(start: Start) -> None:
    gw = await start(
        scenario("  - when: {mobile: '85292041234'}\n    respond: {result: -100999}\n")
    )
    answer = await gw.call("send_single", sign=False, mobile="85292041234", content="hi")
    assert answer["result"] == -100999


async def test_probability_draws_follow_the_seed(start: Start) -> None:
    text = scenario("  - when: {probability: 0.5}\n    respond: {result: -100999}\n")

    async def run() -> list[int]:
        gw = await start(text)
        return [
            (await gw.call("send_single", mobile="85292041234", content="hi"))["result"]
            for _ in range(20)
        ]

    first, second = await run(), await run()
    assert first == second
    assert 0 < first.count(-100999) < 20


async def test_strict_mode_can_tell_forced_answers_from_client_mistakes(start: Start) -> None:
    gw = await start(scenario("  - when: {nth: 1}\n    respond: {result: -100999}\n"))
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.call("send_single", mobile="85292041234", content="hi", pwd="wrong")
    forced, mistake = gw.gateway.requests
    assert (forced.client_error, mistake.client_error) == (False, True)


async def test_delayed_answers_do_not_hold_up_other_requests(start: Start) -> None:
    gw = await start("max_connections: 1000\nrules:\n  - fault: {delay: 3}\n")
    url = f"{gw.base_url}/sms/v2/std/send_single"

    async def send(session: aiohttp.ClientSession) -> int:
        body = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        async with session.post(url, json=body) as response:
            result: int = (await response.json())["result"]
            return result

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(send(session)) for _ in range(300)]
        while gw.gateway.requests.total < 300:  # all 300 arrive while the first still waits
            assert not any(t.done() for t in tasks)
            await asyncio.sleep(0.01)
        assert [await t for t in tasks] == [0] * 300


async def test_a_lost_get_rpt_answer_loses_its_reports_when_accepted(start: Start) -> None:
    gw = await start(
        scenario(
            "  - when: {endpoint: get_rpt}\n    fault: {drop_connection: true, accepted: true}\n"
            "    times: 1\n"
        )
    )
    await gw.call("send_single", mobile="85292041234", content="hi")
    gw.clock.advance(2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post_json(gw, "get_rpt")
    assert (await gw.call("get_rpt"))["rpts"] == []  # handed out once, as a real gateway would
    (report,) = gw.gateway.reports
    assert report.state == "fetched"
