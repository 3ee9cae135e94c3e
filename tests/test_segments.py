"""Long-message splitting as an SMS centre does it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockgateway.protocol.content import GSM_BASIC, GSM_EXTENSION, segment


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # extension characters count two
        ("€" * 81, "gsm7", 162, 2),
        ("a" * 152 + "€" + "a" * 8, "gsm7", 162, 2),
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),  # the escape pair is not cut
        ("中" * 70, "ucs2", 70, 1),
        ("中" * 71, "ucs2", 71, 2),
        ("中" * 134, "ucs2", 134, 2),
        ("中" * 135, "ucs2", 135, 3),
        ("😀" * 35, "ucs2", 70, 1),  # a surrogate pair is two UTF-16 units
        ("a" * 66 + "😀" + "a" * 3, "ucs2", 71, 2),
        ("a" * 160 + "中", "ucs2", 161, 3),  # one non-GSM character turns all to UCS-2
    ],
)
def test_segments(text: str, encoding: str, units: int, segments: int) -> None:
    result = segment(text)
    assert (result.encoding, result.units, result.segments) == (encoding, units, segments)


@given(st.text(alphabet=sorted(GSM_BASIC | GSM_EXTENSION), min_size=1, max_size=1000))
def test_gsm_segments_hold_at_most_153_septets(text: str) -> None:
    result = segment(text)
    if result.units <= 160:
        assert result.segments == 1
    else:
        assert result.segments >= -(-result.units // 153)
        assert result.segments <= -(-result.units // 152)


@given(st.text(alphabet=st.sampled_from([*sorted(GSM_BASIC | GSM_EXTENSION), "é", "你", "😀"])))
def test_the_fast_path_agrees_with_the_character_by_character_count(text: str) -> None:
    split = segment(text)
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        costs = [2 if c in GSM_EXTENSION else 1 for c in text]
        assert (split.encoding, split.units) == ("gsm7", sum(costs))
        assert split.segments == reference_segments(costs, 160, 153)
    else:
        assert split.encoding == "ucs2"


def reference_segments(costs: list[int], single: int, multi: int) -> int:
    """Greedy packing, written independently of the code under test."""
    if sum(costs) <= single:
        return 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            count, used = count + 1, 0
        used += cost
    return count
