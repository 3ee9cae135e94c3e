"""The Montnets endpoints under /sms/v2/std/: find the endpoint, read the request, ask the
gateway, render the endpoint's answer.

Generic over the endpoint registry (``mockgateway/endpoints/``): nothing here names an endpoint.
Nothing a client sends can make these handlers answer with a stack trace or an HTTP 500: parse
errors become body-format codes, and a bug in the mock itself becomes -100999 with the exception
in the journal.
"""

from __future__ import annotations

from aiohttp import web

from mockgateway.domain.calls import ApiRequest
from mockgateway.domain.gateway import UNKNOWN_ENDPOINT
from mockgateway.endpoints import REGISTRY
from mockgateway.http import faults
from mockgateway.http.keys import GATEWAY
from mockgateway.protocol.codec import Fields, Format, detect_format, parse, render
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import MAX_BODY, path_shown

PREFIX = "/sms/v2/std/"


def endpoint_of(request: web.Request) -> str:
    """The canonical endpoint a request was for, or ``unknown`` (a bounded metrics label)."""
    endpoint = REGISTRY.find(request.match_info.get("endpoint", ""))
    return UNKNOWN_ENDPOINT if endpoint is None else endpoint.name


async def montnets(request: web.Request) -> web.StreamResponse:
    spelling = request.match_info["endpoint"]
    gateway = request.app[GATEWAY]
    edition = gateway.scenario.edition
    endpoint = REGISTRY.find(spelling)
    if endpoint is None or not endpoint.serves(edition):
        shown = path_shown(spelling)
        diagnosis = REGISTRY.diagnose(spelling, edition)
        gateway.refuse_unknown(shown, request.method, request.remote or "", diagnosis)
        return web.json_response(
            {
                "error": f"unknown endpoint {shown!r}",
                "endpoints": [PREFIX + known for known in REGISTRY.spellings(edition)],
            },
            status=404,
        )
    fmt, fields, warnings, rejected, size = await _read(request)
    api_request = ApiRequest(
        spelling=spelling,
        endpoint=endpoint,
        method=request.method,
        format=fmt,
        fields=fields,
        remote=request.remote or "",
        warnings=tuple(warnings),
        size=size,
    )
    answer = gateway.handle(api_request, rejected)
    with answer.slot:
        payload = endpoint.answer(spelling, answer.code, answer.result)
        body, content_type = render(fmt, endpoint.answer_root, payload, endpoint.items)
        response = web.Response(body=body, headers={"Content-Type": content_type})
        if answer.fault is not None:
            return await faults.apply(request, answer.fault, response)
        return response


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
