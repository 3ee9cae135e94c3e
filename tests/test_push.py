"""Pushing status reports to a real receiver on 127.0.0.1: batches, seqids, acknowledgement,
retries with backoff, parking, re-driving, and nothing lost. Time moves only by the virtual
clock (``POST /_mock/clock/advance`` returns once the pushes it released were attempted)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mockgateway.protocol.auth import md5_pwd
from tests.conftest import Behaviour, Harness, Receiver, Start, ack

PUSH = """
clock: virtual
seed: 3
reports: {{delay: 1}}
accounts:
  - userid: J10003
    password: "111111"
    push:
      url: {url}
      timeout: {timeout}
      retry: {{attempts: {attempts}, backoff: 1, max_backoff: 60, jitter: 0.1}}
      {extra}
"""


async def pushing(
    start: Start, receiver: Receiver, *, attempts: int = 5, timeout: float = 2, extra: str = ""
) -> Harness:
    text = PUSH.format(url=receiver.url, attempts=attempts, timeout=timeout, extra=extra)
    return await start(text)


async def advance(gw: Harness, seconds: float) -> None:
    response = await gw.client.post("/_mock/clock/advance", json={"seconds": seconds})
    assert response.status == 200


async def control(gw: Harness, path: str, **params: str) -> dict[str, Any]:
    response = await gw.client.get(path, params=params)
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


def held_ack() -> tuple[asyncio.Event, asyncio.Event, Behaviour]:
    """A receiver's behaviour that acknowledges once released: ``entered`` is set while a push
    is held in flight, ``release`` lets it go."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_ack(body: dict[str, Any], n: int) -> tuple[int, Any]:
        entered.set()
        await release.wait()
        return ack(body, n)

    return entered, release, slow_ack


def numbers(count: int, start: int = 0) -> str:
    return ",".join(f"85292{n:06d}" for n in range(start, start + count))


async def test_1200_reports_go_in_batches_of_500_with_seqids_and_a_verifiable_pwd(
    start: Start, receiver: Receiver
) -> None:
    gw = await pushing(start, receiver)
    sent = []
    for first in (0, 1000):
        answer = await gw.call(
            "send_batch", mobile=numbers(1000 if first == 0 else 200, first), content="hi"
        )
        sent += [m["msgid"] for m in answer["messages"]]
    await advance(gw, 2)
    assert [len(b["rpts"]) for b in receiver.received] == [500, 500, 200]
    assert [b["seqid"] for b in receiver.received] == [1, 2, 3]
    assert receiver.acknowledged_msgids() == sent  # each once, in the order they fell due
    for body in receiver.received:
        assert list(body) == ["userid", "pwd", "timestamp", "cmd", "seqid", "rpts"]
        assert body["cmd"] == "RPT_REQ" and body["userid"] == "J10003"
        assert body["pwd"] == md5_pwd("J10003", "111111", body["timestamp"])
    rpt = receiver.received[0]["rpts"][0]
    assert list(rpt) == [
        "msgid", "custid", "pknum", "pktotal", "mobile", "countrycode", "spno", "exno",
        "stime", "rtime", "status", "errcode", "errdesc", "exdata",
    ]  # fmt: skip
    pushed = await control(gw, "/_mock/reports", state="pushed")
    assert pushed["count"] == 1200
    assert {r["seqid"] for r in pushed["items"]} == {1, 2, 3}


async def test_nothing_is_pushed_before_it_is_due(start: Start, receiver: Receiver) -> None:
    gw = await pushing(start, receiver)
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 0.5)
    assert receiver.received == []
    await advance(gw, 0.6)
    assert len(receiver.received) == 1


async def test_a_receiver_down_for_its_first_attempts_gets_everything_once(
    start: Start, receiver: Receiver
) -> None:
    receiver.behaviour = lambda body, n: (503, "down for a deploy") if n <= 3 else ack(body, n)
    gw = await pushing(start, receiver, attempts=6)
    await gw.call("send_batch", mobile=numbers(3), content="hi")
    await advance(gw, 600)
    assert [b["seqid"] for b in receiver.received] == [1, 1, 1, 1]  # the same seqid each time
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [p["outcome"].split(":")[0] for p in pushes] == ["failed"] * 3 + ["acknowledged"]
    assert pushes[0]["http_status"] == 503 and pushes[0]["answer"] == "down for a deploy"
    waits = [p["next_retry_at"] - p["at"] for p in pushes[:3]]
    assert waits[0] < waits[1] < waits[2]  # backoff grows: about 1, 2, 4 s
    reports = (await control(gw, "/_mock/reports"))["items"]
    assert [r["state"] for r in reports] == ["pushed"] * 3


async def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return f"http://127.0.0.1:{port}/rpt"


async def never_answers(body: dict[str, Any], n: int) -> tuple[int, Any]:
    await asyncio.sleep(30)
    return ack(body, n)


FAILURES: dict[str, tuple[Behaviour | None, str]] = {
    "refused": (None, "cannot connect"),
    "timeout": (never_answers, "no answer within the timeout (0.2 s)"),
    "non-200": (
        lambda b, n: (500, {"cmd": "RPT_RESP", "seqid": b["seqid"], "result": 0}),
        "HTTP 500",
    ),
    "wrong cmd": (
        lambda b, n: (200, {"cmd": "MO_RESP", "seqid": b["seqid"], "result": 0}),
        "cmd is 'MO_RESP'",
    ),
    "wrong seqid": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": 99, "result": 0}),
        "seqid 99 answers another push",
    ),
    "seqid as text": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": "1", "result": 0}),
        "seqid is the string '1': send the integer 1",
    ),
    "result as text": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": b["seqid"], "result": "0"}),
        "result is the string '0': send the integer 0",
    ),
    "seqId": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqId": b["seqid"], "result": 0}),
        "the answer spells 'seqId'; the manual's keys are lowercase cmd, seqid, result",
    ),
    "Cmd and Result": (
        lambda b, n: (200, {"Cmd": "RPT_RESP", "seqid": b["seqid"], "Result": 0}),
        "the answer spells 'Cmd', 'Result'; the manual's keys are lowercase",
    ),
    "non-zero result": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": b["seqid"], "result": -100999}),
        "result -100999",
    ),
    "not JSON": (lambda b, n: (200, "OK"), "the answer is not JSON ('OK')"),
}


@pytest.mark.parametrize("kind", FAILURES)
async def test_each_failure_is_retried_with_the_same_seqid_and_never_counted_pushed(
    start: Start, receiver: Receiver, kind: str
) -> None:
    behaviour, reason = FAILURES[kind]
    if behaviour is not None:
        receiver.behaviour = behaviour
    # Only the timeout case needs a short one; elsewhere a GC pause of a loaded machine must
    # not turn the answer under test into "no answer within the timeout".
    gw = await pushing(start, receiver, attempts=2, timeout=0.2 if kind == "timeout" else 5)
    if behaviour is None:
        await gw.gateway.set_push("J10003", await refused_url())
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 1)
    await advance(gw, 5)
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [(p["seqid"], p["attempt"]) for p in pushes] == [(1, 1), (1, 2)]
    assert all(reason in p["outcome"] for p in pushes), pushes
    assert [p["parked"] for p in pushes] == [False, True]
    (report,) = (await control(gw, "/_mock/reports"))["items"]
    assert (report["state"], report["seqid"]) == ("undelivered", 1)


async def test_a_parked_batch_does_not_hold_up_later_ones_and_can_be_re_driven(
    start: Start, receiver: Receiver
) -> None:
    receiver.behaviour = lambda body, n: (500, "") if body["seqid"] == 1 else ack(body, n)
    gw = await pushing(start, receiver, attempts=2)
    await gw.call("send_single", mobile="85292041234", content="first")
    await advance(gw, 10)
    await gw.call("send_single", mobile="85292041235", content="second")
    await advance(gw, 10)
    assert [b["seqid"] for b in receiver.received] == [1, 1, 2]
    assert (await control(gw, "/_mock/reports", state="undelivered"))["count"] == 1
    receiver.behaviour = ack
    response = await gw.client.post("/_mock/pushes/retry")
    assert await response.json() == {"redriven": 1}
    await advance(gw, 0)
    assert [b["seqid"] for b in receiver.received] == [1, 1, 2, 1]  # re-driven, same seqid
    assert (await control(gw, "/_mock/reports", state="pushed"))["count"] == 2


async def test_later_batches_wait_behind_a_failing_one(start: Start, receiver: Receiver) -> None:
    receiver.behaviour = lambda body, n: (503, "") if n <= 2 else ack(body, n)
    gw = await pushing(start, receiver, extra="batch_size: 2")
    await gw.call("send_batch", mobile=numbers(4), content="hi")
    await advance(gw, 60)
    assert [b["seqid"] for b in receiver.received] == [1, 1, 1, 2]


async def test_get_rpt_returns_nothing_while_push_is_on(start: Start, receiver: Receiver) -> None:
    receiver.behaviour = lambda body, n: (503, "")
    gw = await pushing(start, receiver, attempts=100)
    await gw.call("send_batch", mobile=numbers(2), content="hi")
    await advance(gw, 2)
    answer = await gw.call("get_rpt")
    assert (answer["result"], answer["rpts"]) == (0, [])
    assert "get_rpt returns none" in gw.last().warnings[0]
    response = await gw.client.put("/_mock/accounts/J10003/push", json={"url": None})
    assert response.status == 200
    fetched = await gw.call("get_rpt")  # the batch being retried came back for get_rpt
    assert len(fetched["rpts"]) == 2
    assert (await control(gw, "/_mock/reports", state="fetched"))["count"] == 2


async def test_the_push_url_is_set_at_run_time(start: Start, receiver: Receiver) -> None:
    gw = await start("clock: virtual\n")
    await gw.call("send_single", mobile="85292041234", content="hi")
    response = await gw.client.put("/_mock/accounts/J10003/push", json={"url": receiver.url})
    assert await response.json() == {"userid": "J10003", "url": receiver.url}
    await advance(gw, 2)
    assert len(receiver.acknowledged_msgids()) == 1


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_mock/accounts/NOBODY/push", {"url": None}, 404),
        ("/_mock/accounts/J10003/push", {"link": "x"}, 400),
        ("/_mock/accounts/J10003/push", {"url": "ftp://x"}, 400),
    ],
)
async def test_bad_push_settings_are_refused(
    gw: Harness, path: str, body: dict[str, Any], status: int
) -> None:
    response = await gw.client.put(path, json=body)
    assert response.status == status
    assert "error" in await response.json()


async def test_chaos_duplicates_come_under_a_new_seqid(start: Start, receiver: Receiver) -> None:
    gw = await pushing(start, receiver, extra="chaos: {duplicate: 1.0}")
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 2)
    assert [b["seqid"] for b in receiver.received] == [1, 2]
    assert receiver.acknowledged_msgids() == [answer["msgid"]] * 2
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [p["duplicate"] for p in pushes] == [False, True]
    (report,) = (await control(gw, "/_mock/reports"))["items"]
    assert report["seqid"] == 1  # counted once, by the first push


async def test_chaos_reorders_batches(start: Start, receiver: Receiver) -> None:
    gw = await pushing(start, receiver, extra="batch_size: 2\n      chaos: {reorder: true}")
    answer = await gw.call("send_batch", mobile=numbers(4), content="hi")
    await advance(gw, 2)
    sent = [m["msgid"] for m in answer["messages"]]
    assert receiver.acknowledged_msgids() == [sent[3], sent[2], sent[1], sent[0]]


async def test_chaos_delay_holds_pushes_back(start: Start, receiver: Receiver) -> None:
    gw = await pushing(start, receiver, extra="chaos: {delay: 10}")
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 10)
    assert receiver.received == []
    await advance(gw, 1.5)
    assert len(receiver.received) == 1


async def test_linger_waits_for_a_fuller_batch(start: Start, receiver: Receiver) -> None:
    gw = await pushing(start, receiver, extra="linger: 5\n      batch_size: 3")
    await gw.call("send_batch", mobile=numbers(2), content="hi")
    await advance(gw, 2)
    assert receiver.received == []
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 1)
    assert [len(b["rpts"]) for b in receiver.received] == [3]
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 6)
    assert [len(b["rpts"]) for b in receiver.received] == [3, 1]


@pytest.mark.parametrize(("sequences", "seqid"), [("continue", 2), ("restart", 1)])
async def test_reset_stops_pushing_and_starts_afresh(
    start: Start, receiver: Receiver, sequences: str, seqid: int
) -> None:
    receiver.behaviour = lambda body, n: (503, "")
    gw = await pushing(start, receiver)
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 2)
    assert (await gw.client.post(f"/_mock/reset?sequences={sequences}")).status == 200
    before = len(receiver.received)
    receiver.behaviour = ack
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 2)
    assert [b["seqid"] for b in receiver.received[before:]] == [seqid]  # go on, or restart
    assert (await control(gw, "/_mock/pushes"))["count"] == 1
    await advance(gw, 600)
    assert len(receiver.received) == before + 1  # the old batch is not retried after reset


async def test_clearing_the_url_lets_the_attempt_in_flight_finish_first(
    start: Start, receiver: Receiver
) -> None:
    entered, release, receiver.behaviour = held_ack()
    gw = await pushing(start, receiver)
    await gw.call("send_batch", mobile=numbers(2), content="hi")
    advancing = asyncio.create_task(advance(gw, 1))
    await entered.wait()  # the push is in flight
    clearing = asyncio.create_task(gw.client.put("/_mock/accounts/J10003/push", json={"url": None}))
    await asyncio.sleep(0.05)
    assert not clearing.done()  # waits for the answer to the push in flight
    release.set()
    assert (await clearing).status == 200
    await advancing
    assert (await control(gw, "/_mock/reports", state="pushed"))["count"] == 2
    assert (await gw.call("get_rpt"))["rpts"] == []  # acknowledged: not handed out again


async def test_each_segment_of_a_long_message_is_pushed(start: Start, receiver: Receiver) -> None:
    gw = await pushing(start, receiver)
    answer = await gw.call("send_single", mobile="85292041234", content="a" * 200)
    await advance(gw, 1)
    rpts = receiver.received[0]["rpts"]
    assert [(r["msgid"], r["pknum"], r["pktotal"]) for r in rpts] == [
        (answer["msgid"], 1, 2),
        (answer["msgid"], 2, 2),
    ]


async def test_a_lingering_batch_goes_as_soon_as_it_is_full(
    start: Start, receiver: Receiver
) -> None:
    gw = await pushing(start, receiver, extra="linger: 5\n      batch_size: 3")
    began = gw.gateway.clock.now()
    await gw.call("send_batch", mobile=numbers(2), content="hi")  # due at +1
    await advance(gw, 2)
    await gw.call("send_single", mobile="85292041234", content="hi")  # due at +3: fills it
    await advance(gw, 10)  # one jump: the push must happen at +3, not at the linger's +6
    (attempt,) = (await control(gw, "/_mock/pushes"))["items"]
    assert (attempt["count"], round(attempt["at"] - began, 3)) == (3, 3.0)


async def test_a_re_driven_batch_is_pending_again_while_it_is_retried(
    start: Start, receiver: Receiver
) -> None:
    entered, release, slow_ack = held_ack()
    receiver.behaviour = lambda body, n: (500, "")
    gw = await pushing(start, receiver, attempts=1)
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 2)
    assert (await control(gw, "/_mock/reports", state="undelivered"))["count"] == 1
    receiver.behaviour = slow_ack
    assert await (await gw.client.post("/_mock/pushes/retry")).json() == {"redriven": 1}
    await entered.wait()  # the re-driven batch is in flight
    assert (await control(gw, "/_mock/reports", state="pending"))["count"] == 1
    assert (await control(gw, "/_mock/reports", state="undelivered"))["count"] == 0
    release.set()
    await advance(gw, 0)
    (report,) = (await control(gw, "/_mock/reports"))["items"]
    assert (report["state"], report["seqid"]) == ("pushed", 1)


async def test_a_failing_duplicate_leaves_its_reports_pushed(
    start: Start, receiver: Receiver
) -> None:
    receiver.behaviour = lambda body, n: ack(body, n) if body["seqid"] == 1 else (500, "")
    gw = await pushing(start, receiver, attempts=1, extra="chaos: {duplicate: 1.0}")
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 2)
    assert [b["seqid"] for b in receiver.received] == [1, 2]
    (report,) = (await control(gw, "/_mock/reports"))["items"]
    assert (report["state"], report["seqid"]) == ("pushed", 1)
    assert await (await gw.client.post("/_mock/pushes/retry")).json() == {"redriven": 0}


async def test_clearing_the_url_sends_parked_reports_to_get_rpt_once(
    start: Start, receiver: Receiver
) -> None:
    receiver.behaviour = lambda body, n: (500, "")
    gw = await pushing(start, receiver, attempts=1)
    await gw.call("send_single", mobile="85292041234", content="hi")
    await advance(gw, 2)
    assert (await control(gw, "/_mock/reports", state="undelivered"))["count"] == 1
    cleared = await gw.client.put("/_mock/accounts/J10003/push", json={"url": None})
    assert cleared.status == 200
    assert await (await gw.client.post("/_mock/pushes/retry")).json() == {"redriven": 0}
    assert [r["mobile"] for r in (await gw.call("get_rpt"))["rpts"]] == ["85292041234"]
    assert (await gw.call("get_rpt"))["rpts"] == []
    assert gw.gateway.pending_reports() == 0
