"""The Montnets error code table, declared once as data.

Every rejection in the gateway is a :class:`GatewayError` carrying a code from this table and a
diagnosis for the journal. The wire only ever sees the table's text (``desc``); the diagnosis names
the client's likely mistake and stays in the journal, because a real gateway would not tell.
"""

from __future__ import annotations

from enum import IntEnum
from functools import cache
from urllib.parse import quote


class Code(IntEnum):
    """Result codes of the international edition (V5.13), printed negative as that manual does."""

    OK = 0
    AUTH_FAILED = -100001
    LOCKED_OUT = -100002
    BAD_CUSTID_OR_EXDATA = -100004
    CONTENT_TOO_LONG = -100011
    INVALID_MOBILE = -100012
    TOO_MANY_MOBILES = -100014
    TOO_MANY_CONNECTIONS = -100056
    IP_NOT_ALLOWED = -100057
    INTERNAL_ERROR = -100999
    EXCEEDED_NUMBERS = -100807
    TIMESTAMP_EXPIRED = -100268
    BAD_SCHEDULE_FORMAT = -100269
    BAD_EXPIRY_FORMAT = -100270
    CONTENT_EMPTY = -100271
    NO_OTP_MATCHED = -100272
    DCS0_NOT_ASCII = -100273
    MOBILE_BREAKS_RULES = -100274
    # The manual gives the range -100100..-100090 for "request message body format error" without
    # itemising it; these follow the meanings the domestic manual gives the same numbers.
    BODY_XML_MALFORMED = -100091
    BODY_NOT_A_RECORD = -100092
    BODY_JSON_MALFORMED = -100093
    BODY_FIELD_WRONG_TYPE = -100096
    BODY_UNSUPPORTED = -100100
    # Codes of the domestic edition (V5.7.2) that V5.13 lacks, kept negative here like the rest;
    # the sign on the wire is chosen per account (``error_sign``).
    ARREARS = -100003
    TEMPLATE_UNKNOWN = -100058
    TEMPLATE_VARIABLES = -100059
    MIXED_COUNTS = -100060
    NO_PERMISSION = -100070
    CONTENT_MISSING = -100106
    SVRTYPE_ILLEGAL = -100252
    DECRYPT_FAILED = -100267
    TEMPLATE_DISABLED = -100502


SUCCESS_TEXT = "成功"

_TEXTS: dict[int, str] = {
    Code.AUTH_FAILED: (
        "Authentication fails, please check whether the account, password, timestamp, fixed "
        "string, and MD5 algorithm are set according to the requirements of the document"
    ),
    Code.LOCKED_OUT: (
        "User fails to pass multiple authentications, please check the account, password, "
        "timestamp, fixed string, and whether the MD5 algorithm is set according to the "
        "requirements of the document"
    ),
    Code.BAD_CUSTID_OR_EXDATA: "Illegal to fill in the custid or exdata field",
    Code.CONTENT_TOO_LONG: "SMS content is too long",
    Code.INVALID_MOBILE: "Invalid mobile phone number",
    Code.TOO_MANY_MOBILES: "The mobile number exceeds the maximum supported number (1000)",
    Code.TOO_MANY_CONNECTIONS: (
        "The number of connections logged in by the user account exceeds the limit"
    ),
    Code.IP_NOT_ALLOWED: "User account login IP is wrong",
    Code.INTERNAL_ERROR: "Platform database internal error",
    Code.EXCEEDED_NUMBERS: "Exceeded number of numbers",
    Code.TIMESTAMP_EXPIRED: "Request message time expired",
    Code.BAD_SCHEDULE_FORMAT: "Timing time format error",
    Code.BAD_EXPIRY_FORMAT: "Invalid expiration date format",
    Code.CONTENT_EMPTY: "SMS content is empty",
    Code.NO_OTP_MATCHED: "No SMS verification code matched",
    Code.DCS0_NOT_ASCII: "DSC is 0, the content format of the SMS is not ASCII.",
    Code.MOBILE_BREAKS_RULES: "Mobile number does not meet the rules",
    Code.ARREARS: "Account in arrears",
    Code.TEMPLATE_UNKNOWN: "Template ID does not exist",
    Code.TEMPLATE_VARIABLES: "Template variable count mismatch",
    Code.MIXED_COUNTS: "Number count does not match content count",
    Code.NO_PERMISSION: "No permission for this endpoint",
    Code.CONTENT_MISSING: "Content field missing or empty",
    Code.SVRTYPE_ILLEGAL: "svrtype contains illegal characters",
    Code.DECRYPT_FAILED: "MT content decryption failed",
    Code.TEMPLATE_DISABLED: "Template disabled",
}

BODY_FORMAT_RANGE = range(-100100, -100089)
_BODY_FORMAT_TEXT = "Request message body format error"


def is_known(code: int) -> bool:
    """Whether the V5.13 table lists ``code`` (scenario checks warn about the others)."""
    return code == 0 or code in _TEXTS or code in BODY_FORMAT_RANGE


def text_of(code: int) -> str:
    if code == 0:
        return SUCCESS_TEXT
    if code in BODY_FORMAT_RANGE:
        return _BODY_FORMAT_TEXT
    return _TEXTS.get(code, "Unknown error")


def url_encode(text: str, charset: str = "utf-8") -> str:
    """URL-encode ``text`` in ``charset`` (UTF-8 unless told) with lowercase hex, as the manual's
    examples do.

    Spaces become ``%20``, not ``+``: every decoder (Java's URLDecoder, PHP's rawurldecode,
    JavaScript's decodeURIComponent) reads ``%20`` right, while ``+`` survives some of them.
    A character the charset lacks becomes ``?``, as it would on a gateway working in it.
    """
    encoded = quote(text, safe="", encoding=charset, errors="replace")
    if "%" not in encoded:
        return encoded
    parts = encoded.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


@cache
def desc_of(code: int) -> str:
    """The ``desc`` of an answer with this result code, ready for the wire."""
    return url_encode(text_of(code))


class GatewayError(Exception):
    """A request the gateway rejects: the wire gets ``code``, the journal gets ``diagnosis``."""

    def __init__(self, code: int, diagnosis: str) -> None:
        super().__init__(f"{code}: {diagnosis}")
        self.code = int(code)
        self.diagnosis = diagnosis


# The domestic V5.7.2 table prints its codes positive; a scenario may use them either way.
_DOMESTIC = frozenset(
    {
        *range(100001, 100005),
        100011,
        100012,
        100014,
        100029,
        100056,
        100057,
        100058,
        100059,
        100060,
        100070,
        *range(100090, 100101),
        100101,
        100102,
        100103,
        100106,
        100252,
        100253,
        100254,
        100255,
        100256,
        100257,
        *range(100259, 100268),
        100502,
        *range(100800, 100808),
        100900,
        100901,
        100902,
        100907,
        100999,
    }
)


def is_domestic(code: int) -> bool:
    """Whether the domestic V5.7.2 table lists ``code``, printed positive or negative."""
    return abs(code) in _DOMESTIC
