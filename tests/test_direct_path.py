"""The API is answered straight from the server (``app.make_runner``), without route resolution
or middlewares: the same answers as the routed app gives, the same journal, the same limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from mockgateway.client import credentials, parse_answer
from mockgateway.domain.gateway import Gateway
from mockgateway.http.app import GatewayRunner, create_app
from mockgateway.scenario import Scenario
from tests.conftest import Harness


async def test_the_runner_is_the_direct_one(gw: Harness) -> None:
    server = gw.client.server
    assert isinstance(server.runner, GatewayRunner)


async def test_the_direct_and_the_routed_paths_answer_alike(aiohttp_client: Any) -> None:
    """Two gateways of one seed, one served by aiohttp's own runner (routed), one by
    mockgateway's: every answer and journal entry the same."""
    routed = await aiohttp_client(TestServer(create_app(Gateway(Scenario(seed=3)))))
    from tests.conftest import GatewayServer

    direct = await aiohttp_client(GatewayServer(create_app(Gateway(Scenario(seed=3)))))
    assert not isinstance(routed.server.runner, GatewayRunner)
    bodies = [
        {"mobile": "85292041234", "content": "hi"},
        {"mobile": "85292041234", "content": "hi", "pwd": "wrong"},
        {"mobile": "1", "content": "hi"},
    ]
    for path in ("send_single", "batch_send", "get_rpt", "get_balance", "nowhere"):
        for body in bodies:
            sent = {**credentials("J10003", "111111"), **body}
            answers = [await _post(client, path, sent) for client in (routed, direct)]
            assert answers[0] == answers[1], (path, body)
    journals = [
        [(r["endpoint"], r["result"], r["diagnosis"]) for r in await _requests(c)]
        for c in (routed, direct)
    ]
    assert journals[0] == journals[1] and len(journals[0]) == 15


async def _post(client: TestClient[Any, Any], path: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"/sms/v2/std/{path}", json=body)
    data = await response.read()
    answer = parse_answer(data) if response.status == 200 else json.loads(data)
    if isinstance(answer, dict):
        answer.pop("msgid", None)
        answer.pop("custid", None)
    return response.status, answer


async def _requests(client: TestClient[Any, Any]) -> list[dict[str, Any]]:
    listing: dict[str, Any] = await (await client.get("/_mock/requests")).json()
    items: list[dict[str, Any]] = listing["items"]
    return items


async def test_a_client_that_expects_100_continue_gets_it(gw: Harness) -> None:
    """curl sends ``Expect: 100-continue`` before a body of over a kilobyte: the routed app
    answers it, then the request."""
    body = json.dumps(
        {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "x" * 1500}
    ).encode()
    host, port = gw.client.server.host, gw.client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /sms/v2/std/send_single HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    await writer.drain()
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert interim.startswith(b"HTTP/1.1 100 Continue")
    writer.write(body)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 200")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    answer = json.loads(await reader.readexactly(length))
    writer.close()
    assert answer["result"] == -100011  # 1500 characters: the body was read and judged
