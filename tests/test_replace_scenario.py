"""``PUT /_mock/scenario`` replaces the scenario from now on; it is not a reset. The journal,
pending reports, push lines and the msgid/seqid sequences carry on; rule counts start again."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Harness, Receiver, Start
from tests.test_push import advance, control

BASE = "clock: virtual\nseed: 11\nreports: {delay: 5}\n"


async def replace(gw: Harness, text: str) -> dict[str, Any]:
    response = await gw.client.put("/_mock/scenario", data=text)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_send_replace_send_distinct_msgids_and_the_first_report_still_due(
    start: Start,
) -> None:
    gw = await start(BASE)
    first = await gw.call("send_single", mobile="85292041234", content="one")
    await replace(gw, BASE + "name: again\n")  # the same seed: a reset would repeat the msgid
    second = await gw.call("send_single", mobile="85292041234", content="two")
    assert first["msgid"] != second["msgid"]
    assert (await control(gw, "/_mock/requests"))["count"] == 2  # the journal carries on
    gw.clock.advance(10)
    rpts = (await gw.call("get_rpt"))["rpts"]
    assert sorted(r["msgid"] for r in rpts) == sorted([first["msgid"], second["msgid"]])


async def test_the_clock_carries_on_and_a_new_delay_applies_to_new_messages(
    start: Start,
) -> None:
    gw = await start(BASE)
    await gw.call("send_single", mobile="85292041234", content="one")
    gw.clock.advance(3)
    await replace(gw, "clock: virtual\nreports: {delay: 60}\n")
    await gw.call("send_single", mobile="85292041234", content="two")
    await advance(gw, 2.5)  # the first report was due 5 s after it was sent
    assert [r["content"] for r in await fetched_messages(gw)] == ["one"]


async def fetched_messages(gw: Harness) -> list[dict[str, Any]]:
    msgids = {r["msgid"] for r in (await gw.call("get_rpt"))["rpts"]}
    items = (await control(gw, "/_mock/messages"))["items"]
    return [m for m in items if m["msgid"] in msgids]


async def test_reports_pushed_across_a_replacement_keep_one_seqid_sequence(
    start: Start, receiver: Receiver
) -> None:
    pushing = BASE + f"push: {{url: '{receiver.url}'}}\n"
    gw = await start(pushing)
    first = await gw.call("send_single", mobile="85292041234", content="one")
    await advance(gw, 6)
    await replace(gw, pushing + "name: again\n")
    second = await gw.call("send_single", mobile="85292041234", content="two")
    await advance(gw, 6)
    assert [(b["seqid"], b["rpts"][0]["msgid"]) for b in receiver.received] == [
        (1, first["msgid"]),
        (2, second["msgid"]),
    ]


async def test_a_push_url_set_at_run_time_survives_a_replacement(
    start: Start, receiver: Receiver
) -> None:
    pushing = BASE + "push: {url: 'http://127.0.0.1:9/rpt'}\n"
    gw = await start(pushing)
    await gw.gateway.set_push("J10003", receiver.url)
    sent = await gw.call("send_single", mobile="85292041234", content="one")
    await replace(gw, pushing + "name: again\n")  # the same push settings: the URL stays
    await advance(gw, 6)
    assert [b["rpts"][0]["msgid"] for b in receiver.received] == [sent["msgid"]]


async def test_changed_push_settings_take_effect(start: Start, receiver: Receiver) -> None:
    gw = await start(BASE)
    sent = await gw.call("send_single", mobile="85292041234", content="one")
    await replace(gw, BASE + f"push: {{url: '{receiver.url}'}}\n")
    await advance(gw, 6)
    assert [b["rpts"][0]["msgid"] for b in receiver.received] == [sent["msgid"]]
    again = await gw.call("send_single", mobile="85292041234", content="two")
    await replace(gw, BASE)  # no push any more: the pending report goes to get_rpt
    await advance(gw, 6)
    assert [r["msgid"] for r in (await gw.call("get_rpt"))["rpts"]] == [again["msgid"]]


async def test_an_account_that_goes_keeps_its_reports_visible_and_gets_them_back(
    start: Start,
) -> None:
    gw = await start(BASE)
    sent = await gw.call("send_single", mobile="85292041234", content="one")
    other = BASE + "accounts: [{userid: K20001, password: pw}]\n"
    await replace(gw, other)
    gw.clock.advance(10)
    (report,) = (await control(gw, "/_mock/reports"))["items"]
    assert (report["msgid"], report["userid"], report["state"]) == (
        sent["msgid"],
        "J10003",
        "pending",
    )
    assert (await gw.call("get_rpt"))["result"] == -100001  # it can no longer fetch it
    await replace(gw, BASE)
    assert [r["msgid"] for r in (await gw.call("get_rpt"))["rpts"]] == [sent["msgid"]]


async def test_rule_counts_start_from_zero(start: Start) -> None:
    text = BASE + "rules:\n  - when: {nth: 2}\n    respond: {result: -100999}\n"
    gw = await start(text)
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == 0
    await replace(gw, text)
    results = [
        (await gw.call("send_single", mobile="85292041234", content="hi"))["result"]
        for _ in range(2)
    ]
    assert results == [0, -100999]


async def test_lock_outs_of_an_account_that_stays_are_lifted(start: Start) -> None:
    text = BASE + "auth: {lockout_after: 1}\n"
    gw = await start(text)
    await gw.call("send_single", mobile="85292041234", content="hi", pwd="x")
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == -100002
    await replace(gw, text)
    assert (await gw.call("send_single", mobile="85292041234", content="hi"))["result"] == 0


@pytest.mark.parametrize(("before", "after"), [("real", "virtual"), ("virtual", "real")])
async def test_switching_the_clock_keeps_the_time(start: Start, before: str, after: str) -> None:
    gw = await start(f"clock: {before}\n")
    moment = gw.gateway.clock.now()
    await replace(gw, f"clock: {after}\n")
    assert gw.gateway.clock.now() >= moment
    health = await control(gw, "/_mock/health")
    assert health["status"] == "ok"


async def test_a_smaller_journal_limit_applies_at_once(start: Start) -> None:
    gw = await start(BASE)
    for _ in range(3):
        await gw.call("send_single", mobile="85292041234", content="hi")
    await replace(gw, BASE + "journal: {limit: 2}\n")
    requests = await control(gw, "/_mock/requests")
    assert (requests["count"], requests["dropped"]) == (2, 1)
