"""What the gateway keeps: accepted messages, their status reports, and each API request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReportState(StrEnum):
    PENDING = "pending"
    """Not yet due, due and waiting, or in a push batch not yet acknowledged."""
    FETCHED = "fetched"
    """Handed out by get_rpt."""
    PUSHED = "pushed"
    """Acknowledged by the receiver (``seqid`` says in which push)."""
    UNDELIVERED = "undelivered"
    """In a push batch that ran out of attempts: parked, and re-drivable."""


@dataclass(slots=True)
class Report:
    """One status report: one per segment of each accepted message."""

    message: Message
    pknum: int
    due: float
    order: int
    """Arrival order, which breaks ties between reports due at the same moment."""
    status: int
    errcode: str
    errdesc: str
    state: ReportState = ReportState.PENDING
    left_at: float | None = None
    """When it was fetched or acknowledged."""
    seqid: int | None = None
    """The push batch it is (or was last) in."""
    fetched_by: int | None = None
    """The id of the get_rpt request that handed it out."""

    @property
    def msgid(self) -> int:
        return self.message.msgid


@dataclass(slots=True)
class Message:
    """One accepted message to one number (a batch of N numbers makes N messages)."""

    msgid: int
    userid: str
    mobile: str
    mobile_digits: str
    countrycode: int
    content: str
    encoding: str
    segments: int
    charset: str
    """How its content came: ``utf-8``, or ``gbk`` (get_rpt encodes its errdesc the same way)."""
    custid: str
    exdata: str
    svrtype: str
    exno: str
    endpoint: str
    format: str
    submitted_at: float
    request_id: int
    warnings: tuple[str, ...] = ()
    reports: list[Report] = field(default_factory=list)
    rule: str | None = None
    """The scenario rule that fixed its reports, if any."""

    def report_state(self) -> str:
        if not self.reports:
            return "none"
        states = {r.state for r in self.reports}
        return states.pop().value if len(states) == 1 else "mixed"


@dataclass(slots=True)
class RequestRecord:
    """Every API request, accepted or not, with what was diagnosed about it."""

    id: int
    at: float
    endpoint: str
    path: str
    method: str
    format: str
    remote: str
    fields: dict[str, Any]
    result: int | None = 0
    """The Montnets code answered; None when a fault broke the answer."""
    diagnosis: str | None = None
    warnings: list[str] = field(default_factory=list)
    first_msgid: int | None = None
    """A send's msgids are consecutive: the first and the count say them all."""
    accepted_count: int = 0
    reports_returned: int = 0
    """For get_rpt: how many reports it handed out (each report names it in ``fetched_by``)."""
    userid: str | None = None
    rule: str | None = None
    """The scenario rule that fired for it, if any."""
    fault: str | None = None
    """The HTTP fault injected into its answer, if any."""

    @property
    def accepted(self) -> bool:
        return self.result == 0

    def numbers(self) -> list[str]:
        """The numbers it was sent to, as digits, derived from its fields when asked (a batch's
        thousand numbers are not copied into the journal)."""
        from mockgateway.protocol.mobiles import normalise, split

        mobile = self.fields.get("mobile")
        if not isinstance(mobile, str):
            return []
        return [digits for one in split(mobile) if (digits := normalise(one)) is not None]

    @property
    def msgids(self) -> range:
        if self.first_msgid is None:
            return range(0)
        return range(self.first_msgid, self.first_msgid + self.accepted_count)

    @property
    def client_error(self) -> bool:
        """Rejected for the client's own mistake, not by a rule (what strict mode fails on)."""
        return self.rule is None and self.result not in (0, None)


@dataclass(slots=True)
class PushAttempt:
    """One HTTP POST of a batch of reports to a receiver, and how it ended."""

    userid: str
    seqid: int
    url: str
    attempt: int
    at: float
    msgids: list[int]
    http_status: int | None = None
    answer: str | None = None
    outcome: str = "in flight"
    """``acknowledged``, ``failed: <why>``, or ``in flight``."""
    next_retry_at: float | None = None
    parked: bool = False
    duplicate: bool = False

    @property
    def acknowledged(self) -> bool:
        return self.outcome == "acknowledged"
