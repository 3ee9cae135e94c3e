"""The inbox's server side through a real socket: the page and its files, the feed (pages of the
journal, newest first, with the page's filters) and the live stream (server-sent events)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientResponse

from mockgateway.client import credentials
from mockgateway.http.live import STREAMS
from tests.conftest import MANUAL_CONTENT, GatewayServer, Harness, Start
from tests.test_cli import post_json, serve

BOUND = 10.0
"""Seconds any one condition here may take to come true (they come in milliseconds)."""
RELAXED = "clock: virtual\nseed: 5\nnumbers: relaxed\n"


async def until_true(condition: Any, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND:g} s: {what}"
        await asyncio.sleep(0.01)


async def feed(gw: Harness, **params: Any) -> dict[str, Any]:
    response = await gw.client.get("/_mock/ui/feed", params={k: str(v) for k, v in params.items()})
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def refused(gw: Harness, path: str, **params: str) -> str:
    response = await gw.client.get(path, params=params)
    assert response.status == 400
    error: str = (await response.json())["error"]
    return error


# --- the page --------------------------------------------------------------------------------


async def test_root_redirects_to_the_page_served_from_the_package(gw: Harness) -> None:
    moved = await gw.client.get("/", allow_redirects=False)
    assert (moved.status, moved.headers["Location"]) == (302, "/_mock/ui")
    page = await gw.client.get("/")
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    assert '<script type="module" src="/_mock/ui/inbox.js"></script>' in html
    assert "<main>" in html and 'role="search"' in html
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(re.match(r"/_mock/ui/|#|data:", link) for link in links), links
    for name, kind in (("inbox.js", "text/javascript"), ("inbox.css", "text/css")):
        asset = await gw.client.get(f"/_mock/ui/{name}")
        assert asset.status == 200 and asset.content_type == kind
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        assert "http://" not in await asset.text() and "https://" not in await asset.text()
    assert (await gw.client.get("/_mock/ui/../control.py")).status == 404
    assert (await gw.client.get("/_mock/ui/index.html")).status == 404


async def test_health_tells_which_clock_runs(gw: Harness, start: Start) -> None:
    virtual = await (await gw.client.get("/_mock/health")).json()
    assert virtual["clock"] == "virtual"
    real = await start("seed: 1\n")
    assert (await (await real.client.get("/_mock/health")).json())["clock"] == "real"


# --- the feed --------------------------------------------------------------------------------


def numbers(count: int, first: int = 85290000000) -> str:
    return ",".join(str(first + i) for i in range(count))


async def test_the_feed_pages_through_a_journal_newest_first(start: Start) -> None:
    gw = await start(RELAXED)
    for chunk in range(3):  # 450 messages from three batches of 150
        answer = await gw.call(
            "send_batch", mobile=numbers(150, 85290000000 + chunk * 1000), content="hi"
        )
        assert answer["result"] == 0
    first = await feed(gw, kind="messages")
    assert (first["total"], len(first["items"])) == (450, 200)
    positions = [m["pos"] for m in first["items"]]
    assert positions == sorted(positions, reverse=True) and positions[0] == 449
    newest = [m.mobile for m in gw.gateway.messages][::-1]
    assert [m["mobile"] for m in first["items"]] == newest[:200]
    second = await feed(gw, kind="messages", before=first["next_before"])
    third = await feed(gw, kind="messages", before=second["next_before"], limit=1000)
    assert (len(second["items"]), len(third["items"]), third["next_before"]) == (200, 50, None)
    paged = [m["mobile"] for page in (first, second, third) for m in page["items"]]
    assert paged == newest, "every message once, newest first"
    newest_batch = (await feed(gw, kind="requests"))["items"][0]
    assert (len(newest_batch["msgids_str"]), newest_batch["msgids_more"]) == (20, 130)
    assert newest_batch["msgids_str"][0] == str(answer["messages"][0]["msgid"])
    assert first["clock"] == "virtual" and first["accounts"] == ["J10003"]
    assert first["now"] == gw.clock.now()


async def test_positions_stay_put_as_the_bounded_journal_drops_its_oldest(start: Start) -> None:
    gw = await start(RELAXED + "journal: {limit: 100}\n")
    await gw.call("send_batch", mobile=numbers(60), content="hi")
    page = await feed(gw, kind="messages", limit=10)
    cursor = page["next_before"]
    again = await gw.call("send_batch", mobile=numbers(60, 85291000000), content="hi")
    assert again["result"] == 0  # 20 of the first batch go
    older = await feed(gw, kind="messages", limit=10, before=cursor)
    assert [m["pos"] for m in older["items"]] == list(range(cursor - 1, cursor - 11, -1))
    assert older["items"][0]["mobile"] == str(85290000000 + cursor - 1)
    assert older["dropped"] == 20 and older["total"] == 100


async def test_the_feed_filters_by_number_account_state_and_search(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="Your code is 482913", custid="A-1")
    await gw.call("send_single", mobile="85292041235", content="hello there", custid="b-2")
    await gw.call("send_single", mobile="85292041234", content="pwd", pwd="wrong")
    for form in ("85292041234", "0085292041234", "+85292041234"):
        assert [m["custid"] for m in (await feed(gw, kind="messages", mobile=form))["items"]] == [
            "A-1"
        ]
    assert (await feed(gw, kind="messages", userid="J10003"))["total"] == 2
    assert (await feed(gw, kind="messages", userid="OTHER"))["total"] == 0
    assert [m["custid"] for m in (await feed(gw, kind="messages", q="HELLO"))["items"]] == ["b-2"]
    assert (await feed(gw, kind="messages", q="a-1"))["total"] == 1, "custid, any case"
    assert (await feed(gw, kind="messages", state="pending"))["total"] == 2
    gw.clock.advance(5)
    rpt = await gw.call("get_rpt")
    assert len(rpt["rpts"]) == 2
    assert (await feed(gw, kind="messages", state="fetched"))["total"] == 2
    assert (await feed(gw, kind="messages", state="pending"))["total"] == 0
    rejected = await feed(gw, kind="rejected")
    (only,) = rejected["items"]
    assert only["result"] == -100001 and "hex" in only["diagnosis"]
    assert (await feed(gw, kind="requests"))["total"] == 4
    assert (await feed(gw, kind="requests", q="md5 hash"))["total"] == 1, "diagnoses are searched"
    assert (await feed(gw, kind="requests", mobile="+85292041235"))["total"] == 1


async def test_a_message_comes_with_its_reports_and_its_one_time_code(gw: Harness) -> None:
    long_text = MANUAL_CONTENT * 4  # 72 characters of UCS-2: two segments
    await gw.call("send_single", mobile="85292041234", content=long_text)
    (message,) = (await feed(gw, kind="messages"))["items"]
    assert (message["segments"], message["encoding"]) == (2, "ucs2")
    assert [(r["pknum"], r["pktotal"], r["state"]) for r in message["report_items"]] == [
        (1, 2, "pending"),
        (2, 2, "pending"),
    ]
    start, end = message["otp"]
    assert message["content"][start:end] == "6666"


async def test_the_feed_answers_a_bad_parameter_with_a_400_that_names_it(gw: Harness) -> None:
    path = "/_mock/ui/feed"
    assert "kind must be one of" in await refused(gw, path)
    assert "kind must be one of" in await refused(gw, path, kind="reports")
    for limit in ("0", "1001", "ten", "1e3", "NaN"):
        assert "limit" in await refused(gw, path, kind="messages", limit=limit)
    for before in ("-1", "x", "9" * 40):
        assert "before" in await refused(gw, path, kind="messages", before=before)
    assert "state must be one of" in await refused(gw, path, kind="messages", state="lost")
    assert "at most 200" in await refused(gw, path, kind="messages", q="x" * 201)
    assert "since" in await refused(gw, path, kind="messages", since="yesterday")


async def test_a_hostile_receiver_answer_and_content_come_back_as_plain_data(start: Start) -> None:
    gw = await start(RELAXED)
    hostile = "<img src=x onerror=alert(1)>\u202e</script>"
    await gw.call("send_single", mobile="85292041234", content=hostile)
    (message,) = (await feed(gw, kind="messages", q="onerror"))["items"]
    assert message["content"] == hostile and message["otp"] is None


# --- the live stream -------------------------------------------------------------------------


@dataclass
class Stream:
    response: ClientResponse
    comments: list[str] = field(default_factory=list)

    async def next(self) -> tuple[str, dict[str, Any]]:
        """The next event (name and data); comments are kept aside."""
        name, data = "message", ""
        while True:
            raw = await asyncio.wait_for(self.response.content.readline(), BOUND)
            assert raw, "the stream ended"
            line = raw.decode().rstrip("\n")
            if line == "":
                if data:
                    return name, json.loads(data)
                continue
            if line.startswith(":"):
                self.comments.append(line)
            elif line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = line[len("data: ") :]

    async def until(self, wanted: str) -> dict[str, Any]:
        for _ in range(1000):
            name, data = await self.next()
            if name == wanted:
                return data
        raise AssertionError(f"no {wanted} event")


async def open_stream(gw: Harness, **params: str) -> Stream:
    response = await gw.client.get("/_mock/ui/events", params=params)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    stream = Stream(response)
    name, hello = await stream.next()
    assert name == "hello" and hello["clock"] == "virtual"
    return stream


async def test_the_stream_tells_each_message_report_request_and_reset(gw: Harness) -> None:
    stream = await open_stream(gw)
    answer = await gw.call("send_single", mobile="85292041234", content="code 1234")
    seen = [await stream.next() for _ in range(3)]
    events = {name: data for name, data in seen}
    assert sorted(events) == ["message", "report", "request"]
    message = events["message"]
    assert (message["msgid"], message["pos"], message["otp"]) == (answer["msgid"], 0, [5, 9])
    assert events["report"]["state"] == "pending" and events["request"]["pos"] == 0
    gw.clock.advance(5)
    await gw.call("get_rpt")
    moved = await stream.until("report")
    assert (moved["state"], moved["message_state"]) == ("fetched", "fetched")
    assert moved["fetched_by"] == (await stream.until("request"))["id"]
    await gw.client.post("/_mock/reset")
    assert await stream.until("reset") == {}


async def test_the_stream_leaves_out_what_the_pages_filters_leave_out(gw: Harness) -> None:
    stream = await open_stream(gw, mobile="+85292041235", q="wanted")
    await gw.call("send_single", mobile="85292041234", content="wanted, other number")
    await gw.call("send_single", mobile="85292041235", content="not this one")
    await gw.call("send_single", mobile="85292041235", content="the WANTED one")
    message = await stream.until("message")
    assert message["content"] == "the WANTED one"
    request = await stream.until("request")
    assert request["id"] == 3, "the other requests were left out"


async def test_a_stream_refuses_a_bad_filter(gw: Harness) -> None:
    assert "state must be" in await refused(gw, "/_mock/ui/events", state="x")
    assert gw.client.app is not None
    assert gw.client.app[STREAMS].open == 0


async def test_a_stream_that_falls_behind_is_told_to_resync(gw: Harness) -> None:
    assert gw.client.app is not None
    gw.client.app[STREAMS].bound = 5
    stream = await open_stream(gw)
    batch = "85292041234,85292041235,85292041236,85292041237"
    await gw.call("send_batch", mobile=batch, content="x")
    assert await stream.next() == ("resync", {})
    await gw.call("send_single", mobile="85292041234", content="after")
    message = await stream.until("message")
    assert message["content"] == "after" and message["pos"] == 4


async def test_an_idle_stream_gets_a_heartbeat_comment(gw: Harness) -> None:
    assert gw.client.app is not None
    gw.client.app[STREAMS].heartbeat = 0.05
    stream = await open_stream(gw)
    for _ in range(100):
        line = await asyncio.wait_for(stream.response.content.readline(), BOUND)
        if line == b": heartbeat\n":
            break
    else:
        raise AssertionError("no heartbeat")


async def test_at_most_so_many_streams_are_open_and_a_closed_one_frees_its_place(
    gw: Harness,
) -> None:
    assert gw.client.app is not None
    streams = gw.client.app[STREAMS]
    streams.limit, streams.heartbeat = 2, 0.05
    first = await open_stream(gw)
    await open_stream(gw)
    third = await gw.client.get("/_mock/ui/events")
    assert third.status == 503 and third.headers["Retry-After"] == "10"
    assert "2 live streams are open already" in (await third.json())["error"]
    first.response.close()  # the client goes; the next heartbeat finds out
    await until_true(lambda: streams.open == 1, "the closed stream's place freed")
    await open_stream(gw)
    assert streams.open == 2


async def test_streams_need_the_control_token_off_loopback(aiohttp_client: Any) -> None:
    from mockgateway.http.app import create_app

    client = await aiohttp_client(GatewayServer(create_app(control_token="s3cret")))
    for path in ("/_mock/ui/events", "/_mock/ui/feed?kind=messages", "/_mock/ui/inbox.js"):
        assert (await client.get(path)).status == 401
        allowed = await client.get(path, headers={"Authorization": "Bearer s3cret"})
        assert allowed.status == 200
        allowed.close()


@pytest.fixture
def served() -> Any:
    with serve("--port", "0", "--scenario", "default") as (process, url):
        yield process, url


def test_a_stop_ends_every_stream_with_bye(served: Any) -> None:
    process, url = served
    stream = urllib.request.urlopen(f"{url}/_mock/ui/events", timeout=BOUND)
    assert stream.readline() == b"retry: 2000\n"
    fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
    assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0
    asked = time.monotonic()
    process.send_signal(signal.SIGTERM)
    rest = stream.read()  # to the end: the server closes the stream
    process.communicate(timeout=30)
    assert b"event: message" in rest and rest.endswith(b"event: bye\ndata: {}\n\n")
    assert time.monotonic() - asked < 5, "an open stream does not hold the stop up"
    assert process.returncode == 0


async def test_a_huge_field_is_cut_short_in_the_inbox_and_whole_in_the_listing(
    gw: Harness,
) -> None:
    huge = "a" * 1_000_000
    answer = await gw.call("send_single", mobile="85292041234", content=huge)
    assert answer["result"] == -100011
    (item,) = (await feed(gw, kind="rejected"))["items"]
    assert item["fields"]["content"] == "a" * 2000 + "… (998,000 more characters)"
    assert (await feed(gw, kind="rejected", q="aaaa"))["total"] == 1, "the start is searched"
    stream = await open_stream(gw)
    await gw.call("send_single", mobile="85292041234", content=huge)
    assert len((await stream.until("request"))["fields"]["content"]) < 2100
    listed = await (await gw.client.get("/_mock/requests")).json()
    assert listed["items"][0]["fields"]["content"] == huge
