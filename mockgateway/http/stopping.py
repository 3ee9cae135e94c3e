"""Ending what waits on wall time (long-polls, injected delays and stalls) when the server stops.

Without it a stop would wait for each of them to run out (minutes for a ``timeout=300`` wait),
far past what ``docker stop`` or a CI runner allow.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class Stopping:
    def __init__(self) -> None:
        self.stopped = False
        self._ending: set[asyncio.Future[None]] = set()

    @contextlib.contextmanager
    def ends(self, future: asyncio.Future[None]) -> Iterator[None]:
        """Within the block, a stop settles ``future`` (at once if the stop came first)."""
        if self.stopped:
            settle(future)
        self._ending.add(future)
        try:
            yield
        finally:
            self._ending.discard(future)

    def stop(self) -> None:
        self.stopped = True
        for future in list(self._ending):
            settle(future)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if the server stops first."""
        woken = asyncio.get_running_loop().create_future()
        with self.ends(woken), contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await woken


def settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
