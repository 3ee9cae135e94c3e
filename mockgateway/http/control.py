"""The /_mock/ control API: what a test reads and steers. JSON in and out.

Listings share their filters with ``/_mock/wait``, so a test waits on exactly what it would list.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from aiohttp import hdrs, web

from mockgateway.domain import billing
from mockgateway.domain.clock import VirtualClock
from mockgateway.domain.gateway import Gateway
from mockgateway.domain.inbound import (
    Full,
    InjectionRefused,
    UnknownAccount,
    WrongEdition,
    read_injection,
)
from mockgateway.domain.journal import Journal
from mockgateway.domain.queries import (
    WAIT_FILTERS,
    BadFilter,
    MessageQuery,
    MoQuery,
    Params,
    PushQuery,
    ReportQuery,
    RequestQuery,
)
from mockgateway.domain.waiters import Kind
from mockgateway.http.api import PLAIN
from mockgateway.http.keys import GATEWAY, STOPPING
from mockgateway.http.serializers import (
    message_json,
    mo_json,
    push_json,
    report_json,
    request_json,
    rule_json,
)
from mockgateway.http.stopping import settle
from mockgateway.protocol.errors import GatewayError
from mockgateway.protocol.limits import JSON_DECODER, shown
from mockgateway.protocol.push import KINDS as PUSH_KINDS
from mockgateway.scenario import ScenarioError, load_text
from mockgateway.scenario.loader import URL_RULE, is_http_url
from mockgateway.scenario.model import MAX_BALANCE
from mockgateway.scenario.sources import MAX_FILE

routes = web.RouteTableDef()
T = TypeVar("T")


def _listing(items: list[dict[str, Any]], dropped: int) -> web.Response:
    return web.json_response({"count": len(items), "dropped": dropped, "items": items})


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


class _Query(Protocol[T]):
    def select(self, entries: Iterable[T]) -> list[T]: ...


CHUNK = 2000
"""Entries serialized between yields to the event loop when a listing is written."""
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


async def _listed(
    request: web.Request,
    parse: Callable[[Params], _Query[T]],
    journal: Callable[[Gateway], Journal[T]],
    serialize: Callable[[T], dict[str, Any]],
) -> web.StreamResponse:
    """A journal listing, written as it is read: ``{"items": [...], "count": N, "dropped": D}``,
    or with ``?format=jsonl`` one JSON object a line. Either way a chunk at a time with the event
    loop given back in between, so a listing of a full journal neither stalls the gateway nor
    holds a copy of the journal in memory."""
    entries = journal(request.app[GATEWAY])
    try:
        query = parse(request.query)
        jsonl = _jsonl(request.query)
    except BadFilter as error:
        return _error(str(error), 400)
    response = web.StreamResponse(
        headers={"Content-Type": JSONL_TYPE if jsonl else "application/json; charset=utf-8"}
    )
    await response.prepare(request)
    count = 0
    if not jsonl:
        await response.write(b'{"items":[')
    for chunk in entries.chunks(CHUNK):
        items = [_ENCODE(serialize(entry)) for entry in query.select(chunk)]
        if items:
            separator = "\n" if jsonl else ","
            head = "" if jsonl or not count else ","
            tail = "\n" if jsonl else ""
            # A lone surrogate cannot be UTF-8; written as its JSON escape (\ud800) it keeps
            # the listing valid JSON, whatever slipped past the checks on the way in.
            text = head + separator.join(items) + tail
            await response.write(text.encode("utf-8", "backslashreplace"))
            count += len(items)
        await asyncio.sleep(0)
    if not jsonl:
        await response.write(f'],"count":{count},"dropped":{entries.dropped}}}'.encode())
    await response.write_eof()
    return response


JSONL_TYPE = "application/x-ndjson; charset=utf-8"


def _jsonl(q: Params) -> bool:
    chosen = q.get("format", "json")
    if chosen not in ("json", "jsonl"):
        raise BadFilter(f"format must be json or jsonl, got {chosen[:40]!r}")
    return chosen == "jsonl"


@routes.get("/_mock/health")
async def health(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    clock = "virtual" if isinstance(gateway.clock, VirtualClock) else "real"
    return web.json_response(
        {"status": "ok", "scenario": gateway.scenario.name, "seed": gateway.seed, "clock": clock}
    )


@routes.get("/_mock/messages")
async def messages(request: web.Request) -> web.StreamResponse:
    return await _listed(request, MessageQuery.parse, lambda g: g.messages, message_json)


@routes.get("/_mock/requests")
async def requests(request: web.Request) -> web.StreamResponse:
    return await _listed(request, RequestQuery.parse, lambda g: g.requests, request_json)


@routes.get("/_mock/reports")
async def reports(request: web.Request) -> web.StreamResponse:
    return await _listed(request, ReportQuery.parse, lambda g: g.reports, report_json)


@routes.get("/_mock/pushes")
async def pushes(request: web.Request) -> web.StreamResponse:
    return await _listed(request, PushQuery.parse, lambda g: g.pushes, push_json)


@routes.get("/_mock/rules")
async def rules(request: web.Request) -> web.Response:
    """The scenario's rules and what each has seen since the last reset or scenario."""
    book = request.app[GATEWAY].rules
    items = [rule_json(rule, count) for rule, count in zip(book.rules, book.counts, strict=True)]
    return _listing(items, 0)


@routes.get("/_mock/mos")
async def mos(request: web.Request) -> web.StreamResponse:
    return await _listed(request, MoQuery.parse, lambda g: g.mos, mo_json)


MAX_MO_BODY = 64 * 1024
"""An MO's body in bytes at most: 1,000 characters escaped as JSON fit in a tenth of it."""
_REFUSED: dict[type[InjectionRefused], int] = {UnknownAccount: 404, WrongEdition: 409, Full: 409}


@routes.post("/_mock/mo")
async def inject_mo(request: web.Request) -> web.Response:
    """An MO from a handset, arriving now: 400 naming what is wrong, 404 for no such account,
    409 for an account not in the domestic edition."""
    gateway = request.app[GATEWAY]
    if (request.content_length or 0) > MAX_MO_BODY:
        return _error(f"an MO's body is at most {MAX_MO_BODY} bytes", 413)
    given = await _json_body(request, MAX_MO_BODY)
    if given is None:
        return _error(f"the body is not JSON in UTF-8 of at most {MAX_MO_BODY} bytes", 400)
    try:
        made = gateway.inject_mo(read_injection(given, gateway.accounts.current))
    except InjectionRefused as refused:
        return _error(str(refused), _REFUSED.get(type(refused), 400))
    first = made[0]
    return web.json_response(
        {
            "msgid": first.msgid,
            "msgid_str": str(first.msgid),
            "segments": len(made),
            "items": [mo_json(mo) for mo in made],
        }
    )


@routes.post("/_mock/pushes/retry")
async def retry_pushes(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    userid = request.query.get("userid")
    if userid is not None and gateway.accounts.get(userid) is None:
        return _error(f"no account {shown(userid, 64)}", 404)
    kind = request.query.get("kind")
    if kind is not None and kind not in PUSH_KINDS:
        return _error(f"kind must be one of {', '.join(PUSH_KINDS)}, got {shown(kind)}", 400)
    return web.json_response({"redriven": gateway.retry_parked(userid, kind)})


def _account(request: web.Request) -> tuple[Gateway, str]:
    """The gateway and the account the path names; a 404 listing the accounts otherwise."""
    gateway = request.app[GATEWAY]
    userid = request.match_info["userid"]
    if gateway.accounts.get(userid) is None:
        known = ", ".join(a.userid for a in gateway.accounts)
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"no account {userid[:64]!r} (accounts: {known})"}),
            content_type="application/json",
        )
    return gateway, userid


MAX_CONTROL_BODY = 64 * 1024
"""A control call's JSON body in bytes at most (a URL, a balance, a number of seconds)."""


async def _json_body(request: web.Request, limit: int = MAX_CONTROL_BODY) -> Any:
    """The body as JSON, or None when it is not: read as UTF-8 whatever charset the
    Content-Type claims, at most ``limit`` bytes, never inflated, by the API's decoder (NaN and
    Infinity are not JSON); too deep to parse counts as not JSON."""
    if request.headers.get(hdrs.CONTENT_ENCODING, "").strip().lower() not in PLAIN:
        return None
    if (request.content_length or 0) > limit:
        return None
    parts: list[bytes] = []
    size = 0
    while part := await request.content.read(limit + 1 - size):  # as it arrives, to its end
        parts.append(part)
        size += len(part)
        if size > limit:
            return None
    try:
        return JSON_DECODER.decode(b"".join(parts).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError, GatewayError):
        return None


@routes.put("/_mock/accounts/{userid}/{line:push|mo_push}")
async def set_push(request: web.Request) -> web.Response:
    """Where an account's status reports (``push``) or MOs (``mo_push``) are pushed; ``null``
    leaves them for get_rpt or get_mo."""
    gateway, userid = _account(request)
    mo = request.match_info["line"] == "mo_push"
    body = await _json_body(request)
    if not isinstance(body, dict) or "url" not in body:
        return _error('expected {"url": "http://host:port/path"} or {"url": null}', 400)
    url = body["url"]
    if url is not None and (not isinstance(url, str) or not is_http_url(url)):
        given = shown(url) if isinstance(url, str) else f"a JSON {type(url).__name__}"
        return _error(f"{given} is not {URL_RULE}", 400)
    if not mo:
        if not await gateway.set_push(userid, url):
            return _overtaken()
        return web.json_response({"userid": userid, "url": url})
    edition = gateway.accounts.current[userid].settings.edition
    if edition != "domestic":
        return _error(
            f"account {userid} is in the {edition} edition: MOs are a domestic-edition feature",
            409,
        )
    if not await gateway.set_mo_push(userid, url):
        return _overtaken()
    return web.json_response({"userid": userid, "mo_url": url})


def _overtaken() -> web.Response:
    return _error(
        "a reset or a new scenario came while this change waited for the push in flight: the "
        "URL was not changed; set it again",
        409,
    )


@routes.get("/_mock/accounts/{userid}/balance")
async def get_balance(request: web.Request) -> web.Response:
    """The units left (null: unlimited, which get_balance shows as 99999999), chargetype and
    money."""
    gateway, userid = _account(request)
    return web.json_response(_balance_json(gateway, userid))


@routes.put("/_mock/accounts/{userid}/balance")
async def set_balance(request: web.Request) -> web.Response:
    """``{"balance": N}`` (a whole number from 0 to MAX_BALANCE) or ``{"balance": null}``
    (unlimited), until the next reset."""
    gateway, userid = _account(request)
    body = await _json_body(request)
    balance = body.get("balance", False) if isinstance(body, dict) else False
    if balance is not None and (
        isinstance(balance, bool) or not isinstance(balance, int) or not 0 <= balance <= MAX_BALANCE
    ):
        return _error(
            f'expected {{"balance": N}} with N a whole number from 0 to {MAX_BALANCE}, or '
            '{"balance": null} for unlimited',
            400,
        )
    gateway.set_balance(userid, balance)
    return web.json_response(_balance_json(gateway, userid))


def _balance_json(gateway: Gateway, userid: str) -> dict[str, Any]:
    account = gateway.accounts.current[userid]
    shown = billing.statement(account)
    return {
        "userid": userid,
        "balance": account.balance,
        "chargetype": shown.chargetype,
        "money": shown.money,
    }


@routes.post("/_mock/reset")
async def reset(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    sequences = request.query.get("sequences", "continue")
    if sequences not in ("continue", "restart"):
        return _error(f"sequences must be continue or restart, got {sequences!r}", 400)
    gateway.reset(restart_sequences=sequences == "restart")
    return web.json_response(
        {"status": "reset", "scenario": gateway.scenario.name, "sequences": sequences}
    )


MAX_SCENARIO = MAX_FILE
"""A scenario body's limit in bytes (the same as every body): parsed in about a second."""
MAX_PROBLEMS = 100
"""Problems listed in a 400 answer; ``mockgateway check`` lists them all."""


@routes.put("/_mock/scenario")
async def put_scenario(request: web.Request) -> web.Response:
    """Parsed and checked in a worker thread: a large scenario must not stall the event loop."""
    gateway = request.app[GATEWAY]
    if (request.content_length or 0) > MAX_SCENARIO:
        return _error(f"the scenario is over {MAX_SCENARIO} bytes", 413)
    try:
        body = await request.read()
        if len(body) > MAX_SCENARIO:
            raise web.HTTPRequestEntityTooLarge(MAX_SCENARIO, len(body))
        text = body.decode("utf-8")
    except web.HTTPRequestEntityTooLarge:
        return _error(f"the scenario is over {MAX_SCENARIO} bytes", 413)
    except UnicodeDecodeError as exc:
        return _error(f"the scenario must be UTF-8 text ({exc})", 400)
    try:
        scenario = await asyncio.to_thread(load_text, text, source="request body")
    except ScenarioError as error:
        problems = [str(p) for p in error.problems[:MAX_PROBLEMS]]
        if len(error.problems) > MAX_PROBLEMS:
            problems.append(f"... and {len(error.problems) - MAX_PROBLEMS} more problems")
        return web.json_response({"error": "invalid scenario", "problems": problems}, status=400)
    await gateway.use_scenario(scenario)
    return web.json_response(
        {"status": "replaced", "scenario": scenario.name, "warnings": list(scenario.warnings)}
    )


MAX_ADVANCE = 10 * 365 * 86400.0
"""Ten years: far past any retry or delay, and still a date every formatter can write."""


@routes.post("/_mock/clock/advance")
async def advance(request: web.Request) -> web.Response:
    """Moves virtual time and returns once the pushes it released have been attempted."""
    gateway = request.app[GATEWAY]
    if not isinstance(gateway.clock, VirtualClock):
        return _error("the clock is real: set `clock: virtual` in the scenario to move it", 409)
    try:
        body = await _json_body(request)
        seconds = float(body["seconds"])
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(f"{seconds:g} is out of range")
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        return _error(f'expected {{"seconds": N}} with 0 <= N <= {MAX_ADVANCE:g} ({exc})', 400)
    # Shielded: a client that hangs up must not leave time moved half-way.
    now = await asyncio.shield(gateway.advance(seconds))
    return web.json_response({"now": now})


DEFAULT_WAIT = 10.0
MAX_WAIT = 300.0
"""Five minutes: longer than any test should wait, short enough that nothing waits for ever."""


def _wait_timeout(q: Params) -> float:
    text = q.get("timeout")
    if text is None:
        return DEFAULT_WAIT
    try:
        timeout = float(text)
    except ValueError:
        timeout = math.nan
    if not 0 <= timeout <= MAX_WAIT:  # NaN fails this too
        raise BadFilter(f"timeout must be seconds from 0 to {MAX_WAIT:g}, got {text!r}")
    return timeout


@routes.get("/_mock/wait")
async def wait(request: web.Request) -> web.Response:
    """Long-poll until a count reaches N: ``messages``, ``requests``, ``reports``, ``pushed``,
    ``mos`` or ``mo_pushed``.

    The count is kept by the gateway as entries arrive (see ``domain/waiters.py``); this handler
    only sleeps until it is woken, the timeout passes, the client goes away (aiohttp cancels the
    handler) or the server stops.
    """
    gateway = request.app[GATEWAY]
    q = request.query
    kinds = [kind for kind in Kind if kind.value in q]
    if len(kinds) != 1:
        return _error(f"give exactly one of {', '.join(Kind)}=N", 400)
    (kind,) = kinds
    try:
        wanted = int(q[kind.value])
    except ValueError as exc:
        return _error(f"{kind.value} must be a whole number ({exc})", 400)
    try:
        timeout = _wait_timeout(q)
        chosen = WAIT_FILTERS[kind](q)
    except BadFilter as error:
        return _error(str(error), 400)
    woken = asyncio.get_running_loop().create_future()
    waiter = gateway.waiters.wait(kind, chosen, wanted, lambda: settle(woken))
    try:
        if not waiter.reached:
            with request.app[STOPPING].ends(woken), contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await woken
    finally:
        waiter.cancel()
    seen = {"kind": kind.value, "wanted": wanted, "seen": waiter.seen}
    if waiter.reached:
        return web.json_response(seen)
    if request.app[STOPPING].stopped:
        return web.json_response({"error": "the gateway is stopping", **seen}, status=503)
    late = f"timed out after {timeout:g} s waiting for {kind.value}={wanted}"
    return web.json_response({"error": late, **seen}, status=408)
