"""The express lane (``http/express.py``): whole, plain API requests answered as they arrive,
everything else handed to aiohttp with the connection — over raw sockets, byte by byte as a
client sends them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from mockgateway.client import credentials, form_fields
from mockgateway.domain.gateway import Gateway
from mockgateway.http.app import create_app, make_runner
from mockgateway.http.express import Lane
from mockgateway.scenario import Scenario
from tests.conftest import GatewayServer, Harness, Start
from tests.test_hostile_control import BOUND, port_of, until

Answer = tuple[int, dict[str, str], bytes]


def send_single(mobile: str = "85292041234", *, headers: bytes = b"", **more: Any) -> bytes:
    body = json.dumps(
        {**credentials("J10003", "111111"), "mobile": mobile, "content": "hi", **more}
    )
    return (
        b"POST /sms/v2/std/send_single HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + headers
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body.encode()
    )


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    status_line, *lines = head.decode("latin-1").split("\r\n")[:-2]
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int(await asyncio.wait_for(reader.readuntil(b"\r\n"), 10), 16):
            body += await asyncio.wait_for(reader.readexactly(size + 2), 10)
            body = body[:-2]
        await reader.readexactly(2)
    else:
        body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 10)
    return int(status_line.split()[1]), headers, body


async def connect(h: Harness) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(h.client.server.host, h.client.server.port)


def lane_of(h: Harness) -> Lane:
    runner = h.client.server.runner
    assert runner is not None and isinstance(runner.server, Lane)
    return runner.server


async def test_pipelined_requests_are_answered_in_order_in_the_lane(gw: Harness) -> None:
    reader, writer = await connect(gw)
    numbers = [f"8529204{n:04d}" for n in range(3)]
    writer.write(b"".join(send_single(number) for number in numbers))
    answers = [await read_answer(reader) for _ in numbers]
    writer.close()
    msgids = [json.loads(body)["msgid"] for _, _, body in answers]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert msgids == sorted(msgids) and len(set(msgids)) == 3
    assert [m.mobile for m in gw.gateway.messages] == numbers
    assert lane_of(gw).routed.requests_count == 0  # aiohttp never saw them


async def test_the_lane_answers_with_the_headers_aiohttp_would(gw: Harness) -> None:
    routed = await gw.client.get("/_mock/health")  # any aiohttp answer, for its headers
    reader, writer = await connect(gw)
    writer.write(send_single())
    status, headers, body = await read_answer(reader)
    writer.close()
    assert status == 200
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["server"] == routed.headers["Server"]
    assert headers["date"].endswith(" GMT") and len(headers["date"]) == 29
    assert json.loads(body)["result"] == 0


async def test_a_head_that_comes_in_pieces_is_answered_in_the_lane(gw: Harness) -> None:
    """A head in several writes, the body with its end: the lane keeps a head until it is
    whole."""
    whole = send_single()
    reader, writer = await connect(gw)
    for piece in (whole[:10], whole[10:60], whole[60:]):
        writer.write(piece)
        await writer.drain()
        await asyncio.sleep(0.01)
    status, _, body = await read_answer(reader)
    writer.close()
    assert status == 200 and json.loads(body)["result"] == 0
    assert lane_of(gw).routed.requests_count == 0


async def test_a_body_still_coming_is_handed_to_aiohttp(gw: Harness) -> None:
    """aiohttp keeps a body's deadline and names a client that goes away in the middle."""
    whole = send_single()
    reader, writer = await connect(gw)
    writer.write(whole[:-5])
    await until(lambda: not lane_of(gw).open, "the lane handed the connection over")
    writer.write(whole[-5:])
    status, _, _ = await read_answer(reader)
    writer.close()
    assert status == 200 and lane_of(gw).routed.requests_count == 1


async def test_a_chunked_request_is_handed_to_aiohttp_with_the_connection(gw: Harness) -> None:
    body = json.dumps({**credentials("J10003", "111111"), "mobile": "85292041234", "content": "a"})
    reader, writer = await connect(gw)
    await until(lambda: len(lane_of(gw).open) == 1, "the connection is in the lane")
    writer.write(
        b"POST /sms/v2/std/send_single HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body.encode())
    )
    first = await read_answer(reader)
    writer.write(send_single("85292041235"))
    second = await read_answer(reader)
    writer.close()
    assert [first[0], second[0]] == [200, 200]
    assert [m.mobile for m in gw.gateway.messages] == ["85292041234", "85292041235"]
    assert not lane_of(gw).open and lane_of(gw).routed.requests_count == 2


async def test_a_control_request_after_api_requests_is_served_on_the_same_connection(
    gw: Harness,
) -> None:
    reader, writer = await connect(gw)
    writer.write(send_single() + b"GET /_mock/requests HTTP/1.1\r\nHost: x\r\n\r\n")
    sent = await read_answer(reader)
    listing = await read_answer(reader)
    writer.close()
    assert sent[0] == listing[0] == 200
    records = json.loads(listing[2])["items"]
    assert [r["endpoint"] for r in records] == ["send_single"]


async def test_connection_close_is_honoured(gw: Harness) -> None:
    reader, writer = await connect(gw)
    writer.write(send_single(headers=b"Connection: close\r\n"))
    status, headers, _ = await read_answer(reader)
    assert status == 200 and headers["connection"] == "close"
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
    writer.close()
    assert len(gw.gateway.messages) == 1


async def test_an_unknown_endpoint_a_fault_and_a_bad_header_are_aiohttps(start: Start) -> None:
    """Each is answered as the routed app answers it: the 404 journaled, the fault applied,
    the malformed header refused with 400."""
    h = await start(
        "rules:\n  - when: {endpoint: send_batch}\n    fault: {http_status: 503}\nclock: virtual\n"
    )
    reader, writer = await connect(h)
    # A scenario with faults: connections start with aiohttp, not in the lane.
    await until(lambda: len(lane_of(h).routed.connections) == 1, "aiohttp has the connection")
    assert not lane_of(h).open
    writer.write(b"POST /sms/v2/std/send_singel HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert (await read_answer(reader))[0] == 404
    writer.write(send_single().replace(b"send_single", b"send_batch"))
    assert (await read_answer(reader))[0] == 503
    writer.close()
    reader, writer = await connect(h)
    writer.write(send_single(headers=b"Bad Header: x\r\n"))
    assert (await read_answer(reader))[0] == 400
    writer.close()
    assert [r.endpoint for r in h.gateway.requests] == ["unknown", "send_batch"]


async def test_a_client_that_does_not_read_its_answers_is_paused_not_buffered(
    gw: Harness,
) -> None:
    """Eight pipelined get_rpt of 500 reports from a client that reads nothing until it has
    sent them all: the lane stops answering while the answers back up (its write buffer stays
    about asyncio's high-water mark), and answers the rest in order once the client reads."""
    numbers = ",".join(f"8529204{n:04d}" for n in range(1000))
    for _ in range(3):
        assert (await gw.call("send_batch", mobile=numbers, content="hi"))["result"] == 0
    await gw.gateway.advance(3600)
    query = urlencode(form_fields({**credentials("J10003", "111111"), "retsize": 500}))
    get_rpt = b"GET /sms/v2/std/get_rpt?%s HTTP/1.1\r\nHost: x\r\n\r\n" % query.encode()
    before = set(lane_of(gw).open)  # the test client's own
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (gw.client.server.host, port_of(gw)))
    reader, writer = await asyncio.open_connection(sock=sock)
    await until(lambda: len(lane_of(gw).open - before) == 1, "the connection is in the lane")
    (connection,) = lane_of(gw).open - before
    connection.socket().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # back up soon
    writer.write(get_rpt * 8)
    answered = await asyncio.wait_for(stalled(lambda: len(gw.gateway.requests) - 3), BOUND)
    assert answered < 8  # the rest wait for the client to read
    assert connection.buffered() < 64 * 1024 + 70_000  # the high-water mark and one answer
    answers = [await read_answer(reader) for _ in range(8)]
    writer.close()
    reports = [json.loads(body).get("rpts") or [] for _, _, body in answers]
    assert [len(r) for r in reports] == [500] * 6 + [0, 0]
    assert len(gw.gateway.requests) == 3 + 8


async def stalled(count: Callable[[], int]) -> int:
    """``count()`` once it has not changed for 50 ms."""
    previous = -1
    while (now := count()) != previous:
        previous = now
        await asyncio.sleep(0.05)
    return now


async def test_an_idle_connection_is_closed_after_the_client_timeout(
    aiohttp_client: Any,
) -> None:
    app = create_app(Gateway(Scenario(clock="virtual")), client_timeout=0.2)
    client = await aiohttp_client(GatewayServer(app))
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(send_single())
    assert (await read_answer(reader))[0] == 200
    writer.write(send_single()[:30])  # the start of a request that never comes whole
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
    writer.close()


async def test_a_stop_closes_the_connections_waiting_in_the_lane(aiohttp_client: Any) -> None:
    client = await aiohttp_client(GatewayServer(create_app(Gateway(Scenario(clock="virtual")))))
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(send_single())
    assert (await read_answer(reader))[0] == 200
    assert client.server.runner is not None
    lane = client.server.runner.server
    assert isinstance(lane, Lane) and len(lane.open) == 1
    await client.close()
    assert await asyncio.wait_for(reader.read(), 10) == b""
    assert not lane.open
    writer.close()


async def test_without_the_lane_aiohttp_serves_every_request(aiohttp_client: Any) -> None:
    """``make_runner(app, express=False)``: what the benchmarks compare the lane with."""

    class RoutedServer(GatewayServer):
        async def _make_runner(self, **kwargs: Any) -> Any:
            return make_runner(self.app, express=False, **kwargs)

    client = await aiohttp_client(RoutedServer(create_app(Gateway(Scenario(clock="virtual")))))
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(send_single())
    status, _, body = await read_answer(reader)
    writer.close()
    assert status == 200 and json.loads(body)["result"] == 0
    assert client.server.runner is not None
    server = client.server.runner.server
    assert not isinstance(server, Lane) and server.requests_count == 1


async def test_the_lane_reads_headers_by_name_whatever_their_case(gw: Harness) -> None:
    """Header names in any case; a compressed body refused in the protocol's terms as the
    routed handler refuses it; a repeated Content-Length is aiohttp's to refuse (400)."""
    body = json.dumps({**credentials("J10003", "111111"), "mobile": "85292041234", "content": "a"})
    head = b"POST /sms/v2/std/send_single HTTP/1.1\r\nhost: x\r\nCONTENT-TYPE: application/json\r\n"
    reader, writer = await connect(gw)
    writer.write(head + b"cOnTeNt-LeNgTh: %d\r\n\r\n%s" % (len(body), body.encode()))
    plain = json.loads((await read_answer(reader))[2])
    writer.write(
        head
        + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body.encode())
    )
    compressed = json.loads((await read_answer(reader))[2])
    assert lane_of(gw).routed.requests_count == 0  # both answered in the lane
    writer.write(head + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n{}{}{")
    assert (await read_answer(reader))[0] == 400
    writer.close()
    assert plain["result"] == 0 and compressed["result"] == -100100
    assert "compressed" in (list(gw.gateway.requests)[-1].diagnosis or "")


async def test_a_bug_in_the_lane_is_a_500_and_a_log_line_not_a_dead_server(
    gw: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As aiohttp answers a handler's exception: 500, the connection closed, the traceback in
    the log; the next connection is served."""

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("mockgateway.http.api.settle", broken)
    reader, writer = await connect(gw)
    writer.write(send_single())
    status, headers, body = await read_answer(reader)
    assert status == 500 and headers["connection"] == "close" and b"report it" in body
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()
    assert "internal error answering send_single in the express lane" in caplog.text
    monkeypatch.undo()
    reader, writer = await connect(gw)
    writer.write(send_single())
    assert (await read_answer(reader))[0] == 200
    writer.close()


WHOLE = send_single()
"""A request the lane answers; the cases below break it as clients and scanners do."""


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", "a TLS hello on the plain port"),
        (WHOLE.replace(b"\r\n", b"\n"), "bare line feeds"),
        (b"HELLO", "garbage without a line end"),
        (WHOLE.replace(b"Host: x\r\n", b""), "HTTP/1.1 without Host"),
        (WHOLE.replace(b"Host: x\r\n", b"Host: x\r\nHost: y\r\n"), "two Hosts"),
        (
            WHOLE.replace(b"Host: x\r\n", b"Host: x\r\nUser-Agent: a\r\nUser-Agent: b\r\n"),
            "two UAs",
        ),
        (
            WHOLE.replace(
                b"Host: x\r\n", b"Host: x\r\n" + b"".join(b"x%d: a\r\n" % n for n in range(130))
            ),
            "more than 128 header lines",
        ),
        (
            send_single(headers=b"Connection: close\r\n") + WHOLE,
            "data after Connection: close",
        ),
    ],
)
async def test_what_aiohttp_refuses_the_lane_hands_over_at_once(
    gw: Harness, sent: bytes, why: str
) -> None:
    """aiohttp's 400 comes at once (not after the client timeout), and nothing is journaled."""
    reader, writer = await connect(gw)
    writer.write(sent)
    status, _, _ = await read_answer(reader)
    writer.close()
    assert status == 400, why
    assert not gw.gateway.messages


async def test_connection_is_read_as_tokens(gw: Harness) -> None:
    reader, writer = await connect(gw)
    writer.write(send_single(headers=b"Connection: notclose, keep-alive\r\n") + WHOLE)
    first, second = await read_answer(reader), await read_answer(reader)
    writer.close()
    assert first[0] == second[0] == 200 and "connection" not in first[1]


async def test_a_client_that_reads_nothing_for_the_client_timeout_is_cut_off(
    aiohttp_client: Any,
) -> None:
    """Its answers back up, the lane stops reading, and at the client timeout the connection
    is aborted rather than left waiting for a flush that never comes."""
    app = create_app(Gateway(Scenario(clock="virtual")), client_timeout=0.5)
    client = await aiohttp_client(GatewayServer(app))
    assert client.server.runner is not None
    lane = client.server.runner.server
    assert isinstance(lane, Lane)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (client.server.host, client.server.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    await until(lambda: len(lane.open) == 1, "the connection is in the lane")
    (connection,) = lane.open
    connection.socket().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
    query = urlencode(fields).encode()
    get = b"GET /sms/v2/std/send_single?%s HTTP/1.1\r\nHost: x\r\n\r\n" % query  # no body
    writer.write(get * 1000)
    await until(lambda: connection.buffered() > 0, "answers back up")
    await until(lambda: connection.buffered() == 0, "the connection is gone, answers and all")
    received = 0
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
        while True:
            await read_answer(reader)
            received += 1
    writer.close()
    assert received < 1000
