"""Scenario ``reply`` rules: the handset of a matching MT answers with an MO after a delay drawn
from the seed, on the virtual clock, to the extension the MT came from; and the loader's checks
of them."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mockgateway.scenario import ScenarioError, load_text
from tests.conftest import Harness, Start
from tests.test_push import advance

REPLY = """
edition: domestic
clock: virtual
seed: {seed}
rules:
  - when: {{mobile: "8613800138000"}}
    reply: {{content: "TD", delay: {delay}}}
"""


async def replying(start: Start, delay: str = "5", seed: int = 1) -> Harness:
    return await start(REPLY.format(delay=delay, seed=seed))


async def mos(gw: Harness, **params: str) -> list[dict[str, Any]]:
    response = await gw.client.get("/_mock/mos", params=params)
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_a_reply_rule_answers_an_mt_under_the_virtual_clock(start: Start) -> None:
    gw = await replying(start)
    sent = await gw.call("send_single", mobile="8613800138000", content="Reply TD", exno="0006")
    assert sent["result"] == 0
    await advance(gw, 4.9)
    assert (await gw.call("get_mo"))["mos"] == []
    await advance(gw, 0.1)
    (mo,) = (await gw.call("get_mo"))["mos"]
    assert (mo["mobile"], mo["content"], mo["exno"], mo["spno"]) == (
        "8613800138000",
        "TD",
        "0006",
        "1000457890006",
    )
    (listed,) = await mos(gw)
    assert listed["origin"] == f"reply to {sent['msgid']} (rule 1 (line 6))"
    (message,) = gw.gateway.messages
    assert message.rule == "rule 1 (line 6)"
    assert listed["received_at"] - message.submitted_at == pytest.approx(5)


async def test_only_the_numbers_the_rule_names_get_a_reply(start: Start) -> None:
    gw = await replying(start, delay="0")
    await gw.call("send_batch", mobile="8613800138000,8613900139000", content="hi")
    await advance(gw, 0)
    assert [m["mobile"] for m in (await gw.call("get_mo"))["mos"]] == ["8613800138000"]


async def test_reply_delays_are_drawn_from_the_seed(start: Start) -> None:
    async def delays(seed: int) -> list[float]:
        gw = await replying(start, delay="{min: 1, max: 100}", seed=seed)
        for _ in range(3):
            await gw.call("send_single", mobile="8613800138000", content="hi")
        sent = [m.submitted_at for m in gw.gateway.messages]
        return [round(m["received_at"] - t, 6) for m, t in zip(await mos(gw), sent, strict=True)]

    first, again, other = await delays(1), await delays(1), await delays(2)
    assert first == again and first != other
    assert len(set(first)) == 3 and all(1 <= d <= 100 for d in first)


async def test_a_sender_id_exno_is_not_an_extension(start: Start) -> None:
    gw = await replying(start, delay="0")
    await gw.call("send_single", mobile="8613800138000", content="hi", exno="MontSMS")
    await advance(gw, 0)
    (mo,) = (await gw.call("get_mo"))["mos"]
    assert (mo["exno"], mo["spno"]) == ("", "100045789")


async def test_an_international_account_gets_no_reply_and_a_warning(start: Start) -> None:
    gw = await start(
        "clock: virtual\naccounts:\n  - {userid: J10003, password: '111111'}\n"
        "  - {userid: DOM001, password: '2', edition: domestic}\n"
        "rules:\n  - when: {}\n    reply: {content: TD, delay: 0}\n"
    )
    answer = await gw.call("send_batch", mobile="8613800138000,8613900139000", content="hi")
    assert answer["messages"][0]["msgid"] > 0
    await advance(gw, 1)
    assert await mos(gw) == []
    expected = (
        "no reply from rule 1 (line 6): account J10003 is in the international edition, "
        "and MOs are a domestic-edition feature"
    )
    assert gw.last().warnings.count(expected) == 1


async def test_a_reply_goes_with_a_fault_that_keeps_the_mt(start: Start) -> None:
    gw = await start(
        "edition: domestic\nclock: virtual\nrules:\n"
        "  - when: {}\n    fault: {drop_connection: true, accepted: true}\n"
        "    reply: {content: STOP, delay: 0}\n"
    )
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await gw.client.post(
            "/sms/v2/std/send_single",
            json={"userid": "J10003", "pwd": "111111", "mobile": "8613800138000", "content": "x"},
        )
    await advance(gw, 0)
    assert [m["text"] for m in await mos(gw)] == ["STOP"]


async def test_a_long_reply_arrives_in_segments(start: Start) -> None:
    gw = await start(
        "edition: domestic\nclock: virtual\nrules:\n"
        f"  - when: {{}}\n    reply: {{content: '{'y' * 200}', delay: 0}}\n"
    )
    await gw.call("send_single", mobile="8613800138000", content="hi")
    await advance(gw, 0)
    got = (await gw.call("get_mo"))["mos"]
    assert [(m["pknum"], m["pktotal"], len(m["content"])) for m in got] == [(1, 2, 153), (2, 2, 47)]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("reply: {content: x}\n    respond: {result: -100999}", "respond rejects the request"),
        (
            "reply: {content: x}\n    fault: {drop_connection: true}",
            "drop_connection with accepted: false drops the MT",
        ),
        ("reply: {delay: 1}", "reply.content: content is empty"),
        ("reply: {content: ''}", "content is empty"),
        ("reply: {content: 7}", 'must be a string: quote it ("7")'),
        ("reply: {content: x, later: 1}", "unknown key 'later'"),
        ("reply: {content: x, delay: -1}", "must be at least 0"),
        ("reply: TD", "must be a mapping"),
    ],
)
def test_the_loader_refuses_a_reply_that_cannot_be(rule: str, problem: str) -> None:
    text = f"edition: domestic\nrules:\n  - when: {{}}\n    {rule}\n"
    with pytest.raises(ScenarioError) as raised:
        load_text(text, source="s.yaml")
    assert any(problem in str(p) for p in raised.value.problems), raised.value.problems


def test_a_reply_to_an_endpoint_that_sends_nothing_is_refused() -> None:
    text = "edition: domestic\nrules:\n  - when: {endpoint: get_rpt}\n    reply: {content: x}\n"
    with pytest.raises(ScenarioError) as raised:
        load_text(text, source="s.yaml")
    assert "s.yaml:3: rules.0.when.endpoint: a reply answers an MT; get_rpt sends none" in str(
        raised.value
    )


def test_the_loader_warns_of_replies_and_mo_urls_no_account_can_use() -> None:
    scenario = load_text(
        "push: {mo_url: 'http://127.0.0.1:9/mo'}\nrules:\n  - when: {}\n    reply: {content: x}\n",
        source="s.yaml",
    )
    assert scenario.warnings == (
        "s.yaml:1: push.mo_url: account J10003 is in the international edition: it has no MOs "
        "to push (MOs need edition: domestic)",
        "s.yaml:2: rules: reply rules need an account with edition: domestic; none has it",
    )


def test_push_settings_are_shared_by_both_lines_and_mo_batches_cap_at_100() -> None:
    scenario = load_text(
        "edition: domestic\n"
        "push: {url: 'http://127.0.0.1:9/rpt', retry: {attempts: 3}, batch_size: 300}\n"
        "accounts:\n"
        "  - {userid: J10003, password: '1', push: {mo_url: 'http://127.0.0.1:9/mo'}}\n"
        "  - {userid: J10004, password: '1', push: {mo_url: 'http://127.0.0.1:9/mo', url: null}}\n"
        "  - {userid: J10005, password: '1', push: null}\n",
        source="s.yaml",
    )
    first, second, third = scenario.accounts
    assert first.push is not None and first.mo_push is not None
    assert (first.push.url, first.mo_push.url) == (
        "http://127.0.0.1:9/rpt",
        "http://127.0.0.1:9/mo",
    )
    assert first.mo_push.retry.attempts == 3 and first.mo_push.batch_size == 300
    assert (third.push, third.mo_push) == (None, None)
    assert second.mo_push is not None


@pytest.mark.parametrize(
    ("push", "problem"),
    [
        ("{batch_size: 10}", "push needs a url (http://host:port/path), or an mo_url, or both"),
        ("{mo_url: 'ftp://x'}", "push.mo_url: 'ftp://x' is not an http:// or https:// URL"),
        ("{mo_url: 7}", "push.mo_url: 7 is not an http"),
    ],
)
def test_bad_mo_urls_are_refused(push: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_text(f"edition: domestic\npush: {push}\n", source="s.yaml")
    assert problem in str(raised.value)
