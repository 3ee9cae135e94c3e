"""Authentication: the MD5 rule, the timestamp window, plain text, lock-out, and diagnoses."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

import pytest

from mockgateway.client import credentials
from mockgateway.protocol.auth import md5_pwd, parse_timestamp
from mockgateway.protocol.times import format_timestamp
from tests.conftest import Harness, Start

SEND = {"mobile": "85292041234", "content": "hi"}


def test_the_manuals_example_verifies() -> None:
    assert md5_pwd("J10003", "111111", "0803192020") == "26dad7f364507df18f3841cc9c4ff94d"


@pytest.mark.parametrize(
    ("now", "timestamp", "expected"),
    [
        (datetime(2027, 1, 1, 0, 0, 5), "1231235955", datetime(2026, 12, 31, 23, 59, 55)),
        (datetime(2026, 12, 31, 23, 59, 55), "0101000005", datetime(2027, 1, 1, 0, 0, 5)),
        (datetime(2028, 2, 29, 12, 0, 0), "0229120010", datetime(2028, 2, 29, 12, 0, 10)),
        (datetime(2026, 3, 1, 0, 0, 0), "0229235959", None),  # no 29 Feb near 2026
        (datetime(2026, 5, 5), "1332000000", None),
        (datetime(2026, 5, 5), "05051200", None),
    ],
)
def test_timestamp_takes_the_year_nearest_the_clock(
    now: datetime, timestamp: str, expected: datetime | None
) -> None:
    assert parse_timestamp(timestamp, now) == expected


async def test_plaintext_password_without_timestamp(gw: Harness) -> None:
    answer = await gw.call("send_single", sign=False, userid="J10003", pwd="111111", **SEND)
    assert answer["result"] == 0


async def test_plaintext_can_be_switched_off(start: Start) -> None:
    gw = await start("auth: {plaintext: false}\n")
    answer = await gw.call("send_single", sign=False, userid="J10003", pwd="111111", **SEND)
    assert answer["result"] == -100001
    assert "needs pwd as the MD5 hash" in (gw.last().diagnosis or "")


async def test_lowercase_userid_is_accepted_with_a_warning(gw: Harness) -> None:
    creds = credentials("J10003", "111111")
    answer = await gw.call("send_single", sign=False, **{**creds, "userid": "j10003"}, **SEND)
    assert answer["result"] == 0
    assert "uppercase" in gw.last().warnings[0]


def _hex(raw: str) -> str:
    return hashlib.md5(raw.encode()).hexdigest()


def _now_ts() -> str:
    return format_timestamp(datetime.now())


@pytest.mark.parametrize(
    ("make_pwd", "diagnosis"),
    [
        (lambda ts: _hex("J10003" + "00000000" + "111111"), "without the timestamp"),
        (lambda ts: _hex("J10003" + "111111" + ts), "without the fixed string"),
        (lambda ts: _hex("j10003" + "00000000" + "111111" + ts), "userid lowercased in the hash"),
        (lambda ts: md5_pwd("J10003", "111111", ts).upper(), "uppercase hex"),
        (lambda ts: _hex("111111"), "md5 of the bare password"),
        (lambda ts: "111111", "plain-text password, but a timestamp was sent"),
        (lambda ts: md5_pwd("J10003", "222222", ts), "wrong password"),
        (lambda ts: "abc", "not 32 hex characters"),
        (
            lambda ts: md5_pwd(
                "J10003", "111111", format_timestamp(datetime.now() - timedelta(seconds=7))
            ),
            "different timestamp",
        ),
    ],
)
async def test_wrong_pwd_is_rejected_with_a_diagnosis(
    gw: Harness, make_pwd: object, diagnosis: str
) -> None:
    ts = _now_ts()
    pwd = make_pwd(ts)  # type: ignore[operator]
    answer = await gw.call(
        "send_single", sign=False, userid="J10003", pwd=pwd, timestamp=ts, **SEND
    )
    assert answer["result"] == -100001
    assert answer["msgid"] == 0
    assert diagnosis in (gw.last().diagnosis or ""), gw.last().diagnosis


@pytest.mark.parametrize(
    ("fields", "diagnosis"),
    [
        ({"pwd": "x"}, "userid is missing"),
        ({"userid": "J10003"}, "pwd is missing"),
        ({"userid": "Q99999", "pwd": "x"}, "no account 'Q99999'"),
        ({"userid": "J10003", "pwd": "x" * 32, "timestamp": "20261125"}, "not MMDDHHMMSS"),
    ],
)
async def test_missing_or_unknown_credentials(
    gw: Harness, fields: dict[str, str], diagnosis: str
) -> None:
    answer = await gw.call("send_single", sign=False, **fields, **SEND)
    assert answer["result"] == -100001
    assert diagnosis in (gw.last().diagnosis or "")


async def test_timestamp_hours_off_is_expired_and_blamed_on_the_time_zone(gw: Harness) -> None:
    creds = credentials("J10003", "111111", when=datetime.now() - timedelta(hours=8))
    answer = await gw.call("send_single", sign=False, **creds, **SEND)
    assert answer["result"] == -100268
    assert answer["desc"] == "Request%20message%20time%20expired"
    assert "8 hours behind the gateway clock: a time zone mix-up?" in (gw.last().diagnosis or "")


async def test_timestamp_minutes_off_is_expired(gw: Harness) -> None:
    creds = credentials("J10003", "111111", when=datetime.now() + timedelta(seconds=400))
    answer = await gw.call("send_single", sign=False, **creds, **SEND)
    assert answer["result"] == -100268
    assert "s ahead of the gateway clock; the window is ±300 s" in (gw.last().diagnosis or "")


async def test_window_is_configurable_and_can_be_switched_off(start: Start) -> None:
    gw = await start("auth: {timestamp_window: null}\n")
    creds = credentials("J10003", "111111", when=datetime.now() - timedelta(days=20))
    assert (await gw.call("send_single", sign=False, **creds, **SEND))["result"] == 0
    narrow = await start("auth: {timestamp_window: 5}\n")
    creds = credentials("J10003", "111111", when=datetime.now() - timedelta(seconds=30))
    assert (await narrow.call("send_single", sign=False, **creds, **SEND))["result"] == -100268


async def test_timestamps_are_read_in_the_configured_zone(start: Start) -> None:
    gw = await start("auth: {timezone: '+08:00'}\n")
    from datetime import UTC

    beijing = datetime.now(UTC) + timedelta(hours=8)
    creds = credentials("J10003", "111111", when=beijing.replace(tzinfo=None))
    assert (await gw.call("send_single", sign=False, **creds, **SEND))["result"] == 0


async def test_lockout_after_repeated_failures_then_unlock(start: Start) -> None:
    gw = await start("clock: virtual\nauth: {lockout_after: 3, lockout_seconds: 60}\n")
    for attempt in range(3):
        answer = await gw.call("send_single", pwd="0" * 32, **SEND)
        assert answer["result"] == -100001, attempt
    assert "locked for 60 s" in (gw.last().diagnosis or "")
    locked = await gw.call("send_single", **SEND)
    assert locked["result"] == -100002
    assert locked["desc"].startswith("User%20fails%20to%20pass%20multiple%20authentications")
    gw.clock.advance(61)
    assert (await gw.call("send_single", **SEND))["result"] == 0


async def test_a_success_resets_the_failure_count(start: Start) -> None:
    gw = await start("auth: {lockout_after: 2}\n")
    assert (await gw.call("send_single", pwd="0" * 32, **SEND))["result"] == -100001
    assert (await gw.call("send_single", **SEND))["result"] == 0
    assert (await gw.call("send_single", pwd="0" * 32, **SEND))["result"] == -100001
    assert (await gw.call("send_single", **SEND))["result"] == 0


@pytest.mark.parametrize(
    ("form", "pattern"),
    [
        ("YYMMDDHHMM", "%y%m%d%H%M"),
        ("YYMMDDHHMMSS", "%y%m%d%H%M%S"),
        ("YYYYMMDDHHMMSS", "%Y%m%d%H%M%S"),
    ],
)
async def test_a_timestamp_in_another_usual_form_is_named(
    gw: Harness, form: str, pattern: str
) -> None:
    moment = datetime.now().replace(microsecond=0)
    timestamp = moment.strftime(pattern)
    pwd = md5_pwd("J10003", "111111", timestamp)
    answer = await gw.call(
        "send_single", sign=False, userid="J10003", pwd=pwd, timestamp=timestamp, **SEND
    )
    assert answer["result"] == -100001
    expected = moment.replace(second=0) if form == "YYMMDDHHMM" else moment
    assert (gw.last().diagnosis or "").startswith(
        f"timestamp {timestamp!r} is {form} ({expected:%Y-%m-%d %H:%M:%S}): the manual's form "
        f"is MMDDHHMMSS, as {expected:%m%d%H%M%S}"
    ), gw.last().diagnosis


@pytest.mark.parametrize("scale", [1, 1000])
async def test_a_unix_timestamp_is_named(gw: Harness, scale: int) -> None:
    timestamp = str(int(time.time() * scale))
    answer = await gw.call(
        "send_single", sign=False, userid="J10003", pwd="x" * 32, timestamp=timestamp, **SEND
    )
    assert answer["result"] == -100001
    unit = "seconds" if scale == 1 else "milliseconds"
    assert f"is Unix time in {unit}: the manual's form is MMDDHHMMSS" in (gw.last().diagnosis or "")
