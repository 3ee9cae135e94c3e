"""The MO push delivery guarantee under a chaos receiver, as a property: whatever a receiver
answers, in whatever order (success, HTTP 500, no answer in time, the wrong seqid, garbage), every
MO is delivered at least once, counted as pushed exactly once, under seqids given in order and
kept through every retry, and a batch that ran out of attempts is parked and re-drivable."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Harness, Receiver, Start

ANSWERS = st.lists(
    st.sampled_from(["ok", "ok", "500", "wrong seqid", "garbage", "timeout"]), max_size=10
)
TIMEOUT = 0.1
"""Seconds (wall) the receiver has to answer; a ``timeout`` answer comes after three times it."""
ROUNDS = 10
"""Re-drives at most: each round uses up at least one chaotic answer, and there are at most 10."""


class Chaos:
    """Answers pushes from a script, then acknowledges everything; notes what it said yes to."""

    def __init__(self, script: list[str]) -> None:
        self.script = list(script)
        self.acknowledged: list[dict[str, Any]] = []

    async def __call__(self, body: dict[str, Any], n: int) -> tuple[int, Any]:
        answer = self.script.pop(0) if self.script else "ok"
        seqid = body["seqid"]
        if answer == "500":
            return 500, {"cmd": "MO_RESP", "seqid": seqid, "result": 0}
        if answer == "wrong seqid":
            return 200, {"cmd": "MO_RESP", "seqid": seqid + 1000, "result": 0}
        if answer == "garbage":
            return 200, "\x00<html>not json"
        if answer == "timeout":
            await asyncio.sleep(3 * TIMEOUT)
        self.acknowledged.append(body)
        return 200, {"cmd": "MO_RESP", "seqid": seqid, "result": 0}


async def pushed_moves(gw: Harness) -> float:
    """How many times an MO moved into ``pushed``, by ``/metrics``."""
    text = await (await gw.client.get("/metrics")).text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "mockgateway_mos_total" and sample.labels == {"state": "pushed"}:
                return sample.value
    return 0.0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=ANSWERS, count=st.integers(1, 12), batch_size=st.integers(1, 5))
async def test_every_mo_is_delivered_and_counted_once_whatever_the_receiver_answers(
    start: Start, receiver: Receiver, script: list[str], count: int, batch_size: int
) -> None:
    gw = await start(  # MOs are pushed as status reports are, once given a URL
        "edition: domestic\nclock: virtual\nseed: 9\n"
        f"push: {{url: '{receiver.url}', batch_size: {batch_size}, timeout: {TIMEOUT}, "
        "retry: {attempts: 3, backoff: 1, max_backoff: 4}}\n"
    )
    chaos = Chaos(script)
    receiver.behaviour, receiver.received = chaos, []
    injected = []
    for n in range(count):
        mo = {"userid": "J10003", "mobile": "8613800138000", "content": f"m{n}"}
        injected.append((await (await gw.client.post("/_mock/mo", json=mo)).json())["msgid"])
    url = {"url": receiver.url}
    assert (await gw.client.put("/_mock/accounts/J10003/mo_push", json=url)).status == 200

    redriven = 0
    for _ in range(ROUNDS):
        await gw.client.post("/_mock/clock/advance", json={"seconds": 600})
        if not (await (await gw.client.get("/_mock/mos?state=undelivered")).json())["count"]:
            break
        redriven += (await (await gw.client.post("/_mock/pushes/retry?kind=mo")).json())["redriven"]
    mos = (await (await gw.client.get("/_mock/mos")).json())["items"]
    assert [m["state"] for m in mos] == ["pushed"] * count

    delivered = {mo["msgid"] for body in chaos.acknowledged for mo in body["mos"]}
    assert delivered == set(injected)  # at least once
    assert await pushed_moves(gw) == count  # counted once
    waited = await gw.client.get("/_mock/wait", params={"mo_pushed": str(count), "timeout": "0"})
    assert (await waited.json())["seen"] == count

    by_seqid: dict[int, list[int]] = {}
    for body in receiver.received:
        msgids = [mo["msgid"] for mo in body["mos"]]
        assert by_seqid.setdefault(body["seqid"], msgids) == msgids  # same seqid, same MOs
    in_seqid_order = [m for seqid in sorted(by_seqid) for m in by_seqid[seqid]]
    assert in_seqid_order == injected  # seqids follow the order the MOs arrived
    assert all(len(msgids) <= batch_size for msgids in by_seqid.values())
    for item in mos:
        assert item["msgid"] in by_seqid[item["seqid"]]  # under the seqid acknowledged

    attempts = (await (await gw.client.get("/_mock/pushes?kind=mo")).json())["items"]
    parked = {p["seqid"] for p in attempts if p["parked"]}
    first_acks = list(dict.fromkeys(body["seqid"] for body in chaos.acknowledged))
    never_parked = [seqid for seqid in first_acks if seqid not in parked]
    assert never_parked == sorted(never_parked)  # later batches waited behind earlier ones
    assert redriven >= len(parked)  # every parked batch was re-driven, some more than once
