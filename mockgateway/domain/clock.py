"""Time for scheduling. Real by default; virtual when a test wants to move it by hand.

Only scheduling (when reports fall due, ``stime``/``rtime``) follows this clock. The auth window
stays on wall time because clients compute timestamps from their own clocks.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class RealClock:
    def now(self) -> float:
        return time.time()


class VirtualClock:
    """Starts at the wall time of its creation and moves only when advanced."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._now += seconds
        return self._now


_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


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


def format_moment(epoch: float, zone: tzinfo) -> str:
    """``YYYY-MM-DD HH:MM:SS``, the manual's ``stime``/``rtime`` form."""
    return datetime.fromtimestamp(epoch, zone).strftime("%Y-%m-%d %H:%M:%S")
