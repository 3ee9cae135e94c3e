"""Pushing to an account's receiver: batches, seqids, retries, parking, whatever is pushed.

A :class:`PushLine` is an account's push state (seqids, the batch being tried, parked batches)
and every change to it, as plain synchronous methods; a :class:`PushWorker` drives one line: it
waits until something is due, sends, journals, and tells the line how each attempt ended. A batch
keeps its seqid through every retry so a receiver can de-duplicate, later batches wait behind it
so order holds, and a batch that runs out of attempts is parked (visible, re-drivable), never
dropped. Items count as pushed only once acknowledged, and duplicates never count.

What is pushed is described by a :class:`PushKind`: status reports and inbound messages, through
the same line and worker. An item needs only what the line uses (:class:`Pushable`). The
HTTP exchange itself is injected as a :data:`Sender`, so this module knows no HTTP library.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Generic, Protocol, TypeVar

from mockgateway.domain.clock import Clock
from mockgateway.domain.journal import Journal
from mockgateway.domain.records import PushAttempt, ReportState
from mockgateway.protocol import push
from mockgateway.protocol.times import format_timestamp
from mockgateway.scenario.model import PushSettings

log = logging.getLogger(__name__)


class Pushable(Protocol):
    """What a push line needs of an item: when it falls due, its place among items due at the
    same moment, its msgid for the journal, and where it was pushed."""

    seqid: int | None
    left_at: float | None

    @property
    def due(self) -> float: ...
    @property
    def order(self) -> int: ...
    @property
    def msgid(self) -> int: ...


T = TypeVar("T", bound=Pushable)

Move = Callable[[T, ReportState], None]
"""Sets an item's state and tells whoever counts the moves (the gateway's events)."""


class Tracked(Pushable, Protocol):
    """An item the gateway hands out once, by a get or a push (a report, an MO), and tracks."""

    state: ReportState
    fetched_by: int | None


H = TypeVar("H", bound=Tracked)


HELD = frozenset({ReportState.PENDING, ReportState.UNDELIVERED})
"""The states of an item the gateway still holds: not yet handed out or acknowledged."""


class Held:
    """How many items of one kind (status reports, MO items) the gateway holds, against the
    scenario's ``reports.max_pending``: kept as items are made and as they move (the gateway's
    mover tells it), so that asking costs nothing whatever the backlog."""

    def __init__(self, what: str, limit: int) -> None:
        self.what = what
        self.count = 0
        self.limit = limit

    def made(self, count: int) -> None:
        self.count += count

    def moved(self, item: Tracked, before: ReportState) -> None:
        if before in HELD and item.state not in HELD and self.count > 0:
            self.count -= 1

    def full(self, adding: int) -> str | None:
        """Why ``adding`` more would pass the limit, or None when there is room."""
        if self.count + adding <= self.limit:
            return None
        return (
            f"{self.count:,} {self.what} wait to be collected and this would add {adding:,}: "
            f"the gateway holds at most {self.limit:,} (reports.max_pending)"
        )


def mover(tell: Callable[[H, ReportState], None]) -> Move[H]:
    """A :data:`Move` that tells ``tell`` (the item, its state before) of each change."""

    def move(item: H, state: ReportState) -> None:
        before, item.state = item.state, state
        if before is not state:
            tell(item, before)

    return move


@dataclass(frozen=True)
class PushKind(Generic[T]):
    """One kind of push: its wire exchange and how an item becomes a record of its list."""

    exchange: push.Exchange
    record: Callable[[T, tzinfo], Mapping[str, Any]]
    """An item as the push carries it, its times written in the account's zone."""


@dataclass(frozen=True)
class Delivery:
    """What came back from one POST: a status and body; ``error`` when there was no answer, or
    one that cannot count whatever it says (a redirect, an oversized body)."""

    http_status: int | None
    body: bytes = b""
    error: str | None = None


Sender = Callable[[str, push.Encoded, float], Awaitable[Delivery]]
"""``(url, body, timeout seconds) -> Delivery``; never raises."""


@dataclass
class Batch(Generic[T]):
    seqid: int
    items: list[T]
    attempts: int = 0
    next_at: float = 0.0
    duplicate: bool = False
    msgids: list[int] = field(default_factory=list)
    """Shared by every attempt's journal entry, so retries cost no copies."""

    def __post_init__(self) -> None:
        self.msgids = [item.msgid for item in self.items]


REORDER_WINDOW = 4
"""How far ahead ``chaos.reorder`` looks among due items, in batches."""


@dataclass
class Outbox(Generic[T]):
    """An account's items not yet handed out (by a get or a push), by due time then arrival.

    Nearly every item is due after the one scheduled before it (a fixed delay, a clock that
    only moves on): those wait in ``queue``, in order, at the cost of a deque slot. The others
    (random delays, items put back) go to ``heap`` as ``(due, order, item)``: a tuple of 64
    bytes each, a third of what a pending report held before the queue.
    """

    heap: list[tuple[float, int, T]] = field(default_factory=list)
    queue: deque[T] = field(default_factory=deque)

    def schedule(self, item: T) -> None:
        queue = self.queue
        if queue:
            last = queue[-1]
            if item.due < last.due or (item.due == last.due and item.order < last.order):
                heapq.heappush(self.heap, (item.due, item.order, item))
                return
        queue.append(item)

    def take_due(self, now: float, limit: int) -> list[T]:
        taken: list[T] = []
        heap, queue = self.heap, self.queue
        while len(taken) < limit:
            if queue and (not heap or _first(queue[0], heap[0])):
                if queue[0].due > now:
                    break
                taken.append(queue.popleft())
            elif heap and heap[0][0] <= now:
                taken.append(heapq.heappop(heap)[2])
            else:
                break
        return taken

    def take_newest_due(self, now: float, limit: int) -> list[T]:
        """The newest ``limit`` of the next ``REORDER_WINDOW × limit`` due items, newest first:
        out of order as a carrier's network delivers, in work bounded by the batch, not by the
        backlog (taking the newest of 300,000 due items stalled the loop for each batch)."""
        window = self.take_due(now, REORDER_WINDOW * limit)
        for item in window[:-limit]:
            self.schedule(item)
        return list(reversed(window[-limit:]))

    def next_due(self) -> float | None:
        queue, heap = self.queue, self.heap
        if queue and heap:
            return min(queue[0].due, heap[0][0])
        if queue:
            return queue[0].due
        return heap[0][0] if heap else None

    def next_due_after(self, moment: float) -> float | None:
        """The earliest due time later than ``moment``.

        Walks the queue from its head and the heap from its root, entering only items already
        due, so it costs about as many steps as there are due items (fewer than a batch while a
        batch lingers).
        """
        best = None
        for item in self.queue:
            if item.due > moment:
                best = item.due
                break
        heap = self.heap
        stack = [0] if heap else []
        while stack:
            i = stack.pop()
            due = heap[i][0]
            if due > moment:
                best = due if best is None or due < best else best
                continue
            stack.extend(j for j in (2 * i + 1, 2 * i + 2) if j < len(heap))
        return best

    def __len__(self) -> int:
        return len(self.heap) + len(self.queue)


def _first(item: Pushable, entry: tuple[float, int, Any]) -> bool:
    """Whether ``item`` comes before the heap's ``entry``."""
    return item.due < entry[0] or (item.due == entry[0] and item.order < entry[1])


def fetch(outbox: Outbox[H], move: Move[H], now: float, limit: int, by: int) -> list[H]:
    """Up to ``limit`` due items handed out by a get (request ``by``), oldest first, each once."""
    taken = outbox.take_due(now, limit)
    for item in taken:
        move(item, ReportState.FETCHED)
        item.left_at = now
        item.fetched_by = by
    return taken


class PushLine(Generic[T]):
    """An account's push state that outlives any one worker, and every change to it."""

    def __init__(
        self,
        settings: PushSettings | None,
        outbox: Outbox[T],
        move: Move[T],
        *,
        max_batch: int = push.REPORTS.max_batch,
    ) -> None:
        self.settings = settings
        """None: not pushing (items wait in the outbox for a get)."""
        self.outbox = outbox
        self._move = move
        self.max_batch = max_batch
        """What one request of this kind may carry, whatever ``batch_size`` says."""
        self.next_seqid = 1
        self.current: Batch[T] | None = None
        """The batch being attempted or waiting to be retried; later ones wait behind it."""
        self.backlog: deque[Batch[T]] = deque()
        """Batches formed earlier that go before any new one: re-driven and duplicate batches,
        and the batch a new receiver gets first."""
        self.parked: list[Batch[T]] = []

    @property
    def pushing(self) -> bool:
        return self.settings is not None

    def new_seqid(self) -> int:
        seqid = self.next_seqid
        self.next_seqid += 1
        return seqid

    def batches(self) -> Iterator[Batch[T]]:
        if self.current is not None:
            yield self.current
        yield from self.backlog
        yield from self.parked

    def pending(self) -> int:
        """Items in a batch and not acknowledged (parked ones included); duplicates never count:
        their items were acknowledged already."""
        return sum(len(b.items) for b in self.batches() if not b.duplicate)

    def undelivered(self) -> int:
        return sum(len(b.items) for b in self.parked)

    # --- what the worker asks and tells ----------------------------------------------------

    def ready(self, now: float) -> Batch[T] | None:
        """The batch to attempt now, forming a new one from the outbox when it is time."""
        settings = self.settings
        if settings is None:
            return None
        if self.current is not None:
            return self.current if self.current.next_at <= now else None
        if self.backlog:
            self.current = self.backlog.popleft()
            return self.current
        cutoff = now - settings.chaos.delay
        oldest = self.outbox.next_due()
        if oldest is None or oldest > cutoff:
            return None
        size = min(settings.batch_size, self.max_batch)
        if settings.chaos.reorder:
            items = self.outbox.take_newest_due(cutoff, size)
        else:
            items = self.outbox.take_due(cutoff, size)
        if len(items) < size and oldest + settings.linger > cutoff:
            for item in items:
                self.outbox.schedule(item)
            return None
        self.current = Batch(self.new_seqid(), items)
        for item in items:
            item.seqid = self.current.seqid
        return self.current

    def deadline(self, now: float) -> float | None:
        """When :meth:`ready` may next have a batch, if nothing else changes."""
        settings = self.settings
        if settings is None:
            return None
        if self.current is not None:
            return self.current.next_at
        oldest = self.outbox.next_due()
        if oldest is None:
            return None
        held = settings.chaos.delay
        if not settings.linger:
            return oldest + held
        # A lingering batch goes when its wait is over, or earlier when the next item to fall
        # due may fill it.
        following = self.outbox.next_due_after(now - held)
        deadline = oldest + held + settings.linger
        return deadline if following is None else min(deadline, following + held)

    def acknowledged(self, batch: Batch[T], now: float, rng: random.Random) -> None:
        """The receiver took ``batch``: its items are pushed (once: a duplicate changes nothing);
        chaos may push them again under a new seqid."""
        settings = self.settings
        assert settings is not None
        self.current = None
        if batch.duplicate:
            return
        for item in batch.items:
            self._move(item, ReportState.PUSHED)
            item.seqid = batch.seqid
            item.left_at = now
        chance = settings.chaos.duplicate
        if chance and rng.random() < chance:
            self.backlog.append(Batch(self.new_seqid(), list(batch.items), duplicate=True))

    def failed(self, batch: Batch[T], now: float, rng: random.Random) -> float | None:
        """The attempt failed: when the batch is tried again, or None when it ran out of
        attempts and is parked (a duplicate is dropped: its items were pushed already)."""
        settings = self.settings
        assert settings is not None
        self.current = None
        if batch.attempts >= settings.retry.attempts:
            if not batch.duplicate:
                for item in batch.items:
                    self._move(item, ReportState.UNDELIVERED)
                self.parked.append(batch)
            return None
        batch.next_at = now + settings.retry.wait_before(batch.attempts + 1, rng)
        self.current = batch
        return batch.next_at

    # --- what the gateway changes (its worker stopped) --------------------------------------

    def repoint(self, settings: PushSettings | None) -> None:
        """New push settings; None stops pushing and releases every item not acknowledged."""
        if settings is None:
            self.release()
            return
        if self.current is not None and not self.current.duplicate:
            self.backlog.appendleft(self.current)  # the new receiver gets it first
        self.current = None
        self.settings = settings

    def release(self) -> None:
        """Stop pushing: every item not acknowledged (in flight, in the backlog, parked) goes
        back to the outbox, for a get."""
        for batch in list(self.batches()):
            if not batch.duplicate:
                for item in batch.items:
                    item.seqid = None
                    self._move(item, ReportState.PENDING)
                    self.outbox.schedule(item)
        self.current, self.settings = None, None
        self.backlog.clear()
        self.parked.clear()

    def redrive(self) -> int:
        """Parked batches go again with their seqids (to the outbox when not pushing); returns
        how many."""
        parked, self.parked = self.parked, []
        for batch in parked:
            for item in batch.items:
                self._move(item, ReportState.PENDING)
            if self.pushing:
                self.backlog.append(Batch(batch.seqid, batch.items))
            else:
                for item in batch.items:
                    item.seqid = None
                    self.outbox.schedule(item)
        return len(parked)


@dataclass
class PushContext(Generic[T]):
    """What a worker needs from the gateway, passed in so it holds no reference to it."""

    kind: PushKind[T]
    userid: str
    password: str
    zone: tzinfo
    clock: Clock
    wall: Callable[[], float]
    sender: Sender
    journal: Journal[PushAttempt]
    rng: random.Random
    push_changed: Callable[[PushAttempt], None]
    """Told when an attempt starts and when it has its outcome."""


class PushWorker(Generic[T]):
    def __init__(self, line: PushLine[T], context: PushContext[T]) -> None:
        self.line = line
        self.ctx = context
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()
        """Set while the worker waits with nothing it could do now (what ``settled`` awaits)."""
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def poke(self) -> None:
        """Something changed (an item, the clock, the settings): look again."""
        self.idle.clear()
        self._wake.set()

    async def stop(self) -> None:
        """Stop after the attempt in flight, if any, has its answer."""
        self._stopping = True
        self.poke()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self.idle.set()

    def cancel(self) -> None:
        """Stop at once (reset and scenario changes throw the state away anyway)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
        self.idle.set()

    async def _run(self) -> None:
        try:
            while not self._stopping:
                now = self.ctx.clock.now()
                batch = self.line.ready(now)
                if batch is None:
                    await self._sleep(self.line.deadline(now))
                else:
                    await self._attempt(batch)
        finally:
            self.idle.set()

    async def _sleep(self, deadline: float | None) -> None:
        timer = None if deadline is None else self.ctx.clock.call_at(deadline, self.poke)
        self.idle.set()
        await self._wake.wait()
        self._wake.clear()
        if timer is not None:
            timer.cancel()

    async def _attempt(self, batch: Batch[T]) -> None:
        settings = self.line.settings
        assert settings is not None
        ctx, exchange = self.ctx, self.ctx.kind.exchange
        batch.attempts += 1
        timestamp = format_timestamp(datetime.fromtimestamp(ctx.wall(), ctx.zone))
        records = [ctx.kind.record(item, ctx.zone) for item in batch.items]
        body = push.encode(
            exchange,
            push.envelope(exchange, ctx.userid, ctx.password, timestamp, batch.seqid, records),
            settings.format,
        )
        record = PushAttempt(
            userid=ctx.userid,
            seqid=batch.seqid,
            url=settings.url,
            attempt=batch.attempts,
            at=ctx.clock.now(),
            msgids=batch.msgids,
            duplicate=batch.duplicate,
            kind=exchange.kind,
        )
        ctx.journal.append(record)
        ctx.push_changed(record)
        try:
            delivery = await ctx.sender(settings.url, body, settings.timeout)
        except Exception as exc:  # a bug must fail this attempt, not stop pushing for good
            log.exception("push to %s failed unexpectedly", settings.url)
            delivery = Delivery(None, error=f"internal error in mockgateway ({exc!r})")
        record.http_status = delivery.http_status
        record.answer = delivery.body[:500].decode("utf-8", "replace") if delivery.body else None
        if delivery.error is not None:
            reason: str | None = delivery.error
        else:
            assert delivery.http_status is not None
            try:
                reason, record.warning = push.judge(
                    delivery.http_status,
                    delivery.body,
                    batch.seqid,
                    exchange=exchange,
                    lenient=settings.ack == "lenient",
                )
            except Exception as exc:  # an answer no rule foresaw fails the attempt, not the line
                log.exception("judging the answer of %s failed unexpectedly", settings.url)
                reason = f"internal error in mockgateway judging the answer ({exc!r:.200})"
        now = ctx.clock.now()
        if reason is None:
            record.outcome = "acknowledged"
            self.line.acknowledged(batch, now, ctx.rng)
        else:
            record.outcome = f"failed: {reason}"
            record.next_retry_at = self.line.failed(batch, now, ctx.rng)
            record.parked = record.next_retry_at is None
        ctx.push_changed(record)
