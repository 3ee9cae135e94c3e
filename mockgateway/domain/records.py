"""What the gateway keeps: accepted messages, their status reports, inbound messages, and each
API request.

No record refers back to one that refers to it (a report knows its message, a message does not
list its reports), so an entry the journal drops is freed at once by reference counting, without
waiting for the cycle collector, which ``mockgateway serve`` runs rarely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mockgateway.protocol.errors import is_client_mistake
from mockgateway.protocol.reports import segment_msgid
from mockgateway.scenario.model import Edition


class ReportState(StrEnum):
    """Where a status report, or an inbound message, is on its way out."""

    PENDING = "pending"
    """Not yet due, due and waiting, or in a push batch not yet acknowledged."""
    FETCHED = "fetched"
    """Handed out by get_rpt (an MO: by get_mo)."""
    PUSHED = "pushed"
    """Acknowledged by the receiver (``seqid`` says in which push)."""
    UNDELIVERED = "undelivered"
    """In a push batch that ran out of attempts: parked, and re-drivable."""


_TALLY_UNIT = {
    ReportState.PENDING: 1,
    ReportState.FETCHED: 1 << 8,
    ReportState.PUSHED: 1 << 16,
    ReportState.UNDELIVERED: 1 << 24,
}
"""A message's reports per state, packed 8 bits a state (a message has at most 15 segments)."""


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
    _state: ReportState = field(default=ReportState.PENDING, init=False)
    left_at: float | None = None
    """When it was fetched or acknowledged."""
    seqid: int | None = None
    """The push batch it is (or was last) in."""
    fetched_by: int | None = None
    """The id of the get_rpt request that handed it out."""

    def __post_init__(self) -> None:
        self.message.tally += _TALLY_UNIT[ReportState.PENDING]

    @property
    def state(self) -> ReportState:
        return self._state

    @state.setter
    def state(self, new: ReportState) -> None:
        self.message.tally += _TALLY_UNIT[new] - _TALLY_UNIT[self._state]
        self._state = new

    @property
    def msgid(self) -> int:
        return self.message.msgid

    @property
    def wire_msgid(self) -> int:
        """The msgid this report carries on the wire: its message's, and in the domestic
        edition that plus (pknum-1)·2^34 (V5.7.2 §5.3), so each segment has its own."""
        if self.message.edition == "domestic":
            return segment_msgid(self.message.msgid, self.pknum)
        return self.message.msgid

    def size(self) -> int:
        """Bytes it holds, roughly, for the journal's byte limit (its message is counted there)."""
        return REPORT_BYTES


@dataclass(slots=True)
class Submission:
    """What the messages of one request, or of one item of it, have in common: held once
    however many numbers share it, so that a message costs its own few fields (a batch of a
    thousand numbers is a thousand small messages and one submission)."""

    userid: str
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
    """Shared by every message of one request."""
    edition: Edition = "international"
    """The edition it was accepted in: its reports' msgids and fields follow it."""


@dataclass(slots=True)
class Message:
    """One accepted message to one number (a batch of N numbers makes N messages): its own
    msgid, number, rule and report tally, and the :class:`Submission` it shares."""

    msgid: int
    mobile: str
    mobile_digits: str
    countrycode: int
    sent: Submission
    rule: str | None = None
    """The scenario rule that fixed its reports, if any."""
    tally: int = 0
    """Its reports per state (kept by :attr:`Report.state`), so it need not list them."""

    @property
    def userid(self) -> str:
        return self.sent.userid

    @property
    def content(self) -> str:
        return self.sent.content

    @property
    def encoding(self) -> str:
        return self.sent.encoding

    @property
    def segments(self) -> int:
        return self.sent.segments

    @property
    def charset(self) -> str:
        return self.sent.charset

    @property
    def custid(self) -> str:
        return self.sent.custid

    @property
    def exdata(self) -> str:
        return self.sent.exdata

    @property
    def svrtype(self) -> str:
        return self.sent.svrtype

    @property
    def exno(self) -> str:
        return self.sent.exno

    @property
    def endpoint(self) -> str:
        return self.sent.endpoint

    @property
    def format(self) -> str:
        return self.sent.format

    @property
    def submitted_at(self) -> float:
        return self.sent.submitted_at

    @property
    def request_id(self) -> int:
        return self.sent.request_id

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.sent.warnings

    @property
    def edition(self) -> Edition:
        return self.sent.edition

    def report_state(self) -> str:
        """``none``, one state every report is in, or ``mixed``."""
        present = [state for state, unit in _TALLY_UNIT.items() if self.tally // unit % 256]
        if not present:
            return "none"
        return present[0].value if len(present) == 1 else "mixed"

    def size(self) -> int:
        """Bytes it holds, roughly, for the journal's byte limit: its content counted in full
        for each message, so the limit holds whether or not a submission is shared."""
        return MESSAGE_BYTES + 2 * len(self.sent.content)


@dataclass(slots=True)
class Mo:
    """One segment of an inbound message (MO): a long text arrives in several, sharing a msgid,
    each handed out (by get_mo or a push) on its own, as status reports are."""

    msgid: int
    userid: str
    mobile: str
    """The sender's number as the test gave it (or as the MT it answers was sent to)."""
    mobile_digits: str
    countrycode: int
    pknum: int
    pktotal: int
    spno: str
    exno: str
    content: str
    """This segment's text."""
    text: str
    """The whole message's text (one string shared by its segments)."""
    due: float
    """When it reached the gateway (its ``rtime``); get_mo and pushes see it from then on."""
    order: int
    origin: str
    """``injected``, or the MT and the rule it replies to."""
    state: ReportState = ReportState.PENDING
    left_at: float | None = None
    seqid: int | None = None
    fetched_by: int | None = None
    """The id of the get_mo request that handed it out."""

    def size(self) -> int:
        shared = 2 * len(self.text) if self.pknum == 1 else 0
        return MO_BYTES + 2 * len(self.content) + shared


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
    size: int = 0
    """Bytes of the request as it came, for the journal's byte limit."""
    result: int | None = 0
    """The Montnets code answered; None when a fault broke the answer or the endpoint is unknown."""
    http_status: int = 200
    """404 for an unknown endpoint; a fault's status shows in ``fault``."""
    diagnosis: str | None = None
    warnings: list[str] = field(default_factory=list)
    first_msgid: int | None = None
    """A send's msgids are consecutive: the first and the count say them all."""
    accepted_count: int = 0
    reports_returned: int = 0
    """For get_rpt: how many reports it handed out (each report names it in ``fetched_by``)."""
    mos_returned: int = 0
    """For get_mo: how many MO items it handed out (each names it in ``fetched_by``)."""
    userid: str | None = None
    edition: Edition | None = None
    """The edition of its account, once known: how its numbers read."""
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
        from mockgateway.protocol.mobiles import requested

        return requested(self.fields, self.edition == "domestic", MAX_NUMBERS)

    @property
    def msgids(self) -> range:
        if self.first_msgid is None:
            return range(0)
        return range(self.first_msgid, self.first_msgid + self.accepted_count)

    @property
    def client_error(self) -> bool:
        """Rejected for the client's own mistake, not by a rule (what strict mode fails on): a
        Montnets code, or a 404 for an endpoint that does not exist; an account in arrears is a
        state a test set, not a mistake."""
        return self.rule is None and not self.accepted and is_client_mistake(self.result)


@dataclass(slots=True)
class PushAttempt:
    """One HTTP POST of a batch (of reports or MOs) to a receiver, and how it ended."""

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
    warning: str | None = None
    """What ``push.ack: lenient`` let through on an acknowledged attempt."""
    next_retry_at: float | None = None
    parked: bool = False
    duplicate: bool = False
    kind: str = "rpt"
    """What it pushed: ``rpt`` (status reports, ``RPT_REQ``) or ``mo`` (``MO_REQ``)."""

    @property
    def acknowledged(self) -> bool:
        return self.outcome == "acknowledged"

    def size(self) -> int:
        return PUSH_BYTES + 8 * len(self.msgids)


REQUEST_BYTES = 400
"""What a request record costs beside its body: the record, its fields' dict, its warnings."""
MESSAGE_BYTES = 300
REPORT_BYTES = 150
MO_BYTES = 250
PUSH_BYTES = 250
MAX_NUMBERS = 1001
"""Numbers read from a request's ``mobile`` at most: one past the limit tells that it is over."""
