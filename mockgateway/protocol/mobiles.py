"""Mobile number rules (manual 3.2): three written forms, then real validity per country.

A number that breaks the written forms is -100274; one that is well formed but not a real number
for its country (per the pinned ``phonenumbers`` release) is -100012. A real number that is not a
mobile (a landline, toll-free, premium-rate...) is accepted, as a gateway routing by country code
would, and its reports fail. Numbers that read as a national number sent without its country code
get a diagnosis naming that likely mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

import phonenumbers
from phonenumbers import PhoneNumberType

from mockgateway.protocol import multimt
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
    not_mobile: str | None = None
    """What it is when it is valid but not a mobile (``landline``, ``toll-free``...): a phone
    cannot receive an SMS there, so its reports fail."""
    warning: str | None = None
    """Why this accepted number is probably not what the client meant, if it is."""
    invalid: bool = False
    """Well formed but not a valid number for its country: the domestic edition accepts it and
    fails its reports (V5.7.2 §5.1); its ``countrycode`` is -1, as the manual gives invalid
    numbers."""

    @property
    def international_form(self) -> bool:
        """Written with its country code after ``00`` or ``+``."""
        return self.sent.startswith(("00", "+"))


class _Verdict(NamedTuple):
    """What the pinned ``phonenumbers`` says about one digit string."""

    code: int
    """The country code it starts with, or -1."""
    valid: bool
    kind: str | None
    """For a valid number that is not a mobile: what it is."""
    where: str
    """``+20, EG``: the country it reads as, for diagnoses."""
    national: str | None
    """The likely mistake when it reads as a national number sent without its country code."""


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
    return _judged(sent, digits, relaxed=relaxed, domestic=False)


def _judged(sent: str, digits: str, *, relaxed: bool, domestic: bool) -> Mobile:
    """A well-formed number, as its country's plan has it: an invalid one is -100012, or in the
    domestic edition accepted with ``invalid`` set."""
    verdict = _judge(digits)
    if relaxed:
        return Mobile(sent, digits, verdict.code if verdict.code in _KNOWN_CODES else -1)
    if not verdict.valid:
        diagnosis = _validity_diagnosis(sent, verdict)
        if not domestic:
            raise GatewayError(Code.INVALID_MOBILE, diagnosis)
        accepted = (
            f"{diagnosis}; accepted, and its reports fail (MK:0012), as the domestic manual says"
        )
        return Mobile(sent, digits, -1, warning=accepted, invalid=True)
    return Mobile(sent, digits, verdict.code, verdict.kind, _warning(sent, verdict))


_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
"""What can receive an SMS. ``FIXED_LINE_OR_MOBILE`` is how the library types every number of
the countries (the US, Canada...) whose plans do not tell the two apart."""

_KINDS = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.PERSONAL_NUMBER: "personal (forwarding)",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "company (UAN)",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


@lru_cache(maxsize=65_536)
def _judge(digits: str) -> _Verdict:
    """A pure function of the digits under the pinned ``phonenumbers``, cached because it is
    half the cost of accepting a message.

    One ``number_type`` call says both validity and kind: the library's own ``is_valid_number``
    is "its type is not UNKNOWN".
    """
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return _Verdict(-1, False, None, "no country", _national(digits, mobile=False))
    code = number.country_code or -1
    region = phonenumbers.region_code_for_number(number)
    where = f"+{code}" + ("" if region in (None, "001") else f", {region}")
    kind = phonenumbers.number_type(number)
    valid = kind != PhoneNumberType.UNKNOWN
    mobile = kind in _MOBILE_TYPES
    described = _KINDS.get(kind, "not a mobile") if valid and not mobile else None
    return _Verdict(code, valid, described, where, _national(digits, mobile=valid and mobile))


def _national(digits: str, *, mobile: bool) -> str | None:
    """The mistake behind a number that reads as a national one without its country code: a
    bare mainland mobile (``1[3-9]`` + 9 digits), or a US/Canada 10-digit number.

    A bare mainland mobile also reads as a North American number that may well be valid, so it
    is named whatever it reads as. A 10-digit number is named only when it is not a mobile as
    read, so that a correct Singapore mobile is not flagged for a Jamaican look-alike.
    """
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        mainland = phonenumbers.parse("+86" + digits)
        if phonenumbers.number_type(mainland) == PhoneNumberType.MOBILE:
            return f"a mainland China mobile without its country code? send 86{digits}"
    if len(digits) == 10 and not mobile:
        american = phonenumbers.parse("+1" + digits)
        if phonenumbers.is_valid_number(american):
            region = phonenumbers.region_code_for_number(american) or "North American"
            return f"a {region} number without its country code 1? send 1{digits}"
    return None


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


def _validity_diagnosis(sent: str, verdict: _Verdict) -> str:
    if verdict.code == -1:
        read = f"mobile {sent!r}: no country has the code it starts with"
    else:
        read = f"mobile {sent!r} is not a valid number for its country ({verdict.where})"
    return read if verdict.national is None else f"{read}: is it {verdict.national}"


def _warning(sent: str, verdict: _Verdict) -> str | None:
    if verdict.kind is not None:
        text = (
            f"mobile {sent!r} is a valid {verdict.kind} number ({verdict.where}), not a mobile: "
            "accepted, and its reports fail (UNDELIV, not a mobile number)"
        )
        return text if verdict.national is None else f"{text}; is it {verdict.national}"
    if verdict.national is not None:
        return f"mobile {sent!r} reads as {verdict.where}: is it {verdict.national}"
    return None


_MAINLAND = re.compile(r"1[3-9][0-9]{9}")
"""A mainland mobile as the domestic manual writes it: bare, no country code."""


def normalise_domestic(sent: str) -> str | None:
    """Digits with the country code of a number written as the domestic manual writes it (a
    bare mainland mobile is +86), or None when it is in none of its forms."""
    if _MAINLAND.fullmatch(sent):
        return "86" + sent
    if sent.startswith("86") and _MAINLAND.fullmatch(sent[2:]):
        return sent
    return normalise(sent) if sent.startswith(("00", "+")) else None


def parse_domestic(sent: str, *, relaxed: bool = False) -> Mobile:
    """A number as the domestic manual writes it (V5.7.2 §5.1): a bare mainland mobile, or
    ``00`` + country code + number; ``0086``/``86`` before a mainland number and ``+cc`` are
    read too. A well-formed number that is not valid for its country is accepted with
    ``invalid`` set (its reports fail, as the manual says); a malformed one is -100274 (the
    domestic table's 100012)."""
    digits = normalise_domestic(sent)
    if digits is None:
        if relaxed and sent.isdigit() and sent.isascii() and 7 <= len(sent) <= 15:
            return Mobile(sent, sent, -1)
        raise GatewayError(Code.MOBILE_BREAKS_RULES, _domestic_form_diagnosis(sent))
    mobile = _judged(sent, digits, relaxed=relaxed, domestic=True)
    if sent.startswith("+") and mobile.warning is None:
        written = (
            f"mobile {shown(sent)} is written +cc: the domestic manual writes the country code "
            f"after 00 (00{digits})"
        )
        return mobile._replace(warning=written)
    return mobile


def _domestic_form_diagnosis(sent: str) -> str:
    digits = normalise(sent)
    if digits is not None and sent.isdigit() and _judge(digits).valid:
        return (
            f"mobile {shown(sent)} is neither a mainland mobile (1[3-9] and 9 digits) nor "
            f"written 00 + country code: the domestic edition writes other countries' numbers "
            f"as 00{digits}"
        )
    if sent.isdigit() and sent.isascii() and sent.startswith("1"):
        return (
            f"mobile {shown(sent)} has {len(sent)} digits: a mainland mobile is 1[3-9] and 9 "
            "more digits"
        )
    return _form_diagnosis(sent).replace(
        "as 85292041234, 0085292041234 or +85292041234", "as 13800138000 or 0085292041234"
    )


def requested(fields: Mapping[str, Any], domestic: bool, limit: int) -> list[str]:
    """The numbers a request names (in ``mobile`` or its multimt items), as digits with the
    country code, read leniently: what is in no form the edition reads is left out."""
    mobile = fields.get("mobile")
    sent = split(mobile, limit) if isinstance(mobile, str) else multimt.mobiles(fields, limit)
    read = normalise_domestic if domestic else normalise
    return [digits for one in sent if (digits := read(one))]


def country_code(digits: str) -> int:
    """The country code a digit string starts with, or -1 (for rules matching ``countrycode``)."""
    return _judge(digits).code
