"""The Montnets endpoints under /sms/v2/std/ (and /sms/v1/std/): find the endpoint, read the
request, ask the gateway, render the endpoint's answer.

Generic over the endpoint registry (``mockgateway/endpoints/``): nothing here names an endpoint.
Nothing a client sends can make these handlers answer with a stack trace or an HTTP 500: parse
errors become body-format codes, and a bug in the mock itself becomes -100999 with the exception
in the journal.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import hdrs, web

from mockgateway.domain.calls import ApiRequest
from mockgateway.domain.gateway import UNKNOWN_ENDPOINT, Gateway
from mockgateway.endpoints import REGISTRY
from mockgateway.http import faults
from mockgateway.http.keys import GATEWAY, STOPPING
from mockgateway.http.stopping import Stopping
from mockgateway.protocol import limits
from mockgateway.protocol.codec import Fields, Format, detect_format, parse, render
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import MAX_BODY, path_shown
from mockgateway.scenario.model import Edition

PREFIX = "/sms/v2/std/"
LEGACY_PREFIX = "/sms/v1/std/"
"""The gateway's own path constant (V5.7.2 §7.1): served as ``/sms/v2/std/``, with a warning."""
PREFIXES = (PREFIX, LEGACY_PREFIX)
LEGACY_WARNING = (
    "path under /sms/v1/std/: the manuals' path is /sms/v2/std/ (v1 is only the gateway's own "
    "path constant); served the same"
)


def spelling_of(request: web.BaseRequest) -> str:
    """The endpoint as the path spells it: what follows ``/sms/v2/std/`` (or ``v1``)."""
    path = request.path
    return path[len(PREFIX) :] if path.startswith(PREFIXES) else ""


def endpoint_of(request: web.BaseRequest) -> str:
    """The canonical endpoint a request was for, or ``unknown`` (a bounded metrics label)."""
    endpoint = REGISTRY.find(spelling_of(request))
    return UNKNOWN_ENDPOINT if endpoint is None else endpoint.name


async def montnets(request: web.Request) -> web.StreamResponse:
    """The routed handler, for an app run by another runner than ``app.make_runner``'s."""
    return await serve(request, request.app[GATEWAY], request.app[STOPPING])


async def serve(
    request: web.BaseRequest, gateway: Gateway, stopping: Stopping
) -> web.StreamResponse:
    """Answer one request under the prefix. Needs nothing of the router or the app:
    ``app.make_runner``'s server hands requests here straight, without resolving a route or
    running the middlewares (a third of the HTTP layer's cost)."""
    spelling = spelling_of(request)
    editions = gateway.scenario.editions
    endpoint = REGISTRY.find(spelling)
    if endpoint is None or not any(endpoint.serves(e) for e in editions):
        shown = path_shown(spelling)
        diagnosis = REGISTRY.diagnose(spelling, editions)
        gateway.refuse_unknown(shown, request.method, request.remote or "", diagnosis)
        return _not_found(shown, editions)
    if request.method not in ALLOWED:
        return _not_allowed(request, gateway, spelling, endpoint.name)
    fmt, fields, warnings, rejected, size = await _read(request)
    if request.path.startswith(LEGACY_PREFIX):
        warnings.insert(0, LEGACY_WARNING)
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
    if answer.unserved is not None:
        return _not_found(path_shown(spelling), (answer.unserved,))
    with answer.slot:
        payload = endpoint.answer(spelling, answer.code, answer.result, answer.dialect)
        body, content_type = render(fmt, endpoint.answer_root, payload, endpoint.items)
        response = web.Response(body=body, headers={"Content-Type": content_type})
        if answer.fault is not None:
            return await faults.apply(request, answer.fault, response, stopping)
        return response


PLAIN = ("", "identity")
"""``Content-Encoding`` values that mean the body is as sent."""

ALLOWED = ("GET", "POST")
"""The manual's methods: POST with a body, or GET with the fields in the query string."""


def _not_allowed(
    request: web.BaseRequest, gateway: Gateway, spelling: str, name: str
) -> web.Response:
    """A method the manual has no use for (PUT, HEAD, OPTIONS...): 405, journaled as rejected
    so that strict mode and the log show it; its body is never read."""
    method = path_shown(request.method, 16)
    diagnosis = (
        f"{method} to {name}: the manual's endpoints take POST (the fields in the body) or GET "
        "(the fields in the query string)"
    )
    gateway.refuse_unknown(
        path_shown(spelling),
        method,
        request.remote or "",
        diagnosis,
        http_status=405,
        endpoint=name,
    )
    return web.json_response(
        {"error": diagnosis}, status=405, headers={hdrs.ALLOW: ", ".join(ALLOWED)}
    )


def _not_found(shown: str, editions: Iterable[Edition]) -> web.Response:
    """The 404 of a path the gateway has no endpoint at for this caller, listing those it has:
    decided before the body is read when no account could call it, else by the gateway once
    the caller's account is known."""
    return web.json_response(
        {
            "error": f"unknown endpoint {shown!r}",
            "endpoints": [PREFIX + known for known in REGISTRY.spellings(editions)],
        },
        status=404,
    )


async def _read(
    request: web.BaseRequest,
) -> tuple[Format, Fields, list[str], GatewayError | None, int]:
    """Format, fields, warnings, the error that rejects the body if any, and its size."""
    query = request.rel_url.raw_query_string.encode("latin-1", "replace")
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    fmt = Format.XML if content_type.lower() in ("application/xml", "text/xml") else Format.JSON
    coding = request.headers.get(hdrs.CONTENT_ENCODING, "").strip().lower()
    if coding not in PLAIN:
        error = GatewayError(
            Code.BODY_UNSUPPORTED,
            f"the body is compressed (Content-Encoding: {limits.shown(coding)}): the gateway "
            "takes bodies as they are, as the manual's clients send them",
        )
        return fmt, {}, [], error, len(query)
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
