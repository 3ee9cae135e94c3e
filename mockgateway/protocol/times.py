"""Times as the wire writes them: the ``MMDDHHMMSS`` timestamp of authentication, the
``YYYY-MM-DD HH:MM:SS`` of ``stime``/``rtime``, and the zones they are read and written in.

Pure functions: the scenario checks a zone name with :func:`zone_of`, the domain writes report
times with :func:`format_moment`, the client and the push sign with :func:`format_timestamp`.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TIMESTAMP_FORM = "%m%d%H%M%S"
"""The manual's ``timestamp``: no year, no zone (read in the gateway's zone)."""
MOMENT_FORM = "%Y-%m-%d %H:%M:%S"
"""The manual's ``stime``/``rtime``."""

_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def format_timestamp(moment: datetime) -> str:
    return moment.strftime(TIMESTAMP_FORM)


def format_moment(epoch: float, zone: tzinfo) -> str:
    """``YYYY-MM-DD HH:MM:SS``, the manual's ``stime``/``rtime`` form."""
    return _second(math.floor(epoch), zone)


@lru_cache(maxsize=4096)
def _second(epoch: int, zone: tzinfo) -> str:
    """Cached by whole second: a batch's reports, and a get_rpt's or a push's 500, share a few
    seconds, and formatting a date is the dearest part of writing a report."""
    return datetime.fromtimestamp(epoch, zone).strftime(MOMENT_FORM)


def zone_of(name: str) -> tzinfo:
    """``local``, ``UTC``, a fixed offset like ``+08:00``, or an IANA zone name."""
    if name == "local":
        zone = datetime.now().astimezone().tzinfo
        return zone if zone is not None else UTC
    if name.upper() in ("UTC", "Z"):
        return UTC
    match = _OFFSET.fullmatch(name)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use local, UTC, an offset like +08:00 or an IANA name"
        ) from None
