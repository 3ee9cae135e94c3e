"""Per-account settings: IP allow-list, connection limit, and overrides of the defaults."""

from __future__ import annotations

import asyncio

from mockgateway.client import credentials
from tests.conftest import Start


async def test_an_address_outside_the_allow_list_is_refused(start: Start) -> None:
    gw = await start(
        "accounts:\n"
        "  - {userid: J10003, password: '111111', allowed_ips: [10.0.0.0/8, '192.0.2.7']}\n"
        "  - {userid: K20001, password: secret, allowed_ips: [127.0.0.1]}\n"
    )
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    assert answer["result"] == -100057
    diagnosis = gw.last().diagnosis or ""
    assert "request from 127.0.0.1" in diagnosis and "10.0.0.0/8, 192.0.2.7/32" in diagnosis
    allowed = await gw.call(
        "send_single",
        sign=False,
        **credentials("K20001", "secret"),
        mobile="85292041234",
        content="hi",
    )
    assert allowed["result"] == 0


async def test_requests_past_the_connection_limit_get_100056(start: Start) -> None:
    gw = await start(
        "max_connections: 2\nrules:\n  - when: {content: slow}\n    fault: {delay: 1}\n"
    )
    slow = [
        asyncio.create_task(gw.call("send_single", mobile="85292041234", content="slow"))
        for _ in range(2)
    ]
    while gw.gateway.requests.total < 2:  # both are in, holding their slots
        await asyncio.sleep(0.01)
    third = await gw.call("send_single", mobile="85292041234", content="fast")
    assert third["result"] == -100056
    assert "already has 2 requests in flight; its limit is 2" in (gw.last().diagnosis or "")
    assert [(await t)["result"] for t in slow] == [0, 0]
    after = await gw.call("send_single", mobile="85292041234", content="fast")
    assert after["result"] == 0  # the slots were freed


async def test_each_account_overrides_the_defaults(start: Start) -> None:
    gw = await start(
        "clock: virtual\ngbk: false\nauth: {lockout_after: 1, lockout_seconds: 10}\n"
        "accounts:\n"
        "  - {userid: J10003, password: '111111'}\n"
        "  - {userid: K20001, password: secret, gbk: true, auth: {lockout_after: 3}}\n"
    )
    gbk = "%c4%e3%ba%c3"  # 你好 in GBK
    j = await gw.call("send_single", mobile="85292041234", content=gbk)
    k = await gw.call(
        "send_single",
        sign=False,
        **credentials("K20001", "secret"),
        mobile="85292041234",
        content=gbk,
    )
    assert (j["result"], k["result"]) == (-100092, 0)
    await gw.call("get_rpt", pwd="bad")
    assert (await gw.call("get_rpt"))["result"] == -100002  # J10003 locks after one failure
    for _ in range(2):
        await gw.call("get_rpt", sign=False, userid="K20001", pwd="bad", timestamp="0101000000")
    ok = await gw.call("get_rpt", sign=False, **credentials("K20001", "secret"))
    assert ok["result"] == 0  # K20001 allows three
