"""What the gateway keeps: accepted messages, their status reports, and each API request."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReportState(StrEnum):
    PENDING = "pending"
    FETCHED = "fetched"


@dataclass(slots=True)
class Report:
    """One status report: one per segment of each accepted message."""

    message: Message
    pknum: int
    due: float
    status: int
    errcode: str
    errdesc: str
    state: ReportState = ReportState.PENDING
    left_at: float | None = None
    """When it was fetched (or, later, pushed)."""

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

    def report_state(self) -> str:
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
    result: int = 0
    diagnosis: str | None = None
    warnings: list[str] = field(default_factory=list)
    msgids: list[int] = field(default_factory=list)
    userid: str | None = None
    mobiles: list[str] = field(default_factory=list)
