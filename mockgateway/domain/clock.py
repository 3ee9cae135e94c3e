"""Time for scheduling. Real by default; virtual when a test wants to move it by hand.

Only scheduling (when reports fall due, ``stime``/``rtime``) follows this clock. The auth window
stays on wall time because clients compute timestamps from their own clocks.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` once the clock reads ``when`` (needs a running event loop)."""
        ...


class RealClock:
    def now(self) -> float:
        return time.time()

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        loop = asyncio.get_running_loop()
        return loop.call_later(max(0.0, when - time.time()), callback)


@dataclass(order=True)
class _VirtualTimer:
    when: float
    order: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Starts at the wall time of its creation and moves only when advanced.

    Timers fire only inside :meth:`step`, one deadline at a time, so whoever advances the clock
    can let each wave of work settle before time moves on: that is what keeps retries and due
    reports in order when a test jumps minutes ahead in one call.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._timers: list[_VirtualTimer] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = _VirtualTimer(when, next(self._order), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def next_deadline(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    def step(self, until: float) -> bool:
        """Move to the next deadline not after ``until`` and fire its timers; False when none."""
        deadline = self.next_deadline()
        if deadline is None or deadline > until:
            self._now = max(self._now, until)
            return False
        self._now = max(self._now, deadline)
        while self._timers and self._timers[0].when <= self._now:
            timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                timer.callback()
        return True

    def advance(self, seconds: float) -> float:
        """Move on and fire every timer due; callers that must let work settle use ``step``."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        target = self._now + seconds
        while self.step(target):
            pass
        return self._now
