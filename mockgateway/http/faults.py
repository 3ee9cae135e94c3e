"""Breaking an HTTP answer on purpose, as a scenario rule asks: what a client must survive.

Delays and stalls run on wall time: a client waiting for an answer cannot advance a virtual clock.
Both end early when the server stops.
"""

from __future__ import annotations

import math

from aiohttp import web

from mockgateway.http.stopping import Stopping
from mockgateway.scenario.model import Fault

GARBAGE = b'\x1f\x8b\x00<html>\xff\xfe{"result":0,"desc":\x00\x00'
"""Neither JSON nor XML nor text: what a misbehaving proxy or a binary blob looks like."""

_REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_PAGE = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"


async def apply(
    request: web.BaseRequest, fault: Fault, answer: web.Response, stopping: Stopping
) -> web.StreamResponse:
    """The answer as the fault leaves it; ``answer`` is what would have been sent. Delays and
    stalls end when the gateway stops (``stopping``)."""
    if fault.kind == "delay":
        await stopping.sleep(fault.seconds)
        return answer
    if fault.kind == "http_status":
        reason = f"{fault.http_status} {_REASONS.get(fault.http_status, 'Error')}"
        headers = {"Content-Type": "text/html"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        return web.Response(status=fault.http_status, text=_PAGE.format(reason), headers=headers)
    if fault.kind == "garbage_body":
        return web.Response(body=GARBAGE, headers={"Content-Type": answer.content_type})
    if fault.kind == "truncated_body":
        body = bytes(answer.body) if isinstance(answer.body, bytes | bytearray) else b""
        return web.Response(
            body=body[: len(body) // 2], headers={"Content-Type": answer.content_type}
        )
    if fault.kind == "stall":
        await stopping.sleep(fault.seconds)
    return _drop(request)


def _drop(request: web.BaseRequest) -> web.StreamResponse:
    """Close the connection without a byte of answer; the client sees a disconnect."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    # aiohttp finds the transport gone and drops the answer quietly.
    return web.Response(status=204)
