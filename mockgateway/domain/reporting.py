"""Status reports: one per segment of each accepted message, with a drawn outcome and delay;
taken by get_rpt, each once, oldest first; and pushed (:data:`REPORT_PUSH`).

Every change of a report's state goes through the mover the gateway gives it
(:func:`~mockgateway.domain.push.mover`), so the gateway's events hear of each one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

from mockgateway.domain.events import Events
from mockgateway.domain.journal import Journal
from mockgateway.domain.outcomes import OutcomeDrawer
from mockgateway.domain.push import Held, Move, PushKind, fetch
from mockgateway.domain.records import Message, Report
from mockgateway.protocol import push
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.reports import Rpt, get_rpt_errdesc, rpt_record
from mockgateway.protocol.times import format_moment
from mockgateway.scenario.model import ReportOverride, ReportSettings

if TYPE_CHECKING:
    from mockgateway.domain.accounts import AccountState
    from mockgateway.domain.calls import Call


def rpt_of(report: Report, zone: tzinfo, errdesc: str) -> Rpt:
    """One report on the wire; ``errdesc`` comes encoded as the way it travels asks."""
    message = report.message
    return rpt_record(
        msgid=report.wire_msgid,
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
        domestic=message.edition == "domestic",
    )


def _pushed_rpt(report: Report, zone: tzinfo) -> Rpt:
    return rpt_of(report, zone, report.errdesc)


REPORT_PUSH: PushKind[Report] = PushKind(push.REPORTS, _pushed_rpt)
"""Status reports pushed as ``RPT_REQ``, their errdesc raw as a JSON body carries it (manual
2.3.3; a form or XML body encodes it as it is written, ``protocol/push.py``)."""


class Reporting:
    def __init__(self, journal: Journal[Report], events: Events, move: Move[Report]) -> None:
        self._journal = journal
        self._events = events
        self._move = move
        self._order = itertools.count()
        self._last_due = -1.0
        self.outcomes: OutcomeDrawer | None = None
        """Drawn from the scenario's seed (the gateway sets it at each reset and scenario)."""
        self.held = Held("status reports", ReportSettings().max_pending)
        """Reports made and not yet collected or acknowledged (parked ones included); the
        gateway's mover keeps it, its scenario sets the limit."""
        self.holders: Callable[[], str] | None = None
        """Who holds them, said in a refusal (the limit is the gateway's, not an account's)."""

    def restart(self) -> None:
        self._order = itertools.count()
        self.held.count = 0

    def make_room(self, reports: int) -> None:
        """Refuses a send whose reports would take the held ones past ``reports.max_pending``:
        nothing is accepted, and no report is dropped to make room."""
        full = self.held.full(reports)
        if full is not None:
            holders = f" ({self.holders()})" if self.holders is not None else ""
            raise GatewayError(
                Code.INTERNAL_ERROR,
                f"{full}{holders}; collect them with get_rpt, let a receiver acknowledge them or "
                "re-drive parked ones (POST /_mock/pushes/retry), or reset. Nothing was accepted",
            )

    def schedule(
        self, account: AccountState, message: Message, now: float, override: ReportOverride | None
    ) -> None:
        """One report per segment, sharing one drawn outcome and delay (none when lost)."""
        if override is not None and override.lost:
            return
        assert self.outcomes is not None
        status, errcode, errdesc = self.outcomes.outcome(override)
        due = now + self.outcomes.delay(override)
        if due == self._last_due:
            due = self._last_due  # one float for a batch's reports due at one moment: 24 bytes each
        self._last_due = due
        self.held.made(message.segments)
        for pknum in range(1, message.segments + 1):
            report = Report(message, pknum, due, next(self._order), status, errcode, errdesc)
            account.outbox.schedule(report)
            self._journal.append(report)
            self._events.report_scheduled(report)

    def take(self, call: Call, size: int) -> list[Rpt]:
        """Up to ``size`` due reports of the caller's account, oldest first, each once."""
        account, record = call.account, call.record
        taken = fetch(account.outbox, self._move, call.clock.now(), size, record.id)
        record.reports_returned = len(taken)
        return [
            rpt_of(report, account.zone, get_rpt_errdesc(report.errdesc, report.message.charset))
            for report in taken
        ]
