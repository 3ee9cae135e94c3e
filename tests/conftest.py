"""Shared fixtures: a gateway behind a real socket on 127.0.0.1, port chosen by the OS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_runner import BaseRunner

from mockgateway.client import BodyFormat, credentials, encode_body, form_fields, parse_answer
from mockgateway.domain.clock import VirtualClock
from mockgateway.domain.gateway import Gateway
from mockgateway.domain.records import RequestRecord
from mockgateway.endpoints import REGISTRY
from mockgateway.http.app import create_app, make_runner
from mockgateway.scenario import Scenario, load_text

# The manual's example content: "验证码：6666，打死都不要告诉别人哦！", URL-encoded UTF-8.
MANUAL_CONTENT = (
    "%e9%aa%8c%e8%af%81%e7%a0%81%ef%bc%9a6666%ef%bc%8c%e6%89%93%e6%ad%bb%e9%83%bd%e4%b8%8d"
    "%e8%a6%81%e5%91%8a%e8%af%89%e5%88%ab%e4%ba%ba%e5%93%a6%ef%bc%81"
)
MANUAL_TEXT = "验证码：6666，打死都不要告诉别人哦！"


@dataclass
class Harness:
    gateway: Gateway
    client: TestClient[Any, Any]

    @property
    def base_url(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    @property
    def clock(self) -> VirtualClock:
        assert isinstance(self.gateway.clock, VirtualClock)
        return self.gateway.clock

    async def raw(
        self, endpoint: str, body: bytes | str, content_type: str | None
    ) -> tuple[int, dict[str, Any], str]:
        """POST a body as is; return HTTP status, parsed answer and Content-Type."""
        headers = {} if content_type is None else {"Content-Type": content_type}
        data = body.encode() if isinstance(body, str) else body
        response = await self.client.post(
            f"/sms/v2/std/{endpoint}",
            data=data,
            headers=headers,
            skip_auto_headers=["Content-Type"] if content_type is None else [],
        )
        raw = await response.read()
        return response.status, parse_answer(raw), response.headers.get("Content-Type", "")

    async def call(
        self, endpoint: str, fmt: BodyFormat = "json", /, **fields: Any
    ) -> dict[str, Any]:
        """Send ``fields`` (signed with J10003/111111 unless ``sign=False`` is among them)."""
        sign = fields.pop("sign", True)
        signed = {**credentials("J10003", "111111"), **fields} if sign else fields
        if fmt == "get":
            params = form_fields(signed)
            response = await self.client.get(f"/sms/v2/std/{endpoint}", params=params)
            assert response.status == 200
            return parse_answer(await response.read())
        body, content_type = encode_body(fmt, signed, root=REGISTRY.request_root(endpoint))
        status, answer, _ = await self.raw(endpoint, body, content_type)
        assert status == 200
        return answer

    def last(self) -> RequestRecord:
        return list(self.gateway.requests)[-1]


class GatewayServer(TestServer):
    """aiohttp's test server on mockgateway's own runner (``app.make_runner``): the tests reach
    the API the way ``mockgateway serve`` serves it, straight from the server."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return make_runner(self.app, **kwargs)


Start = Callable[..., Awaitable[Harness]]


@pytest.fixture
def start(aiohttp_client: Any) -> Start:
    """Start a gateway on a scenario (YAML text; default: the built-in one, virtual clock)."""

    async def start(scenario: str | None = None, **gateway_options: Any) -> Harness:
        chosen = load_text(scenario) if scenario else Scenario(clock="virtual", seed=7)
        gateway = Gateway(chosen, **gateway_options)
        client = await aiohttp_client(GatewayServer(create_app(gateway)))
        return Harness(gateway, client)

    return start


@pytest.fixture
async def gw(start: Start) -> Harness:
    return await start()


Behaviour = Callable[[dict[str, Any], int], Any]
"""(push body, 1-based count of pushes received) -> (status, body) or an awaitable of it."""


def ack(body: dict[str, Any], _: int) -> tuple[int, Any]:
    return 200, {"cmd": "RPT_RESP", "seqid": body["seqid"], "result": 0}


@dataclass
class Receiver:
    server: TestServer
    behaviour: Behaviour = ack
    received: list[dict[str, Any]] = field(default_factory=list)
    """Each push's body, read as JSON, form or XML by its Content-Type (``seqid`` an int)."""
    raw: list[tuple[str, bytes]] = field(default_factory=list)
    """Each push as it came: its Content-Type and bytes."""

    @property
    def url(self) -> str:
        return str(self.server.make_url("/rpt"))

    def acknowledged_msgids(self) -> list[int]:
        return [r["msgid"] for body in self.received for r in body["rpts"]]


def read_push(content_type: str, data: bytes) -> dict[str, Any]:
    """A push body as JSON would give it, whatever it came in (form: its list is JSON text;
    XML: ``<rptreq>`` with ``<rpts><rpt>`` items)."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        from urllib.parse import parse_qsl

        body: dict[str, Any] = dict(parse_qsl(data.decode("ascii"), keep_blank_values=True))
        body["seqid"] = int(body["seqid"])
        body["rpts"] = json.loads(body["rpts"])
        return body
    if content_type.startswith("application/xml"):
        body = parse_answer(data)
        body["seqid"] = int(body["seqid"])
        return body
    parsed: dict[str, Any] = json.loads(data)
    return parsed


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    holder: list[Receiver] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        me = holder[0]
        data = await request.read()
        me.raw.append((request.headers.get("Content-Type", ""), data))
        body = read_push(request.headers.get("Content-Type", ""), data)
        me.received.append(body)
        result = me.behaviour(body, len(me.received))
        if asyncio.iscoroutine(result):
            result = await result
        status, answer = result
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return web.Response(status=status, text=text)

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/rpt", handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    holder.append(Receiver(server))
    yield holder[0]
    await server.close()


pytest_plugins = ["pytester"]


DOMESTIC = """
clock: virtual
seed: 7
edition: domestic
templates:
  - {id: "20170", text: "【{P1}】您的订单{P2}已受理"}
  - {id: "OTP", text: "Your code is {code}"}
  - {id: "OFF", text: "Old text {P1}", enabled: false}
"""
"""A domestic gateway on the virtual clock, with the manual's template and two more."""


@pytest.fixture
async def dgw(start: Start) -> Harness:
    return await start(DOMESTIC)
