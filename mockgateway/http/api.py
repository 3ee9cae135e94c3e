"""The Montnets endpoints under /sms/v2/std/ (and /sms/v1/std/): find the endpoint, read the
request, ask the gateway, render the endpoint's answer.

Generic over the endpoint registry (``mockgateway/endpoints/``): nothing here names an endpoint.
Nothing a client sends can make these handlers answer with a stack trace or an HTTP 500: parse
errors become body-format codes, and a bug in the mock itself becomes -100999 with the exception
in the journal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from aiohttp import hdrs, web

from mockgateway.domain.calls import Answer, ApiRequest
from mockgateway.domain.gateway import UNKNOWN_ENDPOINT, Gateway
from mockgateway.endpoints import REGISTRY
from mockgateway.endpoints.base import Endpoint
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
    endpoint = locate(gateway, spelling)
    if endpoint is None:
        shown = path_shown(spelling)
        editions = gateway.scenario.editions
        diagnosis = REGISTRY.diagnose(spelling, editions)
        gateway.refuse_unknown(shown, request.method, request.remote or "", diagnosis)
        return _not_found(shown, editions)
    if request.method not in ALLOWED:
        return _not_allowed(request, gateway, spelling, endpoint.name)
    reading = await _read(request)
    legacy = request.path.startswith(LEGACY_PREFIX)
    settled = settle(
        gateway, endpoint, spelling, request.method, request.remote or "", legacy, reading
    )
    with settled.answer.slot:
        response = web.Response(
            status=settled.status,
            body=settled.body,
            headers={hdrs.CONTENT_TYPE: settled.content_type},
        )
        if settled.answer.fault is not None:
            return await faults.apply(request, settled.answer.fault, response, stopping)
        return response


def locate(gateway: Gateway, spelling: str) -> Endpoint[Any] | None:
    """The endpoint a path names, if an edition of the scenario serves it."""
    endpoint = REGISTRY.find(spelling)
    if endpoint is None or not any(endpoint.serves(e) for e in gateway.scenario.editions):
        return None
    return endpoint


class Reading(NamedTuple):
    """A request's body and query string as read: what the gateway is asked with."""

    format: Format
    fields: Fields
    warnings: list[str]
    rejected: GatewayError | None
    """The error that rejects the body, if any."""
    size: int


class Settled(NamedTuple):
    """A request answered by the gateway and rendered: what goes on the wire, unless a fault
    breaks it. The HTTP layer sends it inside ``with answer.slot:``."""

    answer: Answer
    status: int
    body: bytes
    content_type: str


def settle(
    gateway: Gateway,
    endpoint: Endpoint[Any],
    spelling: str,
    method: str,
    remote: str,
    legacy: bool,
    reading: Reading,
) -> Settled:
    """Ask the gateway and render its answer in the request's format: the part of a request
    that needs no I/O, shared by the routed handler and the express lane (``express.py``)."""
    warnings = reading.warnings
    if legacy:
        warnings.insert(0, LEGACY_WARNING)
    api_request = ApiRequest(
        spelling=spelling,
        endpoint=endpoint,
        method=method,
        format=reading.format,
        fields=reading.fields,
        remote=remote,
        warnings=tuple(warnings),
        size=reading.size,
    )
    answer = gateway.handle(api_request, reading.rejected)
    if answer.unserved is not None:
        body = _not_found_body(path_shown(spelling), (answer.unserved,))
        return Settled(answer, 404, body, JSON_ERROR_TYPE)
    payload = endpoint.answer(spelling, answer.code, answer.result, answer.dialect)
    body, content_type = render(reading.format, endpoint.answer_root, payload, endpoint.items)
    return Settled(answer, 200, body, content_type)


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
    return web.Response(
        status=404,
        body=_not_found_body(shown, editions),
        headers={hdrs.CONTENT_TYPE: JSON_ERROR_TYPE},
    )


JSON_ERROR_TYPE = "application/json; charset=utf-8"


def _not_found_body(shown: str, editions: Iterable[Edition]) -> bytes:
    return json.dumps(
        {
            "error": f"unknown endpoint {shown!r}",
            "endpoints": [PREFIX + known for known in REGISTRY.spellings(editions)],
        }
    ).encode()


async def _read(request: web.BaseRequest) -> Reading:
    query = request.rel_url.raw_query_string.encode("latin-1", "replace")
    coding = request.headers.get(hdrs.CONTENT_ENCODING, "")
    body: bytes | None = b""
    if coding.strip().lower() in PLAIN:  # a compressed body is refused unread
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            body = None
    return read_body(
        request.method, request.headers.get(hdrs.CONTENT_TYPE, ""), coding, body, query
    )


def read_body(
    method: str, content_type: str, coding: str, body: bytes | None, query: bytes
) -> Reading:
    """Format, fields, warnings, the error that rejects the body if any, and its size, from the
    headers that matter and the body (``None``: over the limit, not read)."""
    content_type = content_type.split(";")[0].strip()
    fmt = Format.XML if content_type.lower() in ("application/xml", "text/xml") else Format.JSON
    coding = coding.strip().lower()
    if coding not in PLAIN:
        error = GatewayError(
            Code.BODY_UNSUPPORTED,
            f"the body is compressed (Content-Encoding: {limits.shown(coding)}): the gateway "
            "takes bodies as they are, as the manual's clients send them",
        )
        return Reading(fmt, {}, [], error, len(query))
    if body is None:
        error = GatewayError(Code.BODY_NOT_A_RECORD, f"body is over the {MAX_BODY} byte limit")
        return Reading(fmt, {}, [], error, len(query))
    size = len(body) + len(query)
    try:
        fmt, warnings = detect_format(method, content_type, body, query)
        fields, more = parse(fmt, body, query)
    except GatewayError as error:
        return Reading(fmt, {}, [], error, size)
    return Reading(fmt, fields, warnings + more, None, size)
