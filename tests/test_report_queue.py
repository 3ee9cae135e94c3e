"""The outbox's heap walk agrees with a plain scan."""

from __future__ import annotations

import heapq
from typing import Any, cast

from hypothesis import given
from hypothesis import strategies as st

from mockgateway.domain.push import Outbox


@given(st.lists(st.integers(0, 50), max_size=60), st.integers(-1, 51))
def test_next_due_after_is_the_earliest_later_due_time(dues: list[int], moment: int) -> None:
    heap: list[Any] = [(float(due), order, None) for order, due in enumerate(dues)]
    heapq.heapify(heap)
    queue: Outbox[Any] = Outbox(heap=cast(Any, heap))
    later = [due for due in dues if due > moment]
    assert queue.next_due_after(moment) == (min(later) if later else None)
