"""Pushing status reports to an account's receiver: batches, seqids, retries, parking.

One :class:`PushWorker` per account with a push URL. A batch keeps its seqid through every retry
so a receiver can de-duplicate, later batches wait behind it so order holds, and a batch that
runs out of attempts is parked (visible, re-drivable), never dropped. Reports count as pushed only
once acknowledged. The HTTP exchange itself is injected as a :data:`Sender`, so this module knows
no HTTP library.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from mockgateway.domain.clock import Clock
from mockgateway.domain.journal import Journal
from mockgateway.domain.records import PushAttempt, Report, ReportState
from mockgateway.protocol import push
from mockgateway.protocol.times import format_timestamp
from mockgateway.scenario.model import PushSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What came back from one POST: a status and body; ``error`` when there was no answer, or
    one that cannot count whatever it says (a redirect, an oversized body)."""

    http_status: int | None
    body: bytes = b""
    error: str | None = None


Sender = Callable[[str, dict[str, Any], float], Awaitable[Delivery]]
"""``(url, json body, timeout seconds) -> Delivery``; never raises."""


@dataclass
class Batch:
    seqid: int
    reports: list[Report]
    attempts: int = 0
    next_at: float = 0.0
    duplicate: bool = False
    msgids: list[int] = field(default_factory=list)
    """Shared by every attempt's journal entry, so retries cost no copies."""

    def __post_init__(self) -> None:
        self.msgids = [r.msgid for r in self.reports]


@dataclass
class ReportQueue:
    """An account's reports not yet handed out, by due time then arrival."""

    heap: list[tuple[float, int, Report]] = field(default_factory=list)

    def schedule(self, report: Report) -> None:
        heapq.heappush(self.heap, (report.due, report.order, report))

    def take_due(self, now: float, limit: int) -> list[Report]:
        taken: list[Report] = []
        while self.heap and len(taken) < limit and self.heap[0][0] <= now:
            taken.append(heapq.heappop(self.heap)[2])
        return taken

    def take_newest_due(self, now: float, limit: int) -> list[Report]:
        everything = self.take_due(now, len(self.heap))
        for report in everything[:-limit]:
            self.schedule(report)
        return list(reversed(everything[-limit:]))

    def next_due(self) -> float | None:
        return self.heap[0][0] if self.heap else None

    def next_due_after(self, moment: float) -> float | None:
        """The earliest due time later than ``moment``.

        Walks the heap from the root, entering only reports already due, so it costs about as
        many steps as there are due reports (fewer than a batch while a batch lingers).
        """
        heap, best = self.heap, None
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
        return len(self.heap)


@dataclass
class PushLine:
    """An account's push state that outlives any one worker (seqids, parked batches)."""

    settings: PushSettings | None
    next_seqid: int = 1
    current: Batch | None = None
    """The batch being attempted or waiting to be retried; later ones wait behind it."""
    queued: deque[Batch] = field(default_factory=deque)
    """Re-driven and duplicate batches, pushed before new ones."""
    parked: list[Batch] = field(default_factory=list)

    def new_seqid(self) -> int:
        seqid = self.next_seqid
        self.next_seqid += 1
        return seqid


@dataclass
class PushContext:
    """What a worker needs from the gateway, passed in so it holds no reference to it."""

    userid: str
    password: str
    zone: tzinfo
    clock: Clock
    wall: Callable[[], float]
    sender: Sender
    journal: Journal[PushAttempt]
    rng: random.Random
    rpt_of: Callable[[Report], dict[str, Any]]
    move: Callable[[Report, ReportState], None]
    """Sets a report's state (the gateway's waits count the moves)."""
    push_changed: Callable[[PushAttempt], None]
    """Told when an attempt starts and when it has its outcome."""


class PushWorker:
    def __init__(self, line: PushLine, queue: ReportQueue, context: PushContext) -> None:
        self.line = line
        self.queue = queue
        self.ctx = context
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()
        """Set while the worker waits with nothing it could do now (what ``settled`` awaits)."""
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def poke(self) -> None:
        """Something changed (a report, the clock, the settings): look again."""
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
                batch = self._ready_batch()
                if batch is None:
                    await self._sleep(self._next_deadline())
                else:
                    await self._attempt(batch)
        finally:
            self.idle.set()

    def _ready_batch(self) -> Batch | None:
        line, settings = self.line, self.line.settings
        if settings is None:
            return None
        now = self.ctx.clock.now()
        if line.current is not None:
            return line.current if line.current.next_at <= now else None
        if line.queued:
            line.current = line.queued.popleft()
            return line.current
        cutoff = now - settings.chaos.delay
        oldest = self.queue.next_due()
        if oldest is None or oldest > cutoff:
            return None
        size = settings.batch_size
        if settings.chaos.reorder:
            reports = self.queue.take_newest_due(cutoff, size)
        else:
            reports = self.queue.take_due(cutoff, size)
        if len(reports) < size and oldest + settings.linger > cutoff:
            for report in reports:
                self.queue.schedule(report)
            return None
        line.current = Batch(line.new_seqid(), reports)
        for report in reports:
            report.seqid = line.current.seqid
        return line.current

    def _next_deadline(self) -> float | None:
        settings = self.line.settings
        if settings is None:
            return None
        if self.line.current is not None:
            return self.line.current.next_at
        oldest = self.queue.next_due()
        if oldest is None:
            return None
        held = settings.chaos.delay
        if not settings.linger:
            return oldest + held
        # A lingering batch goes when its wait is over, or earlier when the next report to fall
        # due may fill it.
        cutoff = self.ctx.clock.now() - held
        following = self.queue.next_due_after(cutoff)
        deadline = oldest + held + settings.linger
        return deadline if following is None else min(deadline, following + held)

    async def _sleep(self, deadline: float | None) -> None:
        timer = None if deadline is None else self.ctx.clock.call_at(deadline, self.poke)
        self.idle.set()
        await self._wake.wait()
        self._wake.clear()
        if timer is not None:
            timer.cancel()

    async def _attempt(self, batch: Batch) -> None:
        settings = self.line.settings
        assert settings is not None
        ctx = self.ctx
        batch.attempts += 1
        timestamp = format_timestamp(datetime.fromtimestamp(ctx.wall(), ctx.zone))
        body = push.envelope(
            ctx.userid, ctx.password, timestamp, batch.seqid, [ctx.rpt_of(r) for r in batch.reports]
        )
        record = PushAttempt(
            userid=ctx.userid,
            seqid=batch.seqid,
            url=settings.url,
            attempt=batch.attempts,
            at=ctx.clock.now(),
            msgids=batch.msgids,
            duplicate=batch.duplicate,
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
            lenient = settings.ack == "lenient"
            verdict = push.judge(delivery.http_status, delivery.body, batch.seqid, lenient=lenient)
            reason, record.warning = verdict
        now = ctx.clock.now()
        self.line.current = None
        if reason is None:
            record.outcome = "acknowledged"
            self._acknowledged(batch, now)
        else:
            record.outcome = f"failed: {reason}"
            if batch.attempts >= settings.retry.attempts:
                record.parked = True
                self._park(batch)
            else:
                batch.next_at = now + settings.retry.wait_before(batch.attempts + 1, ctx.rng)
                record.next_retry_at = batch.next_at
                self.line.current = batch
        ctx.push_changed(record)

    def _acknowledged(self, batch: Batch, now: float) -> None:
        settings = self.line.settings
        assert settings is not None
        if not batch.duplicate:
            for report in batch.reports:
                self.ctx.move(report, ReportState.PUSHED)
                report.seqid = batch.seqid
                report.left_at = now
            chance = settings.chaos.duplicate
            if chance and self.ctx.rng.random() < chance:
                again = Batch(self.line.new_seqid(), list(batch.reports), duplicate=True)
                self.line.queued.append(again)

    def _park(self, batch: Batch) -> None:
        if not batch.duplicate:
            for report in batch.reports:
                self.ctx.move(report, ReportState.UNDELIVERED)
            self.line.parked.append(batch)
