"""The inbox's server side: the page, its two files, and its feed.

The feed (``GET /_mock/ui/feed``) gives the newest ``limit`` items of one kind before a position,
with the page's filters applied, so a page over a full journal (100,000 entries) stays quick: it
renders a few hundred items and asks for older ones on demand. A position is an entry's place in
its journal since the last reset (``dropped`` + index), so it stays put as the oldest entries go.
The scan yields to the event loop every :data:`CHUNK` entries: a large journal never stalls it.
The live stream (``live.py``) applies the same filters to what happens next.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from aiohttp import web

from mockgateway.domain.gateway import Gateway
from mockgateway.domain.journal import Journal
from mockgateway.domain.queries import BadFilter
from mockgateway.domain.records import Message
from mockgateway.http import live
from mockgateway.http.inbox_filters import about, choose
from mockgateway.http.keys import GATEWAY
from mockgateway.http.serializers import message_json, push_json, report_json, request_json
from mockgateway.inbox.items import Item, message_item, push_item, request_item
from mockgateway.inbox.page import ASSETS, SERVED_POLICY, read

routes = web.RouteTableDef()

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
CHUNK = 2000
"""Entries scanned between yields to the event loop."""
KINDS = ("messages", "rejected", "requests", "pushes")

_HEADERS = {
    "Content-Security-Policy": SERVED_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def install(app: web.Application) -> None:
    """The inbox's routes and the live streams' state, on the gateway's app."""
    app[live.STREAMS] = live.Streams()
    app.router.add_routes(routes)
    app.router.add_routes(live.routes)


@routes.get("/")
async def root(request: web.Request) -> web.Response:
    raise web.HTTPFound("/_mock/ui")


@cache
def _file(name: str) -> bytes:
    return read(name).encode("utf-8")


@routes.get("/_mock/ui")
async def page(request: web.Request) -> web.Response:
    return web.Response(
        body=_file("index.html"), content_type="text/html", charset="utf-8", headers=_HEADERS
    )


async def _asset(request: web.Request) -> web.Response:
    name = request.path.rsplit("/", 1)[1]
    return web.Response(body=_file(name), headers={**_HEADERS, "Content-Type": ASSETS[name]})


for _name in ASSETS:
    routes.get(f"/_mock/ui/{_name}")(_asset)


# --- the feed ---------------------------------------------------------------------------

T = TypeVar("T")


def _number(q: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = q.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadFilter(f"{name} must be a whole number, got {text[:50]!r}") from None
    if not low <= value <= high:
        raise BadFilter(f"{name} must be from {low} to {high}, got {value}")
    return value


@dataclass
class Page:
    entries: list[tuple[int, Any]]
    """(position, entry), newest first."""
    total: int
    """Entries that pass the filters, in the whole journal."""
    more: bool
    """Older entries pass them too."""


async def scan(journal: Journal[T], keep: Callable[[T], bool], *, before: int, limit: int) -> Page:
    """The newest ``limit`` entries before position ``before`` that ``keep`` keeps."""
    entries, base = list(journal), journal.dropped
    window: deque[tuple[int, T]] = deque(maxlen=limit + 1)
    total = 0
    for start in range(0, len(entries), CHUNK):
        for offset in range(start, min(start + CHUNK, len(entries))):
            entry = entries[offset]
            if keep(entry):
                total += 1
                if base + offset < before:
                    window.append((base + offset, entry))
        if start + CHUNK < len(entries):
            await asyncio.sleep(0)
    more = len(window) > limit
    if more:
        window.popleft()
    return Page(list(reversed(window)), total, more)


async def _reports_of(gateway: Gateway, messages: list[Message]) -> dict[int, list[Item]]:
    """The reports of a page's messages, by the message's identity (one pass, in chunks)."""
    wanted: dict[int, list[Item]] = {id(m): [] for m in messages}
    reports = list(gateway.reports)
    for start in range(0, len(reports), CHUNK):
        for report in reports[start : start + CHUNK]:
            found = wanted.get(id(report.message))
            if found is not None:
                found.append(report_json(report))
        await asyncio.sleep(0)
    return wanted


@routes.get("/_mock/ui/feed")
async def feed(request: web.Request) -> web.Response:
    """``kind`` (messages, rejected, requests, pushes), ``limit``, ``before`` and the filters."""
    gateway = request.app[GATEWAY]
    q = request.query
    kind = q.get("kind")
    if kind not in KINDS:
        return _error(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    try:
        chosen = choose(q)
        limit = _number(q, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        before = _number(q, "before", 2**62, 0, 2**62)
    except BadFilter as error:
        return _error(str(error))
    items: list[Item]
    if kind == "messages":
        page = await scan(
            gateway.messages,
            lambda m: chosen.message(m) and chosen.message_in_state(m),
            before=before,
            limit=limit,
        )
        reports = await _reports_of(gateway, [m for _, m in page.entries])
        items = [
            {**message_item(message_json(m), reports[id(m)]), "pos": pos} for pos, m in page.entries
        ]
        dropped = gateway.messages.dropped
    elif kind == "pushes":
        page = await scan(
            gateway.pushes,
            lambda p: chosen.push(p) and chosen.push_in_state(p),
            before=before,
            limit=limit,
        )
        items = [{**push_item(push_json(p)), "pos": pos} for pos, p in page.entries]
        dropped = gateway.pushes.dropped
    else:
        only_rejected = kind == "rejected"
        page = await scan(
            gateway.requests,
            lambda r: (not only_rejected or not r.accepted) and chosen.request(r),
            before=before,
            limit=limit,
        )
        items = [{**request_item(request_json(r)), "pos": pos} for pos, r in page.entries]
        dropped = gateway.requests.dropped
    return web.json_response(
        {
            "kind": kind,
            "items": items,
            "total": page.total,
            "next_before": page.entries[-1][0] if page.more else None,
            "dropped": dropped,
            **about(gateway),
        }
    )


def _error(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)
