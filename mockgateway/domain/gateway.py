"""The gateway: authenticates, validates, accepts messages, schedules and hands out reports.

Every request ends in the journal with its result and, when rejected, a diagnosis. Scenario rules
come first (they may force any answer), then checks in a fixed order (account, IP, connections,
lock-out, pwd, custid/exdata, numbers, content) so one request always gets the same answer.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import Any, NamedTuple

from mockgateway.domain.clock import Clock, RealClock, VirtualClock
from mockgateway.domain.events import Events
from mockgateway.domain.journal import Journal
from mockgateway.domain.msgids import MsgidAllocator
from mockgateway.domain.outcomes import OutcomeDrawer, not_a_mobile
from mockgateway.domain.push import (
    Batch,
    PushContext,
    PushLine,
    PushWorker,
    ReportQueue,
    Sender,
)
from mockgateway.domain.push_workers import MakeWorker, PushWorkers
from mockgateway.domain.records import (
    MAX_NUMBERS,
    REQUEST_BYTES,
    Message,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
)
from mockgateway.domain.waiters import Waiters
from mockgateway.protocol import answers, auth, content, fields, mobiles, push
from mockgateway.protocol.answers import get_rpt_errdesc, rpt_record
from mockgateway.protocol.codec import Fields, Format
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import shown
from mockgateway.protocol.times import format_moment, zone_of
from mockgateway.scenario.model import (
    AccountSettings,
    Fault,
    MsgidRange,
    PushSettings,
    ReportOverride,
    Rule,
    Scenario,
)
from mockgateway.scenario.rules import RequestFacts, RuleBook

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_RANGES: tuple[MsgidRange, ...] = ("above-2^53", "unsigned", "signed")
MAX_BATCH = 1000
MAX_RETSIZE = 500
SVRTYPES = ("1", "2", "3")

log = logging.getLogger(__name__)


class ApiRequest(NamedTuple):
    """A parsed Montnets request, as the HTTP layer hands it over."""

    path: str
    endpoint: str
    method: str
    format: Format
    fields: Fields
    remote: str = "127.0.0.1"
    warnings: tuple[str, ...] = ()
    size: int = 0
    """Bytes of body and query string as they came."""


def _nothing() -> None:
    return None


@dataclass
class Answer:
    code: int
    messages: list[Message] = field(default_factory=list)
    custid: str = ""
    rpts: list[dict[str, Any]] = field(default_factory=list)
    fault: Fault | None = None
    """An HTTP fault the handler must inject into the answer."""
    broken: bool = False
    """The fault breaks the answer before any result was decided (journaled as ``null``)."""
    release: Callable[[], None] = _nothing
    """Frees the request's connection slot; the handler calls it once the answer is sent."""


@dataclass
class AccountState:
    settings: AccountSettings
    zone: tzinfo
    networks: tuple[IPNetwork, ...]
    queue: ReportQueue = field(default_factory=ReportQueue)
    push: PushLine = field(default_factory=lambda: PushLine(None))
    failures: int = 0
    locked_until: float = 0.0
    in_flight: int = 0

    @property
    def pushing(self) -> bool:
        return self.push.settings is not None


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
        self._sender: Sender | None = None
        self._workers = PushWorkers()
        self.events = Events()
        """Told of every new entry and every report's move: waits, the inbox, metrics."""
        self.waiters = Waiters(self)
        """Long-polls on the journal; told of every new entry and every report's move."""
        self.events.subscribe(self.waiters)
        self.on_request: Callable[[RequestRecord], None] | None = None
        """Called with each request once it is answered and journaled (the CLI's log)."""
        self._msgids: dict[MsgidRange, MsgidAllocator] = {}
        self._accounts: dict[str, AccountState] = {}
        self._retired: dict[str, AccountState] = {}
        """Accounts a replaced scenario dropped: their reports wait where the journal shows them,
        and come back to them if a later scenario brings the account back."""
        self.reset(restart_sequences=True)

    # --- life cycle ----------------------------------------------------------------------

    def reset(self, *, restart_sequences: bool = False) -> None:
        """Back to the state just after start with the same scenario and seed: empty journal,
        no reports or pushes, no lock-outs, rule counts and clock from the start.

        The msgid and seqid sequences go on where they were, so that no msgid repeats within
        the process (a service under test may keep its database across tests);
        ``restart_sequences`` restarts them from the seed, for an exact replay.
        """
        self._workers.cancel_all()
        scenario = self.scenario
        self.clock: Clock = self._fixed_clock or (
            VirtualClock() if scenario.clock == "virtual" else RealClock()
        )
        rng = random.Random(self.seed)
        starts = [random.Random(rng.random()) for _ in _RANGES]
        if restart_sequences or not self._msgids:
            self._msgids = {
                kind: MsgidAllocator(kind, r) for kind, r in zip(_RANGES, starts, strict=True)
            }
            seqids: dict[str, int] = {}
        else:
            states = {**self._retired, **self._accounts}
            seqids = {userid: state.push.next_seqid for userid, state in states.items()}
        self._draw_from(scenario, rng)
        self._accounts = {a.userid: _account_state(a) for a in scenario.accounts}
        self._retired = {}
        for userid, state in self._accounts.items():
            state.push.next_seqid = seqids.get(userid, 1)
        limit, max_bytes = scenario.journal_limit, scenario.journal_max_bytes
        self.requests: Journal[RequestRecord] = Journal(
            limit, size_of=_request_size, max_bytes=max_bytes
        )
        self.messages: Journal[Message] = Journal(limit, size_of=Message.size, max_bytes=max_bytes)
        self.reports: Journal[Report] = Journal(limit, size_of=Report.size, max_bytes=max_bytes)
        self.pushes: Journal[PushAttempt] = Journal(
            limit, size_of=PushAttempt.size, max_bytes=max_bytes
        )
        self._request_ids = itertools.count(1)
        self._report_order = itertools.count()
        if self._sender is not None:
            self._start_workers()
        self.events.journal_reset()

    def _draw_from(self, scenario: Scenario, rng: random.Random) -> None:
        """What a scenario draws from the seed (outcomes, rule counts and chances, push jitter),
        from the start."""
        self._outcomes = OutcomeDrawer(scenario.reports, rng.random())
        self.rules = RuleBook(scenario.rules, random.Random(rng.random()))
        self._push_rng = random.Random(rng.random())
        self._number_rules = any(r.when.about_numbers for r in scenario.rules)
        self._content_rules = any(r.when.content is not None for r in scenario.rules)

    async def use_scenario(self, scenario: Scenario) -> None:
        """Replace the scenario from now on. Not a reset: the journal, pending reports, push
        lines and the msgid/seqid sequences carry on; rule counts start from zero.

        Accounts that stay keep their reports and push lines (a push URL set at run time
        included) and lose their lock-outs; settings the new scenario changes take effect, push
        settings too. Accounts that go keep their reports, visible in the journal. Attempts in
        flight get their answer first.
        """
        await self._workers.stop_all()
        old, self.scenario = self.scenario, scenario
        self.seed = scenario.seed if scenario.seed is not None else self.seed
        if self._fixed_clock is None and scenario.clock != old.clock:
            now = self.clock.now()
            self.clock = VirtualClock(now) if scenario.clock == "virtual" else RealClock()
        rng = random.Random(self.seed)
        for _ in _RANGES:
            rng.random()  # the msgid sequences' draws: they carry on
        self._draw_from(scenario, rng)
        staying: dict[str, AccountState] = {}
        for settings in scenario.accounts:
            state = self._accounts.pop(settings.userid, None) or self._retired.pop(
                settings.userid, None
            )
            if state is None:
                staying[settings.userid] = _account_state(settings)
            else:
                self._rebind(state, settings)
                staying[settings.userid] = state
        self._retired.update(self._accounts)
        self._accounts = staying
        for journal in (self.requests, self.messages, self.reports, self.pushes):
            journal.bound(scenario.journal_limit, scenario.journal_max_bytes)
        if self._sender is not None:
            self._start_workers()
        self.events.journal_reset()

    def _rebind(self, state: AccountState, settings: AccountSettings) -> None:
        """An account that stays, under its new settings."""
        before = state.settings.push
        state.settings = settings
        state.zone = zone_of(settings.auth.timezone)
        state.networks = settings.networks
        state.failures, state.locked_until = 0, 0.0
        if settings.push != before:
            self._repoint(state, settings.push)

    def attach(self, sender: Sender) -> None:
        """Start pushing through ``sender`` (inside the running event loop)."""
        self._sender = sender
        self._start_workers()

    async def detach(self) -> None:
        """Stop pushing; attempts in flight get their answer first."""
        self._sender = None
        await self._workers.stop_all()

    def _start_workers(self) -> None:
        for state in self._accounts.values():
            if state.pushing:
                self._workers.start(state.settings.userid, self._worker_maker(state))

    def _worker_maker(self, state: AccountState) -> MakeWorker:
        sender = self._sender
        assert sender is not None
        return lambda: self._new_worker(state, sender)

    def _new_worker(self, state: AccountState, sender: Sender) -> PushWorker:
        context = PushContext(
            userid=state.settings.userid,
            password=state.settings.password,
            zone=state.zone,
            clock=self.clock,
            wall=self._wall,
            sender=sender,
            journal=self.pushes,
            rng=self._push_rng,
            rpt_of=lambda report: self.rpt_of(report, state.zone, push.errdesc(report.errdesc)),
            move=self.move,
            push_changed=self.events.push_changed,
        )
        return PushWorker(state.push, state.queue, context)

    # --- steering (the control API) ------------------------------------------------------

    def account_userids(self) -> list[str]:
        return list(self._accounts)

    async def set_push(self, userid: str, url: str | None) -> None:
        """Point an account's pushes at ``url``, or stop pushing (reports go to get_rpt).

        The attempt in flight gets its answer first; concurrent calls take turns.
        """
        state = self._accounts[userid]

        def change() -> MakeWorker | None:
            if url is None:
                self._repoint(state, None)
                return None
            base = state.push.settings or state.settings.push or PushSettings(url=url)
            self._repoint(state, replace(base, url=url))
            return None if self._sender is None else self._worker_maker(state)

        await self._workers.replace(userid, change)

    def _repoint(self, state: AccountState, settings: PushSettings | None) -> None:
        """New push settings for an account whose worker is stopped; None stops pushing."""
        line = state.push
        if settings is None:
            # Everything not acknowledged goes back to get_rpt: in flight, queued and parked.
            for batch in list(_batches(line)):
                if not batch.duplicate:
                    for report in batch.reports:
                        report.seqid = None
                        self.move(report, ReportState.PENDING)
                        state.queue.schedule(report)
            line.current, line.settings = None, None
            line.queued.clear()
            line.parked.clear()
        else:
            if line.current is not None and not line.current.duplicate:
                line.queued.appendleft(line.current)  # the new receiver gets it first
            line.current = None
            line.settings = settings

    def retry_parked(self, userid: str | None = None) -> int:
        """Re-drive parked batches (same seqids); without a push URL they go back to get_rpt."""
        count = 0
        for state in self._accounts.values():
            if userid is not None and state.settings.userid != userid:
                continue
            parked, state.push.parked = state.push.parked, []
            for batch in parked:
                count += 1
                for report in batch.reports:
                    self.move(report, ReportState.PENDING)
                if state.pushing:
                    state.push.queued.append(Batch(batch.seqid, batch.reports))
                else:
                    for report in batch.reports:
                        report.seqid = None
                        state.queue.schedule(report)
            worker = self._workers.get(state.settings.userid)
            if worker is not None:
                worker.poke()
        return count

    async def advance(self, seconds: float) -> float:
        """Move the virtual clock on, one deadline at a time, letting pushes settle at each."""
        clock = self.clock
        if not isinstance(clock, VirtualClock):
            raise TypeError("the clock is real")
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        target = clock.now() + seconds
        await self.settled()  # what is due now goes out now, before time moves
        while True:
            moved = clock.step(target)
            for worker in self._workers:
                worker.poke()
            await self.settled()
            if not moved:
                break
        return clock.now()

    async def settled(self) -> None:
        """Return once no push worker has anything it could do at the current time."""
        while True:
            busy = [w for w in self._workers if not w.idle.is_set()]
            if not busy:
                return
            await busy[0].idle.wait()

    def move(self, report: Report, state: ReportState) -> None:
        """Every change of a report's state goes through here, so waits can count it."""
        before, report.state = report.state, state
        if before is not state:
            self.events.report_moved(report, before)

    # --- the API -------------------------------------------------------------------------

    def handle(self, request: ApiRequest, rejected: GatewayError | None = None) -> Answer:
        """Answer one API request. ``rejected`` carries an error found while parsing it.

        Never raises: a bug in the mock answers -100999 with the exception in the journal, and
        the request still meets the rules and the journal exactly once.
        """
        record = RequestRecord(
            id=next(self._request_ids),
            at=self.clock.now(),
            endpoint=request.endpoint,
            path=request.path,
            method=request.method,
            format=request.format.value,
            remote=request.remote,
            fields=request.fields,
            size=REQUEST_BYTES + request.size,
            warnings=list(request.warnings),
        )
        self._hide_password(record)
        answer = Answer(Code.INTERNAL_ERROR)
        try:
            answer = self._decide(request, record, rejected)
        except Exception as exc:  # a bug in the mock must still get a protocol answer
            log.exception("internal error on %s", request.path)
            answer.release()
            answer = Answer(Code.INTERNAL_ERROR)
            record.diagnosis = f"internal error in mockgateway ({exc!r}); please report it"
        record.result = None if answer.broken else answer.code
        self._journal(record)
        return answer

    def _decide(
        self, request: ApiRequest, record: RequestRecord, rejected: GatewayError | None
    ) -> Answer:
        rule = self.rules.decide(self._facts(request)) if self.scenario.rules else None
        answer: Answer
        try:
            if rule is not None:
                record.rule = rule.describe()
                if rule.respond is not None:
                    raise GatewayError(
                        rule.respond, f"answer forced by {record.rule}: respond {rule.respond}"
                    )
                if rule.fault is not None and not rule.fault.accepted:
                    record.fault = rule.fault.describe()
                    record.diagnosis = f"{record.fault} injected by {record.rule}; not processed"
                    return Answer(Code.INTERNAL_ERROR, fault=rule.fault, broken=True)
            if rejected is not None:
                raise rejected
            answer = self._dispatch(request, record, rule)
        except GatewayError as error:
            answer = Answer(error.code)
            record.diagnosis = error.diagnosis
        if rule is not None and rule.fault is not None:
            answer.fault = rule.fault
            record.fault = rule.fault.describe()
        return answer

    def refuse_unknown(self, path: str, method: str, remote: str) -> None:
        """Journal a request to an unknown path (answered 404) as rejected, with what it was
        probably meant to be; its body is never read."""
        shown = answers.path_shown(path)
        record = RequestRecord(
            id=next(self._request_ids),
            at=self.clock.now(),
            endpoint=answers.UNKNOWN,
            path=shown,
            method=method,
            format="unread",
            remote=remote,
            fields={},
            size=REQUEST_BYTES + len(shown),
            result=None,
            http_status=404,
            diagnosis=answers.unknown_endpoint(path),
        )
        self._journal(record)

    def _hide_password(self, record: RequestRecord) -> None:
        """The journal never shows an account's plain-text password (the control API may be
        reachable by others); authentication reads the request's own fields, not these."""
        pwd, userid = record.fields.get("pwd"), record.fields.get("userid")
        if isinstance(pwd, str) and isinstance(userid, str):
            account = self._accounts.get(userid.upper())
            if account is not None and pwd == account.settings.password:
                record.fields = {**record.fields, "pwd": "***"}
                record.warnings.append("plain-text password sent: the journal shows it as ***")

    def _journal(self, record: RequestRecord) -> None:
        self.requests.append(record)
        self.events.request_added(record)
        if self.on_request is not None:
            try:
                self.on_request(record)
            except Exception:  # a broken log line must not cost the client its answer
                log.exception("on_request failed for request %d", record.id)

    def _facts(self, request: ApiRequest) -> RequestFacts:
        given = request.fields
        raw_mobile = given.get("mobile")
        numbers: list[tuple[str, int]] = []
        if isinstance(raw_mobile, str) and self._number_rules:
            for one in mobiles.split(raw_mobile, MAX_NUMBERS):
                digits = mobiles.normalise(one)
                if digits is not None:
                    numbers.append((digits, mobiles.country_code(digits)))
        raw_content = given.get("content")
        text: str | None = None
        if self._content_rules and isinstance(raw_content, str | bytes):
            try:
                text = content.decode(raw_content, request.format, allow_gbk=True).text
            except GatewayError:
                text = raw_content if isinstance(raw_content, str) else None
        userid, custid = given.get("userid"), given.get("custid")
        return RequestFacts(
            endpoint=request.endpoint,
            userid=userid if isinstance(userid, str) else None,
            numbers=tuple(numbers),
            content=text,
            custid=custid if isinstance(custid, str) else None,
        )

    def _dispatch(self, request: ApiRequest, record: RequestRecord, rule: Rule | None) -> Answer:
        """Authenticate, then serve; the answer holds the account's connection slot."""
        if request.endpoint not in ("send_single", "send_batch", "get_rpt"):
            raise GatewayError(Code.INTERNAL_ERROR, f"no handler for endpoint {request.endpoint}")
        account, release = self._authenticate(request, record)
        try:
            if request.endpoint == "get_rpt":
                answer = self._take_reports(request, record, account)
            else:
                single = request.endpoint == "send_single"
                answer = self._accept(request, record, account, rule, single=single)
        except BaseException:
            release()
            raise
        answer.release = release
        return answer

    def _authenticate(
        self, request: ApiRequest, record: RequestRecord
    ) -> tuple[AccountState, Callable[[], None]]:
        """The caller's account and the release of its connection slot, or a GatewayError."""
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
        self._check_ip(account, request.remote)
        limit = account.settings.max_connections
        if account.in_flight >= limit:
            raise GatewayError(
                Code.TOO_MANY_CONNECTIONS,
                f"account {account.settings.userid} already has {account.in_flight} requests in "
                f"flight; its limit is {limit} (max_connections)",
            )
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
                wall=self._wall(),
                zone=account.zone,
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
        account.in_flight += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                account.in_flight -= 1

        return account, release

    @staticmethod
    def _check_ip(account: AccountState, remote: str) -> None:
        if not account.networks:
            return
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            address = None
        if address is None or not any(address in net for net in account.networks):
            allowed = ", ".join(str(n) for n in account.networks)
            raise GatewayError(
                Code.IP_NOT_ALLOWED,
                f"request from {remote or 'an unknown address'}; account "
                f"{account.settings.userid} allows only {allowed}",
            )

    def _accept(
        self,
        request: ApiRequest,
        record: RequestRecord,
        account: AccountState,
        rule: Rule | None,
        *,
        single: bool,
    ) -> Answer:
        given = request.fields
        settings = account.settings
        custid = fields.client_id(given, "custid")
        exdata = fields.client_id(given, "exdata")
        numbers = self._numbers(given, settings, single=single)
        record.warnings.extend(_number_warnings(numbers))
        raw = given.get("content")
        if raw is None:
            raise GatewayError(Code.CONTENT_EMPTY, "content is missing")
        if not isinstance(raw, str | bytes):
            raise GatewayError(
                Code.BODY_FIELD_WRONG_TYPE, f"content must be a string, got {fields.kind_of(raw)}"
            )
        decoded = content.decode(raw, request.format, allow_gbk=settings.gbk)
        text = decoded.text
        record.warnings.extend(decoded.warnings)
        svrtype = fields.text(given, "svrtype") or ""
        if svrtype and svrtype not in SVRTYPES:
            record.warnings.append(
                f"svrtype {shown(svrtype)} is not one of the manual's 1 (verification code), "
                "2 (notification), 3 (marketing)"
            )
        exno, exno_problem = fields.exno(given)
        if exno_problem is not None:
            record.warnings.append(exno_problem)
        if request.endpoint == "send_batch" and request.format is not Format.JSON:
            record.warnings.append(
                f"{request.path} sent as {request.format.value}: the manual documents "
                "send_batch as POST with JSON only"
            )
        if len({n.digits for n in numbers}) < len(numbers):
            record.warnings.append("the same number appears more than once in the batch")
        split = content.segment(text)
        first = self._msgids[settings.msgids].take(len(numbers))
        custid = custid or str(first)  # "a unique number generated by Montnets", reports too
        now = self.clock.now()
        override = rule.report if rule is not None else None
        shared_warnings = tuple(record.warnings)
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
                charset=decoded.charset,
                custid=custid,
                exdata=exdata,
                svrtype=svrtype,
                exno=exno,
                endpoint=request.endpoint,
                format=request.format.value,
                submitted_at=now,
                request_id=record.id,
                warnings=shared_warnings,
            )
            chosen = None
            if override is not None and rule is not None and rule.when.covers(number):
                message.rule = rule.describe()
                chosen = override
            if number.not_mobile is not None:
                chosen = not_a_mobile(chosen)
            self._schedule_reports(account, message, now, chosen)
            self.messages.append(message)
            self.events.message_added(message)
            messages.append(message)
        worker = self._workers.get(settings.userid)
        if worker is not None:
            worker.poke()
        record.first_msgid, record.accepted_count = first, len(messages)
        return Answer(Code.OK, messages=messages, custid=custid)

    def _schedule_reports(
        self, account: AccountState, message: Message, now: float, override: ReportOverride | None
    ) -> None:
        """One report per segment, sharing one drawn outcome and delay (none when lost)."""
        if override is not None and override.lost:
            return
        status, errcode, errdesc = self._outcomes.outcome(override)
        due = now + self._outcomes.delay(override)
        for pknum in range(1, message.segments + 1):
            report = Report(message, pknum, due, next(self._report_order), status, errcode, errdesc)
            account.queue.schedule(report)
            self.reports.append(report)
            self.events.report_scheduled(report)

    def _numbers(
        self, given: Fields, settings: AccountSettings, *, single: bool
    ) -> list[mobiles.Mobile]:
        raw = fields.text(given, "mobile")
        if not raw or not raw.strip():
            raise GatewayError(Code.MOBILE_BREAKS_RULES, "mobile is missing")
        count = raw.count(",") + 1  # counted before any number is read
        if single and count > 1:
            raise GatewayError(
                Code.EXCEEDED_NUMBERS,
                f"send_single takes one number, got {count}: use send_batch for several",
            )
        if count > MAX_BATCH:
            raise GatewayError(
                Code.TOO_MANY_MOBILES, f"{count} numbers: at most {MAX_BATCH} per request"
            )
        sent = mobiles.split(raw)
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

    def _take_reports(
        self, request: ApiRequest, record: RequestRecord, account: AccountState
    ) -> Answer:
        retsize = fields.integer(request.fields, "retsize")
        if request.format is Format.JSON and isinstance(request.fields.get("retsize"), str):
            record.warnings.append("retsize is a string in JSON: the manual's type is int")
        if retsize is None or retsize <= 0:
            size = MAX_RETSIZE
        else:
            size = min(retsize, MAX_RETSIZE)
            if retsize > MAX_RETSIZE:
                record.warnings.append(f"retsize {retsize} is above {MAX_RETSIZE}: {size} used")
        if account.pushing:
            record.warnings.append(
                f"account {account.settings.userid} has a push URL: its reports are pushed, and "
                "get_rpt returns none (manual, precautions 3)"
            )
            return Answer(Code.OK)
        now = self.clock.now()
        taken = account.queue.take_due(now, size)
        rpts = []
        for report in taken:
            self.move(report, ReportState.FETCHED)
            report.left_at = now
            report.fetched_by = record.id
            errdesc = get_rpt_errdesc(report.errdesc, report.message.charset)
            rpts.append(self.rpt_of(report, account.zone, errdesc))
        record.reports_returned = len(taken)
        return Answer(Code.OK, rpts=rpts)

    @staticmethod
    def rpt_of(report: Report, zone: tzinfo, errdesc: str) -> dict[str, Any]:
        """One report on the wire; ``errdesc`` comes encoded as the way it travels asks."""
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
            errdesc=errdesc,
            exdata=message.exdata,
        )

    # --- figures -------------------------------------------------------------------------

    def _every_account(self) -> list[AccountState]:
        return [*self._accounts.values(), *self._retired.values()]

    def pending_reports(self) -> int:
        """Reports accepted but not yet fetched or acknowledged (parked ones, and those of
        accounts a replaced scenario dropped, included)."""
        states = self._every_account()
        queued = sum(len(a.queue) for a in states)
        in_push = sum(len(b.reports) for a in states for b in _batches(a.push) if not b.duplicate)
        return queued + in_push

    def undelivered_reports(self) -> int:
        return sum(len(b.reports) for a in self._every_account() for b in a.push.parked)


def _request_size(record: RequestRecord) -> int:
    return record.size


MAX_NUMBER_WARNINGS = 5
"""Per request: a batch of a thousand landlines says so in a few lines, not a thousand."""


def _number_warnings(numbers: list[mobiles.Mobile]) -> list[str]:
    warnings = [n.warning for n in numbers if n.warning is not None]
    if len(warnings) <= MAX_NUMBER_WARNINGS:
        return warnings
    more = len(warnings) - MAX_NUMBER_WARNINGS
    return [*warnings[:MAX_NUMBER_WARNINGS], f"... and {more} more numbers like these"]


def _batches(line: PushLine) -> Iterable[Batch]:
    if line.current is not None:
        yield line.current
    yield from line.queued
    yield from line.parked


def _account_state(settings: AccountSettings) -> AccountState:
    state = AccountState(settings, zone_of(settings.auth.timezone), settings.networks)
    state.push.settings = settings.push
    return state
