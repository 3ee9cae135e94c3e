"""Journal entries as the control API serializes them: plain JSON, msgids also as strings.

msgids appear both as numbers and as strings (``msgid_str``) because JavaScript clients cannot
hold a 64-bit integer in a number. A report shows its message's msgid and the one it carries on
the wire (``rpt_msgid``: the same, but for a domestic long message's later segments).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_from_bytes

from mockgateway.domain.records import Message, Mo, PushAttempt, Report, RequestRecord
from mockgateway.domain.rulebook import RuleCount
from mockgateway.scenario.model import Rule


def message_json(message: Message) -> dict[str, Any]:
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


def _printable(given: dict[str, Any]) -> dict[str, Any]:
    """Fields as the journal shows them: bytes that were not UTF-8 stay visible, encoded."""
    return {
        k: ("(not UTF-8) " + quote_from_bytes(v)) if isinstance(v, bytes) else v
        for k, v in given.items()
    }


def request_json(record: RequestRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "at": record.at,
        "endpoint": record.endpoint,
        "path": record.path,
        "method": record.method,
        "format": record.format,
        "remote": record.remote,
        "userid": record.userid,
        "edition": record.edition,
        "fields": _printable(record.fields),
        "result": record.result,
        "http_status": record.http_status,
        "accepted": record.accepted,
        "diagnosis": record.diagnosis,
        "warnings": record.warnings,
        "rule": record.rule,
        "fault": record.fault,
        "msgids": list(record.msgids),
        "msgids_str": [str(m) for m in record.msgids],
        "reports_returned": record.reports_returned,
        "mos_returned": record.mos_returned,
    }


def report_json(report: Report) -> dict[str, Any]:
    message = report.message
    return {
        "msgid": message.msgid,
        "msgid_str": str(message.msgid),
        "userid": message.userid,
        "mobile": message.mobile,
        "rpt_msgid": report.wire_msgid,
        "rpt_msgid_str": str(report.wire_msgid),
        "pknum": report.pknum,
        "pktotal": message.segments,
        "status": report.status,
        "errcode": report.errcode,
        "errdesc": report.errdesc,
        "due": report.due,
        "state": report.state.value,
        "seqid": report.seqid,
        "fetched_by": report.fetched_by,
        "left_at": report.left_at,
    }


def mo_json(mo: Mo) -> dict[str, Any]:
    """An MO segment: ``content`` is its text as the handset sent it (get_mo URL-encodes it),
    ``text`` the whole message's."""
    return {
        "msgid": mo.msgid,
        "msgid_str": str(mo.msgid),
        "userid": mo.userid,
        "mobile": mo.mobile,
        "countrycode": mo.countrycode,
        "pknum": mo.pknum,
        "pktotal": mo.pktotal,
        "spno": mo.spno,
        "exno": mo.exno,
        "content": mo.content,
        "text": mo.text,
        "received_at": mo.due,
        "origin": mo.origin,
        "state": mo.state.value,
        "seqid": mo.seqid,
        "fetched_by": mo.fetched_by,
        "left_at": mo.left_at,
    }


def push_json(attempt: PushAttempt) -> dict[str, Any]:
    return {
        "kind": attempt.kind,
        "userid": attempt.userid,
        "seqid": attempt.seqid,
        "url": attempt.url,
        "attempt": attempt.attempt,
        "at": attempt.at,
        "count": len(attempt.msgids),
        "msgids": attempt.msgids,
        "msgids_str": [str(m) for m in attempt.msgids],
        "http_status": attempt.http_status,
        "answer": attempt.answer,
        "outcome": attempt.outcome,
        "warning": attempt.warning,
        "next_retry_at": attempt.next_retry_at,
        "parked": attempt.parked,
        "duplicate": attempt.duplicate,
    }


def rule_json(rule: Rule, count: RuleCount) -> dict[str, Any]:
    return {
        "rule": rule.describe(),
        "index": rule.index,
        "line": rule.line,
        "times": rule.times,
        "nth": rule.when.nth,
        "every": rule.when.every,
        "matched": count.matched,
        "fired": count.fired,
    }
