"""The gateway's push side: the sender, one worker per account with a push URL, and what the
control API changes about pushing (a URL at run time, re-driving parked batches, moving virtual
time until the pushes it releases have been attempted)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import replace

from mockgateway.domain.accounts import AccountState
from mockgateway.domain.clock import Clock, RealClock, VirtualClock
from mockgateway.domain.events import Events
from mockgateway.domain.journal import Journal
from mockgateway.domain.push import PushContext, PushWorker, Sender
from mockgateway.domain.push_workers import MakeWorker, PushWorkers
from mockgateway.domain.records import PushAttempt
from mockgateway.domain.reporting import REPORT_PUSH
from mockgateway.scenario.model import PushSettings


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
        """Workers for the accounts that push, on this clock and jitter (after a reset or a new
        scenario stopped the old ones)."""
        self._clock, self._rng = clock, rng
        if self._sender is not None:
            for state in accounts:
                if state.pushing:
                    self.workers.start(state.userid, self._maker(state, self._sender))

    def attach(self, sender: Sender, accounts: Iterable[AccountState]) -> None:
        """Start pushing through ``sender`` (inside the running event loop)."""
        self._sender = sender
        self.start(accounts, self._clock, self._rng)

    async def detach(self) -> None:
        """Stop pushing; attempts in flight get their answer first."""
        self._sender = None
        await self.workers.stop_all()

    def _maker(self, state: AccountState, sender: Sender) -> MakeWorker:
        context = PushContext(
            kind=REPORT_PUSH,
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
        return lambda: PushWorker(state.push, context)

    async def set_push(self, state: AccountState, url: str | None) -> None:
        """Point an account's pushes at ``url``, or stop pushing (reports go to get_rpt).

        The attempt in flight gets its answer first; concurrent calls take turns.
        """

        def change() -> MakeWorker | None:
            if url is None:
                state.push.repoint(None)
                return None
            base = state.push.settings or state.settings.push or PushSettings(url=url)
            state.push.repoint(replace(base, url=url))
            return None if self._sender is None else self._maker(state, self._sender)

        await self.workers.replace(state.userid, change)

    def redrive(self, accounts: Iterable[AccountState]) -> int:
        """Re-drive parked batches (same seqids); without a push URL they go back to get_rpt."""
        count = 0
        for state in accounts:
            count += state.push.redrive()
            worker = self.workers.get(state.userid)
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
