"""Questions on the journal, as typed filters: the control API's listings and its waits ask the
same ones, so a test waits on exactly what it would list.

A query is read once from text (a query string's values, :meth:`parse`), refusing what it cannot
read with :class:`BadFilter`; then it selects from a journal, or becomes the :class:`Filter` of a
wait. Queries are frozen and hashable: two waits with equal queries share one count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from mockgateway.domain.records import (
    Message,
    Mo,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
)
from mockgateway.domain.waiters import Filter, Kind
from mockgateway.protocol import mobiles
from mockgateway.protocol.push import KINDS as PUSH_KINDS

Params = Mapping[str, str]
"""A query's parameters as text (``/_mock/messages?mobile=...``)."""


class BadFilter(ValueError):
    """A filter value that cannot be read; the control API answers 400 with it."""


def _number(params: Params) -> str | None:
    """The ``mobile`` filter as digits (any of the three forms), or as given when it is none."""
    wanted = params.get("mobile")
    if wanted is None:
        return None
    return mobiles.normalise(wanted.strip()) or wanted.strip()


@dataclass(frozen=True)
class MessageQuery:
    mobile: str | None = None
    """Digits with the country code."""
    custid: str | None = None
    userid: str | None = None
    since: float | None = None
    """Epoch seconds: messages submitted at or after it."""

    @classmethod
    def parse(cls, params: Params) -> MessageQuery:
        since = params.get("since")
        try:
            moment = None if since is None else float(since)
        except ValueError:
            raise BadFilter(f"since must be epoch seconds, got {since!r}") from None
        return cls(_number(params), params.get("custid"), params.get("userid"), moment)

    def matches(self, message: Message) -> bool:
        return (
            (self.mobile is None or self.mobile == message.mobile_digits)
            and (self.custid is None or self.custid == message.custid)
            and (self.userid is None or self.userid == message.userid)
            and (self.since is None or message.submitted_at >= self.since)
        )

    def select(self, messages: Iterable[Message]) -> list[Message]:
        return [m for m in messages if self.matches(m)]

    def filter(self) -> Filter:
        return Filter(self, self.matches, self.mobile)


@dataclass(frozen=True)
class RequestQuery:
    mobile: str | None = None
    endpoint: str | None = None
    userid: str | None = None
    accepted: bool | None = None

    @classmethod
    def parse(cls, params: Params) -> RequestQuery:
        accepted = params.get("accepted")
        if accepted not in (None, "true", "false"):
            raise BadFilter(f"accepted must be true or false, got {accepted!r}")
        flag = None if accepted is None else accepted == "true"
        return cls(_number(params), params.get("endpoint"), params.get("userid"), flag)

    def matches(self, record: RequestRecord) -> bool:
        return (
            (self.endpoint is None or self.endpoint == record.endpoint)
            and (self.userid is None or self.userid == record.userid)
            and (self.accepted is None or self.accepted == record.accepted)
            and (self.mobile is None or self.mobile in record.numbers())
        )

    def select(self, requests: Iterable[RequestRecord]) -> list[RequestRecord]:
        return [r for r in requests if self.matches(r)]

    def filter(self) -> Filter:
        return Filter(self, self.matches, self.mobile)


@dataclass(frozen=True)
class _HandedQuery:
    """Items handed out one by one (reports, MOs) by number and account; their ``state`` is
    kept apart, as it changes over time."""

    mobile: str | None = None
    userid: str | None = None
    state: ReportState | None = None

    @classmethod
    def parse(cls, params: Params) -> Self:
        state = params.get("state")
        if state is not None and state not in {s.value for s in ReportState}:
            known = ", ".join(s.value for s in ReportState)
            raise BadFilter(f"state must be one of {known}, got {state!r}")
        chosen = None if state is None else ReportState(state)
        return cls(_number(params), params.get("userid"), chosen)

    def matches(self, item: Any) -> bool:
        """Everything but the state."""
        raise NotImplementedError

    def admits(self, state: ReportState) -> bool:
        return self.state is None or self.state is state

    def filter(self) -> Filter:
        states = None if self.state is None else frozenset({self.state})
        return Filter(self, self.matches, self.mobile, states)

    def pushed_filter(self) -> Filter:
        """Items acknowledged by a receiver: this query, counting only the state pushed."""
        states = frozenset({ReportState.PUSHED}) & (self.filter().states or frozenset(ReportState))
        return Filter(self, self.matches, self.mobile, states)


@dataclass(frozen=True)
class ReportQuery(_HandedQuery):
    def matches(self, report: Report) -> bool:
        return (self.mobile is None or self.mobile == report.message.mobile_digits) and (
            self.userid is None or self.userid == report.message.userid
        )

    def select(self, reports: Iterable[Report]) -> list[Report]:
        return [r for r in reports if self.matches(r) and self.admits(r.state)]


@dataclass(frozen=True)
class MoQuery(_HandedQuery):
    def matches(self, mo: Mo) -> bool:
        return (self.mobile is None or self.mobile == mo.mobile_digits) and (
            self.userid is None or self.userid == mo.userid
        )

    def select(self, mos: Iterable[Mo]) -> list[Mo]:
        return [m for m in mos if self.matches(m) and self.admits(m.state)]


@dataclass(frozen=True)
class PushQuery:
    userid: str | None = None
    seqid: str | None = None
    """As written: ``seqid=7`` finds push 7."""
    outcome: str | None = None
    """The start of the outcome: ``failed``, ``acknowledged``, ``failed: HTTP 503``..."""
    kind: str | None = None
    """``rpt`` or ``mo``."""

    @classmethod
    def parse(cls, params: Params) -> PushQuery:
        kind = params.get("kind")
        if kind is not None and kind not in PUSH_KINDS:
            raise BadFilter(f"kind must be one of {', '.join(PUSH_KINDS)}, got {kind!r}")
        return cls(params.get("userid"), params.get("seqid"), params.get("outcome"), kind)

    def matches(self, attempt: PushAttempt) -> bool:
        return (
            (self.userid is None or self.userid == attempt.userid)
            and (self.seqid is None or self.seqid == str(attempt.seqid))
            and (self.outcome is None or attempt.outcome.startswith(self.outcome))
            and (self.kind is None or self.kind == attempt.kind)
        )

    def select(self, attempts: Iterable[PushAttempt]) -> list[PushAttempt]:
        return [p for p in attempts if self.matches(p)]


WAIT_FILTERS: dict[Kind, Callable[[Params], Filter]] = {
    Kind.MESSAGES: lambda params: MessageQuery.parse(params).filter(),
    Kind.REQUESTS: lambda params: RequestQuery.parse(params).filter(),
    Kind.REPORTS: lambda params: ReportQuery.parse(params).filter(),
    Kind.PUSHED: lambda params: ReportQuery.parse(params).pushed_filter(),
    Kind.MOS: lambda params: MoQuery.parse(params).filter(),
    Kind.MO_PUSHED: lambda params: MoQuery.parse(params).pushed_filter(),
}
"""What ``/_mock/wait`` can wait for; ``reports`` counts reports that have fallen due, ``mos``
MO items that have arrived."""
