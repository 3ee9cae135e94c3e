"""The checked, immutable form of a scenario. Defaults here are the built-in default scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MsgidRange = Literal["above-2^53", "unsigned", "signed"]


@dataclass(frozen=True)
class AuthSettings:
    timestamp_window: float | None = 300.0
    """Seconds either side of the wall clock; None switches the check off."""
    lockout_after: int = 5
    lockout_seconds: float = 60.0
    plaintext: bool = True
    """Accept the plain-text password when no timestamp is sent."""
    timezone: str = "local"
    """The zone timestamps are read in: ``local``, ``UTC``, ``+08:00`` or an IANA name."""


@dataclass(frozen=True)
class AccountSettings:
    userid: str
    password: str
    auth: AuthSettings = field(default_factory=AuthSettings)
    numbers: Literal["strict", "relaxed"] = "strict"
    gbk: bool = True
    """Accept GBK content (with a warning); False rejects it."""
    msgids: MsgidRange = "above-2^53"


@dataclass(frozen=True)
class Delay:
    min: float
    max: float


@dataclass(frozen=True)
class ReportSettings:
    delay: Delay = Delay(1.0, 1.0)


DEFAULT_ACCOUNT = AccountSettings(userid="J10003", password="111111")


@dataclass(frozen=True)
class Scenario:
    name: str = "default"
    seed: int | None = None
    """None draws a fresh seed at start (and keeps it across resets)."""
    clock: Literal["real", "virtual"] = "real"
    accounts: tuple[AccountSettings, ...] = (DEFAULT_ACCOUNT,)
    reports: ReportSettings = ReportSettings()
    journal_limit: int = 100_000
    """Entries kept per journal (requests, messages, reports); the oldest go first."""

    def account(self, userid: str) -> AccountSettings | None:
        for account in self.accounts:
            if account.userid == userid:
                return account
        return None
