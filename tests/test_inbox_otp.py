"""The rule the inbox highlights a one-time code by (``mockgateway/inbox/otp.py``)."""

from __future__ import annotations

import pytest

from mockgateway.inbox.items import join_reports, message_item
from mockgateway.inbox.otp import one_time_code, utf16_span
from tests.conftest import MANUAL_TEXT


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Your code is 482913", "482913"),
        (MANUAL_TEXT, "6666"),
        ("您的验证码是123456，5分钟内有效", "123456"),
        ("【Acme】校验码 8812", "8812"),
        ("code: AB12CD", "AB12CD"),
        ("Your OTP=9876, valid 5 min", "9876"),
        ("PIN 1234", "1234"),
        ("Verification Code: 55aa21", "55aa21"),
        ("482913 is your login code", "482913"),
        ("G-482913 is your Google verification code.", "482913"),
        ("Use 7731 to sign in", "7731"),
        ("请输入8765完成验证", "8765"),
    ],
)
def test_a_code_is_found(text: str, code: str) -> None:
    span = one_time_code(text)
    assert span is not None
    assert text[span[0] : span[1]] == code


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "Your code expires in 10 minutes",  # a number too short for a code
        "Call 85292041234 now",  # a phone number is longer than any code
        "Order 12345 ships on 2024",  # two candidates: ambiguous
        "Paid $1234.50",  # an amount
        "See you 2024-01-05 at 12:30",  # a date and a time
        "Ref ABC1234 and x9999",  # digits glued to letters
        "code 1234567890",  # ten digits
        "barcode AB12CD",  # "barcode" is not "code", and letters need a keyword
        "【梦网科技】您的订单201701已受理",  # the manual's template: an order number
        "order #12345 ships",  # named as an order
        "your account 123456 was charged",  # named as an account
    ],
)
def test_no_code_is_made_up(text: str) -> None:
    assert one_time_code(text) is None


def test_the_span_is_in_utf16_units_as_javascript_counts() -> None:
    text = "🔐 验证码：6666"  # the emoji is two UTF-16 code units, one code point
    span = one_time_code(text)
    assert span == (6, 10)
    start, end = utf16_span(text, span)
    assert (start, end) == (7, 11)
    units = text.encode("utf-16-le")
    assert units[2 * start : 2 * end].decode("utf-16-le") == "6666"


def test_an_item_carries_its_code_and_reports_in_segment_order() -> None:
    item = message_item({"content": "code 4321", "msgid_str": "1"}, [{"pknum": 2}, {"pknum": 1}])
    assert item["otp"] == [5, 9]
    assert [r["pknum"] for r in item["report_items"]] == [1, 2]
    assert message_item({"content": None})["otp"] is None
    (joined,) = join_reports([{"msgid_str": "7", "content": "x"}], [{"msgid_str": "7", "pknum": 1}])
    assert joined["report_items"] == [{"msgid_str": "7", "pknum": 1}]
