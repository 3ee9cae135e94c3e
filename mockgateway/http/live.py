"""The inbox's live feed: what happens in the gateway, as server-sent events.

Each open page holds one stream (``GET /_mock/ui/events``, with the page's filters). A listener on
``gateway.events`` puts what happened on the stream's own queue, at once and without serialising
anything (listeners run inside the request that caused the happening); the stream's handler
writes the queue out. The queue is bounded: a stream that falls behind (a browser tab in the
background, a flood of traffic) loses its queue and is told ``resync``, and the page fetches its
first pages again. A comment every :attr:`Streams.heartbeat` seconds keeps proxies from closing
an idle stream and finds clients that went away. A stream ends when its client goes or the server
stops (``bye``); at most :attr:`Streams.limit` are open at once.

Events: ``hello`` (sent first: fetch the pages now), ``message``, ``request``, ``report``,
``push`` (each the item as the feed gives it, with ``pos`` where it is new), ``mo`` (an MO item
as ``/_mock/mos`` lists it, made or moved), ``reset`` (the journals were emptied or the scenario
replaced), ``resync``, ``bye``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from mockgateway.domain.events import Listener
from mockgateway.domain.gateway import Gateway
from mockgateway.domain.queries import BadFilter
from mockgateway.domain.records import (
    Message,
    Mo,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
)
from mockgateway.http.inbox_filters import Chosen, about, choose
from mockgateway.http.keys import GATEWAY, STOPPING
from mockgateway.http.serializers import (
    message_json,
    mo_json,
    push_json,
    report_json,
    request_json,
)
from mockgateway.http.stopping import settle
from mockgateway.inbox.items import Item, message_item, push_item, request_item

routes = web.RouteTableDef()

WRITE_BATCH = 500
"""Events written at once before the handler yields to the event loop."""


@dataclass
class Streams:
    limit: int = 16
    bound: int = 2048
    """Events a stream may have waiting before it is told to resync."""
    max_bytes: int = 16 * 1024 * 1024
    """What the records of a stream's waiting events may hold (a request holds its body, which
    the journal may already have dropped): past it, too, the stream is told to resync."""
    heartbeat: float = 15.0
    open: int = 0


STREAMS = web.AppKey("inbox_streams", Streams)

Happening = tuple[str, Any, int | None]
"""(event name, the record, its position in its journal when it is new)."""


def _weight(happening: Happening) -> int:
    """Bytes a waiting event keeps alive: a request its body, anything else a few hundred."""
    record = happening[1]
    return record.size if isinstance(record, RequestRecord) else 512


class _Stream(Listener):
    def __init__(self, gateway: Gateway, bound: int, max_bytes: int) -> None:
        self._gateway = gateway
        self._bound = bound
        self._max_bytes = max_bytes
        self.bytes = 0
        """What the waiting events' records hold, by :func:`_weight`."""
        self.queue: deque[Happening] = deque()
        self.behind = False
        """The queue overflowed: what it held is gone, and the page must fetch again."""
        self.woken: asyncio.Future[None] | None = None
        self._in_flight: dict[int, int | None] = {}

    def _put(self, happening: Happening) -> None:
        if self.behind:
            return
        weight = _weight(happening)
        if len(self.queue) >= self._bound or self.bytes + weight > self._max_bytes:
            self.queue.clear()
            self.bytes = 0
            self.behind = True
        else:
            self.queue.append(happening)
            self.bytes += weight
        self.wake()

    def take(self) -> Happening:
        happening = self.queue.popleft()
        self.bytes -= _weight(happening)
        return happening

    def wake(self, _: object = None) -> None:
        if self.woken is not None:
            settle(self.woken)

    def message_added(self, message: Message) -> None:
        self._put(("message", message, self._gateway.messages.total - 1))

    def request_added(self, record: RequestRecord) -> None:
        self._put(("request", record, self._gateway.requests.total - 1))

    def report_scheduled(self, report: Report) -> None:
        self._put(("report", report, None))

    def report_moved(self, report: Report, before: ReportState) -> None:
        self._put(("report", report, None))

    def mo_scheduled(self, mo: Mo) -> None:
        self._put(("mo", mo, None))

    def mo_moved(self, mo: Mo, before: ReportState) -> None:
        self._put(("mo", mo, None))

    def push_changed(self, attempt: PushAttempt) -> None:
        """An attempt is told of twice, as it starts and with its outcome; both carry its
        position (attempts in flight are few: one per account)."""
        if attempt.outcome == "in flight":
            pos: int | None = self._gateway.pushes.total - 1
            self._in_flight[id(attempt)] = pos
        else:
            pos = self._in_flight.pop(id(attempt), None)
        self._put(("push", attempt, pos))

    def journal_reset(self) -> None:
        self._in_flight.clear()
        self.queue.clear()
        self.bytes = 0
        self.behind = False
        self._put(("reset", None, None))


def _event(name: str, data: Item | None = None) -> bytes:
    payload = json.dumps(data or {}, separators=(",", ":"), allow_nan=False)
    return f"event: {name}\ndata: {payload}\n\n".encode()


def _render(happening: Happening, chosen: Chosen) -> bytes | None:
    """The event for one happening, or None when the page's filters leave it out."""
    name, record, pos = happening
    if name == "message":
        if not chosen.message(record):
            return None
        return _event(name, {**message_item(message_json(record)), "pos": pos})
    if name == "request":
        if not chosen.request(record):
            return None
        return _event(name, {**request_item(request_json(record)), "pos": pos})
    if name == "report":
        if not chosen.message(record.message):
            return None
        view = report_json(record)
        return _event(name, {**view, "message_state": record.message.report_state()})
    if name == "push":
        if not chosen.push(record):
            return None
        view = push_item(push_json(record))
        return _event(name, view if pos is None else {**view, "pos": pos})
    if name == "mo":
        return _event(name, mo_json(record)) if chosen.mo(record) else None
    return _event(name)


@routes.get("/_mock/ui/events")
async def events(request: web.Request) -> web.StreamResponse:
    streams = request.app[STREAMS]
    gateway = request.app[GATEWAY]
    try:
        chosen = choose(request.query)
    except BadFilter as error:
        return web.json_response({"error": str(error)}, status=400)
    if streams.open >= streams.limit:
        return web.json_response(
            {
                "error": f"{streams.limit} live streams are open already, the most at once: "
                "close an inbox tab, or reload the page without live updates"
            },
            status=503,
            headers={"Retry-After": "10"},
        )
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    stream = _Stream(gateway, streams.bound, streams.max_bytes)
    streams.open += 1
    gateway.events.subscribe(stream)
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[None] = loop.create_future()
    stop.add_done_callback(stream.wake)
    try:
        await response.prepare(request)
        await response.write(b"retry: 2000\n\n" + _event("hello", about(gateway)))
        with request.app[STOPPING].ends(stop):
            while not stop.done():
                if stream.behind:
                    stream.behind = False
                    await response.write(_event("resync"))
                    continue
                if stream.queue:
                    await _write_some(response, stream, chosen)
                    continue
                stream.woken = loop.create_future()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(streams.heartbeat):
                        await stream.woken
                if not (stream.queue or stream.behind or stop.done()):
                    await response.write(b": heartbeat\n\n")
            await response.write(_event("bye"))
    except ConnectionError:
        pass  # the client went away: nothing to tell it
    finally:
        gateway.events.unsubscribe(stream)
        streams.open -= 1
    return response


async def _write_some(response: web.StreamResponse, stream: _Stream, chosen: Chosen) -> None:
    chunks = []
    for _ in range(min(WRITE_BATCH, len(stream.queue))):
        rendered = _render(stream.take(), chosen)
        if rendered is not None:
            chunks.append(rendered)
    if chunks:
        await response.write(b"".join(chunks))
    else:
        await asyncio.sleep(0)
