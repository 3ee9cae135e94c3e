"""The /_mock/ control API: what a test reads and steers. JSON in and out.

msgids appear both as numbers and as strings (``msgid_str``) because JavaScript clients cannot
hold a 64-bit integer in a number.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mockgateway.domain.clock import VirtualClock
from mockgateway.domain.records import Message, Report, RequestRecord
from mockgateway.http.keys import GATEWAY
from mockgateway.protocol import mobiles
from mockgateway.scenario import ScenarioError, load_text

routes = web.RouteTableDef()


def message_view(message: Message) -> dict[str, Any]:
    return {
        "msgid": message.msgid,
        "msgid_str": str(message.msgid),
        "userid": message.userid,
        "mobile": message.mobile,
        "countrycode": message.countrycode,
        "content": message.content,
        "encoding": message.encoding,
        "segments": message.segments,
        "custid": message.custid,
        "exdata": message.exdata,
        "svrtype": message.svrtype,
        "exno": message.exno,
        "endpoint": message.endpoint,
        "format": message.format,
        "submitted_at": message.submitted_at,
        "request_id": message.request_id,
        "warnings": list(message.warnings),
        "reports": message.report_state(),
    }


def request_view(record: RequestRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "at": record.at,
        "endpoint": record.endpoint,
        "path": record.path,
        "method": record.method,
        "format": record.format,
        "remote": record.remote,
        "userid": record.userid,
        "fields": record.fields,
        "result": record.result,
        "accepted": record.result == 0,
        "diagnosis": record.diagnosis,
        "warnings": record.warnings,
        "msgids": record.msgids,
        "msgids_str": [str(m) for m in record.msgids],
    }


def report_view(report: Report) -> dict[str, Any]:
    message = report.message
    return {
        "msgid": message.msgid,
        "msgid_str": str(message.msgid),
        "userid": message.userid,
        "mobile": message.mobile,
        "pknum": report.pknum,
        "pktotal": message.segments,
        "status": report.status,
        "errcode": report.errcode,
        "errdesc": report.errdesc,
        "due": report.due,
        "state": report.state.value,
        "left_at": report.left_at,
    }


def _listing(items: list[dict[str, Any]], dropped: int) -> web.Response:
    return web.json_response({"count": len(items), "dropped": dropped, "items": items})


def _matches_mobile(wanted: str | None, digits: str | list[str]) -> bool:
    if wanted is None:
        return True
    normal = mobiles.normalise(wanted.strip()) or wanted.strip()
    return normal in digits if isinstance(digits, list) else normal == digits


@routes.get("/_mock/health")
async def health(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    return web.json_response(
        {"status": "ok", "scenario": gateway.scenario.name, "seed": gateway.seed}
    )


@routes.get("/_mock/messages")
async def messages(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    q = request.query
    since = float(q["since"]) if "since" in q else None
    items = [
        message_view(m)
        for m in gateway.messages
        if _matches_mobile(q.get("mobile"), m.mobile_digits)
        and q.get("custid", m.custid) == m.custid
        and q.get("userid", m.userid) == m.userid
        and (since is None or m.submitted_at >= since)
    ]
    return _listing(items, gateway.messages.dropped)


@routes.get("/_mock/requests")
async def requests(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    q = request.query
    accepted = q.get("accepted")
    items = [
        request_view(r)
        for r in gateway.requests
        if _matches_mobile(q.get("mobile"), r.mobiles)
        and q.get("endpoint", r.endpoint) == r.endpoint
        and (accepted is None or (accepted == "true") == (r.result == 0))
    ]
    return _listing(items, gateway.requests.dropped)


@routes.get("/_mock/reports")
async def reports(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    q = request.query
    items = [
        report_view(r)
        for r in gateway.reports
        if _matches_mobile(q.get("mobile"), r.message.mobile_digits)
        and q.get("state", r.state.value) == r.state.value
    ]
    return _listing(items, gateway.reports.dropped)


@routes.post("/_mock/reset")
async def reset(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    gateway.reset()
    return web.json_response({"status": "reset", "scenario": gateway.scenario.name})


@routes.put("/_mock/scenario")
async def put_scenario(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    text = await request.text()
    try:
        scenario = load_text(text, source="request body")
    except ScenarioError as error:
        return web.json_response(
            {"error": "invalid scenario", "problems": [str(p) for p in error.problems]}, status=400
        )
    gateway.use_scenario(scenario)
    return web.json_response({"status": "replaced", "scenario": scenario.name})


@routes.post("/_mock/clock/advance")
async def advance(request: web.Request) -> web.Response:
    gateway = request.app[GATEWAY]
    clock = gateway.clock
    if not isinstance(clock, VirtualClock):
        return web.json_response(
            {"error": "the clock is real: set `clock: virtual` in the scenario to move it"},
            status=409,
        )
    try:
        body = await request.json()
        seconds = float(body["seconds"])
        now = clock.advance(seconds)
    except (ValueError, KeyError, TypeError) as exc:
        return web.json_response(
            {"error": f'expected {{"seconds": N}} with N >= 0 ({exc})'}, status=400
        )
    return web.json_response({"now": now})
