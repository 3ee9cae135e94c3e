"""Where a text holds a one-time code, so the inbox can highlight it.

The rule, in order:

1. A code named as one: a keyword (``code``, ``OTP``, ``passcode``, ``PIN``, ``验证码``,
   ``校验码``, ``动态码``, ``确认码``), then at most a separator (spaces, ``:``, ``：``, ``=``,
   ``#``, ``-``) and ``is``/``为``/``是``, then 4 to 8 letters and digits with at least one digit.
   ``Your code is 482913``, ``验证码：6666``, ``code: AB12CD``.
2. Otherwise the text's only run of 4 to 8 digits that stands alone: not touching another digit
   or an ASCII letter, and not part of a date, time or amount (``2024-01-05``, ``12:30:00``,
   ``1234.50``). ``482913 is your login code``; ``G-482913``. Two such runs (``order 12345 ships
   on 2024``) are ambiguous, and nothing is highlighted.

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


def one_time_code(text: str) -> tuple[int, int] | None:
    """The code's ``(start, end)`` in ``text`` (code points), or None when there is none."""
    for found in _KEYWORD.finditer(text):
        if any(c.isdigit() for c in found.group("code")):
            return found.span("code")
    alone = [found.span() for found in _DIGITS.finditer(text)]
    return alone[0] if len(alone) == 1 else None


def utf16_span(text: str, span: tuple[int, int]) -> list[int]:
    """``span`` in UTF-16 code units, as JavaScript indexes strings (an emoji counts two)."""
    start, end = span
    before = len(text[:start].encode("utf-16-le")) // 2
    return [before, before + len(text[start:end].encode("utf-16-le")) // 2]
