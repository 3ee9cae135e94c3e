"""The gateway: authenticates, validates, accepts messages, schedules and hands out reports.

Every request ends in the journal with its result and, when rejected, a diagnosis. Rules are
applied in a fixed order (auth, custid/exdata, numbers, content) so one request always gets the
same answer.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote_from_bytes

from mockgateway.domain.clock import Clock, RealClock, VirtualClock, format_moment, zone_of
from mockgateway.domain.journal import Journal
from mockgateway.domain.msgids import MsgidAllocator
from mockgateway.domain.records import Message, Report, ReportState, RequestRecord
from mockgateway.protocol import auth, content, fields, mobiles
from mockgateway.protocol.answers import rpt_record
from mockgateway.protocol.codec import Fields, Format
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.scenario.model import AccountSettings, MsgidRange, Scenario

MAX_BATCH = 1000
MAX_RETSIZE = 500
SVRTYPES = ("1", "2", "3")


@dataclass(frozen=True)
class ApiRequest:
    """A parsed Montnets request, as the HTTP layer hands it over."""

    path: str
    endpoint: str
    method: str
    format: Format
    fields: Fields
    remote: str = "127.0.0.1"
    warnings: tuple[str, ...] = ()


@dataclass
class Answer:
    code: int
    messages: list[Message] = field(default_factory=list)
    custid: str = ""
    rpts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AccountState:
    settings: AccountSettings
    zone: tzinfo
    failures: int = 0
    locked_until: float = 0.0
    due: list[tuple[float, int, Report]] = field(default_factory=list)
    """Reports not yet handed out, as a heap by due time then arrival."""

    def schedule(self, report: Report, order: int) -> None:
        heapq.heappush(self.due, (report.due, order, report))

    def take_due(self, now: float, limit: int) -> list[Report]:
        taken: list[Report] = []
        while self.due and len(taken) < limit and self.due[0][0] <= now:
            taken.append(heapq.heappop(self.due)[2])
        return taken


class Gateway:
    def __init__(
        self,
        scenario: Scenario,
        *,
        clock: Clock | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.scenario = scenario
        self._fixed_clock = clock
        self._wall = wall
        self.seed = scenario.seed if scenario.seed is not None else random.randrange(2**32)
        self.reset()

    def reset(self) -> None:
        """Back to the state just after start: same scenario, same seed, empty journal."""
        scenario = self.scenario
        self.clock: Clock = self._fixed_clock or (
            VirtualClock() if scenario.clock == "virtual" else RealClock()
        )
        rng = random.Random(self.seed)
        ranges: tuple[MsgidRange, ...] = ("above-2^53", "unsigned", "signed")
        self._msgids = {kind: MsgidAllocator(kind, random.Random(rng.random())) for kind in ranges}
        self._delays = random.Random(rng.random())
        self._accounts = {
            a.userid: AccountState(a, zone_of(a.auth.timezone)) for a in scenario.accounts
        }
        limit = scenario.journal_limit
        self.requests: Journal[RequestRecord] = Journal(limit)
        self.messages: Journal[Message] = Journal(limit)
        self.reports: Journal[Report] = Journal(limit)
        self._request_ids = itertools.count(1)
        self._report_order = itertools.count()

    def use_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if scenario.seed is not None else self.seed
        self.reset()

    # --- the API -------------------------------------------------------------------------

    def handle(self, request: ApiRequest, rejected: GatewayError | None = None) -> Answer:
        """Answer one API request. ``rejected`` carries an error found while parsing it."""
        record = RequestRecord(
            id=next(self._request_ids),
            at=self.clock.now(),
            endpoint=request.endpoint,
            path=request.path,
            method=request.method,
            format=request.format.value,
            remote=request.remote,
            fields=_printable(request.fields),
            warnings=list(request.warnings),
        )
        try:
            if rejected is not None:
                raise rejected
            answer = self._dispatch(request, record)
        except GatewayError as error:
            answer = Answer(error.code)
            record.diagnosis = error.diagnosis
        record.result = answer.code
        self.requests.append(record)
        return answer

    def _dispatch(self, request: ApiRequest, record: RequestRecord) -> Answer:
        if request.endpoint == "send_single":
            return self._send(request, record, single=True)
        if request.endpoint == "send_batch":
            return self._send(request, record, single=False)
        if request.endpoint == "get_rpt":
            return self._get_rpt(request, record)
        raise GatewayError(Code.INTERNAL_ERROR, f"no handler for endpoint {request.endpoint}")

    def _authenticate(self, request: ApiRequest, record: RequestRecord) -> AccountState:
        given = request.fields
        userid = fields.text(given, "userid")
        pwd = fields.text(given, "pwd")
        timestamp = fields.text(given, "timestamp") or None
        if not userid:
            raise GatewayError(Code.AUTH_FAILED, "userid is missing")
        record.userid = userid
        account = self._accounts.get(userid.upper())
        if account is None:
            known = ", ".join(self._accounts)
            raise GatewayError(
                Code.AUTH_FAILED,
                f"no account {userid!r} in scenario {self.scenario.name!r} (accounts: {known})",
            )
        if userid != userid.upper():
            record.warnings.append("userid is not in uppercase, as the manual writes it")
        now = self.clock.now()
        if account.locked_until > now:
            raise GatewayError(
                Code.LOCKED_OUT,
                f"account {account.settings.userid} is locked after "
                f"{account.settings.auth.lockout_after} failed authentications; it unlocks in "
                f"{account.locked_until - now:.0f} s",
            )
        try:
            if not pwd:
                raise GatewayError(Code.AUTH_FAILED, "pwd is missing")
            settings = account.settings.auth
            auth.verify(
                auth.Credentials(userid, pwd, timestamp),
                account.settings.password,
                plaintext_allowed=settings.plaintext,
                now=datetime.fromtimestamp(self._wall(), account.zone),
                window=settings.timestamp_window,
            )
        except GatewayError as error:
            if error.code == Code.AUTH_FAILED:
                account.failures += 1
                if account.failures >= account.settings.auth.lockout_after:
                    account.failures = 0
                    account.locked_until = now + account.settings.auth.lockout_seconds
                    error.diagnosis += (
                        f"; that is {account.settings.auth.lockout_after} failures in a row: the "
                        f"account is locked for {account.settings.auth.lockout_seconds:g} s"
                    )
            raise
        account.failures = 0
        return account

    def _send(self, request: ApiRequest, record: RequestRecord, *, single: bool) -> Answer:
        account = self._authenticate(request, record)
        given = request.fields
        settings = account.settings
        custid = fields.client_id(given, "custid")
        exdata = fields.client_id(given, "exdata")
        numbers = self._numbers(given, settings, single=single)
        record.mobiles = [n.digits for n in numbers]
        raw = given.get("content")
        if raw is None:
            raise GatewayError(Code.CONTENT_EMPTY, "content is missing")
        if not isinstance(raw, str | bytes):
            raise GatewayError(
                Code.BODY_FIELD_WRONG_TYPE, f"content must be a string, got {fields.kind_of(raw)}"
            )
        text, warnings = content.decode(raw, request.format, allow_gbk=settings.gbk)
        record.warnings.extend(warnings)
        svrtype = fields.text(given, "svrtype") or ""
        if svrtype and svrtype not in SVRTYPES:
            record.warnings.append(
                f"svrtype {svrtype!r} is not one of the manual's 1 (verification code), "
                "2 (notification), 3 (marketing)"
            )
        exno = fields.text(given, "exno") or ""
        if request.endpoint == "send_batch" and request.format is not Format.JSON:
            record.warnings.append(
                f"{request.path} sent as {request.format.value}: the manual documents "
                "send_batch as POST with JSON only"
            )
        if len({n.digits for n in numbers}) < len(numbers):
            record.warnings.append("the same number appears more than once in the batch")
        split = content.segment(text)
        first = self._msgids[settings.msgids].take(len(numbers))
        now = self.clock.now()
        delay = self.scenario.reports.delay
        messages: list[Message] = []
        for offset, number in enumerate(numbers):
            message = Message(
                msgid=first + offset,
                userid=settings.userid,
                mobile=number.sent,
                mobile_digits=number.digits,
                countrycode=number.countrycode,
                content=text,
                encoding=split.encoding,
                segments=split.segments,
                custid=custid,
                exdata=exdata,
                svrtype=svrtype,
                exno=exno,
                endpoint=request.endpoint,
                format=request.format.value,
                submitted_at=now,
                request_id=record.id,
                warnings=tuple(record.warnings),
            )
            due = now + self._delays.uniform(delay.min, delay.max)
            for pknum in range(1, split.segments + 1):
                report = Report(message, pknum, due, 0, "DELIVRD", "success")
                message.reports.append(report)
                account.schedule(report, next(self._report_order))
                self.reports.append(report)
            self.messages.append(message)
            messages.append(message)
        record.msgids = [m.msgid for m in messages]
        return Answer(Code.OK, messages=messages, custid=custid or str(first))

    def _numbers(
        self, given: Fields, settings: AccountSettings, *, single: bool
    ) -> list[mobiles.Mobile]:
        raw = fields.text(given, "mobile")
        if not raw or not raw.strip():
            raise GatewayError(Code.MOBILE_BREAKS_RULES, "mobile is missing")
        sent = mobiles.split(raw)
        if single and len(sent) > 1:
            raise GatewayError(
                Code.EXCEEDED_NUMBERS,
                f"send_single takes one number, got {len(sent)}: use send_batch for several",
            )
        if len(sent) > MAX_BATCH:
            raise GatewayError(
                Code.TOO_MANY_MOBILES, f"{len(sent)} numbers: at most {MAX_BATCH} per request"
            )
        relaxed = settings.numbers == "relaxed"
        numbers: list[mobiles.Mobile] = []
        for position, one in enumerate(sent, start=1):
            try:
                numbers.append(mobiles.parse(one, relaxed=relaxed))
            except GatewayError as error:
                if len(sent) > 1:
                    error.diagnosis = (
                        f"number {position} of {len(sent)}: {error.diagnosis}; one bad number "
                        "rejects the whole batch"
                    )
                raise
        return numbers

    def _get_rpt(self, request: ApiRequest, record: RequestRecord) -> Answer:
        account = self._authenticate(request, record)
        retsize = fields.integer(request.fields, "retsize")
        if retsize is None or retsize <= 0:
            size = MAX_RETSIZE
        else:
            size = min(retsize, MAX_RETSIZE)
            if retsize > MAX_RETSIZE:
                record.warnings.append(f"retsize {retsize} is above {MAX_RETSIZE}: {size} used")
        now = self.clock.now()
        taken = account.take_due(now, size)
        zone = account.zone
        rpts = []
        for report in taken:
            report.state = ReportState.FETCHED
            report.left_at = now
            rpts.append(self.rpt_of(report, zone))
        record.msgids = [r.msgid for r in taken]
        return Answer(Code.OK, rpts=rpts)

    @staticmethod
    def rpt_of(report: Report, zone: tzinfo) -> dict[str, Any]:
        message = report.message
        return rpt_record(
            msgid=message.msgid,
            custid=message.custid,
            pknum=report.pknum,
            pktotal=message.segments,
            mobile=message.mobile,
            countrycode=message.countrycode,
            exno=message.exno,
            stime=format_moment(message.submitted_at, zone),
            rtime=format_moment(report.due, zone),
            status=report.status,
            errcode=report.errcode,
            errdesc=report.errdesc,
            exdata=message.exdata,
        )

    def pending_reports(self) -> int:
        return sum(len(a.due) for a in self._accounts.values())


def _printable(given: Fields) -> dict[str, Any]:
    """Fields as the journal shows them: bytes that were not UTF-8 stay visible, encoded."""
    return {
        k: ("(not UTF-8) " + quote_from_bytes(v)) if isinstance(v, bytes) else v
        for k, v in given.items()
    }
