"""PushLine's state changes, on items that are not reports: the push machinery needs only a due
time, an order, a msgid and a state to move, so inbound messages can ride the same line."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mockgateway.domain.push import Outbox, PushLine
from mockgateway.domain.records import ReportState
from mockgateway.scenario.model import PushChaos, PushSettings, RetrySettings


@dataclass(eq=False)
class Item:
    msgid: int
    due: float = 0.0
    order: int = 0
    seqid: int | None = None
    left_at: float | None = None
    state: ReportState = ReportState.PENDING
    moves: list[ReportState] = field(default_factory=list)


def move(item: Item, state: ReportState) -> None:
    item.state = state
    item.moves.append(state)


def line(*items: Item, attempts: int = 2, duplicate: float = 0.0) -> PushLine[Item]:
    settings = PushSettings(
        url="http://receiver/",
        batch_size=2,
        retry=RetrySettings(attempts=attempts, backoff=1, jitter=0),
        chaos=PushChaos(duplicate=duplicate),
    )
    outbox: Outbox[Item] = Outbox()
    for item in items:
        outbox.schedule(item)
    return PushLine(settings, outbox, move)


def items(count: int) -> list[Item]:
    return [Item(msgid=100 + n, order=n) for n in range(count)]


RNG = random.Random(1)


def test_due_items_go_in_batches_with_consecutive_seqids() -> None:
    three = items(3)
    pushing = line(*three)
    first = pushing.ready(now=0.0)
    assert first is not None and (first.seqid, first.msgids) == (1, [100, 101])
    assert pushing.ready(now=0.0) is first, "the batch being tried blocks the next"
    pushing.acknowledged(first, 0.0, RNG)
    second = pushing.ready(now=0.0)
    assert second is not None and (second.seqid, second.msgids) == (2, [102])
    assert [i.state for i in three[:2]] == [ReportState.PUSHED] * 2
    assert (three[0].seqid, three[0].left_at) == (1, 0.0)


def test_a_failed_batch_is_retried_with_its_seqid_then_parked() -> None:
    one = items(1)
    pushing = line(*one, attempts=2)
    batch = pushing.ready(0.0)
    assert batch is not None
    batch.attempts = 1
    assert pushing.failed(batch, 0.0, RNG) == 1.0, "the backoff, without jitter"
    assert pushing.ready(0.5) is None and pushing.ready(1.0) is batch
    batch.attempts = 2
    assert pushing.failed(batch, 1.0, RNG) is None
    assert pushing.parked == [batch] and one[0].state is ReportState.UNDELIVERED
    assert (pushing.pending(), pushing.undelivered()) == (1, 1)


def parked_line(count: int = 2) -> tuple[PushLine[Item], list[Item]]:
    some = items(count)
    pushing = line(*some, attempts=1)
    batch = pushing.ready(0.0)
    assert batch is not None
    batch.attempts = 1
    assert pushing.failed(batch, 0.0, RNG) is None
    return pushing, some


def test_re_driven_items_are_pending_again_and_keep_their_seqid() -> None:
    pushing, some = parked_line()
    assert pushing.redrive() == 1
    assert [i.state for i in some] == [ReportState.PENDING] * 2
    assert (pushing.parked, pushing.undelivered(), pushing.pending()) == ([], 0, 2)
    again = pushing.ready(0.0)
    assert again is not None and (again.seqid, again.attempts) == (1, 0)


def test_releasing_the_line_returns_everything_unacknowledged_to_the_outbox() -> None:
    pushing, some = parked_line(3)
    backlog = pushing.ready(0.0)  # the third item, now in flight
    assert backlog is not None
    pushing.release()
    assert not pushing.pushing and pushing.parked == [] and pushing.current is None
    assert (pushing.pending(), len(pushing.outbox)) == (0, 3)
    assert [(i.state, i.seqid) for i in some] == [(ReportState.PENDING, None)] * 3
    assert pushing.redrive() == 0, "nothing parked is kept to be pushed twice"


def test_a_duplicate_never_counts_and_is_never_parked() -> None:
    some = items(2)
    pushing = line(*some, attempts=1, duplicate=1.0)
    batch = pushing.ready(0.0)
    assert batch is not None
    pushing.acknowledged(batch, 0.0, RNG)
    duplicate = pushing.ready(0.0)
    assert duplicate is not None and duplicate.duplicate and duplicate.seqid == 2
    assert pushing.pending() == 0, "its items were acknowledged already"
    duplicate.attempts = 1
    assert pushing.failed(duplicate, 0.0, RNG) is None
    assert pushing.parked == [] and [i.state for i in some] == [ReportState.PUSHED] * 2
    pushing.acknowledged(duplicate, 0.0, RNG)
    assert [i.moves for i in some] == [[ReportState.PUSHED]] * 2, "moved once, by the original"


def test_a_new_receiver_gets_the_batch_being_tried_first() -> None:
    pushing = line(*items(3))
    batch = pushing.ready(0.0)
    assert batch is not None
    pushing.repoint(PushSettings(url="http://elsewhere/", batch_size=2))
    assert pushing.current is None and list(pushing.backlog) == [batch]
    assert pushing.ready(0.0) is batch and pushing.settings is not None
    assert pushing.settings.url == "http://elsewhere/"
