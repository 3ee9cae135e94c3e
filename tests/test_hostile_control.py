"""The control API, the process and the push client under attack, each through a real socket or
the real CLI: what a hostile or careless caller sends gets a readable answer, the gateway stays
responsive meanwhile, and nothing accepted is lost. Every attack here is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
import resource
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mockgateway.cli import control_token_for
from mockgateway.client import credentials
from mockgateway.domain import queries
from mockgateway.domain.gateway import Gateway
from mockgateway.domain.waiters import Filter, Kind
from mockgateway.http import control, express
from mockgateway.http.app import create_app
from mockgateway.scenario import Scenario, load_text
from tests.conftest import GatewayServer, Harness, Start
from tests.test_cli import READY_TIMEOUT, post_json, run_cli, serve

NUMBER = "85292041234"
BOUND = 10.0
"""Seconds any one condition in these tests may take to come true (they come in milliseconds)."""


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition`` (checked every 10 ms), at most :data:`BOUND` seconds."""
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND:g} s: {what}"
        await asyncio.sleep(0.01)


def port_of(h: Harness) -> int:
    port = h.client.server.port
    assert port is not None
    return port


@dataclass
class RawCall:
    """A request written on its own connection; its answer is read when the test wants it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def answer(self) -> tuple[int, dict[str, Any]]:
        raw = await asyncio.wait_for(self.reader.read(), BOUND)
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split()[1])
        return status, json.loads(body)

    def hang_up(self) -> None:
        self.writer.transport.abort()


async def raw_get(port: int, path: str) -> RawCall:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    return RawCall(reader, writer)


async def send_ok(h: Harness, mobile: str = NUMBER) -> None:
    """A normal request answers normally: the gateway is responsive."""
    assert (await h.call("send_single", mobile=mobile, content="hi"))["result"] == 0


# --- 1. /_mock/wait: its timeout, and waiters whose clients went away ---------------------


@pytest.mark.parametrize(
    "timeout", ["nan", "NaN", "inf", "-inf", "1e300", "-1", "300.5", "soon", "", "0x10"]
)
async def test_a_wait_timeout_is_a_finite_number_of_seconds_up_to_300(
    gw: Harness, timeout: str
) -> None:
    response = await asyncio.wait_for(
        gw.client.get("/_mock/wait", params={"messages": "1", "timeout": timeout}), BOUND
    )
    assert response.status == 400
    assert (await response.json())["error"] == (
        f"timeout must be seconds from 0 to 300, got {timeout!r}"
    )
    waiting = asyncio.create_task(
        gw.client.get("/_mock/wait", params={"messages": "1", "timeout": "300"})
    )
    await until(lambda: gw.gateway.waiters.open_waiters() == 1, "the wait registers")
    await send_ok(gw)
    response = await asyncio.wait_for(waiting, BOUND)
    assert await response.json() == {"kind": "messages", "wanted": 1, "seen": 1}


async def test_300_waiters_whose_clients_hang_up_are_dropped_at_once(gw: Harness) -> None:
    tasks_before = len(asyncio.all_tasks())
    calls = [
        await raw_get(port_of(gw), f"/_mock/wait?messages=5&mobile=852920{i:05d}&timeout=300")
        for i in range(300)
    ]
    await until(lambda: gw.gateway.waiters.open_waiters() == 300, "300 waits registered")
    for call in calls:
        call.hang_up()
    await until(lambda: gw.gateway.waiters.open_waiters() == 0, "every abandoned wait dropped")
    await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "no task left for them")
    await send_ok(gw)
    assert len(list(gw.gateway.messages)) == 1


# --- 11. waiting costs nothing per request ------------------------------------------------


async def test_a_request_costs_the_same_with_900_waiters_open(
    gw: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filters are counted: a request looks at one tally per distinct filter that can match it,
    not at every waiter, and never rescans the journal."""
    looked: collections.Counter[str] = collections.Counter()

    def counted(kind: Kind, make: Callable[[queries.Params], Filter]) -> Callable[..., Filter]:
        def build(q: queries.Params) -> Filter:
            chosen = make(q)

            def matches(entry: Any) -> bool:
                looked[kind.value] += 1
                return chosen.matches(entry)

            return replace(chosen, matches=matches)

        return build

    for kind, make in list(queries.WAIT_FILTERS.items()):
        monkeypatch.setitem(queries.WAIT_FILTERS, kind, counted(kind, make))
    port = port_of(gw)
    shared = [await raw_get(port, f"/_mock/wait?messages=999&mobile={NUMBER}") for _ in range(300)]
    mine = [await raw_get(port, f"/_mock/wait?messages=1&mobile=852920{i:05d}") for i in range(300)]
    others = [
        await raw_get(port, f"/_mock/wait?{kind}=999&userid=J10003")
        for kind in ("requests", "reports", "pushed")
        for _ in range(100)
    ]
    await until(lambda: gw.gateway.waiters.open_waiters() == 900, "900 waits registered")
    looked.clear()
    for _ in range(20):
        await send_ok(gw, mobile="85292049999")  # a number nobody waits for
    # One look per request for the requests tally, one per report for the reports tally; the
    # 600 message waiters, all filtered by number, are not even asked.
    assert looked == {"requests": 20, "reports": 20}
    looked.clear()
    await send_ok(gw, mobile="85292000007")
    assert looked == {"requests": 1, "reports": 1, "messages": 1}
    assert await mine[7].answer() == (200, {"kind": "messages", "wanted": 1, "seen": 1})
    for call in [*shared, *mine, *others]:
        call.hang_up()
    await until(lambda: gw.gateway.waiters.open_waiters() == 0, "every wait dropped")


async def test_waits_count_reports_falling_due_and_moving_and_a_reset_counts_again(
    gw: Harness,
) -> None:
    port = port_of(gw)
    await gw.call("send_batch", mobile="85292041234,85292041235", content="hi")
    due = await raw_get(port, "/_mock/wait?reports=2")
    fetched = await raw_get(port, "/_mock/wait?reports=2&state=fetched")
    await until(lambda: gw.gateway.waiters.open_waiters() == 2, "both waits registered")
    response = await gw.client.post("/_mock/clock/advance", json={"seconds": 5})
    assert response.status == 200
    assert await due.answer() == (200, {"kind": "reports", "wanted": 2, "seen": 2})
    assert gw.gateway.waiters.open_waiters() == 1, "nothing fetched yet"
    assert len((await gw.call("get_rpt"))["rpts"]) == 2
    assert await fetched.answer() == (200, {"kind": "reports", "wanted": 2, "seen": 2})
    query = {"reports": "1", "state": "pending", "timeout": "0"}
    pending = await gw.client.get("/_mock/wait", params=query)
    assert (pending.status, (await pending.json())["seen"]) == (408, 0)

    two = await raw_get(port, "/_mock/wait?messages=4")
    await until(lambda: gw.gateway.waiters.open_waiters() == 1, "the wait registered")
    assert (await gw.client.post("/_mock/reset")).status == 200
    for _ in range(3):
        await send_ok(gw)
    assert gw.gateway.waiters.open_waiters() == 1, "the reset counted again from nothing"
    await send_ok(gw)
    assert await two.answer() == (200, {"kind": "messages", "wanted": 4, "seen": 4})

    five = await raw_get(port, "/_mock/wait?messages=5")
    await until(lambda: gw.gateway.waiters.open_waiters() == 1, "the wait registered")
    replaced = await gw.client.put("/_mock/scenario", data="name: next\nclock: virtual\n")
    assert replaced.status == 200
    await send_ok(gw)
    listed = (await (await gw.client.get("/_mock/messages")).json())["count"]
    now = await gw.client.get("/_mock/wait", params={"messages": "5", "timeout": "0"})
    assert (await now.json())["seen"] == listed, "after a new scenario the count is the listing's"
    five.hang_up()


async def test_a_wait_for_reports_on_the_real_clock_wakes_when_they_fall_due(
    start: Start,
) -> None:
    h = await start("reports: {delay: 0.2}\n")
    await send_ok(h)
    response = await asyncio.wait_for(
        h.client.get("/_mock/wait", params={"reports": "1", "timeout": "30"}), BOUND
    )
    assert await response.json() == {"kind": "reports", "wanted": 1, "seen": 1}
    assert len((await h.call("get_rpt"))["rpts"]) == 1


# --- 5. scenarios: alias bombs, deep nesting, huge numbers --------------------------------

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)
HOSTILE_SCENARIOS = {
    "billion laughs": (BILLION_LAUGHS, 1, "anchor 'a': anchors and aliases (&name, *name) are not"),
    "recursive alias": ("name: x\nseed: &s [*s]\n", 2, "anchor 's': anchors and aliases"),
    "merge key": ("base: &b {seed: 1}\nother:\n  <<: *b\n", 1, "anchor 'b'"),
    "10,000 [": ("[" * 10_000, 1, "nest"),  # libyaml stops it first, else the reader
    "deep mapping": ("a:\n" + "".join(f"{' ' * i}b:\n" for i in range(1, 60)), 33, "nested"),
    "5,000 digits": ("name: x\nseed: " + "7" * 5000, 2, "is a number written with more than"),
    "python tag": ("name: !!python/object:os.system x\n", 1, "is not allowed in scenario files"),
    "two documents": ("name: a\n---\nname: b\n", 2, "expected one document"),
}


@pytest.mark.parametrize("name", HOSTILE_SCENARIOS)
async def test_a_hostile_scenario_is_a_400_with_its_problem_and_costs_nothing(
    gw: Harness, name: str, tmp_path: Path
) -> None:
    text, line, problem = HOSTILE_SCENARIOS[name]
    response = await asyncio.wait_for(gw.client.put("/_mock/scenario", data=text), BOUND)
    assert response.status == 400
    problems = (await response.json())["problems"]
    assert any(p.startswith(f"request body:{line}: ") and problem in p for p in problems), problems
    assert sum(len(p) for p in problems) < 2000, "problems are short, whatever was sent"
    await send_ok(gw)  # the old scenario is still in force
    assert (await (await gw.client.get("/_mock/health")).json())["scenario"] == "default"
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    checked = run_cli("check", str(path))
    assert checked.returncode == 1
    assert f"{path}:{line}: " in checked.stderr and problem in checked.stderr
    assert "Traceback" not in checked.stderr


async def test_a_scenario_over_4_mib_or_not_utf8_is_refused_readably(gw: Harness) -> None:
    big = await gw.client.put("/_mock/scenario", data=b"#" * (4 * 1024 * 1024 + 1))
    assert big.status == 413
    assert "over 4194304 bytes" in (await big.json())["error"]
    latin = await gw.client.put("/_mock/scenario", data="name: caf\xe9\n".encode("latin-1"))
    assert latin.status == 400 and "UTF-8" in (await latin.json())["error"]
    await send_ok(gw)


def large_scenario(size: int) -> str:
    """A valid scenario of about ``size`` bytes: many accounts, rules and allowed networks."""
    parts = ["name: large\nclock: virtual\naccounts:\n  - {userid: J10003, password: '111111'}\n"]
    index = 0
    while sum(map(len, parts)) < size // 2 and index < 999:
        networks = ", ".join(f"'10.{index % 250}.{j}.0/24'" for j in range(32))
        parts.append(
            f"  - {{userid: A{index:05d}, password: 'p{index}', allowed_ips: [{networks}]}}\n"
        )
        index += 1
    parts.append("rules:\n")
    rule = 0
    while sum(map(len, parts)) < size and rule < 1000:
        filler = "x" * min(2000, size // 1000)
        parts.append(
            f"  - when: {{mobile: '+8529300{rule:04d}', content: '{filler}'}}\n"
            "    respond: {result: -100999}\n"
        )
        rule += 1
    return "".join(parts)


async def test_a_large_scenario_is_parsed_off_the_event_loop(
    gw: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse is held until a health check has been answered: possible only off the loop."""
    parsing, answered = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    real = load_text

    def held_load(text: str, **options: Any) -> Scenario:
        threads.append(threading.current_thread())
        parsing.set()
        answered.wait(BOUND)
        return real(text, **options)

    monkeypatch.setattr(control, "load_text", held_load)
    text = large_scenario(1_500_000)
    assert len(text) > 1_000_000
    putting = asyncio.create_task(gw.client.put("/_mock/scenario", data=text))
    await until(parsing.is_set, "the parse begins")
    health = await asyncio.wait_for(gw.client.get("/_mock/health"), BOUND)
    assert health.status == 200
    answered.set()
    response = await asyncio.wait_for(putting, 60)
    assert response.status == 200, await response.text()
    assert threads[0] is not threading.main_thread()
    assert (await (await gw.client.get("/_mock/health")).json())["scenario"] == "large"
    await send_ok(gw)


# --- 12. one push worker per account, whatever the race -----------------------------------


@dataclass
class HeldReceiver:
    """A push receiver that holds every push until ``release`` is set."""

    server: TestServer
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/rpt"))


async def held_receiver() -> HeldReceiver:
    holder: list[HeldReceiver] = []

    async def handle(request: web.Request) -> web.Response:
        me = holder[0]
        body = json.loads(await request.read())
        me.arrived.append(body)
        await me.release.wait()
        return web.json_response({"cmd": "RPT_RESP", "seqid": body["seqid"], "result": 0})

    app = web.Application()
    app.router.add_post("/rpt", handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    holder.append(HeldReceiver(server))
    return holder[0]


@pytest.fixture
async def receivers() -> AsyncIterator[tuple[HeldReceiver, HeldReceiver]]:
    first, second = await held_receiver(), await held_receiver()
    yield first, second
    for receiver in (first, second):
        receiver.release.set()
        await receiver.server.close()


def requests_handled(h: Harness) -> int:
    """Requests aiohttp's server has taken (the control API's are all handed to it)."""
    lane = h.client.server.runner.server if h.client.server.runner else None
    assert isinstance(lane, express.Lane)
    return lane.routed.requests_count


def push_worker_tasks() -> int:
    names = (getattr(task.get_coro(), "__qualname__", "") for task in asyncio.all_tasks())
    return sum(1 for name in names if name == "PushWorker._run")


async def test_two_concurrent_push_url_changes_never_make_two_workers(
    start: Start, receivers: tuple[HeldReceiver, HeldReceiver]
) -> None:
    held, other = receivers
    h = await start(
        "reports: {delay: 0}\naccounts:\n  - userid: J10003\n    password: '111111'\n"
        f"    push: {{url: '{held.url}', timeout: 30}}\n"
    )
    await send_ok(h)
    await until(lambda: len(held.arrived) == 1, "the push is in flight, held by its receiver")
    body = {"url": other.url}
    handled = requests_handled(h)
    puts = [
        asyncio.create_task(h.client.put("/_mock/accounts/J10003/push", json=body))
        for _ in range(2)
    ]
    await until(lambda: requests_handled(h) == handled + 2, "both changes are being handled")
    assert push_worker_tasks() <= 1
    held.release.set()
    for put in puts:
        assert (await asyncio.wait_for(put, BOUND)).status == 200
    assert push_worker_tasks() == 1
    other.release.set()
    await send_ok(h, mobile="85292041235")
    await until(lambda: len(other.arrived) == 1, "the next report goes to the new URL")
    pushes = await (await h.client.get("/_mock/pushes")).json()
    await until(lambda: push_worker_tasks() == 1, "one worker")
    assert pushes["items"][0]["outcome"] == "acknowledged"
    assert (await h.client.post("/_mock/reset")).status == 200
    await until(lambda: push_worker_tasks() == 1, "after a reset, one worker again")
    assert [b["seqid"] for b in other.arrived] == [2], (
        "the batch in flight went to the old URL only, and no stray worker pushed anything"
    )


# --- 13. the push client: no redirects, at most 64 KiB of an answer -----------------------

Respond = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class RawReceiver:
    """A receiver speaking raw HTTP on 127.0.0.1, port 0, to answer as no HTTP library would."""

    server: asyncio.Server
    written: int = 0
    broken: bool = False
    """True once a write failed: the gateway hung up on it."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/rpt"


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
    await reader.readexactly(int(length.group(1)) if length else 0)


@contextmanager
def receiving(
    answer: Callable[[RawReceiver, asyncio.StreamWriter], Awaitable[None]],
) -> Iterator[Callable[[], Awaitable[RawReceiver]]]:
    servers: list[asyncio.Server] = []

    async def begin() -> RawReceiver:
        holder: list[RawReceiver] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await read_request(reader)
                await answer(holder[0], writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                holder[0].broken = True
            finally:
                writer.transport.abort()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        holder.append(RawReceiver(server))
        return holder[0]

    try:
        yield begin
    finally:
        for server in servers:
            server.close()


MAX_WRITTEN = 64 * 1024 * 1024
"""What a hostile receiver here writes at most, so each test ends by itself."""


async def stream(me: RawReceiver, writer: asyncio.StreamWriter, head: bytes, chunk: bytes) -> None:
    writer.write(head)
    while me.written < MAX_WRITTEN:
        writer.write(chunk)
        me.written += len(chunk)
        await writer.drain()


async def one_push(start: Start, url: str) -> dict[str, Any]:
    """Accept one message whose report is pushed to ``url`` once; return that push attempt."""
    h = await start(
        "clock: virtual\nreports: {delay: 1}\naccounts:\n  - userid: J10003\n"
        f"    password: '111111'\n    push: {{url: '{url}', timeout: 10, retry: {{attempts: 1}}}}\n"
    )
    await send_ok(h)
    response = await asyncio.wait_for(
        h.client.post("/_mock/clock/advance", json={"seconds": 2}), 30
    )
    assert response.status == 200
    (attempt,) = (await (await h.client.get("/_mock/pushes")).json())["items"]
    (report,) = (await (await h.client.get("/_mock/reports")).json())["items"]
    assert report["state"] == "undelivered", "parked, visible and re-drivable: not lost"
    await send_ok(h, mobile="85292041235")
    return dict(attempt)


async def redirect(me: RawReceiver, writer: asyncio.StreamWriter) -> None:
    target = me.url.replace("/rpt", "/elsewhere")
    writer.write(f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\n".encode())
    writer.write(b"Content-Length: 0\r\n\r\n")
    await writer.drain()


async def test_a_push_never_follows_a_redirect(start: Start) -> None:
    with receiving(redirect) as begin:
        url = (await begin()).url
        attempt = await one_push(start, url)
    assert attempt["http_status"] == 307
    assert attempt["outcome"] == (
        f"failed: HTTP 307 redirect to {url.replace('/rpt', '/elsewhere')}: pushes do not "
        "follow redirects; set the push URL to the receiver itself"
    )


async def gigabyte(me: RawReceiver, writer: asyncio.StreamWriter) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n"
    )
    await stream(me, writer, head, b" " * 65536)


async def endless_chunks(me: RawReceiver, writer: asyncio.StreamWriter) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    await stream(me, writer, head, b"4000\r\n" + b" " * 0x4000 + b"\r\n")


@pytest.mark.parametrize("answer", [gigabyte, endless_chunks], ids=["1 GB", "endless chunks"])
async def test_a_receivers_huge_answer_is_not_read_past_64_kib(
    start: Start, answer: Callable[[RawReceiver, asyncio.StreamWriter], Awaitable[None]]
) -> None:
    with receiving(answer) as begin:
        receiver = await begin()
        attempt = await one_push(start, receiver.url)
        await until(lambda: receiver.broken, "the gateway hangs up on the receiver")
    assert attempt["outcome"] == (
        "failed: the answer is over 64 KiB: not read (an RPT_RESP is a few dozen bytes)"
    )
    assert attempt["http_status"] == 200
    assert receiver.written < MAX_WRITTEN, "it stopped reading long before the receiver stopped"


# --- 10. SIGTERM ends long-polls, stalls and pushes in flight -----------------------------


def raw_http(port: int, request: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
    sock.sendall(request)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (each recv bounded by the socket's timeout)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def port_in(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_sigterm_with_a_long_poll_a_stall_and_a_push_in_flight_exits_in_seconds(
    tmp_path: Path,
) -> None:
    silent = socket.socket()  # accepts, never answers: the push waits for its timeout
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    scenario = tmp_path / "stuck.yaml"
    scenario.write_text(
        "reports: {delay: 0}\n"
        "accounts:\n  - userid: J10003\n    password: '111111'\n"
        f"    push: {{url: 'http://127.0.0.1:{silent.getsockname()[1]}/rpt', timeout: 3}}\n"
        "rules:\n  - when: {endpoint: get_rpt}\n    fault: {stall: 600}\n"
    )
    try:
        with serve("--port", "0", "--scenario", str(scenario)) as (process, url):
            port = port_in(url)
            fields = {**credentials("J10003", "111111"), "mobile": NUMBER, "content": "hi"}
            assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0
            poll = raw_http(
                port, b"GET /_mock/wait?messages=9&timeout=300 HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            stall = raw_http(port, b"GET /sms/v2/std/get_rpt HTTP/1.1\r\nHost: x\r\n\r\n")
            deadline = time.monotonic() + BOUND
            while not pushes_in(url) or len(journal(url, "requests")) < 2:
                assert time.monotonic() < deadline, "the push and the stall never started"
                time.sleep(0.02)
            asked = time.monotonic()
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
            took = time.monotonic() - asked
            answer = read_all(poll)
            stalled = read_all(stall)
    finally:
        silent.close()
    assert process.returncode == 0, err
    assert took < 5 + 3 + 10, f"stopped in {took:.1f} s; at most 5 s plus the push timeout (3 s)"
    assert answer.startswith(b"HTTP/1.1 503") and b"the gateway is stopping" in answer
    assert stalled == b"", "a stall ends as a stall does: the connection dropped, no answer"
    assert "2 requests, 1 messages, 1 reports not yet collected or pushed" in out
    assert "Traceback" not in err


def journal(url: str, kind: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/_mock/{kind}", timeout=BOUND) as response:
        items: list[dict[str, Any]] = json.load(response)["items"]
        return items


def pushes_in(url: str) -> int:
    return len(journal(url, "pushes"))


# --- 14. slow, vanishing and malformed clients --------------------------------------------


def eof_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (what it sends first is skipped)."""
    sock.settimeout(seconds)
    try:
        read_all(sock)
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


def test_malformed_and_vanishing_clients_are_one_line_each_and_slow_ones_are_cut_off() -> None:
    head = b"POST /sms/v2/std/send_single HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with serve("--port", "0", "--client-timeout", "1") as (process, url):
        port = port_in(url)
        bad_header = raw_http(port, b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        assert read_all(bad_header).startswith(b"HTTP/1.0 400")
        bad_length = raw_http(port, head + b"Content-Length: abc\r\n\r\n")
        assert read_all(bad_length).startswith(b"HTTP/1.0 400")
        gone = raw_http(port, head + b"Content-Length: 100\r\n\r\n0123456789")
        gone.close()
        slow_body = raw_http(port, head + b"Content-Length: 100\r\n\r\n0123456789")
        slow_head = raw_http(port, b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")
        idle = raw_http(port, b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
        fields = {**credentials("J10003", "111111"), "mobile": NUMBER, "content": "hi"}
        assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0
        for sock in (slow_body, slow_head, idle):
            assert eof_within(sock, BOUND), "closed by the server after its client timeout"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=READY_TIMEOUT)
    lines = err.strip().splitlines()
    assert "Traceback" not in err
    assert (
        sum("Error handling request from 127.0.0.1: BadHttpMessage" in line for line in lines) == 2
    )
    assert [line for line in lines if "went away" in line] == [
        line
        for line in lines
        if line.endswith(
            "mockgateway.http: client 127.0.0.1 (POST /sms/v2/std/send_single) went away before "
            "its body arrived (10 of 100 bytes)"
        )
    ]
    assert sum("went away" in line for line in lines) == 1
    assert (
        sum("its body did not arrive within 1 s (10 of 100 bytes)" in line for line in lines) == 1
    )
    assert len(lines) == 4, lines


def low_file_limit() -> None:
    """In the child: a soft limit of 128 open files, as on hosts whose default is low."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))


@pytest.mark.skipif(
    resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 1024, reason="the hard file limit is too low"
)
def test_200_half_open_connections_do_not_starve_a_normal_client_and_are_cut_off() -> None:
    args = ("--port", "0", "--client-timeout", "2")
    with serve(*args, preexec_fn=low_file_limit) as (process, url):
        port = port_in(url)
        half_open = [
            raw_http(port, b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n") for _ in range(200)
        ]
        try:
            fields = {**credentials("J10003", "111111"), "mobile": NUMBER, "content": "hi"}
            assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0
            assert all(eof_within(sock, BOUND) for sock in half_open)
        finally:
            for sock in half_open:
                sock.close()
        assert len(journal(url, "messages")) == 1
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=READY_TIMEOUT)
    assert "Traceback" not in err


# --- 16. the control API's token off loopback, and no plain-text password in the journal --

TOKEN = "s3cret-token"


@pytest.fixture
async def guarded(aiohttp_client: Any) -> Harness:
    """A gateway whose control API needs :data:`TOKEN`, as on a non-loopback address."""
    gateway = Gateway(Scenario(clock="virtual", seed=7))
    client = await aiohttp_client(GatewayServer(create_app(gateway, control_token=TOKEN)))
    return Harness(gateway, client)


BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_mock/messages"),
        ("GET", "/_mock/requests"),
        ("GET", "/_mock/wait?messages=0"),
        ("POST", "/_mock/reset"),
        ("PUT", "/_mock/scenario"),
        ("PUT", "/_mock/accounts/J10003/push"),
        ("POST", "/_mock/clock/advance"),
        ("GET", "/_mock/ui"),
        ("GET", "/"),
    ],
)
async def test_the_control_api_and_the_inbox_need_the_token(
    guarded: Harness, method: str, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await guarded.client.request(method, path, headers=headers)
        assert response.status == 401, headers
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="mockgateway"'
        assert "Authorization: Bearer TOKEN" in (await response.json())["error"]
    assert guarded.gateway.scenario.name == "default", "nothing changed without the token"
    allowed = await guarded.client.request(method, path, headers=BEARER)
    assert allowed.status != 401


async def test_health_and_the_montnets_api_never_need_the_token(guarded: Harness) -> None:
    assert (await guarded.client.get("/_mock/health")).status == 200
    await send_ok(guarded)
    listed = await guarded.client.get("/_mock/messages", headers=BEARER)
    assert (await listed.json())["count"] == 1


async def test_the_inbox_takes_the_token_once_in_its_address_and_keeps_it_in_a_cookie(
    guarded: Harness,
) -> None:
    wrong = await guarded.client.get("/_mock/ui", params={"token": "wrong"})
    assert wrong.status == 401
    response = await guarded.client.get(
        "/_mock/ui", params={"token": TOKEN, "view": "messages"}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/_mock/ui?view=messages", "the token leaves the URL"
    cookie = response.headers["Set-Cookie"]
    assert f"mockgateway_token={TOKEN}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    listed = await guarded.client.get("/_mock/messages")  # the page's own calls, by cookie
    assert listed.status == 200
    posted = await guarded.client.post("/_mock/reset")
    assert posted.status == 200, "the cookie the inbox set carries the page's actions"
    guarded.client.session.cookie_jar.clear()
    assert (await guarded.client.post(f"/_mock/reset?token={TOKEN}")).status == 401, (
        "?token= is for opening the inbox, not for the API"
    )


async def test_the_journal_never_shows_a_plain_text_password(gw: Harness) -> None:
    plain = {"userid": "J10003", "pwd": "111111", "mobile": NUMBER, "content": "hi"}
    assert (await gw.call("send_single", sign=False, **plain))["result"] == 0
    await gw.call("send_single", sign=False, **{**plain, "userid": "j10003", "timestamp": "1"})
    await send_ok(gw)
    requests = (await (await gw.client.get("/_mock/requests")).json())["items"]
    assert [r["fields"]["pwd"] for r in requests[:2]] == ["***", "***"]
    assert "plain-text password sent: the journal shows it as ***" in requests[0]["warnings"]
    assert len(requests[2]["fields"]["pwd"]) == 32, "an MD5 pwd is shown as sent"
    listing = await (await gw.client.get("/_mock/requests")).text()
    assert "111111" not in listing


@pytest.mark.parametrize(
    ("host", "open_"),
    [
        ("127.0.0.1", True),
        ("127.0.0.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("gateway.internal", False),
    ],
)
def test_off_loopback_a_token_is_generated_and_printed_unless_one_is_given(
    host: str, open_: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    token = control_token_for(host, None)
    err = capsys.readouterr().err
    if open_:
        assert token is None and err == ""
    else:
        assert token is not None and len(token) >= 32
        assert f"the control API on {host} needs a token; this run's is {token}" in err
    assert control_token_for(host, "mine") == "mine"
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_token_given_on_loopback_is_required_too(how: str) -> None:
    args = ("--port", "0", "--control-token", TOKEN) if how == "option" else ("--port", "0")
    env = {"MOCKGATEWAY_CONTROL_TOKEN": TOKEN} if how == "environment" else {}
    with serve(*args, env=env) as (process, url):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/_mock/messages", timeout=BOUND)
        assert refused.value.code == 401
        request = urllib.request.Request(f"{url}/_mock/messages", headers=BEARER)
        with urllib.request.urlopen(request, timeout=BOUND) as response:
            assert json.load(response)["count"] == 0
        fields = {**credentials("J10003", "111111"), "mobile": NUMBER, "content": "hi"}
        assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=READY_TIMEOUT)
    assert TOKEN not in out, "a given token is not printed"


async def test_a_scenario_with_thousands_of_problems_lists_the_first_hundred(gw: Harness) -> None:
    text = "name: many\naccounts:\n" + "".join(f"  - {{userid: bad{i}}}\n" for i in range(900))
    response = await gw.client.put("/_mock/scenario", data=text)
    assert response.status == 400
    problems = (await response.json())["problems"]
    assert len(problems) == 101
    assert problems[-1].startswith("... and ") and problems[-1].endswith(" more problems")


async def test_the_harness_handle_sends_the_token(guarded: Harness) -> None:
    from mockgateway.harness import MockGateway

    await send_ok(guarded)
    holder = MockGateway(guarded.base_url, token=TOKEN)
    assert len(await asyncio.to_thread(holder.messages)) == 1
    with pytest.raises(RuntimeError, match="HTTP 401"):
        await asyncio.to_thread(MockGateway(guarded.base_url).messages)
