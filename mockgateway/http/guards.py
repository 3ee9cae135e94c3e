"""What a slow or vanishing client gets: cut off in time, and one line in the log.

aiohttp itself closes a connection that stays idle, or takes too long over its request line and
headers, after the runner's keep-alive timeout (see ``app.make_runner``). A body is read by the
handler, past that timer, so its deadline is kept here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

log = logging.getLogger("mockgateway.http")

_CUT = "mockgateway.cut_off"


def body_deadline(seconds: float) -> Middleware:
    """A request's body must arrive in full within ``seconds`` of its headers."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await guarded(request, handler, seconds)

    return guard


async def guarded(
    request: web.BaseRequest,
    handler: Callable[[Any], Awaitable[web.StreamResponse]],
    seconds: float,
) -> web.StreamResponse:
    """``handler``'s answer, the connection cut if the body is not all here within
    ``seconds`` (the middleware's work, for a handler reached without the middlewares)."""
    if request.content.is_eof():  # no body, or all of it already here
        return await handler(request)
    timer = asyncio.get_running_loop().call_later(seconds, _cut_off, request, seconds)
    try:
        return await handler(request)
    except asyncio.CancelledError:  # aiohttp cancels the handler of a client that went away
        _went_away(request)
        raise
    except ConnectionError:
        _went_away(request)
        return web.Response(status=400)  # never sent: there is no one to send it to
    finally:
        timer.cancel()


def _went_away(request: web.BaseRequest) -> None:
    if not request.content.is_eof() and _CUT not in request:
        log.warning("%s went away before its body arrived (%s)", _who(request), _got(request))


def _cut_off(request: web.BaseRequest, seconds: float) -> None:
    if request.content.is_eof():
        return
    request[_CUT] = True
    log.warning(
        "%s cut off: its body did not arrive within %g s (%s)",
        _who(request),
        seconds,
        _got(request),
    )
    transport = request.transport
    if transport is not None:
        transport.abort()


def _who(request: web.BaseRequest) -> str:
    return f"client {request.remote or '?'} ({request.method} {request.path[:100]})"


def _got(request: web.BaseRequest) -> str:
    expected = "?" if request.content_length is None else str(request.content_length)
    return f"{request.content.total_bytes} of {expected} bytes"
