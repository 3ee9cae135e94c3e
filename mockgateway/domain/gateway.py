"""The gateway: one facade over the parts that answer requests and keep the journal.

Every request ends in the journal with its result and, when rejected, a diagnosis. Scenario rules
come first (they may force any answer), then the account guard (``guard.py``), then the endpoint
itself, which reads its own fields and calls the parts it needs: ``sending`` (accepting
messages), ``reporting`` (scheduling and taking reports). Push lines change only through their
own methods (``push.py``); every happening is told to ``events``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from mockgateway.domain.accounts import Accounts, AccountState
from mockgateway.domain.calls import Answer, ApiRequest, Call
from mockgateway.domain.clock import Clock, RealClock, VirtualClock
from mockgateway.domain.events import Events
from mockgateway.domain.guard import admit
from mockgateway.domain.inbound import Inbound, Injection
from mockgateway.domain.journal import Journal
from mockgateway.domain.msgids import Msgids
from mockgateway.domain.outcomes import OutcomeDrawer
from mockgateway.domain.push import Sender, mover
from mockgateway.domain.pushing import LANES, MOS, REPORTS, Pushing
from mockgateway.domain.records import (
    REQUEST_BYTES,
    Message,
    Mo,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
)
from mockgateway.domain.reporting import Reporting
from mockgateway.domain.rulebook import RuleBook
from mockgateway.domain.sending import Sending
from mockgateway.domain.waiters import Waiters
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.scenario.model import Edition, Rule, Scenario

UNKNOWN_ENDPOINT = "unknown"
"""The endpoint the journal gives a request to a path that no endpoint serves."""

log = logging.getLogger(__name__)


class Unserved(Exception):
    """The caller's account speaks an edition that does not serve the endpoint: answered 404
    once the account is known, as a path the gateway does not have."""

    def __init__(self, edition: Edition, diagnosis: str) -> None:
        super().__init__(diagnosis)
        self.edition = edition
        self.diagnosis = diagnosis


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
        self.events = Events()
        """Told of every new entry and every report's move: waits, the inbox, metrics."""
        self.waiters = Waiters(self)
        """Long-polls on the journal."""
        self.events.subscribe(self.waiters)
        self.on_request: Callable[[RequestRecord], None] | None = None
        """Called with each request once it is answered and journaled (the CLI's log)."""
        journal = scenario.journal
        self.requests: Journal[RequestRecord] = Journal(journal.limit, size_of=attrgetter("size"))
        self.messages: Journal[Message] = Journal(journal.limit, size_of=Message.size)
        self.reports: Journal[Report] = Journal(journal.limit, size_of=Report.size)
        self.pushes: Journal[PushAttempt] = Journal(journal.limit, size_of=PushAttempt.size)
        self.mos: Journal[Mo] = Journal(journal.limit, size_of=Mo.size)
        move, move_mo = mover(self._report_moved), mover(self._mo_moved)
        self.accounts = Accounts(move, move_mo)
        self.reporting = Reporting(self.reports, self.events, move)
        self.reporting.holders = self._report_holders
        self._msgids = Msgids()
        self.inbound = Inbound(self._msgids, self.mos, self.events, move_mo)
        self.sending = Sending(
            self._msgids, self.messages, self.events, self.reporting, self.inbound
        )
        self.pushing = Pushing(self.pushes, self.events, wall)
        self._scenario_turn = asyncio.Lock()
        self.reset(restart_sequences=True)

    def _report_moved(self, report: Report, before: ReportState) -> None:
        self.reporting.held.moved(report, before)
        self.events.report_moved(report, before)

    def _mo_moved(self, mo: Mo, before: ReportState) -> None:
        self.inbound.held.moved(mo, before)
        self.events.mo_moved(mo, before)

    # --- life cycle ----------------------------------------------------------------------

    def reset(self, *, restart_sequences: bool = False) -> None:
        """Back to the state just after start with the same scenario and seed: empty journal,
        no reports or pushes, no lock-outs, rule counts and clock from the start.

        The msgid and seqid sequences go on where they were, so that no msgid repeats within
        the process (a service under test may keep its database across tests);
        ``restart_sequences`` restarts them from the seed, for an exact replay.
        """
        self.pushing.workers.cancel_all()
        scenario = self.scenario
        self.clock: Clock = self._fixed_clock or (
            VirtualClock() if scenario.clock == "virtual" else RealClock()
        )
        rng = random.Random(self.seed)
        self._msgids.start(rng, restart=restart_sequences)
        self._draw_from(scenario, rng)
        self.accounts.start(scenario.accounts, keep_seqids=not restart_sequences)
        for journal in self._journals():
            journal.clear(scenario.journal.limit, scenario.journal.max_bytes)
        self._request_ids = itertools.count(1)
        self.reporting.restart()
        self.inbound.restart()
        self._resume()

    def _draw_from(self, scenario: Scenario, rng: random.Random) -> None:
        """What a scenario draws from the seed (outcomes, rule counts and chances, push jitter,
        reply delays), from the start."""
        self.reporting.outcomes = OutcomeDrawer(scenario.reports, rng.random())
        self.reporting.held.limit = self.inbound.held.limit = scenario.reports.max_pending
        keyholders = {a.apikey: a.userid for a in scenario.accounts if a.apikey}
        self.rules = RuleBook(scenario.rules, random.Random(rng.random()), keyholders)
        self._push_rng = random.Random(rng.random())
        self.inbound.delays = random.Random(rng.random())

    async def use_scenario(self, scenario: Scenario) -> None:
        """Replace the scenario from now on. Not a reset: the journal, pending reports, push
        lines and the msgid/seqid sequences carry on; rule counts start from zero.

        Accounts that stay keep their reports and push lines (a push URL set at run time
        included) and lose their lock-outs; settings the new scenario changes take effect, push
        settings too. Accounts that go keep their reports, visible in the journal. Attempts in
        flight get their answer first.
        """
        async with self._scenario_turn:  # one at a time: the second waits for the first's stop
            await self.pushing.workers.stop_all()
            self._take(scenario)

    def _take(self, scenario: Scenario) -> None:
        old, self.scenario = self.scenario, scenario
        self.seed = scenario.seed if scenario.seed is not None else self.seed
        if self._fixed_clock is None and scenario.clock != old.clock:
            now = self.clock.now()
            self.clock = VirtualClock(now) if scenario.clock == "virtual" else RealClock()
        rng = random.Random(self.seed)
        self._msgids.start(rng, restart=False)  # the sequences carry on
        self._draw_from(scenario, rng)
        self.accounts.replace(scenario.accounts)
        for journal in self._journals():
            journal.bound(scenario.journal.limit, scenario.journal.max_bytes)
        self._resume()

    def _resume(self) -> None:
        """Pushing starts again, and whoever counted counts again."""
        self.pushing.start(self.accounts, self.clock, self._push_rng)
        self.events.journal_reset()

    def _journals(self) -> tuple[Journal[Any], ...]:
        return self.requests, self.messages, self.reports, self.pushes, self.mos

    def attach(self, sender: Sender) -> None:
        """Start pushing through ``sender`` (inside the running event loop)."""
        self.pushing.attach(sender, self.accounts)

    async def detach(self) -> None:
        """Stop pushing; attempts in flight get their answer first."""
        await self.pushing.detach()

    # --- steering (the control API) ------------------------------------------------------

    async def set_push(self, userid: str, url: str | None) -> bool:
        """Point an account's pushes at ``url``, or stop pushing (reports go to get_rpt); False
        when a reset or a new scenario overtook the change, which is then not made."""
        return await self.pushing.set_push(self.accounts.current[userid], url, REPORTS)

    def set_balance(self, userid: str, balance: int | None) -> None:
        """Set what an account has left (None: unlimited) until the next reset, which restores
        the scenario's ``billing.balance``."""
        self.accounts.current[userid].balance = balance

    async def set_mo_push(self, userid: str, url: str | None) -> bool:
        """Point an account's MO pushes at ``url``, or stop them (MOs go to get_mo); False as
        :meth:`set_push`."""
        return await self.pushing.set_push(self.accounts.current[userid], url, MOS)

    def retry_parked(self, userid: str | None = None, kind: str | None = None) -> int:
        """Re-drive parked batches (same seqids) of one kind (``rpt``, ``mo``) or both; without
        a push URL they go back to get_rpt or get_mo."""
        lanes = list(LANES.values()) if kind is None else [LANES[kind]]
        return self.pushing.redrive((a for a in self.accounts if userid in (None, a.userid)), lanes)

    def inject_mo(self, injection: Injection) -> list[Mo]:
        """An MO from a handset, arriving now (``domain/inbound.read_injection`` checked it)."""
        return self.inbound.inject(injection, self.clock.now())

    async def advance(self, seconds: float) -> float:
        """Move the virtual clock on, one deadline at a time, letting pushes settle at each."""
        return await self.pushing.advance(self.clock, seconds)

    # --- the API -------------------------------------------------------------------------

    def handle(self, request: ApiRequest, rejected: GatewayError | None = None) -> Answer:
        """Answer one API request. ``rejected`` carries an error found while parsing it.

        Never raises: a bug in the mock answers -100999 with the exception in the journal, and
        the request still meets the rules and the journal exactly once.
        """
        record = RequestRecord(
            id=next(self._request_ids),
            at=self.clock.now(),
            endpoint=request.endpoint.name,
            path=request.spelling,
            method=request.method,
            format=request.format.value,
            remote=request.remote,
            fields=request.fields,
            size=REQUEST_BYTES + request.size,
            warnings=list(request.warnings),
        )
        self.accounts.mask_password(record)
        answer = Answer(Code.INTERNAL_ERROR)
        try:
            answer = self._decide(request, record, rejected)
        except Exception as exc:  # a bug in the mock must still get a protocol answer
            log.exception("internal error on %s", request.spelling)
            answer = Answer(Code.INTERNAL_ERROR)
            record.diagnosis = f"internal error in mockgateway ({exc!r}); please report it"
        account = self._known(request, record)
        if account is not None:
            answer.dialect = account.dialect
            record.edition = account.settings.edition
            record.userid = record.userid or account.userid  # a rule's answer names it too
        answer.code = answer.dialect.result(answer.code)
        if answer.unserved is not None:
            record.http_status = 404
        record.result = None if answer.broken or answer.unserved else answer.code
        self._journal(record)
        return answer

    def _known(self, request: ApiRequest, record: RequestRecord) -> AccountState | None:
        """The account a request is known to come from, once the guard (or, before it, the
        request's own userid) names one: its answers, rejections included, speak its dialect."""
        named = record.userid or request.fields.get("userid")
        return self.accounts.get(named.upper()) if isinstance(named, str) else None

    def _decide(
        self, request: ApiRequest, record: RequestRecord, rejected: GatewayError | None
    ) -> Answer:
        named = self._known(request, record)
        domestic = named is not None and named.settings.edition == "domestic"
        rule = self.rules.decide(request, domestic, record.warnings)
        try:
            if rule is not None:
                record.rule = rule.describe()
                if rule.respond is not None:
                    code = rule.respond.result
                    raise GatewayError(code, f"answer forced by {record.rule}: respond {code}")
                if rule.fault is not None and not rule.fault.accepted:
                    record.fault = rule.fault.describe()
                    record.diagnosis = f"{record.fault} injected by {record.rule}; not processed"
                    return Answer(Code.INTERNAL_ERROR, fault=rule.fault, broken=True)
            if rejected is not None:
                raise rejected
            answer = self._serve(request, record, rule)
        except GatewayError as error:
            answer = Answer(error.code)
            record.diagnosis = error.diagnosis
        except Unserved as refusal:
            record.diagnosis = refusal.diagnosis
            return Answer(Code.OK, unserved=refusal.edition)
        if rule is not None and rule.fault is not None:
            answer.fault = rule.fault
            record.fault = rule.fault.describe()
        return answer

    def _serve(self, request: ApiRequest, record: RequestRecord, rule: Rule | None) -> Answer:
        """Admit the caller, then serve; the answer holds the account's connection slot. A code
        the gateway raises is its edition's (a domestic account never sees a V5.13-only code)."""
        try:
            return self._admitted(request, record, rule)
        except GatewayError as error:
            account = self._known(request, record)
            if account is not None:
                error.code = account.dialect.own(error.code)
            raise

    def _admitted(self, request: ApiRequest, record: RequestRecord, rule: Rule | None) -> Answer:
        now, scenario = self.clock.now(), self.scenario.name
        account, slot = admit(
            self.accounts, request, record, now=now, wall=self._wall(), scenario=scenario
        )
        edition = account.settings.edition
        if not request.endpoint.serves(edition):
            slot.release()
            diagnosis = request.endpoint.unserved(request.spelling, (edition,))
            raise Unserved(edition, f"{diagnosis}; account {account.userid} is {edition}")
        try:
            result = request.endpoint.serve(self, Call(request, record, account, rule, self.clock))
        except BaseException:
            slot.release()
            raise
        return Answer(Code.OK, result, slot=slot)

    def refuse_unknown(
        self,
        shown: str,
        method: str,
        remote: str,
        diagnosis: str,
        *,
        http_status: int = 404,
        endpoint: str = UNKNOWN_ENDPOINT,
    ) -> None:
        """Journal a request refused before its body is read, as rejected with a diagnosis: a
        path no endpoint serves (404, with what it was probably meant to be), or a method no
        endpoint takes (405)."""
        record = RequestRecord(
            id=next(self._request_ids),
            at=self.clock.now(),
            endpoint=endpoint,
            path=shown,
            method=method,
            format="unread",
            remote=remote,
            fields={},
            size=REQUEST_BYTES + len(shown),
            result=None,
            http_status=http_status,
            diagnosis=diagnosis,
        )
        self._journal(record)

    def _journal(self, record: RequestRecord) -> None:
        self.requests.append(record)
        self.events.request_added(record)
        if self.on_request is not None:
            try:
                self.on_request(record)
            except Exception:  # a broken log line must not cost the client its answer
                log.exception("on_request failed for request %d", record.id)

    # --- figures -------------------------------------------------------------------------

    def pending_reports(self) -> int:
        """Reports accepted but not yet fetched or acknowledged (parked ones, and those of
        accounts a replaced scenario dropped, included)."""
        return sum(len(a.outbox) + a.push.pending() for a in self.accounts.every())

    def _report_holders(self) -> str:
        """The accounts holding the most reports, for a refusal's diagnosis."""
        held = [
            (len(a.outbox) + a.push.pending(), a.push.undelivered(), a.userid)
            for a in self.accounts.every()
        ]
        top = sorted((h for h in held if h[0]), reverse=True)[:3]
        return ", ".join(
            f"{userid} {count:,}" + (f" of them {parked:,} parked" if parked else "")
            for count, parked, userid in top
        )

    def undelivered_reports(self) -> int:
        return sum(a.push.undelivered() for a in self.accounts.every())

    def parked_batches(self, kind: str = "rpt") -> int:
        line = LANES[kind].line
        return sum(len(line(a).parked) for a in self.accounts.every())

    def pending_mos(self) -> int:
        """MO items not yet fetched or acknowledged (parked ones included)."""
        return sum(len(a.mo_outbox) + a.mo_push.pending() for a in self.accounts.every())
