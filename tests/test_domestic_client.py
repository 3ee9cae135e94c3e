"""A client written to the V5.7.2 manual (the reference client) sends by every endpoint, in every
format, fetches its reports and matches each one to its submission by msgid alone; and the
harness hands such a client to a test."""

from __future__ import annotations

import asyncio

import pytest

from mockgateway.client import BodyFormat, MontnetsClient, report_msgid
from mockgateway.harness import running_gateway
from tests.conftest import Harness
from tests.test_push import advance

LONG = "这是一条很长的短信，" * 20  # 200 characters: three segments


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_send_by_every_endpoint_and_match_every_report(dgw: Harness, fmt: BodyFormat) -> None:
    submitted: dict[int, tuple[str, str, int]] = {}
    """Each report's msgid, worked out from the answers: (endpoint, mobile, pknum)."""

    def expect(
        endpoint: str, answer: dict[str, object], mobiles: list[str], texts: list[str]
    ) -> None:
        assert answer["result"] == 0, dgw.last().diagnosis
        msgid = answer["msgid"]
        assert isinstance(msgid, int)
        for position, (mobile, text) in enumerate(zip(mobiles, texts, strict=True), start=1):
            segments = 1 if len(text) <= 70 else -(-len(text) // 67)
            for pknum in range(1, segments + 1):
                submitted[report_msgid(msgid, position, pknum)] = (endpoint, mobile, pknum)

    numbers = ["13800138000", "13900139000", "0085292041234"]
    async with MontnetsClient(dgw.base_url, fmt=fmt) as client:
        answer = await client.send_single(numbers[0], LONG)
        expect("send_single", answer, numbers[:1], [LONG])
        answer = await client.send_batch(numbers, LONG)
        expect("send_batch", answer, numbers, [LONG] * 3)
        items = [
            {"mobile": n, "content": t} for n, t in zip(numbers, ["a", LONG, "c"], strict=True)
        ]
        answer = await client.send_multi(items)
        expect("send_multi", answer, numbers, ["a", LONG, "c"])
        texts = ["第一, 条", LONG, "3 & 4"]
        answer = await client.send_mixed(numbers, texts)
        expect("send_mixed", answer, numbers, texts)
        answer = await client.send_template("OTP", numbers[:2], {"code": "12 34&5=6"})
        expect("send_template", answer, numbers[:2], ["Your code is 12 34&5=6"] * 2)
        await advance(dgw, 2)
        rpts = (await client.get_rpt())["rpts"]
    assert dgw.gateway.requests and all(r.accepted for r in dgw.gateway.requests)
    matched = {r["msgid"]: (r["mobile"], r["pknum"]) for r in rpts}
    assert len(matched) == len(rpts) == len(submitted)
    assert matched == {m: (mobile, k) for m, (_, mobile, k) in submitted.items()}


def test_the_harness_hands_out_a_client_for_its_gateway() -> None:
    scenario = "edition: domestic\nclock: virtual\nreports: {delay: 1}\n"
    with running_gateway(scenario) as gateway:

        async def use() -> tuple[int, int]:
            async with gateway.client("form") as client:
                sent = await client.send_mixed(["13800138000", "13900139000"], ["a", "b"])
                await asyncio.to_thread(gateway.advance, 2)
                rpts = (await client.get_rpt())["rpts"]
            return sent["msgid"], sorted(r["msgid"] for r in rpts)[0]

        sent, first = asyncio.run(use())
        assert sent == first
        (call,) = gateway.calls(endpoint="send_mixed")
        assert (call.edition, call.path, call.format) == ("domestic", "send_mixed", "form")
        gateway.assert_no_rejections()
