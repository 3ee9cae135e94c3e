"""The recipes in scenarios/ do what their comments promise, through a real socket."""

from __future__ import annotations

from mockgateway.scenario.loader import builtin_names, read_named
from tests.conftest import Harness, Receiver, Start
from tests.test_push import advance, control


async def recipe(start: Start, name: str) -> Harness:
    return await start(read_named(name))


def test_the_recipes_ship_with_the_package() -> None:
    recipes = {
        *("otp-login", "carrier-outage", "slow-delivery", "callback-down", "lockout-drill"),
        *("two-way-sms", "domestic"),
    }
    assert recipes <= set(builtin_names())


async def test_otp_login(start: Start) -> None:
    gw = await recipe(start, "otp-login")
    for mobile in ("+85292041234", "+85292040001", "+85292040002"):
        sent = await gw.call("send_single", mobile=mobile, content="Your%20code%20is%20123456")
        assert sent["result"] == 0
    messages = (await control(gw, "/_mock/messages", mobile="+85292041234"))["items"]
    assert messages[-1]["content"] == "Your code is 123456"
    await advance(gw, 2)
    rpts = {r["mobile"]: r["errcode"] for r in (await gw.call("get_rpt"))["rpts"]}
    assert rpts == {"+85292041234": "DELIVRD", "+85292040002": "UNDELIV"}  # 0001: no report
    results = [
        (await gw.call("send_single", mobile="+85292040003", content="code"))["result"]
        for _ in range(3)
    ]
    assert results == [0, 0, -100999]


async def test_carrier_outage(start: Start) -> None:
    gw = await recipe(start, "carrier-outage")
    for _ in range(21):
        await gw.call("send_batch", mobile="8613800138000,85292041234", content="hi")
    await advance(gw, 5)
    rpts = sorted((await gw.call("get_rpt"))["rpts"], key=lambda r: r["msgid"])
    mainland = [r["errcode"] for r in rpts if r["mobile"] == "8613800138000"]
    assert mainland == ["MK:0005"] * 20 + ["DELIVRD"]  # the operator recovers
    assert {r["errcode"] for r in rpts if r["mobile"] == "85292041234"} == {"DELIVRD"}


async def test_slow_delivery(start: Start) -> None:
    gw = await recipe(start, "slow-delivery")
    await gw.call("send_single", mobile="85292049000", content="hi")
    await advance(gw, 7199)
    assert (await gw.call("get_rpt"))["rpts"] == []
    await advance(gw, 1)
    ((rpt),) = (await gw.call("get_rpt"))["rpts"]
    assert rpt["errcode"] == "EXPIRED"


async def test_callback_down(start: Start, receiver: Receiver) -> None:
    gw = await recipe(start, "callback-down")
    sent = await gw.call("send_single", mobile="+85292041234", content="hi")
    await advance(gw, 60)
    pushes = (await control(gw, "/_mock/pushes"))["items"]
    assert [(p["attempt"], p["parked"]) for p in pushes] == [
        (1, False),
        (2, False),
        (3, False),
        (4, True),
    ]
    await gw.gateway.set_push("J10003", receiver.url)
    assert (await gw.client.post("/_mock/pushes/retry")).status == 200
    await advance(gw, 1)
    (body,) = receiver.received
    assert (body["seqid"], body["rpts"][0]["msgid"]) == (1, sent["msgid"])


async def test_lockout_drill(start: Start) -> None:
    gw = await recipe(start, "lockout-drill")
    for _ in range(3):
        wrong = await gw.call("send_single", mobile="85292041234", content="hi", pwd="0" * 32)
        assert wrong["result"] == -100001
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == -100002
    await advance(gw, 120)
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == 0


async def test_two_way_sms(start: Start) -> None:
    gw = await recipe(start, "two-way-sms")
    asked = await gw.call(
        "send_batch", mobile="8613800138000,8613800138001", content="Reply%20td%20to%20stop"
    )
    assert asked["result"] == 0
    await gw.call("send_single", mobile="8613800138001", content="Your%20order%20shipped")
    await advance(gw, 5)
    replies = [(m["mobile"], m["content"]) for m in (await gw.call("get_mo"))["mos"]]
    assert replies == [("8613800138000", "TD"), ("8613800138001", "TD")]  # the first rule decides
    await advance(gw, 60)
    (question,) = (await gw.call("get_mo"))["mos"]
    assert (question["mobile"], question["content"]) == ("8613800138001", "Who%20is%20this%3f")


async def test_domestic(start: Start) -> None:
    """What the SDKs send as shipped: *_send spellings, bare mainland numbers, the manual's
    template, GBK content; answers in the domestic shape, codes negative."""
    gw = await recipe(start, "domestic")
    assert gw.gateway.scenario.editions == {"domestic"}
    single = await gw.call("single_send", "form", mobile="13800138000", content="hi")
    assert list(single) == ["result", "desc", "msgid", "custid"] and single["result"] == 0
    batch = await gw.call("batch_send", mobile="13800138000,13900139000", content="hi")
    assert list(batch) == ["result", "desc", "msgid", "custid"] and batch["result"] == 0
    multi = await gw.call("multi_send", multimt=[{"mobile": "13800138000", "content": "hi"}])
    assert multi["result"] == 0
    encoded = "".join(f"%{b:02x}" for b in "验证码".encode("gbk"))  # the Python demo's content
    gbk = await gw.call("single_send", mobile="13800138000", content=encoded)
    assert gbk["result"] == 0 and any("GBK" in w for w in gw.last().warnings)
    template = "P1%3d%25e6%25a2%25a6%25e7%25bd%2591%25e7%25a7%2591%25e6%258a%2580%26P2%3d201701"
    for tmplid in ("200170", "20170"):
        sent = await gw.call("template_send", tmplid=tmplid, mobile="13800138000", content=template)
        assert sent["result"] == 0
    assert list(gw.gateway.messages)[-1].content == "【梦网科技】您的订单201701已受理"
    wrong = await gw.call("single_send", mobile="13800138000", content="hi", pwd="x" * 32)
    assert (wrong["result"], wrong["desc"]) == (-100001, "%e9%89%b4%e6%9d%83%e5%a4%b1%e8%b4%a5")
