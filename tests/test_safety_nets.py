"""A bug in mockgateway itself still gets a protocol answer, and never stops pushing for good."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockgateway.domain.gateway import Gateway
from mockgateway.domain.push import Delivery
from mockgateway.protocol.push import Encoded
from mockgateway.scenario import load_text
from tests.conftest import Harness


async def test_a_bug_in_the_gateway_answers_100999_not_http_500(
    gw: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Gateway, "_serve", broken)
    answer = await gw.call("send_single", mobile="85292041234", content="hi")
    assert (answer["result"], answer["msgid"], answer["custid"]) == (-100999, 0, "")
    diagnosis = gw.last().diagnosis or ""
    assert "internal error in mockgateway (RuntimeError('simulated bug'))" in diagnosis


async def test_a_bug_in_the_push_sender_fails_the_attempt_and_pushing_goes_on() -> None:
    calls: list[int] = []

    async def sender(url: str, body: Encoded, timeout: float) -> Delivery:
        seqid = json.loads(body.data)["seqid"]
        calls.append(seqid)
        if len(calls) == 1:
            raise RuntimeError("simulated bug")
        return Delivery(200, b'{"cmd":"RPT_RESP","seqid":%d,"result":0}' % seqid)

    gateway = Gateway(
        load_text(
            "clock: virtual\nreports: {delay: 0}\n"
            "push: {url: 'http://127.0.0.1:9/rpt', retry: {backoff: 1, jitter: 0}}\n"
        )
    )
    gateway.attach(sender)
    from mockgateway.client import credentials
    from mockgateway.domain.calls import ApiRequest
    from mockgateway.endpoints import REGISTRY
    from mockgateway.protocol.codec import Format

    fields: dict[str, Any] = {**credentials("J10003", "111111"), "mobile": "85292041234"}
    fields["content"] = "hi"
    request = ApiRequest("send_single", REGISTRY["send_single"], "POST", Format.JSON, fields)
    assert gateway.handle(request).code == 0
    await gateway.advance(5)
    first, second = gateway.pushes
    assert first.outcome.startswith("failed: internal error in mockgateway (RuntimeError(")
    assert (second.seqid, second.outcome) == (1, "acknowledged")
    await gateway.detach()
