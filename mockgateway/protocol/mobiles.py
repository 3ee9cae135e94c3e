"""Mobile number rules (manual 3.2): three written forms, then real validity per country.

A number that breaks the written forms is -100274; one that is well formed but not a real number
for its country (per the pinned ``phonenumbers`` release) is -100012.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import shown

_FORMS = re.compile(r"(?:\+|00)?([1-9][0-9]{6,14})")


class Mobile(NamedTuple):
    sent: str
    """The number as the client wrote it (echoed in answers and reports)."""
    digits: str
    """Country code and number, digits only: the form rules match on."""
    countrycode: int
    """-1 when unknown (relaxed numbers only)."""


def split(raw: str, limit: int | None = None) -> list[str]:
    """Split a comma list, ignoring spaces around the commas; at most ``limit`` numbers."""
    parts = raw.split(",") if limit is None else raw.split(",", limit)[:limit]
    return [part.strip() for part in parts]


def normalise(sent: str) -> str | None:
    """Digits with the country code, or None when ``sent`` is in none of the three forms."""
    match = _FORMS.fullmatch(sent)
    return match.group(1) if match else None


def parse(sent: str, *, relaxed: bool = False) -> Mobile:
    digits = normalise(sent)
    if digits is None:
        raise GatewayError(Code.MOBILE_BREAKS_RULES, _form_diagnosis(sent))
    code, valid = _judge(digits)
    if relaxed:
        return Mobile(sent, digits, code if code in _KNOWN_CODES else -1)
    if not valid:
        raise GatewayError(Code.INVALID_MOBILE, _validity_diagnosis(sent, digits))
    return Mobile(sent, digits, code)


@lru_cache(maxsize=65_536)
def _judge(digits: str) -> tuple[int, bool]:
    """(country code or -1, valid for its country): a pure function of the digits under the
    pinned ``phonenumbers``, cached because it is half the cost of accepting a message."""
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return -1, False
    return (number.country_code or -1), phonenumbers.is_valid_number(number)


_KNOWN_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE) - {0}


def _form_diagnosis(sent: str) -> str:
    if sent == "":
        return "mobile is empty (a stray comma?)"
    body = sent.removeprefix("+").removeprefix("00")
    if not body.isdigit():
        return f"mobile {shown(sent)} holds characters other than digits after the prefix"
    if sent.startswith("0") and not sent.startswith("00"):
        return (
            f"mobile {shown(sent)} starts with a single 0 (a national trunk prefix?): the manual "
            "wants the country code, as 85292041234, 0085292041234 or +85292041234"
        )
    return (
        f"mobile {shown(sent)} has {len(body)} digits: a number with its country code has 7 to 15"
    )


def _validity_diagnosis(sent: str, digits: str) -> str:
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return f"mobile {sent!r}: no country has the code it starts with"
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    if len(digits) == 11 and digits.startswith("1"):
        mainland = phonenumbers.parse("+86" + digits)
        if phonenumbers.is_valid_number(mainland):
            return (
                f"mobile {sent!r} is a mainland China number without its country code: "
                f"send 86{digits}"
            )
    where = f"+{number.country_code}" + ("" if region == "ZZ" else f", {region}")
    return f"mobile {sent!r} is not a valid number for its country ({where})"


def country_code(digits: str) -> int:
    """The country code a digit string starts with, or -1 (for rules matching ``countrycode``)."""
    return _judge(digits)[0]
