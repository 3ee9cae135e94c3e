"""A bounded log: the oldest entries go first, and a counter says how many went.

Bounded twice: by entries, and by the bytes the entries hold (roughly), because one request may
carry four megabytes while the next carries a hundred bytes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_MAX_BYTES = 256 * 1024 * 1024


CHUNK_BYTES = 4 * 1024 * 1024
"""What a listing writes between two turns of the event loop, about (see :meth:`Journal.chunks`)."""


class Journal(Generic[T]):
    def __init__(
        self,
        limit: int,
        *,
        size_of: Callable[[T], int] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._entries: deque[T] = deque()
        self._limit = limit
        self._size_of = size_of
        self._max_bytes = max_bytes
        self.bytes = 0
        """What the entries hold, by ``size_of`` (0 without one)."""
        self.dropped = 0
        self.total = 0
        self._generation = 0
        """Bumped by :meth:`clear`: positions count from the last reset."""

    def append(self, entry: T) -> None:
        entries = self._entries
        entries.append(entry)
        self.total += 1
        size_of = self._size_of
        if size_of is not None:
            self.bytes += size_of(entry)
            while self.bytes > self._max_bytes and len(entries) > 1:
                self.bytes -= size_of(entries.popleft())
                self.dropped += 1
        if len(entries) > self._limit:
            dropped = entries.popleft()
            self.dropped += 1
            if size_of is not None:
                self.bytes -= size_of(dropped)

    def clear(self, limit: int, max_bytes: int) -> None:
        """Empty, with these limits and the counters from zero (a reset)."""
        self._entries.clear()
        self._limit, self._max_bytes = limit, max_bytes
        self.bytes = self.dropped = self.total = 0
        self._generation += 1

    def bound(self, limit: int, max_bytes: int) -> None:
        """New limits (a replaced scenario's), dropping the oldest entries past them."""
        self._limit, self._max_bytes = limit, max_bytes
        entries, size_of = self._entries, self._size_of
        while len(entries) > limit or (self.bytes > max_bytes and len(entries) > 1):
            dropped = entries.popleft()
            self.dropped += 1
            if size_of is not None:
                self.bytes -= size_of(dropped)

    def chunks(self, size: int, max_bytes: int = CHUNK_BYTES) -> Iterator[list[T]]:
        """The entries held now, oldest first, at most ``size`` and about ``max_bytes`` at a
        time (one entry at least: a chunk of 4 MB requests is a few of them).

        For listings that give the event loop back between chunks: the journal may change in
        between, so entries are found by position (``dropped`` + index), never by a copy of the
        whole journal. Entries dropped meanwhile are skipped, entries added meanwhile are not
        included, and a reset meanwhile ends it.
        """
        generation = self._generation
        position, end = self.dropped, self.dropped + len(self._entries)
        while position < end and generation == self._generation:
            offset = self.dropped
            start = max(position - offset, 0)
            stop = min(end - offset, start + size)
            if stop <= start:
                return
            chunk = list(islice(self._entries, start, stop))
            size_of = self._size_of
            if size_of is not None:
                held = 0
                for count, entry in enumerate(chunk):
                    held += size_of(entry)
                    if held > max_bytes and count:
                        del chunk[count:]
                        break
            yield chunk
            position = offset + start + len(chunk)

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
