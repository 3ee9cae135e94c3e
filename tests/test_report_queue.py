"""The outbox agrees with a sorted list, and its heap walk with a plain scan."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, cast

from hypothesis import given
from hypothesis import strategies as st

from mockgateway.domain.push import REORDER_WINDOW, Outbox


@given(st.lists(st.integers(0, 50), max_size=60), st.integers(-1, 51))
def test_next_due_after_is_the_earliest_later_due_time(dues: list[int], moment: int) -> None:
    heap: list[Any] = [(float(due), order, None) for order, due in enumerate(dues)]
    heapq.heapify(heap)
    queue: Outbox[Any] = Outbox(heap=cast(Any, heap))
    later = [due for due in dues if due > moment]
    assert queue.next_due_after(moment) == (min(later) if later else None)


@dataclass
class Item:
    due: float
    order: int
    seqid: int | None = None
    left_at: float | None = None

    @property
    def msgid(self) -> int:
        return self.order


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("schedule"), st.integers(0, 20)),
            st.tuples(st.just("take"), st.integers(0, 25), st.integers(1, 5)),
            st.tuples(st.just("newest"), st.integers(0, 25), st.integers(1, 3)),
            st.tuples(st.just("after"), st.integers(-1, 21)),
        ),
        max_size=80,
    )
)
def test_the_outbox_hands_out_by_due_time_then_arrival_whatever_the_order(
    steps: list[tuple[Any, ...]],
) -> None:
    """Against a sorted list: in order and out of order (the heap), items put back, every
    question the push line asks."""
    outbox: Outbox[Item] = Outbox()
    model: list[Item] = []
    order = 0
    for step in steps:
        if step[0] == "schedule":
            order += 1
            item = Item(float(step[1]), order)
            outbox.schedule(item)
            model.append(item)
        elif step[0] == "take":
            now, limit = step[1], step[2]
            due = sorted((i for i in model if i.due <= now), key=lambda i: (i.due, i.order))
            assert outbox.take_due(now, limit) == due[:limit]
            for item in due[:limit]:
                model.remove(item)
        elif step[0] == "newest":
            now, limit = step[1], step[2]
            window = sorted((i for i in model if i.due <= now), key=lambda i: (i.due, i.order))
            window = window[: REORDER_WINDOW * limit]
            assert outbox.take_newest_due(now, limit) == list(reversed(window[-limit:]))
            for item in window[-limit:]:
                model.remove(item)
        else:
            later = [i.due for i in model if i.due > step[1]]
            assert outbox.next_due_after(step[1]) == (min(later) if later else None)
        assert len(outbox) == len(model)
        assert outbox.next_due() == (min(i.due for i in model) if model else None)
