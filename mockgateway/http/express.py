"""The express lane: a complete, plain API request is answered the moment it arrives, without
aiohttp's per-request machinery.

On aiohttp most of a send_single's HTTP cost is the framework's own: a task and a request object
per request, a stream for its body, a response object with its header dict, a writer (the bare
aiohttp handler spends about 50 µs of CPU a request there). A connection starts here instead. A
request whose head and body are both in the buffer, and which is plain — HTTP/1.1, POST or GET to
an endpoint under ``/sms/v2/std/`` (or ``v1``), a Content-Length or no body, no Expect, no
Transfer-Encoding, no upgrade, header lines as RFC 9110 spells them — is read, answered by the
same code as the routed handler (``api.read_body`` and ``api.settle``) and written at once, in
order. The first request that is anything else (not all here yet, chunked, the control API or
the inbox, an unknown endpoint, a scenario whose rules may inject an HTTP fault, a byte this
lane does not read) hands the connection, with every byte not yet answered, to aiohttp's own
protocol, which serves it from then on: aiohttp stays the judge of everything unusual, with its
limits and timeouts, and nothing is ever answered twice or out of order.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any, cast

import regex
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE

from mockgateway.domain.gateway import Gateway
from mockgateway.http import api
from mockgateway.protocol.limits import MAX_BODY

log = logging.getLogger("mockgateway.http")

MAX_HEAD = 8190
"""Bytes of request line and headers this lane reads (aiohttp's own line limit); a longer head
is aiohttp's to judge."""

_REQUEST_LINE = re.compile(
    rb"(POST|GET) /sms/(v[12])/std/([A-Za-z_]{1,64})(?:\?([A-Za-z0-9%&=+._~*,:;@/!$'()?-]*))? "
    rb"HTTP/1\.1\r\n"
)
"""The request line of a plain API request: the target in the characters a client's URL
encoder leaves, so that the path needs no decoding and the query string is read as sent."""

_FIELDS = re.compile(rb"(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*\r\n)*")
"""Header lines as RFC 9110 spells them, in visible ASCII: anything else goes to aiohttp."""

_HEAD = regex.compile(_REQUEST_LINE.pattern + rb"(?:" + _FIELDS.pattern + rb")\r\n")
"""A whole plain head, matched partially (the ``regex`` module) while it is still coming."""

MAX_HEADERS = 128
"""aiohttp's limit: a head with more header lines is its to refuse."""

_HAND_OVER, _WAIT, _CLOSED = -1, -2, -3
"""What :meth:`Connection._answer_one` says instead of where the next request starts."""

_NAME = re.compile(rb"\r\n([^:]+):")
"""A header's name, in the lowered header lines."""

_HANDED_OVER = frozenset({b"transfer-encoding", b"expect", b"upgrade", b"sec-websocket-key1"})
"""Headers that ask for more than a plain exchange: aiohttp serves the connection from them."""

_READ = (b"\r\ncontent-length:", b"\r\ncontent-type:", b"\r\ncontent-encoding:", b"\r\nconnection:")
"""The headers the lane reads (found in the lowered header lines, each after a line break)."""

_SINGLETONS = frozenset(
    {
        b"content-length",
        b"content-type",
        b"content-encoding",
        b"connection",
        b"host",
        b"content-location",
        b"content-range",
        b"etag",
        b"max-forwards",
        b"server",
        b"user-agent",
    }
)
"""Headers a request may give once (aiohttp's list, and Content-Encoding and Connection, whose
repetition the lane leaves to aiohttp too)."""


class Lane:
    """What every express connection of one server shares: the gateway, the metrics tally,
    the idle limit, aiohttp's server to hand connections to, and the connections open, so that
    a stop can close them."""

    def __init__(
        self,
        gateway: Gateway,
        routed: web.Server,
        *,
        idle: float,
        observe: Callable[[str, float], None] | None,
    ) -> None:
        self.gateway = gateway
        self.routed = routed
        self.idle = idle
        self.observe = observe
        self.open: set[Connection] = set()
        self._date = b""
        self._second = -1

    def __call__(self) -> asyncio.Protocol:
        """A protocol for a new connection (the site's protocol factory): aiohttp's own while
        the scenario's rules may inject HTTP faults, which only aiohttp applies."""
        if self.gateway.rules.faulty:
            return self.routed()
        return Connection(self)

    def close_all(self) -> None:
        """Close the connections still in the lane (each is between requests)."""
        for connection in list(self.open):
            connection.close()

    def date(self) -> bytes:
        """The Date header's value, formatted once a second."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._date = formatdate(now, usegmt=True).encode()
        return self._date


class Connection(asyncio.Protocol):
    """One client connection while it is in the express lane."""

    def __init__(self, lane: Lane) -> None:
        self._lane = lane
        self._transport: asyncio.Transport | None = None
        self._remote = ""
        self._pending = b""
        """Bytes not answered yet: the start of a head still coming, or what came while
        writing is paused (answered when the client reads again)."""
        self._paused = False
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # --- asyncio's protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        peer = transport.get_extra_info("peername")
        self._remote = peer[0] if isinstance(peer, tuple) and peer else ""
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._lane.open.add(self)
        loop = asyncio.get_running_loop()
        self._last = loop.time()
        self._timer = loop.call_at(self._last + self._lane.idle, self._check_idle)

    def data_received(self, data: bytes) -> None:
        if self._pending:
            data, self._pending = self._pending + data, b""
        if self._paused:
            self._pending = data
            return
        self._answer(data)

    def eof_received(self) -> bool:
        return False  # the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        self._transport = None

    def pause_writing(self) -> None:
        """The client does not read its answers: stop reading its requests until it does."""
        self._paused = True
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._paused = False
        if self._transport is None:
            return
        self._transport.resume_reading()
        if self._pending:
            data, self._pending = self._pending, b""
            self._answer(data)

    def socket(self) -> socket.socket:
        """The connection's socket (for a test to shrink its buffers)."""
        assert self._transport is not None
        sock: socket.socket = self._transport.get_extra_info("socket")
        return sock

    def buffered(self) -> int:
        """Bytes of answers written and not yet taken by the kernel."""
        return 0 if self._transport is None else self._transport.get_write_buffer_size()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._leave()

    # --- the lane ------------------------------------------------------------------------

    def _answer(self, data: bytes) -> None:
        """Answer every whole, plain request in ``data`` in order; keep a head still coming;
        hand over at the first request that is not plain or whole."""
        start, size = 0, len(data)
        while start < size:
            if self._paused:
                self._pending = data[start:]
                return
            end = self._answer_one(data, start)
            if end == _HAND_OVER:
                self._hand_over(data[start:])
                return
            if end == _WAIT:
                self._pending = data[start:]
                return
            if end == _CLOSED:
                return
            start = end

    def _answer_one(self, data: bytes, start: int) -> int:
        """Answer the request at ``start`` if it is whole and plain, and say where the next one
        starts; else :data:`_WAIT` for the rest of a head (at most :data:`MAX_HEAD` bytes),
        :data:`_HAND_OVER`, or :data:`_CLOSED` after an answer with ``Connection: close``."""
        line = _REQUEST_LINE.match(data, start)
        head_end = -1 if line is None else data.find(b"\r\n\r\n", line.end() - 2, start + MAX_HEAD)
        if line is None or head_end < 0:
            return _WAIT if self._head_coming(data, start) else _HAND_OVER
        fields, body_start = data[line.end() - 2 : head_end + 2], head_end + 4
        if _FIELDS.fullmatch(fields, 2) is None:
            return _HAND_OVER
        lowered = fields.lower()
        names = _NAME.findall(lowered)
        named = set(names)
        if len(names) > MAX_HEADERS or b"host" not in named or not named.isdisjoint(_HANDED_OVER):
            return _HAND_OVER
        if len(named) < len(names) and not _SINGLETONS.isdisjoint(_repeated(names)):
            return _HAND_OVER  # aiohttp refuses a repeated one (400)
        length_text, content_type, coding, connection = [
            _value(fields, lowered, header) if header in lowered else b"" for header in _READ
        ]
        close = False
        if connection:
            tokens = {token.strip(b" \t") for token in connection.lower().split(b",")}
            if b"upgrade" in tokens:
                return _HAND_OVER
            close = b"close" in tokens
        if length_text and (not length_text.isdigit() or len(length_text) > 9):
            return _HAND_OVER
        length = int(length_text or 0)
        end = body_start + length
        if length > MAX_BODY or end > len(data):
            return _HAND_OVER  # a body still coming is aiohttp's: its deadline, its log lines
        if close and end < len(data):
            return _HAND_OVER  # aiohttp refuses data after Connection: close (400)
        method, version, spelling, query = line.groups()
        gateway = self._lane.gateway
        if gateway.rules.faulty:
            return _HAND_OVER  # faults are aiohttp's to apply (delays, stalls, dropped connections)
        spelled = spelling.decode()
        endpoint = api.locate(gateway, spelled)
        if endpoint is None:
            return _HAND_OVER  # the routed handler journals it with its 404
        try:
            self._respond(
                method.decode(),
                spelled,
                endpoint,
                version == b"v1",
                content_type.decode(),
                coding.decode(),
                data[body_start:end],
                query or b"",
                close,
            )
        except Exception:  # a bug in the mock: the client gets a 500, as aiohttp would give
            log.exception("internal error answering %s in the express lane", spelled)
            self._fail()
            return _CLOSED
        return _CLOSED if close else end

    @staticmethod
    def _head_coming(data: bytes, start: int) -> bool:
        """Whether the bytes from ``start`` can still become a plain head: anything else (a
        bare LF, a TLS hello, a method or path the lane does not serve, a head past
        :data:`MAX_HEAD`) is aiohttp's to answer at once, not to wait for."""
        end = min(len(data), start + MAX_HEAD)
        return (
            end - start < MAX_HEAD and _HEAD.fullmatch(data, start, end, partial=True) is not None
        )

    def _respond(
        self,
        method: str,
        spelling: str,
        endpoint: Any,
        legacy: bool,
        content_type: str,
        coding: str,
        body: bytes,
        query: bytes,
        close: bool,
    ) -> None:
        lane, transport = self._lane, self._transport
        assert transport is not None
        started = time.perf_counter()
        reading = api.read_body(method, content_type, coding, body, query)
        settled = api.settle(
            lane.gateway, endpoint, spelling, method, self._remote, legacy, reading
        )
        with settled.answer.slot:
            head = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nDate: %s\r\n" % (
                settled.status,
                b"OK" if settled.status == 200 else b"Not Found",
                settled.content_type.encode(),
                len(settled.body),
                lane.date(),
            )
            ending = b"Connection: close\r\n\r\n" if close else b"\r\n"
            if lane.observe is not None:
                lane.observe(endpoint.name, time.perf_counter() - started)
            transport.write(head + _SERVER + ending + settled.body)  # nothing can fail after it
        self._last = asyncio.get_running_loop().time()
        if close:
            self.close()

    def _fail(self) -> None:
        if self._transport is not None:
            self._transport.write(_INTERNAL_ERROR)
        self.close()

    def _hand_over(self, unanswered: bytes) -> None:
        """From here on aiohttp serves the connection, starting with ``unanswered``."""
        transport = self._transport
        self._leave()
        if transport is None or transport.is_closing():
            return
        protocol = self._lane.routed()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if unanswered:
            protocol.data_received(unanswered)

    def _leave(self) -> None:
        self._lane.open.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check_idle(self) -> None:
        """Close a connection idle for the client timeout, as aiohttp's keep-alive does."""
        self._timer = None
        if self._transport is None:
            return
        loop = asyncio.get_running_loop()
        due = self._last + self._lane.idle
        if loop.time() >= due and self.buffered():
            self._transport.abort()  # it reads nothing: its answers would never be flushed
            self._leave()
        elif loop.time() >= due:
            self.close()
        else:
            self._timer = loop.call_at(due, self._check_idle)


def _value(fields: bytes, lowered: bytes, header: bytes) -> bytes:
    at = lowered.find(header) + len(header)
    return fields[at : fields.find(b"\r\n", at)].strip(b" \t")


def _repeated(names: list[bytes]) -> set[bytes]:
    return {name for name in names if names.count(name) > 1}


_SERVER = b"Server: " + SERVER_SOFTWARE.encode() + b"\r\n"
_FAILURE = b"internal error in mockgateway: its log says where; please report it\n"
_INTERNAL_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(_FAILURE), _FAILURE)
)
