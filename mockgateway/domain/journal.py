"""A bounded log: the oldest entries go first, and a counter says how many went."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Journal(Generic[T]):
    def __init__(self, limit: int) -> None:
        self._entries: deque[T] = deque()
        self._limit = limit
        self.dropped = 0
        self.total = 0

    def append(self, entry: T) -> T | None:
        """Add ``entry``; return the entry dropped to make room, if any."""
        self._entries.append(entry)
        self.total += 1
        if len(self._entries) > self._limit:
            self.dropped += 1
            return self._entries.popleft()
        return None

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
