"""The /_mock/ control API: journal, reset, scenario, clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import Harness, Start


async def get(gw: Harness, path: str, **params: str) -> dict[str, Any]:
    response = await gw.client.get(path, params=params)
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def test_health(gw: Harness) -> None:
    assert await get(gw, "/_mock/health") == {
        "status": "ok",
        "scenario": "default",
        "seed": 7,
        "clock": "virtual",
    }


async def test_messages_with_filters_and_msgid_strings(gw: Harness) -> None:
    await gw.call("send_batch", mobile="85292041234,8613800138000", content="hi", custid="a")
    await gw.call("send_single", mobile="+85292041234", content="%e4%bd%a0%e5%a5%bd", custid="b")
    all_ = await get(gw, "/_mock/messages")
    assert all_["count"] == 3 and all_["dropped"] == 0
    first = all_["items"][0]
    assert first["msgid_str"] == str(first["msgid"])
    assert (first["content"], first["segments"], first["reports"]) == ("hi", 1, "pending")
    by_number = await get(gw, "/_mock/messages", mobile="0085292041234")
    assert [m["custid"] for m in by_number["items"]] == ["a", "b"]
    assert by_number["items"][1]["content"] == "你好"
    by_custid = await get(gw, "/_mock/messages", custid="a")
    assert by_custid["count"] == 2
    assert (await get(gw, "/_mock/messages", userid="NOBODY"))["count"] == 0


async def test_requests_show_rejections_with_diagnosis(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.call("send_single", mobile="85292041234", content="hi", pwd="x")
    everything = await get(gw, "/_mock/requests")
    assert [r["result"] for r in everything["items"]] == [0, -100001]
    rejected = await get(gw, "/_mock/requests", accepted="false")
    (only,) = rejected["items"]
    assert "not 32 hex characters" in only["diagnosis"]
    assert only["fields"]["pwd"] == "x"
    by_number = await get(gw, "/_mock/requests", mobile="+85292041234")
    assert [r["result"] for r in by_number["items"]] == [0, -100001]  # rejected ones too


async def test_reports_show_how_each_left(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    assert [r["state"] for r in (await get(gw, "/_mock/reports"))["items"]] == ["pending"]
    gw.clock.advance(2)
    await gw.call("get_rpt")
    (report,) = (await get(gw, "/_mock/reports"))["items"]
    assert (report["state"], report["errcode"]) == ("fetched", "DELIVRD")
    messages = await get(gw, "/_mock/messages")
    assert messages["items"][0]["reports"] == "fetched"


async def test_reset_empties_the_journal_and_keeps_msgids_unique(start: Start) -> None:
    gw = await start("seed: 5\nclock: virtual\n")
    first = await gw.call("send_single", mobile="85292041234", content="hi")
    response = await gw.client.post("/_mock/reset")
    assert response.status == 200
    assert (await response.json())["sequences"] == "continue"
    assert (await get(gw, "/_mock/messages"))["count"] == 0
    assert (await get(gw, "/_mock/requests"))["count"] == 0
    again = await gw.call("send_single", mobile="85292041234", content="hi")
    assert again["msgid"] > first["msgid"]
    gw.clock.advance(2)
    assert len((await gw.call("get_rpt"))["rpts"]) == 1, "only the report sent after the reset"


async def test_reset_with_sequences_restart_replays_msgids(start: Start) -> None:
    gw = await start("seed: 5\nclock: virtual\n")
    first = await gw.call("send_single", mobile="85292041234", content="hi")
    response = await gw.client.post("/_mock/reset", params={"sequences": "restart"})
    assert response.status == 200
    again = await gw.call("send_single", mobile="85292041234", content="hi")
    assert again["msgid"] == first["msgid"]
    bad = await gw.client.post("/_mock/reset", params={"sequences": "rewind"})
    assert bad.status == 400
    assert "sequences must be continue or restart" in (await bad.json())["error"]


async def test_reset_clears_lockouts(start: Start) -> None:
    gw = await start("auth: {lockout_after: 1}\n")
    await gw.call("send_single", mobile="85292041234", content="hi", pwd="x")
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == -100002
    await gw.client.post("/_mock/reset")
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == 0


async def test_put_scenario_replaces_it_or_reports_problems(gw: Harness) -> None:
    bad = await gw.client.put("/_mock/scenario", data="clock: sometimes\nreport: {}\n")
    assert bad.status == 400
    problems = (await bad.json())["problems"]
    assert any("clock: must be one of real, virtual" in p for p in problems)
    assert any("unknown key 'report'" in p and "did you mean 'reports'" in p for p in problems)
    assert (await get(gw, "/_mock/health"))["scenario"] == "default"
    good = await gw.client.put(
        "/_mock/scenario",
        data="name: two\naccounts: [{userid: K20001, password: pw}]\n",
    )
    assert good.status == 200
    assert (await get(gw, "/_mock/health"))["scenario"] == "two"
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == -100001


async def test_clock_advance(gw: Harness) -> None:
    before = gw.clock.now()
    response = await gw.client.post("/_mock/clock/advance", json={"seconds": 30})
    assert response.status == 200
    assert (await response.json())["now"] == before + 30
    bad = await gw.client.post("/_mock/clock/advance", json={"seconds": -1})
    assert bad.status == 400


async def test_clock_advance_refused_on_a_real_clock(start: Start) -> None:
    gw = await start("clock: real\n")
    response = await gw.client.post("/_mock/clock/advance", json={"seconds": 1})
    assert response.status == 409
    assert "clock: virtual" in (await response.json())["error"]


async def test_journal_is_bounded_and_counts_what_it_dropped(start: Start) -> None:
    gw = await start("journal: {limit: 3}\n")
    for _ in range(5):
        await gw.call("send_single", mobile="85292041234", content="hi")
    body = await get(gw, "/_mock/messages")
    assert (body["count"], body["dropped"]) == (3, 2)
    assert (await get(gw, "/_mock/requests"))["dropped"] == 2


async def test_wait_answers_as_soon_as_the_count_is_reached(gw: Harness) -> None:
    waiting = asyncio.create_task(
        gw.client.get("/_mock/wait", params={"messages": "2", "mobile": "+85292041234"})
    )
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.call("send_single", mobile="85292041235", content="hi")  # filtered out
    assert not waiting.done()
    await gw.call("send_single", mobile="0085292041234", content="hi")
    response = await asyncio.wait_for(waiting, timeout=10)
    assert response.status == 200
    assert await response.json() == {"kind": "messages", "wanted": 2, "seen": 2}


async def test_wait_times_out_with_408_and_what_it_saw(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    response = await gw.client.get("/_mock/wait", params={"requests": "3", "timeout": "0.1"})
    assert response.status == 408
    body = await response.json()
    assert (body["seen"], body["wanted"]) == (1, 3)
    assert "timed out after 0.1 s waiting for requests=3" in body["error"]


async def test_wait_for_reports_follows_the_virtual_clock(gw: Harness) -> None:
    await gw.call("send_batch", mobile="85292041234,85292041235", content="hi")
    now = await gw.client.get("/_mock/wait", params={"reports": "2", "timeout": "0"})
    assert (now.status, (await now.json())["seen"]) == (408, 0), "not due before time moves"
    waiting = asyncio.create_task(gw.client.get("/_mock/wait", params={"reports": "2"}))
    deadline = asyncio.get_running_loop().time() + 10
    while gw.gateway.waiters.open_waiters() == 0:  # the long-poll is registered and waiting
        assert asyncio.get_running_loop().time() < deadline, "the wait never registered"
        await asyncio.sleep(0.01)
    assert not waiting.done()
    response = await gw.client.post("/_mock/clock/advance", json={"seconds": 1})
    assert response.status == 200
    woken = await asyncio.wait_for(waiting, timeout=10)
    assert (woken.status, (await woken.json())["seen"]) == (200, 2)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"messages": "1", "reports": "1"},
        {"messages": "many"},
        {"requests": "1", "accepted": "x"},
    ],
)
async def test_wait_refuses_unclear_questions(gw: Harness, params: dict[str, str]) -> None:
    response = await gw.client.get("/_mock/wait", params=params)
    assert response.status == 400
    assert "error" in await response.json()


async def test_nothing_falls_due_before_the_clock_is_advanced(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    assert (await gw.call("get_rpt"))["rpts"] == []
    response = await gw.client.post("/_mock/clock/advance", json={"seconds": 1})
    assert response.status == 200
    (rpt,) = (await gw.call("get_rpt"))["rpts"]
    assert rpt["rtime"] > rpt["stime"] or rpt["rtime"] == rpt["stime"]
    assert (await get(gw, "/_mock/reports", state="fetched"))["count"] == 1


async def test_bad_filters_are_400_not_500(gw: Harness) -> None:
    for path, params in [
        ("/_mock/messages", {"since": "yesterday"}),
        ("/_mock/reports", {"state": "lost"}),
        ("/_mock/requests", {"accepted": "maybe"}),
    ]:
        response = await gw.client.get(path, params=params)
        assert response.status == 400, path


async def test_a_replaced_scenario_reports_its_warnings_and_takes_effect(gw: Harness) -> None:
    text = "name: odd\nclock: virtual\nrules:\n  - respond: {result: -7}\n"
    response = await gw.client.put("/_mock/scenario", data=text)
    assert response.status == 200
    body = await response.json()
    assert body["scenario"] == "odd"
    assert body["warnings"] == [
        "request body:4: rules.0.respond.result: -7 is in neither the V5.13 nor the V5.7.2 "
        "error table"
    ]
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    assert answer["result"] == -7


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/_mock/scenario", b"name: \xff\xfe\n"),
        ("POST", "/_mock/clock/advance", b'{"seconds": "inf"}'),
        ("POST", "/_mock/clock/advance", b'{"seconds": 1e300}'),
        ("POST", "/_mock/clock/advance", b"[1]"),
        ("PUT", "/_mock/accounts/J10003/push", b"\xff"),
        ("POST", "/_mock/pushes/retry?userid=NOBODY", b""),
    ],
)
async def test_bad_control_requests_get_4xx_with_a_reason(
    gw: Harness, method: str, path: str, body: bytes
) -> None:
    response = await gw.client.request(method, path, data=body)
    assert 400 <= response.status < 500
    assert (await response.json())["error"]
