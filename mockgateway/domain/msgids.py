"""64-bit msgids: unique, consecutive within a batch, in a range that catches weak parsers.

The default range sits above 2^53 so a client that reads msgid as a double (JavaScript, some JSON
libraries) or a 32-bit int fails here rather than in production.
"""

from __future__ import annotations

import random
from typing import get_args

from mockgateway.scenario.model import MsgidRange

STARTS: dict[MsgidRange, tuple[int, int]] = {
    "above-2^53": (2**53 + 1, 2**62),
    "unsigned": (2**63, 2**63 + 2**62),
    "signed": (-(2**63) + 1, -(2**62)),
}
"""Where each range's first msgid is drawn. The upper bounds leave 2^62 below the range's end,
so the domestic edition's per-segment msgids (up to 14·2^34 above a message's, V5.7.2 §5.3)
stay in range for some 10^15 requests (tests/test_domestic_msgids.py)."""


class MsgidAllocator:
    def __init__(self, kind: MsgidRange, rng: random.Random) -> None:
        low, high = STARTS[kind]
        self._next = rng.randrange(low, high)
        self._rng = rng

    def take(self, count: int) -> int:
        """Reserve ``count`` consecutive msgids; return the first.

        A small random gap between requests keeps clients from assuming msgids are sequential
        across requests, which the manual never promises.
        """
        first = self._next
        self._next = first + count + 1 + self._rng.getrandbits(6)
        return first


RANGES: tuple[MsgidRange, ...] = get_args(MsgidRange)


class Msgids:
    """An allocator per range, each started from the seed; one process never repeats a msgid
    unless asked to restart."""

    def __init__(self) -> None:
        self._allocators: dict[MsgidRange, MsgidAllocator] = {}

    def start(self, rng: random.Random, *, restart: bool) -> None:
        """Draw each range's start from ``rng`` (always, so later draws do not depend on it);
        the allocators start there on ``restart`` or when there are none yet."""
        starts = [random.Random(rng.random()) for _ in RANGES]
        if restart or not self._allocators:
            self._allocators = {
                k: MsgidAllocator(k, r) for k, r in zip(RANGES, starts, strict=True)
            }

    def take(self, kind: MsgidRange, count: int) -> int:
        return self._allocators[kind].take(count)
