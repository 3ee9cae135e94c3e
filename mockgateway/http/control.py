"""The /_mock/ control API: what a test reads and steers. JSON in and out.

Listings share their filters with ``/_mock/wait``, so a test waits on exactly what it would list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from mockgateway.domain.clock import VirtualClock
from mockgateway.domain.gateway import Gateway
from mockgateway.domain.records import Message, PushAttempt, Report, ReportState, RequestRecord
from mockgateway.http.keys import GATEWAY
from mockgateway.http.views import message_view, push_view, report_view, request_view
from mockgateway.protocol import mobiles
from mockgateway.scenario import ScenarioError, load_text
from mockgateway.scenario.loader import is_http_url

routes = web.RouteTableDef()


def _listing(items: list[dict[str, Any]], dropped: int) -> web.Response:
    return web.json_response({"count": len(items), "dropped": dropped, "items": items})


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _matches_mobile(wanted: str | None, digits: str | list[str]) -> bool:
    if wanted is None:
        return True
    normal = mobiles.normalise(wanted.strip()) or wanted.strip()
    return normal in digits if isinstance(digits, list) else normal == digits


Query = Mapping[str, str]


class BadFilter(ValueError):
    """A filter value that cannot be read; the control API answers 400 with it."""


def _since(q: Query) -> float | None:
    try:
        return float(q["since"]) if "since" in q else None
    except ValueError:
        raise BadFilter(f"since must be epoch seconds, got {q['since']!r}") from None


def select_messages(gateway: Gateway, q: Query) -> list[Message]:
    since = _since(q)
    return [
        m
        for m in gateway.messages
        if _matches_mobile(q.get("mobile"), m.mobile_digits)
        and q.get("custid", m.custid) == m.custid
        and q.get("userid", m.userid) == m.userid
        and (since is None or m.submitted_at >= since)
    ]


def select_requests(gateway: Gateway, q: Query) -> list[RequestRecord]:
    accepted = q.get("accepted")
    if accepted not in (None, "true", "false"):
        raise BadFilter(f"accepted must be true or false, got {accepted!r}")
    return [
        r
        for r in gateway.requests
        if ("mobile" not in q or _matches_mobile(q["mobile"], r.numbers()))
        and q.get("endpoint", r.endpoint) == r.endpoint
        and q.get("userid", r.userid) == r.userid
        and (accepted is None or (accepted == "true") == r.accepted)
    ]


def select_reports(gateway: Gateway, q: Query) -> list[Report]:
    state = q.get("state")
    if state is not None and state not in {s.value for s in ReportState}:
        known = ", ".join(s.value for s in ReportState)
        raise BadFilter(f"state must be one of {known}, got {state!r}")
    return [
        r
        for r in gateway.reports
        if _matches_mobile(q.get("mobile"), r.message.mobile_digits)
        and q.get("userid", r.message.userid) == r.message.userid
        and (state is None or state == r.state.value)
    ]


def select_pushes(gateway: Gateway, q: Query) -> list[PushAttempt]:
    outcome = q.get("outcome")
    return [
        p
        for p in gateway.pushes
        if q.get("userid", p.userid) == p.userid
        and q.get("seqid", str(p.seqid)) == str(p.seqid)
        and (outcome is None or p.outcome.startswith(outcome))
    ]


def _due_reports(gateway: Gateway, q: Query) -> int:
    now = gateway.clock.now()
    return sum(1 for r in select_reports(gateway, q) if r.due <= now)


def _pushed_reports(gateway: Gateway, q: Query) -> int:
    return sum(1 for r in select_reports(gateway, q) if r.state is ReportState.PUSHED)


COUNTS: dict[str, Callable[[Gateway, Query], int]] = {
    "messages": lambda g, q: len(select_messages(g, q)),
    "requests": lambda g, q: len(select_requests(g, q)),
    "reports": _due_reports,
    "pushed": _pushed_reports,
}
"""What ``/_mock/wait`` can wait for; ``reports`` counts reports that have fallen due."""


def _listed(
    request: web.Request,
    select: Callable[[Gateway, Query], list[Any]],
    view: Callable[[Any], dict[str, Any]],
    dropped: Callable[[Gateway], int],
) -> web.Response:
    gateway = request.app[GATEWAY]
    try:
        items = [view(item) for item in select(gateway, request.query)]
    except BadFilter as error:
        return _error(str(error), 400)
    return _listing(items, dropped(gateway))


@routes.get("/_mock/health")
async def health(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    return web.json_response(
        {"status": "ok", "scenario": gateway.scenario.name, "seed": gateway.seed}
    )


@routes.get("/_mock/messages")
async def messages(request: web.Request) -> web.Response:
    return _listed(request, select_messages, message_view, lambda g: g.messages.dropped)


@routes.get("/_mock/requests")
async def requests(request: web.Request) -> web.Response:
    return _listed(request, select_requests, request_view, lambda g: g.requests.dropped)


@routes.get("/_mock/reports")
async def reports(request: web.Request) -> web.Response:
    return _listed(request, select_reports, report_view, lambda g: g.reports.dropped)


@routes.get("/_mock/pushes")
async def pushes(request: web.Request) -> web.Response:
    return _listed(request, select_pushes, push_view, lambda g: g.pushes.dropped)


@routes.post("/_mock/pushes/retry")
async def retry_pushes(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    userid = request.query.get("userid")
    if userid is not None and userid not in gateway.account_userids():
        return _error(f"no account {userid!r}", 404)
    return web.json_response({"redriven": gateway.retry_parked(userid)})


@routes.put("/_mock/accounts/{userid}/push")
async def set_push(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    userid = request.match_info["userid"]
    if userid not in gateway.account_userids():
        known = ", ".join(gateway.account_userids())
        return _error(f"no account {userid!r} (accounts: {known})", 404)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "url" not in body:
        return _error('expected {"url": "http://host:port/path"} or {"url": null}', 400)
    url = body["url"]
    if url is not None and (not isinstance(url, str) or not is_http_url(url)):
        return _error(f"{url!r} is not an http:// or https:// URL with a host", 400)
    await gateway.set_push(userid, url)
    return web.json_response({"userid": userid, "url": url})


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


@routes.put("/_mock/scenario")
async def put_scenario(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    try:
        text = (await request.read()).decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error(f"the scenario must be UTF-8 text ({exc})", 400)
    try:
        scenario = load_text(text, source="request body")
    except ScenarioError as error:
        return web.json_response(
            {"error": "invalid scenario", "problems": [str(p) for p in error.problems]}, status=400
        )
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
        body = await request.json()
        seconds = float(body["seconds"])
        if not 0 <= seconds <= MAX_ADVANCE:
            raise ValueError(f"{seconds:g} is out of range")
    except (ValueError, KeyError, TypeError) as exc:
        return _error(f'expected {{"seconds": N}} with 0 <= N <= {MAX_ADVANCE:g} ({exc})', 400)
    now = await gateway.advance(seconds)
    return web.json_response({"now": now})


DEFAULT_WAIT = 10.0


@routes.get("/_mock/wait")
async def wait(request: web.Request) -> web.Response:
    """Long-poll until a count reaches N: ``messages``, ``requests``, ``reports`` or ``pushed``."""
    gateway = request.app[GATEWAY]
    q = request.query
    kinds = [k for k in COUNTS if k in q]
    if len(kinds) != 1:
        return _error(f"give exactly one of {', '.join(COUNTS)}=N", 400)
    (kind,) = kinds
    try:
        wanted = int(q[kind])
        timeout = float(q.get("timeout", DEFAULT_WAIT))
        if timeout < 0:
            raise ValueError("timeout below 0")
    except ValueError as exc:
        return _error(f"{kind} must be a whole number and timeout seconds ({exc})", 400)
    count = COUNTS[kind]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            seen = count(gateway, q)
        except BadFilter as error:
            return _error(str(error), 400)
        if seen >= wanted:
            return web.json_response({"kind": kind, "wanted": wanted, "seen": seen})
        remaining = deadline - loop.time()
        if remaining <= 0:
            return web.json_response(
                {
                    "error": f"timed out after {timeout:g} s waiting for {kind}={wanted}",
                    "kind": kind,
                    "wanted": wanted,
                    "seen": seen,
                },
                status=408,
            )
        # Reports fall due with time, not with a change: look again often while waiting on them.
        await gateway.next_change(min(remaining, 0.05) if kind == "reports" else remaining)
