"""Two-way SMS end to end, with no sleep: a service sends an SMS, the handset replies (a scenario
rule, or the test injecting the MO), the service reacts. Once with MO push to the service's own
receiver, once with the service pulling get_mo, through the blocking harness a test suite holds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mockgateway.client import MontnetsClient
from mockgateway.harness import MockGateway, running_gateway
from tests.conftest import Start
from tests.test_inbox_report import send

CONVERSATION = """
edition: domestic
clock: virtual
seed: 4
rules:
  - when: {content: "Reply TD to unsubscribe"}
    reply: {content: "TD", delay: 5}
"""


@dataclass
class Service:
    """A service under test: it asks a customer to confirm, and unsubscribes whoever answers
    TD, telling them so. It hears MOs by push (``MO_REQ``) and acknowledges each."""

    gateway_url: str
    unsubscribed: list[str] = field(default_factory=list)

    async def ask(self, client: MontnetsClient, mobile: str) -> dict[str, Any]:
        return await client.send_single(mobile, "Reply TD to unsubscribe", exno="12")

    async def on_mo(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        async with MontnetsClient(self.gateway_url) as client:
            for mo in body["mos"]:
                if unquote(mo["content"]).strip().upper() == "TD":
                    self.unsubscribed.append(mo["mobile"])
                    await client.send_single(mo["mobile"], "You are unsubscribed.")
        return web.json_response({"cmd": "MO_RESP", "seqid": body["seqid"], "result": 0})


@pytest.fixture
async def service_server() -> AsyncIterator[tuple[TestServer, list[Service]]]:
    holder: list[Service] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        return await holder[0].on_mo(request)

    app = web.Application()
    app.router.add_post("/mo", handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    yield server, holder
    await server.close()


async def test_send_the_handset_replies_by_push_and_the_service_reacts(
    start: Start, service_server: tuple[TestServer, list[Service]]
) -> None:
    gw = await start(CONVERSATION)
    server, holder = service_server
    service = Service(gw.base_url)
    holder.append(service)
    url = str(server.make_url("/mo"))
    assert (await gw.client.put("/_mock/accounts/J10003/mo_push", json={"url": url})).status == 200

    async with MontnetsClient(gw.base_url) as client:
        asked = await service.ask(client, "8613800138000")
    assert asked["result"] == 0
    # Five virtual seconds: the handset answers TD, the MO is pushed to the service, and the
    # advance returns once the push had its answer, the service's own SMS sent before it.
    assert (await gw.client.post("/_mock/clock/advance", json={"seconds": 5})).status == 200

    assert service.unsubscribed == ["8613800138000"]
    messages = [(m.mobile, m.content) for m in gw.gateway.messages]
    assert messages == [
        ("8613800138000", "Reply TD to unsubscribe"),
        ("8613800138000", "You are unsubscribed."),
    ]
    (mo,) = (await (await gw.client.get("/_mock/mos")).json())["items"]
    assert (mo["state"], mo["seqid"], mo["exno"]) == ("pushed", 1, "12")
    assert mo["origin"] == f"reply to {asked['msgid']} (rule 1 (line 6))"


def poll_and_react(gateway: MockGateway) -> list[str]:
    """The service's poller: get_mo until it returns nothing, answering each TD."""
    handled = []
    while mos := send(gateway.url, "get_mo")["mos"]:
        for mo in mos:
            if unquote(mo["content"]) == "TD":
                handled.append(mo["mobile"])
                send(gateway.url, mobile=mo["mobile"], content="You%20are%20unsubscribed.")
    return handled


def test_a_conversation_through_the_blocking_harness_and_get_mo() -> None:
    with running_gateway(CONVERSATION) as gateway:
        asked = send(gateway.url, mobile="8613800138000", content="Reply%20TD%20to%20unsubscribe")
        assert asked["result"] == 0
        gateway.advance(5)
        assert gateway.wait_for(mos=1, mobile="8613800138000") == 1
        assert poll_and_react(gateway) == ["8613800138000"]
        assert gateway.wait_for(messages=2) == 2
        assert gateway.messages()[-1]["content"] == "You are unsubscribed."
        assert [m["state"] for m in gateway.mos()] == ["fetched"]

        made = gateway.send_mo("+8613900139000", "td", exno="12")  # a customer writes first
        assert made["items"][0]["spno"] == "10004578912"
        assert poll_and_react(gateway) == []  # lower case: the service ignores it
        assert gateway.mos(mobile="8613900139000", state="fetched")[0]["text"] == "td"
        gateway.assert_no_rejections()


def test_the_harness_steers_mo_push_and_re_drives_parked_mos() -> None:
    scenario = (
        "edition: domestic\nclock: virtual\n"
        "push: {url: 'http://127.0.0.1:9/nowhere', retry: {attempts: 1}, timeout: 1}\n"
    )
    with running_gateway(scenario) as gateway:
        gateway.set_mo_push("http://127.0.0.1:9/nowhere")
        gateway.send_mo("8613800138000", "hello")
        gateway.advance(0)
        assert gateway.wait_for(mos=1, state="undelivered") == 1
        (attempt,) = gateway.pushes(kind="mo")
        assert attempt["parked"] and "cannot connect" in attempt["outcome"]
        gateway.set_mo_push(None)  # parked MOs go back to get_mo
        assert gateway.retry_pushes(kind="mo") == 0
        assert [unquote(m["content"]) for m in send(gateway.url, "get_mo")["mos"]] == ["hello"]
        with pytest.raises(RuntimeError, match=r"HTTP 404: .*no account 'NOBODY'"):
            gateway.send_mo("8613800138000", "x", userid="NOBODY")


async def test_send_mo_async_keeps_the_test_loop_running() -> None:
    with running_gateway("edition: domestic\n") as gateway:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        made = await gateway.send_mo_async("8613800138000", "hi")
        ticker.cancel()
        assert made["segments"] == 1 and ticks > 0
        assert await gateway.await_for(mos=1) == 1
