"""The one owner of the push workers' lives: every start, stop and replacement goes through here.

An account has at most one worker. Replacing it (a new push URL at run time) waits for the
attempt in flight to get its answer, so two replacements of one account take turns instead of
each starting a worker; and a reset or a stop that comes in between makes a pending replacement
moot, so no worker outlives the state it was made for and keeps pushing unseen.

It listens to the gateway's events: something new scheduled for an account wakes its worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from mockgateway.domain.events import Listener
from mockgateway.domain.push import PushWorker
from mockgateway.domain.records import Report

MakeWorker = Callable[[], PushWorker[Any]]


class PushWorkers(Listener):
    def __init__(self) -> None:
        self._workers: dict[str, PushWorker[Any]] = {}
        self._turns: dict[str, asyncio.Lock] = {}
        self._generation = 0
        """Bumped by every reset and stop: replacements begun before it do nothing."""

    def get(self, userid: str) -> PushWorker[Any] | None:
        return self._workers.get(userid)

    def __iter__(self) -> Iterator[PushWorker[Any]]:
        return iter(list(self._workers.values()))

    def report_scheduled(self, report: Report) -> None:
        worker = self._workers.get(report.message.userid)
        if worker is not None:
            worker.poke()

    def start(self, userid: str, make: MakeWorker) -> None:
        """Start the account's worker unless it has one."""
        if userid not in self._workers:
            worker = make()
            self._workers[userid] = worker
            worker.start()

    def cancel_all(self) -> None:
        """Stop every worker at once (a reset throws their state away)."""
        self._generation += 1
        workers, self._workers = self._workers, {}
        for worker in workers.values():
            worker.cancel()

    async def stop_all(self) -> None:
        """Stop every worker once the attempts in flight have their answers."""
        self._generation += 1
        workers, self._workers = self._workers, {}
        await asyncio.gather(*(worker.stop() for worker in workers.values()))

    async def replace(self, userid: str, change: Callable[[], MakeWorker | None]) -> bool:
        """Stop the account's worker, then apply ``change`` and start the worker it makes.

        One replacement at a time per account; runs to its end even if the caller is cancelled
        (a half-done replacement would leave the account without a worker). False when a reset
        or a stop came first: the change is then not applied.
        """
        return await asyncio.shield(self._replace(userid, change))

    async def _replace(self, userid: str, change: Callable[[], MakeWorker | None]) -> bool:
        generation = self._generation
        async with self._turns.setdefault(userid, asyncio.Lock()):
            if generation != self._generation:
                return False
            worker = self._workers.pop(userid, None)
            if worker is not None:
                await worker.stop()
            if generation != self._generation:
                return False
            make = change()
            if make is not None:
                self.start(userid, make)
            return True
