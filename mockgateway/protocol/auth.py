"""The manual's MD5 authentication rule, the timestamp window, and diagnoses of near misses.

The timestamp carries no year and no zone. It is read in the gateway's zone and given the year
that puts it nearest the clock, so requests sent across New Year or on 29 February verify.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.times import format_timestamp

FIXED_STRING = "00000000"


def md5_pwd(userid: str, password: str, timestamp: str) -> str:
    """``md5(UPPER(userid) + "00000000" + password + timestamp)`` in lowercase hex."""
    raw = f"{userid.upper()}{FIXED_STRING}{password}{timestamp}"
    return hashlib.md5(raw.encode("utf-8")).hexdigest()


def parse_timestamp(timestamp: str, now: datetime) -> datetime | None:
    """The moment a ``MMDDHHMMSS`` timestamp names, in ``now``'s zone, nearest to ``now``."""
    if len(timestamp) != 10 or not timestamp.isdigit() or not timestamp.isascii():
        return None
    month, day, hour, minute, second = (int(timestamp[i : i + 2]) for i in range(0, 10, 2))
    best: datetime | None = None
    for year in (now.year - 1, now.year, now.year + 1):
        try:
            candidate = datetime(year, month, day, hour, minute, second, tzinfo=now.tzinfo)
        except ValueError:
            continue
        if best is None or abs(candidate - now) < abs(best - now):
            best = candidate
    return best


class Credentials(NamedTuple):
    userid: str
    pwd: str
    timestamp: str | None


def verify(
    creds: Credentials,
    password: str,
    *,
    plaintext_allowed: bool,
    wall: float,
    zone: tzinfo,
    window: float | None,
) -> None:
    """Check ``creds`` against ``password``, raising :class:`GatewayError` on failure.

    ``wall`` is wall time (clients compute timestamps from their clocks, so the virtual clock
    does not apply) and ``zone`` the zone timestamps are read in. ``window`` None switches the
    window check off. The accepted path does epoch arithmetic only: it runs on every request.
    """
    if creds.timestamp is None:
        if not plaintext_allowed:
            raise GatewayError(
                Code.AUTH_FAILED,
                "no timestamp: this account needs pwd as the MD5 hash with a timestamp",
            )
        if creds.pwd == password:
            return
        if _is_md5_hex(creds.pwd):
            raise GatewayError(
                Code.AUTH_FAILED,
                "pwd looks like an MD5 hash but no timestamp was sent: send the timestamp "
                "that was hashed",
            )
        raise GatewayError(Code.AUTH_FAILED, "plain-text pwd does not match the password")
    moment = _moment_epoch(creds.timestamp, zone, int(wall // 3600))
    if moment is None:
        now = datetime.fromtimestamp(wall, zone)
        raise GatewayError(Code.AUTH_FAILED, diagnose_timestamp(creds.timestamp, now))
    expected = md5_pwd(creds.userid, password, creds.timestamp)
    if creds.pwd != expected:
        now = datetime.fromtimestamp(wall, zone)
        named = datetime.fromtimestamp(moment, zone)
        raise GatewayError(Code.AUTH_FAILED, diagnose_pwd(creds, password, named, now))
    if window is not None:
        offset = moment - wall
        if abs(offset) > window:
            now = datetime.fromtimestamp(wall, zone)
            raise GatewayError(Code.TIMESTAMP_EXPIRED, diagnose_offset(offset, window, now))


@lru_cache(maxsize=4096)
def _moment_epoch(timestamp: str, zone: tzinfo, hour: int) -> float | None:
    """Epoch seconds of the moment a timestamp names, near the wall clock's ``hour``.

    Cached: clients send the same timestamp for all of one second's requests.
    """
    moment = parse_timestamp(timestamp, datetime.fromtimestamp(hour * 3600, zone))
    return None if moment is None else moment.timestamp()


def _is_md5_hex(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdefABCDEF" for c in value)


def diagnose_pwd(creds: Credentials, password: str, moment: datetime, now: datetime) -> str:
    """Name the likely mistake behind a pwd that does not verify. Only runs on failures."""
    pwd, ts, userid = creds.pwd, creds.timestamp or "", creds.userid
    upper = userid.upper()
    fixed = FIXED_STRING
    if pwd.lower() == md5_pwd(userid, password, ts):
        return "pwd in uppercase hex: the manual wants 32 lowercase hex characters"
    if pwd == password:
        return (
            "pwd is the plain-text password, but a timestamp was sent: with a timestamp, pwd "
            "must be the MD5 hash"
        )
    guesses = {
        _md5(upper + fixed + password): "pwd is md5 of the password without the timestamp",
        _md5(upper + password + ts): "pwd was hashed without the fixed string 00000000",
        _md5(upper.lower() + fixed + password + ts): "userid lowercased in the hash",
        _md5(
            userid + fixed + password + ts
        ): "userid hashed as sent; the rule hashes it uppercased",
        _md5(password): "pwd is md5 of the bare password",
        _md5(password + ts): "pwd is md5 of password + timestamp, without userid and fixed string",
        _md5(fixed + password + ts): "pwd was hashed without the userid",
    }
    if pwd in guesses:
        return guesses[pwd]
    for centre in (moment, now):
        for delta in range(-300, 301):
            other = format_timestamp(centre + timedelta(seconds=delta))
            if other != ts and pwd == md5_pwd(userid, password, other):
                return (
                    f"pwd was hashed with a different timestamp ({other}) than the one sent ({ts})"
                )
    if not _is_md5_hex(pwd):
        return f"pwd is not 32 hex characters (got {len(pwd)}): is it the MD5 hash?"
    return "pwd does not match: wrong password, or a different hashing rule"


def _md5(raw: str) -> str:
    return hashlib.md5(raw.encode("utf-8")).hexdigest()


_OTHER_FORMS = (
    ("YYMMDDHHMM", "%y%m%d%H%M"),
    ("YYMMDDHHMMSS", "%y%m%d%H%M%S"),
    ("YYYYMMDDHHMMSS", "%Y%m%d%H%M%S"),
)


def diagnose_timestamp(timestamp: str, now: datetime) -> str:
    """Name the form a malformed timestamp was written in, when it is a usual one."""
    if timestamp.isdigit() and timestamp.isascii():
        for form, pattern in _OTHER_FORMS:
            if len(timestamp) != len(form):
                continue
            try:
                moment = datetime.strptime(timestamp, pattern).replace(tzinfo=now.tzinfo)
            except ValueError:
                continue
            if abs(moment.year - now.year) <= 1:
                return (
                    f"timestamp {timestamp!r} is {form} ({moment:%Y-%m-%d %H:%M:%S}): the manual's "
                    f"form is MMDDHHMMSS, as {format_timestamp(moment)}"
                )
        if len(timestamp) in (10, 13):
            unit = "seconds" if len(timestamp) == 10 else "milliseconds"
            epoch = int(timestamp) / (1 if unit == "seconds" else 1000)
            if abs(epoch - now.timestamp()) <= 86400:
                local = datetime.fromtimestamp(epoch, now.tzinfo)
                return (
                    f"timestamp {timestamp!r} is Unix time in {unit}: the manual's form is "
                    f"MMDDHHMMSS in local time, as {format_timestamp(local)}"
                )
    return f"timestamp {timestamp!r} is not MMDDHHMMSS (10 digits, a real date and time)"


def diagnose_offset(offset: float, window: float, now: datetime) -> str:
    direction = "ahead of" if offset > 0 else "behind"
    hours = round(offset / 3600)
    if hours and abs(offset - hours * 3600) <= max(window, 60):
        return (
            f"timestamp is {abs(hours)} hours {direction} the gateway clock: a time zone "
            f"mix-up? The gateway reads timestamps as local time in {_zone_name(now)}"
        )
    return (
        f"timestamp is {abs(offset):.0f} s {direction} the gateway clock; the window is "
        f"±{window:.0f} s"
    )


def _zone_name(now: datetime) -> str:
    offset = now.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
