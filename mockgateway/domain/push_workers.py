"""The one owner of the push workers' lives: every start, stop and replacement goes through here.

An account has at most one worker per kind of push (status reports, MOs): a worker's key is the
account and the push's :class:`~mockgateway.protocol.push.Exchange`. Replacing it (a new push URL
at run time) waits for the attempt in flight to get its answer, so two replacements of one key
take turns instead of each starting a worker; and a reset or a stop that comes in between makes
a pending replacement moot, so no worker outlives the state it was made for and keeps pushing
unseen.

It listens to the gateway's events: something new scheduled for an account wakes the worker of
its kind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

from mockgateway.domain.events import Listener
from mockgateway.domain.push import PushWorker
from mockgateway.domain.records import Mo, Report
from mockgateway.protocol.push import MOS, REPORTS, Exchange

MakeWorker = Callable[[], PushWorker[Any]]
Key = tuple[str, Exchange]
"""(userid, what it pushes)."""


class PushWorkers(Listener):
    def __init__(self) -> None:
        self._workers: dict[Key, PushWorker[Any]] = {}
        self._turns: dict[Key, asyncio.Lock] = {}
        self._generation = 0
        """Bumped by every reset and stop: replacements begun before it do nothing."""
        self._stopping_all = 0
        """Stops of every worker under way (a new scenario): a change then is overtaken."""
        self._retiring: dict[PushWorker[Any], Key] = {}
        """Workers taken out and being stopped (by a replacement, or a new scenario), with
        their keys: a reset stops them too, so that none acts on the state it threw away, and
        whatever changes a line next waits for them, so that none still pushes the batch in
        flight when the line changes under it."""

    def get(self, key: Key) -> PushWorker[Any] | None:
        return self._workers.get(key)

    def __iter__(self) -> Iterator[PushWorker[Any]]:
        return iter(list(self._workers.values()))

    def report_scheduled(self, report: Report) -> None:
        self._poke((report.message.userid, REPORTS))

    def mo_scheduled(self, mo: Mo) -> None:
        self._poke((mo.userid, MOS))

    def _poke(self, key: Key) -> None:
        worker = self._workers.get(key)
        if worker is not None:
            worker.poke()

    def start(self, key: Key, make: MakeWorker) -> None:
        """Start the worker unless there is one for ``key``."""
        if key not in self._workers:
            worker = make()
            self._workers[key] = worker
            worker.start()

    def cancel_all(self) -> None:
        """Stop every worker at once (a reset throws their state away)."""
        self._generation += 1
        workers, self._workers = self._workers, {}
        for worker in [*workers.values(), *self._retiring]:
            worker.cancel()

    async def stop_all(self) -> None:
        """Stop every worker once the attempts in flight have their answers."""
        self._generation += 1
        workers, self._workers = self._workers, {}
        # Those a URL change is stopping too: none may still be pushing when this returns, or
        # the workers started next would push the batch it has in flight a second time.
        mine = {worker: key for key, worker in workers.items()}
        self._retiring.update(mine)
        self._stopping_all += 1  # no change may start a worker until what follows is done
        try:
            await asyncio.gather(*(worker.stop() for worker in list(self._retiring)))
        finally:
            self._stopping_all -= 1
            for worker in mine:
                self._retiring.pop(worker, None)

    async def replace(self, key: Key, change: Callable[[], MakeWorker | None]) -> bool:
        """Stop the worker of ``key``, then apply ``change`` and start the worker it makes.

        One replacement at a time per key; runs to its end even if the caller is cancelled
        (a half-done replacement would leave the account without a worker). False when a reset
        or a stop came first: the change is then not applied.
        """
        return await asyncio.shield(self._replace(key, change))

    async def _replace(self, key: Key, change: Callable[[], MakeWorker | None]) -> bool:
        generation = self._generation
        async with self._turns.setdefault(key, asyncio.Lock()):
            if generation != self._generation:
                return False
            # Until no worker of this key runs: the one registered, those a new scenario is
            # stopping, and one a new scenario started meanwhile; the line changes under none.
            while True:
                worker = self._workers.pop(key, None)
                if worker is not None:
                    self._retiring[worker] = key
                stopping = [w for w, k in self._retiring.items() if k == key]
                if not stopping:
                    break
                try:
                    await asyncio.gather(*(w.stop() for w in stopping))
                finally:
                    if worker is not None:
                        self._retiring.pop(worker, None)
                if generation != self._generation or self._stopping_all:
                    return False
            if generation != self._generation or self._stopping_all:
                return False  # a reset, a stop or a new scenario came first: it decides
            make = change()
            if make is not None:
                self.start(key, make)
            return True
