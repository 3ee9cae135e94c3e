"""Long-polls on the journal (``/_mock/wait``): counts kept as entries arrive, never by rescanning.

A waiter names a kind and a filter. Its count is taken once, when the first waiter with that
filter registers; from then on the gateway tells this registry about each new entry and each
change of a report's state, and only the tallies whose filter can match look at it. Waiters with
the same filter share one tally, and tallies with a number filter are found by that number, so a
request costs the same whether one test waits or three hundred do.

``reports`` counts reports that have fallen due, ``mos`` inbound messages that have arrived.
Falling due is a matter of time, not of a new entry: a tally keeps the due times of its matching
items not yet due and sets one clock timer for the earliest, so waiting costs no CPU while
nothing happens (the virtual clock fires timers only when it is advanced). ``pushed`` and
``mo_pushed`` count items a receiver acknowledged.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from mockgateway.domain.clock import Clock, Timer
from mockgateway.domain.events import Listener
from mockgateway.domain.records import Message, Mo, Report, ReportState, RequestRecord


class Kind(StrEnum):
    MESSAGES = "messages"
    REQUESTS = "requests"
    REPORTS = "reports"
    """Reports that have fallen due."""
    PUSHED = "pushed"
    """Reports acknowledged by a push receiver."""
    MOS = "mos"
    """MO items (segments) that have arrived."""
    MO_PUSHED = "mo_pushed"
    """MO items acknowledged by a push receiver."""


_DUE = {Kind.PUSHED: Kind.REPORTS, Kind.MO_PUSHED: Kind.MOS}
"""Each kind that counts acknowledged items, to the kind that counts them falling due."""


class Handed(Protocol):
    """A report or an MO: due at a moment, then handed out (its state)."""

    @property
    def due(self) -> float: ...
    @property
    def order(self) -> int: ...
    @property
    def state(self) -> ReportState: ...


@dataclass(frozen=True)
class Filter:
    """What a waiter counts, as the listings of the control API select it."""

    key: Hashable
    """Equal keys mean equal filters: their waiters share one count."""
    matches: Callable[[Any], bool]
    """The entry's own conditions (for reports: all but the state)."""
    number: str | None = None
    """The number (digits) the filter asks for, if any: only entries to it can match."""
    states: frozenset[ReportState] | None = None
    """For reports and MOs: the states counted (None: any)."""

    def admits(self, state: ReportState) -> bool:
        return self.states is None or state in self.states


class Journals(Protocol):
    """Where counts start from: the gateway's journals and clock, as they are now."""

    @property
    def clock(self) -> Clock: ...
    @property
    def messages(self) -> Iterable[Message]: ...
    @property
    def requests(self) -> Iterable[RequestRecord]: ...
    @property
    def reports(self) -> Iterable[Report]: ...
    @property
    def mos(self) -> Iterable[Mo]: ...


@dataclass(eq=False)
class Waiter:
    tally: _Tally
    target: int
    wake: Callable[[], None]
    open: bool = True

    @property
    def seen(self) -> int:
        return self.tally.count

    @property
    def reached(self) -> bool:
        return self.tally.count >= self.target

    def cancel(self) -> None:
        """Stop waiting (answered, timed out, or the client went away); idempotent."""
        if self.open:
            self.open = False
            self.tally.left()


@dataclass(eq=False)
class _Tally:
    """One filter's count, shared by every waiter with that filter."""

    kind: Kind
    filter: Filter
    registry: Waiters
    count: int = 0
    open_waiters: int = 0
    waiting: list[tuple[int, int, Waiter]] = field(default_factory=list)
    """Open waiters by target, lowest first, so the ones reached are found at the top."""
    not_due: list[tuple[float, int, Handed]] = field(default_factory=list)
    """``reports``, ``mos``: matching items not yet due, by due time."""
    counted_until: float = 0.0
    """``reports``, ``mos``: items due by then have been counted; later ones are in
    ``not_due``."""
    timer: Timer | None = None

    def add(self, waiter: Waiter) -> None:
        heapq.heappush(self.waiting, (waiter.target, next(self.registry.order), waiter))
        self.open_waiters += 1

    def left(self) -> None:
        self.open_waiters -= 1
        if self.open_waiters == 0:
            self.registry.drop(self)
        elif len(self.waiting) > 2 * self.open_waiters + 16:
            # Waiters that gave up stay in the heap until they reach its top: sweep them out
            # before they outnumber the open ones.
            self.waiting = [entry for entry in self.waiting if entry[2].open]
            heapq.heapify(self.waiting)

    def moved_by(self, delta: int) -> None:
        self.count += delta
        while self.waiting and (self.waiting[0][0] <= self.count or not self.waiting[0][2].open):
            waiter = heapq.heappop(self.waiting)[2]
            if waiter.open:
                waiter.wake()

    # --- items falling due ---------------------------------------------------------------

    def scheduled(self, item: Handed) -> None:
        if item.due <= self.counted_until:
            if self.filter.admits(item.state):
                self.moved_by(1)
        else:
            heapq.heappush(self.not_due, (item.due, item.order, item))
            if self.not_due[0][2] is item:
                self.arm()

    def arm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.not_due:
            self.timer = self.registry.journals.clock.call_at(self.not_due[0][0], self.fall_due)

    def fall_due(self) -> None:
        self.timer = None
        self.counted_until = max(self.counted_until, self.registry.journals.clock.now())
        due = 0
        while self.not_due and self.not_due[0][0] <= self.counted_until:
            item = heapq.heappop(self.not_due)[2]
            due += self.filter.admits(item.state)
        self.arm()
        if due:
            self.moved_by(due)

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class Waiters(Listener):
    """Every open waiter, grouped into tallies by kind and filter."""

    def __init__(self, journals: Journals) -> None:
        self.journals = journals
        self.order = itertools.count()
        self._tallies: dict[Kind, dict[Hashable, _Tally]] = {kind: {} for kind in Kind}
        self._by_number: dict[Kind, dict[str, dict[Hashable, _Tally]]] = {k: {} for k in Kind}
        self._anywhere: dict[Kind, dict[Hashable, _Tally]] = {kind: {} for kind in Kind}

    def wait(self, kind: Kind, filter: Filter, target: int, wake: Callable[[], None]) -> Waiter:
        """Register a waiter; ``wake`` is called once, when the count reaches ``target``.

        The caller must :meth:`Waiter.cancel` it when it stops waiting, whatever the reason.
        """
        tally = self._tallies[kind].get(filter.key)
        if tally is None:
            tally = _Tally(kind, filter, self)
            self._count(tally)
            self._tallies[kind][filter.key] = tally
            if filter.number is None:
                self._anywhere[kind][filter.key] = tally
            else:
                self._by_number[kind].setdefault(filter.number, {})[filter.key] = tally
        waiter = Waiter(tally, target, wake)
        tally.add(waiter)
        return waiter

    def open_waiters(self) -> int:
        return sum(t.open_waiters for tallies in self._tallies.values() for t in tallies.values())

    def drop(self, tally: _Tally) -> None:
        tally.close()
        key, kind = tally.filter.key, tally.kind
        del self._tallies[kind][key]
        if tally.filter.number is None:
            del self._anywhere[kind][key]
        else:
            same_number = self._by_number[kind][tally.filter.number]
            del same_number[key]
            if not same_number:
                del self._by_number[kind][tally.filter.number]

    def journal_reset(self) -> None:
        """Count everything again from the journals as they are now (after a reset)."""
        for tallies in self._tallies.values():
            for tally in tallies.values():
                tally.close()
                tally.count, tally.not_due = 0, []
                self._count(tally)
                tally.moved_by(0)

    def _handed(self, kind: Kind) -> Iterable[Handed]:
        return self.journals.mos if kind in (Kind.MOS, Kind.MO_PUSHED) else self.journals.reports

    def _count(self, tally: _Tally) -> None:
        matches, journals = tally.filter.matches, self.journals
        if tally.kind is Kind.MESSAGES:
            tally.count = sum(1 for m in journals.messages if matches(m))
        elif tally.kind is Kind.REQUESTS:
            tally.count = sum(1 for r in journals.requests if matches(r))
        elif tally.kind in _DUE:
            items = self._handed(tally.kind)
            tally.count = sum(1 for i in items if _pushed(tally.filter, i.state, i))
        else:
            now = tally.counted_until = journals.clock.now()
            for item in self._handed(tally.kind):
                if matches(item):
                    if item.due > now:
                        tally.not_due.append((item.due, item.order, item))
                    elif tally.filter.admits(item.state):
                        tally.count += 1
            heapq.heapify(tally.not_due)
            tally.arm()

    # --- what the gateway reports ---------------------------------------------------------

    def message_added(self, message: Message) -> None:
        if self._tallies[Kind.MESSAGES]:
            for tally in self._candidates(Kind.MESSAGES, (message.mobile_digits,)):
                if tally.filter.matches(message):
                    tally.moved_by(1)

    def request_added(self, record: RequestRecord) -> None:
        if self._tallies[Kind.REQUESTS]:
            numbers = set(record.numbers()) if self._by_number[Kind.REQUESTS] else ()
            for tally in self._candidates(Kind.REQUESTS, numbers):
                if tally.filter.matches(record):
                    tally.moved_by(1)

    def report_scheduled(self, report: Report) -> None:
        self._scheduled(Kind.REPORTS, report, report.message.mobile_digits)

    def report_moved(self, report: Report, before: ReportState) -> None:
        self._moved(Kind.PUSHED, report, before, report.message.mobile_digits)

    def mo_scheduled(self, mo: Mo) -> None:
        self._scheduled(Kind.MOS, mo, mo.mobile_digits)

    def mo_moved(self, mo: Mo, before: ReportState) -> None:
        self._moved(Kind.MO_PUSHED, mo, before, mo.mobile_digits)

    def _scheduled(self, kind: Kind, item: Handed, number: str) -> None:
        if self._tallies[kind]:
            for tally in self._candidates(kind, (number,)):
                if tally.filter.matches(item):
                    tally.scheduled(item)

    def _moved(self, pushed: Kind, item: Handed, before: ReportState, number: str) -> None:
        """``item`` went from state ``before`` to its state now: the tallies of its falling due
        (``due``) and of its acknowledgement (``pushed``) follow."""
        after, due = item.state, _DUE[pushed]
        if self._tallies[due]:
            for tally in self._candidates(due, (number,)):
                if item.due <= tally.counted_until and tally.filter.matches(item):
                    tally.moved_by(tally.filter.admits(after) - tally.filter.admits(before))
        if self._tallies[pushed]:
            for tally in self._candidates(pushed, (number,)):
                delta = _pushed(tally.filter, after, item) - _pushed(tally.filter, before, item)
                if delta:
                    tally.moved_by(delta)

    def _candidates(self, kind: Kind, numbers: Iterable[str]) -> list[_Tally]:
        found = list(self._anywhere[kind].values())
        by_number = self._by_number[kind]
        if by_number:
            for number in numbers:
                found.extend(by_number.get(number, {}).values())
        return found


def _pushed(filter: Filter, state: ReportState, item: Handed) -> bool:
    return state is ReportState.PUSHED and filter.admits(state) and filter.matches(item)
