"""The manual's authentication rules, the timestamp window, and diagnoses of near misses.

pwd is ``hash(UPPER(userid) + "00000000" + password + timestamp)`` in lowercase hex, the hash
being MD5 (V5.13 3.1, the domestic default) or, for accounts that ask, SHA-256 or SM3 (V5.7.2
§4); without a timestamp pwd is the plain-text password. Which of these an account accepts is
its ``auth.modes``; a request that uses another is refused with a diagnosis naming the mode it
looks like.

The timestamp carries no year and no zone. It is read in the gateway's zone and given the year
that puts it nearest the clock, so requests sent across New Year or on 29 February verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

from mockgateway.protocol import crypto
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.times import format_timestamp

FIXED_STRING = "00000000"


class HashRule(NamedTuple):
    """One way of hashing pwd: the mode's name in ``auth.modes``, its name in prose, and the
    lowercase hex digest of a text's UTF-8 bytes."""

    mode: str
    name: str
    digits: int
    digest: Callable[[str], str]


def _md5(raw: str) -> str:
    return hashlib.md5(raw.encode("utf-8")).hexdigest()


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


MD5 = HashRule("md5", "MD5", 32, _md5)
SHA256 = HashRule("sha256", "SHA-256", 64, _sha256)
SM3 = HashRule("sm3", "SM3", 64, crypto.sm3_hex)
HASHES = (MD5, SHA256, SM3)


def hashed_pwd(rule: HashRule, userid: str, password: str, timestamp: str) -> str:
    """``rule(UPPER(userid) + "00000000" + password + timestamp)`` in lowercase hex."""
    return rule.digest(f"{userid.upper()}{FIXED_STRING}{password}{timestamp}")


def md5_pwd(userid: str, password: str, timestamp: str) -> str:
    """``md5(UPPER(userid) + "00000000" + password + timestamp)`` in lowercase hex."""
    return hashed_pwd(MD5, userid, password, timestamp)


def sha256_pwd(userid: str, password: str, timestamp: str) -> str:
    """The same string as :func:`md5_pwd`, hashed by SHA-256 (64 lowercase hex digits)."""
    return hashed_pwd(SHA256, userid, password, timestamp)


def sm3_pwd(userid: str, password: str, timestamp: str) -> str:
    """The same string as :func:`md5_pwd`, hashed by SM3 (64 lowercase hex digits)."""
    return hashed_pwd(SM3, userid, password, timestamp)


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
    apikey: str | None = None
    """Sent instead of userid and pwd (apikey mode); the account was found by it."""


def verify(
    creds: Credentials,
    password: str,
    *,
    modes: Collection[str],
    wall: float,
    zone: tzinfo,
    window: float | None,
) -> None:
    """Check ``creds`` against ``password`` by the ``modes`` the account accepts, raising
    :class:`GatewayError` on failure.

    ``wall`` is wall time (clients compute timestamps from their clocks, so the virtual clock
    does not apply) and ``zone`` the zone timestamps are read in. ``window`` None switches the
    window check off. The accepted path does epoch arithmetic and one hash per accepted mode of
    pwd's length: it runs on every request.
    """
    accepted = tuple(modes)
    if creds.timestamp is None:
        _verify_plaintext(creds, password, accepted)
        return
    rules = [rule for rule in HASHES if rule.mode in accepted]
    if not rules:
        raise GatewayError(Code.AUTH_FAILED, _no_hash_accepted(creds, password, accepted))
    moment = _moment_epoch(creds.timestamp, zone, int(wall // 3600))
    if moment is None:
        now = datetime.fromtimestamp(wall, zone)
        raise GatewayError(Code.AUTH_FAILED, diagnose_timestamp(creds.timestamp, now))
    if not any(
        len(creds.pwd) == rule.digits
        and creds.pwd == hashed_pwd(rule, creds.userid, password, creds.timestamp)
        for rule in rules
    ):
        now = datetime.fromtimestamp(wall, zone)
        named = datetime.fromtimestamp(moment, zone)
        raise GatewayError(
            Code.AUTH_FAILED, diagnose_pwd(creds, password, named, now, modes=accepted)
        )
    if window is not None:
        offset = moment - wall
        if abs(offset) > window:
            now = datetime.fromtimestamp(wall, zone)
            raise GatewayError(Code.TIMESTAMP_EXPIRED, diagnose_offset(offset, window, now))


def modes_text(modes: Collection[str]) -> str:
    """``auth.modes: md5, plaintext``, for diagnoses."""
    return "auth.modes: " + ", ".join(modes)


def _hashes_named(modes: Collection[str]) -> str:
    """``the MD5 hash``, ``the MD5 or SM3 hash``: what an account wants pwd to be."""
    names = [rule.name for rule in HASHES if rule.mode in modes]
    return "the " + " or ".join(names) + " hash"


def _verify_plaintext(creds: Credentials, password: str, modes: tuple[str, ...]) -> None:
    """No timestamp: pwd is the plain-text password (plaintext mode)."""
    if "plaintext" not in modes:
        if not any(rule.mode in modes for rule in HASHES):
            raise GatewayError(
                Code.AUTH_FAILED,
                f"no timestamp, so a plain-text pwd: plaintext mode, which this account does "
                f"not accept ({modes_text(modes)}); send the apikey alone",
            )
        raise GatewayError(
            Code.AUTH_FAILED,
            f"no timestamp: this account needs pwd as {_hashes_named(modes)} with a timestamp "
            f"(plaintext mode is not among its {modes_text(modes)})",
        )
    if creds.pwd == password:
        return
    looks = looks_like(creds.pwd)
    if looks is not None:
        raise GatewayError(
            Code.AUTH_FAILED,
            f"pwd looks like {looks} but no timestamp was sent: send the timestamp that was hashed",
        )
    raise GatewayError(Code.AUTH_FAILED, "plain-text pwd does not match the password")


def _no_hash_accepted(creds: Credentials, password: str, modes: tuple[str, ...]) -> str:
    """A timestamp came to an account that hashes nothing (plaintext or apikey only)."""
    if creds.pwd == password:
        what = "pwd is the plain-text password"
    else:
        looks = looks_like(creds.pwd)
        what = f"pwd looks like {looks}" if looks is not None else "pwd is read as a hash"
    instead = (
        "send userid and the plain-text pwd without a timestamp"
        if "plaintext" in modes
        else "send the apikey alone"
    )
    return (
        f"a timestamp was sent and {what}, but this account accepts no hashed pwd "
        f"({modes_text(modes)}): {instead}"
    )


def looks_like(pwd: str) -> str | None:
    """The hash ``pwd`` looks like by its shape (``an MD5 hash (32 hex characters)``), or
    None."""
    if not _is_hex(pwd):
        return None
    names = " or ".join(rule.name for rule in HASHES if rule.digits == len(pwd))
    if not names:
        return None
    article = "an" if names.startswith("MD5") else "a"
    return f"{article} {names} hash ({len(pwd)} hex characters)"


def apikey_not_accepted(modes: Collection[str]) -> str:
    return (
        f"an apikey was sent, but this account does not accept apikey mode ({modes_text(modes)}):"
        " send userid and pwd instead"
    )


@lru_cache(maxsize=4096)
def _moment_epoch(timestamp: str, zone: tzinfo, hour: int) -> float | None:
    """Epoch seconds of the moment a timestamp names, near the wall clock's ``hour``.

    Cached: clients send the same timestamp for all of one second's requests.
    """
    moment = parse_timestamp(timestamp, datetime.fromtimestamp(hour * 3600, zone))
    return None if moment is None else moment.timestamp()


def _is_hex(value: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in value)


def diagnose_pwd(
    creds: Credentials,
    password: str,
    moment: datetime,
    now: datetime,
    *,
    modes: Collection[str] = ("md5",),
) -> str:
    """Name the likely mistake behind a pwd that does not verify. Only runs on failures.

    First a mode the account does not accept (pwd hashed right, by another rule), then the
    usual slips under each accepted rule of pwd's length, then pwd's shape.
    """
    pwd, ts, userid = creds.pwd, creds.timestamp or "", creds.userid
    accepted = [rule for rule in HASHES if rule.mode in modes]
    for rule in HASHES:
        if rule not in accepted and _hashes_to(pwd, rule, userid, password, ts):
            return (
                f"pwd is the {rule.name} hash ({rule.mode} mode), which this account does not "
                f"accept ({modes_text(modes)})"
            )
    for rule in accepted:
        if pwd.lower() == hashed_pwd(rule, userid, password, ts):
            return f"pwd in uppercase hex: the manual wants {rule.digits} lowercase hex characters"
    if pwd == password:
        return (
            "pwd is the plain-text password, but a timestamp was sent: with a timestamp, pwd "
            f"must be {_hashes_named(modes)}"
        )
    candidates = [rule for rule in accepted if rule.digits == len(pwd)]
    for rule in candidates:
        guess = _slip(rule, creds, password)
        if guess is not None:
            return guess
    other = _other_timestamp(candidates, creds, password, moment, now)
    if other is not None:
        return f"pwd was hashed with a different timestamp ({other}) than the one sent ({ts})"
    if candidates:
        return "pwd does not match: wrong password, or a different hashing rule"
    looks = looks_like(pwd)
    if looks is not None:
        return (
            f"pwd looks like {looks}, which this account does not accept "
            f"({modes_text(modes)}): it needs pwd as {_hashes_named(modes)}"
        )
    wanted = " or ".join(sorted({str(rule.digits) for rule in accepted}))
    return f"pwd is not {wanted} hex characters (got {len(pwd)}): is it {_hashes_named(modes)}?"


def _hashes_to(pwd: str, rule: HashRule, userid: str, password: str, ts: str) -> bool:
    """Whether ``pwd`` is ``rule``'s hash; False where this build cannot compute it (an OpenSSL
    without SM3 must not turn an MD5 account's failure into an internal error)."""
    if len(pwd) != rule.digits:
        return False
    try:
        return pwd == hashed_pwd(rule, userid, password, ts)
    except Exception:
        return False


def _slip(rule: HashRule, creds: Credentials, password: str) -> str | None:
    """The slip behind a pwd hashed by ``rule`` from the wrong string, if it is a usual one."""
    pwd, ts, userid = creds.pwd, creds.timestamp or "", creds.userid
    upper, fixed, h, name = userid.upper(), FIXED_STRING, rule.digest, rule.mode
    guesses = {
        h(upper + fixed + password): f"pwd is {name} of the password without the timestamp",
        h(upper + password + ts): "pwd was hashed without the fixed string 00000000",
        h(upper.lower() + fixed + password + ts): "userid lowercased in the hash",
        h(userid + fixed + password + ts): "userid hashed as sent; the rule hashes it uppercased",
        h(password): f"pwd is {name} of the bare password",
        h(password + ts): (
            f"pwd is {name} of password + timestamp, without userid and fixed string"
        ),
        h(fixed + password + ts): "pwd was hashed without the userid",
    }
    return guesses.get(pwd)


def _other_timestamp(
    rules: list[HashRule], creds: Credentials, password: str, moment: datetime, now: datetime
) -> str | None:
    """A timestamp within 300 s of the one sent, or of the clock, that pwd was hashed with."""
    if not rules:
        return None
    for centre in (moment, now):
        for delta in range(-300, 301):
            other = format_timestamp(centre + timedelta(seconds=delta))
            if other == creds.timestamp:
                continue
            for rule in rules:
                if creds.pwd == hashed_pwd(rule, creds.userid, password, other):
                    return other
    return None


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
