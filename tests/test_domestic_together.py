"""The domestic edition's features together, as one account uses them: the new sends are
charged per segment and decrypt their content, an MO comes from a bare mainland number, and a
reply rule answers a send_multi item."""

from __future__ import annotations

from mockgateway.client import Encryption, MontnetsClient
from mockgateway.protocol.errors import Dialect
from tests.conftest import Start

KEY = "0123456789abcdeffedcba9876543210"
ACCOUNT = (
    "clock: virtual\n"
    "edition: domestic\n"
    "templates: [{id: '200170', text: 'Your code is {P1}'}]\n"
    "accounts:\n"
    "  - userid: J10003\n"
    '    password: "111111"\n'
    "    billing: {balance: 10}\n"
)


async def test_send_multi_is_charged_per_segment_of_each_item(start: Start) -> None:
    gw = await start(ACCOUNT)
    long = "a" * 161  # two segments
    items = [
        {"mobile": "13800138000", "content": long},
        {"mobile": "13800138001", "content": "hi"},
    ]
    async with MontnetsClient(gw.base_url) as client:
        assert (await client.send_multi(items))["result"] == 0
        assert (await client.get_balance())["balance"] == 10 - 3
        refused = await client.send_multi(items * 3)  # 9 units, 7 left
        assert refused["result"] == -100003
        assert refused["desc"] == Dialect("domestic").desc(-100003)
        assert "3 messages" not in (gw.last().diagnosis or "")
        assert "6 messages, 9 segments in all" in (gw.last().diagnosis or "")
        mixed = await client.send_mixed(["13800138000", "13800138001"], ["one", "two"])
        assert mixed["result"] == 0
        assert (await client.get_balance())["balance"] == 5
    assert len(gw.gateway.messages) == 4, "the refused send accepted nothing"


async def test_encrypted_mixed_and_template_contents_are_decrypted_whole(start: Start) -> None:
    gw = await start(
        ACCOUNT.replace("    billing: {balance: 10}\n", "")
        + (f"    encryption: {{key: {KEY}, padding: pkcs7}}\n")
    )
    encryption = Encryption(KEY, "pkcs7")
    async with MontnetsClient(gw.base_url, encryption=encryption) as client:
        mixed = await client.send_mixed(["13800138000", "13800138001"], ["一, two", "三"])
        assert mixed["result"] == 0, gw.last().diagnosis
        template = await client.send_template("200170", ["13800138000"], {"P1": "6666"})
        assert template["result"] == 0, gw.last().diagnosis
        multi = await client.send_multi([{"mobile": "13800138002", "content": "多"}])
        assert multi["result"] == 0, gw.last().diagnosis
    contents = [m.content for m in gw.gateway.messages]
    assert contents == ["一, two", "三", "Your code is 6666", "多"]


async def test_an_mo_from_a_bare_mainland_number_and_a_reply_to_a_multi_item(
    start: Start,
) -> None:
    gw = await start(
        ACCOUNT
        + "rules:\n  - when: {mobile: '8613800138001'}\n    reply: {content: TD, delay: 2}\n"
    )
    injected = await gw.client.post(
        "/_mock/mo", json={"userid": "J10003", "mobile": "13800138000", "content": "hello"}
    )
    assert injected.status == 200, await injected.text()
    async with MontnetsClient(gw.base_url) as client:
        items = [{"mobile": "13800138001", "content": "reply TD to stop"}]
        assert (await client.send_multi(items))["result"] == 0
        await gw.gateway.advance(3)
        mos = (await client.get_mo())["mos"]
    assert [(m["mobile"], m["content"]) for m in mos] == [
        ("13800138000", "hello"),
        ("13800138001", "TD"),  # as the MT wrote the number
    ]
