"""msgids: 64-bit, unique, consecutive within a batch, in the scenario's range."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from mockgateway.domain.msgids import MsgidAllocator
from tests.conftest import Start

RANGES = {
    "above-2^53": (2**53, 2**63),
    "unsigned": (2**63, 2**64),
    "signed": (-(2**63), -(2**53)),
}


@given(
    kind=st.sampled_from(sorted(RANGES)),
    seed=st.integers(0, 2**32),
    sizes=st.lists(st.integers(1, 1000), min_size=1, max_size=50),
)
def test_msgids_unique_and_in_range(kind: str, seed: int, sizes: list[int]) -> None:
    allocator = MsgidAllocator(kind, random.Random(seed))  # type: ignore[arg-type]
    low, high = RANGES[kind]
    seen: list[int] = []
    for size in sizes:
        first = allocator.take(size)
        seen.extend(range(first, first + size))
    assert len(set(seen)) == len(seen)
    assert all(low < m < high for m in seen)
    assert seen == sorted(seen)


async def test_same_seed_same_msgids_and_a_restarting_reset_replays_them(start: Start) -> None:
    one = await start("seed: 99\n")
    two = await start("seed: 99\n")
    a = await one.call("send_batch", mobile="85292041234,85292041235", content="hi")
    b = await two.call("send_batch", mobile="85292041234,85292041235", content="hi")
    assert a["messages"] == b["messages"]
    await one.client.post("/_mock/reset")
    onward = await one.call("send_batch", mobile="85292041234,85292041235", content="hi")
    assert onward["messages"][0]["msgid"] > a["messages"][1]["msgid"]
    await one.client.post("/_mock/reset?sequences=restart")
    again = await one.call("send_batch", mobile="85292041234,85292041235", content="hi")
    assert again["messages"] == a["messages"]
    other = await start("seed: 100\n")
    c = await other.call("send_batch", mobile="85292041234,85292041235", content="hi")
    assert c["messages"] != a["messages"]


async def test_unsigned_and_signed_ranges_reach_the_wire(start: Start) -> None:
    unsigned = await start("msgids: {range: unsigned}\n")
    answer = await unsigned.call("send_single", mobile="85292041234", content="hi")
    assert answer["msgid"] >= 2**63
    signed = await start(
        "accounts: [{userid: J10003, password: '111111', msgids: {range: signed}}]\n"
    )
    answer = await signed.call("send_single", mobile="85292041234", content="hi")
    assert answer["msgid"] < 0
