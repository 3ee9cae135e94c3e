"""The Montnets endpoints under /sms/v2/std/: read the request, ask the gateway, render.

Nothing a client sends can make these handlers answer with a stack trace or an HTTP 500: parse
errors become body-format codes, and a bug in the mock itself becomes -100999 with the exception
in the journal.
"""

from __future__ import annotations

import logging

from aiohttp import web

from mockgateway.domain.gateway import ApiRequest
from mockgateway.http import faults
from mockgateway.http.keys import GATEWAY
from mockgateway.protocol import answers
from mockgateway.protocol.codec import Fields, Format, detect_format, parse, render
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import MAX_BODY

log = logging.getLogger(__name__)


def endpoint_of(request: web.Request) -> str:
    """The canonical endpoint a request was for, or ``unknown`` (a bounded metrics label)."""
    route = answers.ROUTES.get(request.match_info.get("endpoint", ""))
    return answers.UNKNOWN if route is None else route.endpoint


async def montnets(request: web.Request) -> web.StreamResponse:
    name = request.match_info["endpoint"]
    route = answers.ROUTES.get(name)
    gateway = request.app[GATEWAY]
    if route is None:
        gateway.refuse_unknown(name, request.method, request.remote or "")
        return web.json_response(
            {
                "error": f"unknown endpoint {answers.path_shown(name)!r}",
                "endpoints": [f"/sms/v2/std/{known}" for known in answers.ROUTES],
            },
            status=404,
        )
    fmt, fields, warnings, rejected, size = await _read(request)
    api_request = ApiRequest(
        path=name,
        endpoint=route.endpoint,
        method=request.method,
        format=fmt,
        fields=fields,
        remote=request.remote or "",
        warnings=tuple(warnings),
        size=size,
    )
    answer = gateway.handle(api_request, rejected)
    try:
        payload = answers.build(
            route.shape,
            answer.code,
            sent=[(m.msgid, m.mobile) for m in answer.messages],
            custid=answer.custid,
            rpts=answer.rpts,
        )
        body, content_type = render(fmt, route.xml_root, payload)
        response = web.Response(body=body, headers={"Content-Type": content_type})
        if answer.fault is not None:
            return await faults.apply(request, answer.fault, response)
        return response
    finally:
        answer.release()


async def _read(
    request: web.Request,
) -> tuple[Format, Fields, list[str], GatewayError | None, int]:
    """Format, fields, warnings, the error that rejects the body if any, and its size."""
    query = request.rel_url.raw_query_string.encode("latin-1", "replace")
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    fmt = Format.XML if content_type.lower() in ("application/xml", "text/xml") else Format.JSON
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        error = GatewayError(Code.BODY_NOT_A_RECORD, f"body is over the {MAX_BODY} byte limit")
        return fmt, {}, [], error, len(query)
    size = len(body) + len(query)
    try:
        fmt, warnings = detect_format(request.method, content_type, body, query)
        fields, more = parse(fmt, body, query)
    except GatewayError as error:
        return fmt, {}, [], error, size
    return fmt, fields, warnings + more, None, size
