"""Pushing inbound messages (``MO_REQ``) to a real receiver on 127.0.0.1: at most 100 a request,
their own seqids, acknowledgement by ``MO_RESP``, retries with the same seqid, parking and
re-driving, a URL at run time. Time moves only by the virtual clock."""

from __future__ import annotations

from typing import Any

import pytest

from mockgateway.protocol.auth import md5_pwd
from mockgateway.protocol.errors import url_encode
from tests.conftest import Harness, Receiver, Start, ack
from tests.test_push import advance, control

MO_PUSH = """
edition: domestic
clock: virtual
seed: 3
{rules}
accounts:
  - userid: J10003
    password: "111111"
    push:
      mo_url: {url}
      timeout: 2
      linger: {linger}
      retry: {{attempts: {attempts}, backoff: 1, max_backoff: 60, jitter: 0.1}}
      {extra}
"""


def mo_ack(body: dict[str, Any], _: int) -> tuple[int, Any]:
    return 200, {"cmd": "MO_RESP", "seqid": body["seqid"], "result": 0}


async def mo_pushing(
    start: Start,
    receiver: Receiver,
    *,
    attempts: int = 5,
    extra: str = "",
    rules: str = "",
    linger: float = 1,
) -> Harness:
    """A domestic account pushing its MOs to ``receiver``; a batch waits a virtual second to
    fill (``linger``), so MOs injected one by one go together."""
    receiver.behaviour = mo_ack
    text = MO_PUSH.format(
        url=receiver.url, attempts=attempts, extra=extra, rules=rules, linger=linger
    )
    return await start(text)


async def inject(gw: Harness, count: int, **body: Any) -> list[int]:
    """``count`` MOs from one number, ``m0``, ``m1``...; their msgids."""
    msgids = []
    for n in range(count):
        fields = {"userid": "J10003", "mobile": "8613800138000", "content": f"m{n}", **body}
        response = await gw.client.post("/_mock/mo", json=fields)
        assert response.status == 200, await response.text()
        msgids.append((await response.json())["msgid"])
    return msgids


def pushed_contents(receiver: Receiver) -> list[str]:
    return [mo["content"] for body in receiver.received for mo in body["mos"]]


async def test_250_mos_go_as_100_100_50_with_seqids_in_order(
    start: Start, receiver: Receiver
) -> None:
    replies = "rules:\n  - when: {}\n    reply: {content: TD, delay: 1}\n"
    gw = await mo_pushing(start, receiver, rules=replies, linger=0)
    numbers = [f"86138001{n:05d}" for n in range(250)]
    await gw.call("send_batch", mobile=",".join(numbers), content="Reply TD to stop", exno="0006")
    await advance(gw, 1)  # 250 handsets answer at the same moment
    assert [len(b["mos"]) for b in receiver.received] == [100, 100, 50]
    assert [b["seqid"] for b in receiver.received] == [1, 2, 3]
    pushed = [mo for body in receiver.received for mo in body["mos"]]
    assert [mo["mobile"] for mo in pushed] == numbers  # in the order they arrived
    assert len({mo["msgid"] for mo in pushed}) == 250
    for body in receiver.received:
        assert list(body) == ["userid", "pwd", "timestamp", "cmd", "seqid", "mos"]
        assert body["cmd"] == "MO_REQ" and body["userid"] == "J10003"
        assert body["pwd"] == md5_pwd("J10003", "111111", body["timestamp"])
    mo = pushed[0]
    assert list(mo) == [
        "msgid", "mobile", "countrycode", "pknum", "pktotal", "spno", "exno", "rtime", "content",
    ]  # fmt: skip
    assert (mo["spno"], mo["exno"], mo["countrycode"], mo["content"]) == (
        "1000457890006",
        "0006",
        86,
        "TD",
    )
    items = (await control(gw, "/_mock/mos", state="pushed"))["items"]
    assert len(items) == 250 and {m["seqid"] for m in items} == {1, 2, 3}
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert {p["kind"] for p in pushes} == {"mo"}
    assert (await control(gw, "/_mock/wait", mo_pushed="250", timeout="0"))["seen"] == 250


async def test_content_is_pushed_url_encoded_and_a_long_mo_in_segments(
    start: Start, receiver: Receiver
) -> None:
    gw = await mo_pushing(start, receiver)
    text = "好" * 71
    response = await gw.client.post(
        "/_mock/mo", json={"userid": "J10003", "mobile": "8613800138000", "content": text}
    )
    msgid = (await response.json())["msgid"]
    await advance(gw, 1)
    mos = receiver.received[0]["mos"]
    assert [(m["msgid"], m["pknum"], m["pktotal"]) for m in mos] == [(msgid, 1, 2), (msgid, 2, 2)]
    assert "".join(m["content"] for m in mos) == url_encode(text)


async def test_mo_push_has_its_own_seqids_beside_report_push(
    start: Start, receiver: Receiver
) -> None:
    def answer(body: dict[str, Any], n: int) -> tuple[int, Any]:
        return mo_ack(body, n) if body["cmd"] == "MO_REQ" else ack(body, n)

    gw = await start(
        "edition: domestic\nclock: virtual\nreports: {delay: 1}\n"
        f"push: {{url: '{receiver.url}', mo_url: '{receiver.url}'}}\n"
    )
    receiver.behaviour = answer
    await gw.call("send_single", mobile="8613800138000", content="hi")
    await inject(gw, 1)
    await advance(gw, 0)
    await gw.call("send_single", mobile="8613800138000", content="hi")
    await inject(gw, 1)
    await advance(gw, 2)
    seqids = [(b["cmd"], b["seqid"]) for b in receiver.received]
    assert sorted(seqids) == [("MO_REQ", 1), ("MO_REQ", 2), ("RPT_REQ", 1)]
    pushes = (await control(gw, "/_mock/pushes", kind="rpt"))["items"]
    assert [(p["kind"], p["seqid"], p["count"]) for p in pushes] == [("rpt", 1, 2)]


async def test_a_receiver_down_for_three_attempts_gets_every_mo_in_order_under_one_seqid(
    start: Start, receiver: Receiver
) -> None:
    gw = await mo_pushing(start, receiver, attempts=6)
    receiver.behaviour = lambda body, n: (503, "deploying") if n <= 3 else mo_ack(body, n)
    await inject(gw, 5)
    await advance(gw, 600)
    assert [b["seqid"] for b in receiver.received] == [1, 1, 1, 1]
    assert all(b["mos"] == receiver.received[0]["mos"] for b in receiver.received)
    assert pushed_contents(receiver)[-5:] == [f"m{n}" for n in range(5)]
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [p["outcome"].split(":")[0] for p in pushes] == ["failed"] * 3 + ["acknowledged"]
    assert pushes[0]["outcome"] == "failed: HTTP 503: only 200 acknowledges"
    assert [m["state"] for m in (await control(gw, "/_mock/mos"))["items"]] == ["pushed"] * 5


FAILURES: dict[str, tuple[Any, str]] = {
    "an RPT_RESP": (
        lambda b, n: (200, {"cmd": "RPT_RESP", "seqid": b["seqid"], "result": 0}),
        "cmd is 'RPT_RESP', not 'MO_RESP'",
    ),
    "wrong seqid": (
        lambda b, n: (200, {"cmd": "MO_RESP", "seqid": 77, "result": 0}),
        "seqid 77 answers another push: this one was seqid 1",
    ),
    "not JSON": (lambda b, n: (200, "OK"), 'send {"cmd":"MO_RESP","seqid":N,"result":0}'),
    "refused": (
        lambda b, n: (200, {"cmd": "MO_RESP", "seqid": b["seqid"], "result": 100999}),
        "result 100999: the receiver refused the batch",
    ),
}


@pytest.mark.parametrize("kind", FAILURES)
async def test_each_failure_is_diagnosed_retried_parked_and_re_drivable(
    start: Start, receiver: Receiver, kind: str
) -> None:
    gw = await mo_pushing(start, receiver, attempts=2)
    receiver.behaviour, reason = FAILURES[kind]
    await inject(gw, 1)
    await advance(gw, 10)
    pushes = (await control(gw, "/_mock/pushes", kind="mo"))["items"]
    tried = [(p["seqid"], p["attempt"], p["parked"]) for p in pushes]
    assert tried == [(1, 1, False), (1, 2, True)]
    assert all(reason in p["outcome"] for p in pushes), pushes
    (mo,) = (await control(gw, "/_mock/mos", state="undelivered"))["items"]
    assert mo["seqid"] == 1
    receiver.behaviour = mo_ack
    assert (await (await gw.client.post("/_mock/pushes/retry?kind=rpt")).json())["redriven"] == 0
    assert (await (await gw.client.post("/_mock/pushes/retry?kind=mo")).json())["redriven"] == 1
    await advance(gw, 0)
    assert receiver.received[-1]["seqid"] == 1  # re-driven under its seqid
    (mo,) = (await control(gw, "/_mock/mos"))["items"]
    assert (mo["state"], mo["seqid"]) == ("pushed", 1)


async def test_a_parked_mo_batch_does_not_hold_up_later_ones(
    start: Start, receiver: Receiver
) -> None:
    gw = await mo_pushing(start, receiver, attempts=1)
    receiver.behaviour = lambda b, n: (500, "") if b["seqid"] == 1 else mo_ack(b, n)
    await inject(gw, 1)
    await advance(gw, 1)
    await inject(gw, 1)
    await advance(gw, 1)
    assert [b["seqid"] for b in receiver.received] == [1, 2]
    assert (await (await gw.client.post("/_mock/pushes/retry")).json())["redriven"] == 1
    receiver.behaviour = mo_ack
    await advance(gw, 0)
    assert [b["seqid"] for b in receiver.received] == [1, 2, 1]


async def test_batch_size_below_100_is_kept(start: Start, receiver: Receiver) -> None:
    gw = await mo_pushing(start, receiver, extra="batch_size: 2")
    await inject(gw, 5)
    await advance(gw, 1)
    assert [len(b["mos"]) for b in receiver.received] == [2, 2, 1]


async def test_get_mo_returns_none_while_mo_push_is_on(start: Start, receiver: Receiver) -> None:
    gw = await mo_pushing(start, receiver, attempts=50)
    receiver.behaviour = lambda b, n: (503, "")
    await inject(gw, 2)
    await advance(gw, 1)
    assert (await gw.call("get_mo"))["mos"] == []
    assert "get_mo returns none" in gw.last().warnings[0]
    cleared = await gw.client.put("/_mock/accounts/J10003/mo_push", json={"url": None})
    assert await cleared.json() == {"userid": "J10003", "mo_url": None}
    assert [m["content"] for m in (await gw.call("get_mo"))["mos"]] == ["m0", "m1"]
    assert (await control(gw, "/_mock/mos", state="fetched"))["count"] == 2


async def test_the_mo_push_url_is_set_at_run_time(start: Start, receiver: Receiver) -> None:
    gw = await start("edition: domestic\nclock: virtual\n")
    receiver.behaviour = mo_ack
    await inject(gw, 1)
    response = await gw.client.put("/_mock/accounts/J10003/mo_push", json={"url": receiver.url})
    assert await response.json() == {"userid": "J10003", "mo_url": receiver.url}
    await advance(gw, 0)
    assert pushed_contents(receiver) == ["m0"]
    assert await gw.call("get_rpt") == {"result": 0, "desc": "%e6%88%90%e5%8a%9f", "rpts": []}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_mock/accounts/NOBODY/mo_push", {"url": None}, 404),
        ("/_mock/accounts/J10003/mo_push", {"link": "x"}, 400),
        ("/_mock/accounts/J10003/mo_push", {"url": "ftp://x"}, 400),
        ("/_mock/accounts/INTL01/mo_push", {"url": "http://127.0.0.1:9/mo"}, 409),
    ],
)
async def test_bad_mo_push_settings_are_refused(
    start: Start, path: str, body: dict[str, Any], status: int
) -> None:
    gw = await start(
        "accounts:\n  - {userid: J10003, password: '1', edition: domestic}\n"
        "  - {userid: INTL01, password: '2'}\n"
    )
    response = await gw.client.put(path, json=body)
    assert response.status == status
    assert "error" in await response.json()


async def test_a_bad_push_kind_is_refused(start: Start) -> None:
    gw = await start("edition: domestic\n")
    assert (await gw.client.post("/_mock/pushes/retry?kind=sms")).status == 400
    assert (await gw.client.get("/_mock/pushes?kind=sms")).status == 400


async def test_an_account_with_only_an_mo_url_leaves_its_reports_to_get_rpt(
    start: Start, receiver: Receiver
) -> None:
    gw = await mo_pushing(start, receiver)
    await gw.call("send_single", mobile="8613800138000", content="hi")
    await inject(gw, 1)
    await advance(gw, 2)
    assert [b["cmd"] for b in receiver.received] == ["MO_REQ"]
    assert len((await gw.call("get_rpt"))["rpts"]) == 1


async def test_reset_keeps_the_mo_seqids_going_unless_restarted(
    start: Start, receiver: Receiver
) -> None:
    gw = await mo_pushing(start, receiver)
    await inject(gw, 1)
    await advance(gw, 1)
    await gw.client.post("/_mock/reset")
    await inject(gw, 1)
    await advance(gw, 1)
    await gw.client.post("/_mock/reset?sequences=restart")
    await inject(gw, 1)
    await advance(gw, 1)
    assert [b["seqid"] for b in receiver.received] == [1, 2, 1]


async def test_a_replaced_scenario_keeps_pending_mos_and_repoints_the_line(
    start: Start, receiver: Receiver
) -> None:
    gw = await start("edition: domestic\nclock: virtual\n")
    await inject(gw, 2)
    receiver.behaviour = mo_ack
    scenario = f"edition: domestic\nclock: virtual\npush: {{mo_url: '{receiver.url}'}}\n"
    assert (await gw.client.put("/_mock/scenario", data=scenario)).status == 200
    await advance(gw, 0)
    assert pushed_contents(receiver) == ["m0", "m1"]


async def test_a_new_mo_url_leaves_a_report_url_set_at_run_time_alone(
    start: Start, receiver: Receiver
) -> None:
    def answer(body: dict[str, Any], n: int) -> tuple[int, Any]:
        return mo_ack(body, n) if body["cmd"] == "MO_REQ" else ack(body, n)

    first = "edition: domestic\nclock: virtual\npush: {url: 'http://127.0.0.1:9/a', mo_url: '%s'}\n"
    gw = await start(first % "http://127.0.0.1:9/mo")
    receiver.behaviour = answer
    assert (await gw.client.put("/_mock/accounts/J10003/push", json={"url": receiver.url})).ok
    assert (await gw.client.put("/_mock/scenario", data=first % receiver.url)).status == 200
    await gw.call("send_single", mobile="8613800138000", content="hi")
    await inject(gw, 1)
    await advance(gw, 2)
    assert sorted(b["cmd"] for b in receiver.received) == ["MO_REQ", "RPT_REQ"]
