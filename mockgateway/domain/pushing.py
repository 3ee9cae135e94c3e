"""The gateway's push side: the sender, one worker per account and kind of push (status reports,
MOs) with a URL, and what the control API changes about pushing (a URL at run time, re-driving
parked batches, moving virtual time until the pushes it releases have been attempted)."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from mockgateway.domain.accounts import AccountState
from mockgateway.domain.clock import Clock, RealClock, VirtualClock
from mockgateway.domain.events import Events
from mockgateway.domain.inbound import MO_PUSH
from mockgateway.domain.journal import Journal
from mockgateway.domain.push import Pushable, PushContext, PushKind, PushLine, PushWorker, Sender
from mockgateway.domain.push_workers import MakeWorker, PushWorkers
from mockgateway.domain.records import PushAttempt
from mockgateway.domain.reporting import REPORT_PUSH
from mockgateway.scenario.model import AccountSettings, PushSettings

T = TypeVar("T", bound=Pushable)


@dataclass(frozen=True)
class Lane(Generic[T]):
    """A kind of push as an account carries it: what is pushed, the account's line for it, and
    the settings a URL given at run time starts from."""

    kind: PushKind[T]
    line: Callable[[AccountState], PushLine[T]]
    settings: Callable[[AccountSettings], PushSettings | None]

    @property
    def name(self) -> str:
        return self.kind.exchange.kind


REPORTS: Lane[Any] = Lane(REPORT_PUSH, lambda a: a.push, lambda s: s.push or s.mo_push)
MOS: Lane[Any] = Lane(MO_PUSH, lambda a: a.mo_push, lambda s: s.mo_push or s.push)
LANES = {lane.name: lane for lane in (REPORTS, MOS)}
"""By name: ``rpt`` and ``mo``."""


class Pushing:
    def __init__(
        self, journal: Journal[PushAttempt], events: Events, wall: Callable[[], float]
    ) -> None:
        self._journal = journal
        self._events = events
        self._wall = wall
        self.workers = PushWorkers()
        events.subscribe(self.workers)
        self._sender: Sender | None = None
        self._clock: Clock = RealClock()
        self._rng = random.Random()

    def start(self, accounts: Iterable[AccountState], clock: Clock, rng: random.Random) -> None:
        """Workers for the lines that push, on this clock and jitter (after a reset or a new
        scenario stopped the old ones)."""
        self._clock, self._rng = clock, rng
        if self._sender is not None:
            for state in accounts:
                for lane in LANES.values():
                    if lane.line(state).pushing:
                        key = (state.userid, lane.kind.exchange)
                        self.workers.start(key, self._maker(state, lane, self._sender))

    def attach(self, sender: Sender, accounts: Iterable[AccountState]) -> None:
        """Start pushing through ``sender`` (inside the running event loop)."""
        self._sender = sender
        self.start(accounts, self._clock, self._rng)

    async def detach(self) -> None:
        """Stop pushing; attempts in flight get their answer first."""
        self._sender = None
        await self.workers.stop_all()

    def _maker(self, state: AccountState, lane: Lane[Any], sender: Sender) -> MakeWorker:
        context = PushContext(
            kind=lane.kind,
            userid=state.userid,
            password=state.settings.password,
            zone=state.zone,
            clock=self._clock,
            wall=self._wall,
            sender=sender,
            journal=self._journal,
            rng=self._rng,
            push_changed=self._events.push_changed,
        )
        return lambda: PushWorker(lane.line(state), context)

    async def set_push(
        self, state: AccountState, url: str | None, lane: Lane[Any] = REPORTS
    ) -> bool:
        """Point an account's pushes of one kind at ``url``, or stop them (what is not
        acknowledged goes back to get_rpt or get_mo). False when a reset or a new scenario came
        first: the change is then not made.

        The attempt in flight gets its answer first; concurrent calls take turns.
        """
        line = lane.line(state)

        def change() -> MakeWorker | None:
            if url is None:
                line.repoint(None)
                return None
            base = line.settings or lane.settings(state.settings) or PushSettings(url=url)
            line.repoint(replace(base, url=url))
            return None if self._sender is None else self._maker(state, lane, self._sender)

        return await self.workers.replace((state.userid, lane.kind.exchange), change)

    def redrive(self, accounts: Iterable[AccountState], lanes: Collection[Lane[Any]]) -> int:
        """Re-drive parked batches (same seqids); without a push URL they go back to get_rpt or
        get_mo."""
        count = 0
        for state in accounts:
            for lane in lanes:
                count += lane.line(state).redrive()
                worker = self.workers.get((state.userid, lane.kind.exchange))
                if worker is not None:
                    worker.poke()
        return count

    async def advance(self, clock: Clock, seconds: float) -> float:
        """Move the virtual clock on, one deadline at a time, letting pushes settle at each."""
        if not isinstance(clock, VirtualClock):
            raise TypeError("the clock is real")
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        target = clock.now() + seconds
        await self.settled()  # what is due now goes out now, before time moves
        while True:
            moved = clock.step(target)
            for worker in self.workers:
                worker.poke()
            await self.settled()
            if not moved:
                break
        return clock.now()

    async def settled(self) -> None:
        """Return once no push worker has anything it could do at the current time."""
        while True:
            busy = [w for w in self.workers if not w.idle.is_set()]
            if not busy:
                return
            await busy[0].idle.wait()
