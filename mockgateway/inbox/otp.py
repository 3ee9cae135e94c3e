"""Where a text holds a one-time code, so the inbox can highlight it.

The rule, in order:

1. A code named as one: a keyword (``code``, ``OTP``, ``passcode``, ``PIN``, ``验证码``,
   ``校验码``, ``动态码``, ``确认码``), then at most a separator (spaces, ``:``, ``：``, ``=``,
   ``#``, ``-``) and ``is``/``为``/``是``, then 4 to 8 letters and digits with at least one digit.
   ``Your code is 482913``, ``验证码：6666``, ``code: AB12CD``.
2. Otherwise the text's only run of 4 to 8 digits that stands alone: not touching another digit
   or an ASCII letter, and not part of a date, time or amount (``2024-01-05``, ``12:30:00``,
   ``1234.50``), nor named as something else by the word before it (an order, invoice, tracking
   or reference number: ``订单201701``, ``order #12345``). ``482913 is your login code``;
   ``G-482913``. Two such runs (``ships on 2024 from 1200``) are ambiguous, and nothing is
   highlighted.

Phone numbers (longer than 8 digits) are never taken for a code.
"""

from __future__ import annotations

import re

_KEYWORD = re.compile(
    r"(?:\b(?:code|otp|passcode|pin)\b|验证码|校验码|动态码|确认码)"
    r"[\s:：=#\-]*(?:(?:is|为|是)[\s:：=#\-]*)?"
    r"(?<![A-Za-z0-9])(?P<code>[A-Za-z0-9]{4,8})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_DIGITS = re.compile(
    r"(?<![A-Za-z0-9])(?<![0-9][.,:/-])[0-9]{4,8}(?![A-Za-z0-9])(?![.,:/-][0-9])",
)


_NAMED_OTHERWISE = re.compile(
    r"(?:\b(?:order|invoice|tracking|ref|reference|no|number|account|acct)\b\.?|"
    r"订单号?|单号|编号|账号|尾号|发票)[\s:：#=\-]*$",
    re.IGNORECASE,
)
"""What names a number as something other than a code, right before it."""


def one_time_code(text: str) -> tuple[int, int] | None:
    """The code's ``(start, end)`` in ``text`` (code points), or None when there is none."""
    for found in _KEYWORD.finditer(text):
        if any(c.isdigit() for c in found.group("code")):
            return found.span("code")
    runs = list(_DIGITS.finditer(text))
    if len(runs) != 1 or _NAMED_OTHERWISE.search(text, 0, runs[0].start()):
        return None
    return runs[0].span()


def utf16_span(text: str, span: tuple[int, int]) -> list[int]:
    """``span`` in UTF-16 code units, as JavaScript indexes strings (an emoji counts two)."""
    start, end = span
    before = len(text[:start].encode("utf-16-le")) // 2
    return [before, before + len(text[start:end].encode("utf-16-le")) // 2]
