"""The scenario's accounts as the gateway keeps them: settings, the outboxes of reports and of
inbound messages not yet handed out, their push lines, the guard's counters and the balance; and
those a replaced scenario dropped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache

from mockgateway.domain.push import Move, Outbox, PushLine
from mockgateway.domain.records import Mo, Report, RequestRecord
from mockgateway.protocol.errors import Dialect
from mockgateway.protocol.push import MOS
from mockgateway.protocol.times import zone_of
from mockgateway.scenario.model import AccountSettings, Edition, ErrorSign


@cache
def _dialect(edition: Edition, sign: ErrorSign) -> Dialect:
    """One (immutable) dialect of each kind, not one a request."""
    return Dialect(edition, sign)


@dataclass(eq=False)
class AccountState:
    settings: AccountSettings
    zone: tzinfo
    """The zone its timestamps are read in and its report times written in."""
    outbox: Outbox[Report]
    """Its reports not yet handed out: by get_rpt, or by the push line."""
    push: PushLine[Report]
    mo_outbox: Outbox[Mo]
    """Its inbound messages not yet handed out: by get_mo, or by the MO push line."""
    mo_push: PushLine[Mo]
    failures: int = 0
    """Authentication failures in a row (the lock-out counts them)."""
    locked_until: float = 0.0
    in_flight: int = 0
    """Requests holding a connection slot."""
    balance: int | None = None
    """Units left (``billing.balance`` at the start, charged per segment); None is unlimited."""

    @property
    def userid(self) -> str:
        return self.settings.userid

    @property
    def pushing(self) -> bool:
        return self.push.pushing

    def lines(self) -> tuple[PushLine[Report], PushLine[Mo]]:
        return self.push, self.mo_push

    @property
    def dialect(self) -> Dialect:
        """How its answers read: its edition's codes and texts, its sign."""
        return _dialect(self.settings.edition, self.settings.error_sign)

    def rebind(self, settings: AccountSettings) -> None:
        """The account under a replaced scenario's settings: its outboxes and push lines stay
        (a push URL set at run time too, unless the push settings changed), and so does its
        balance unless the billing settings changed; its lock-out goes."""
        before = self.settings
        self.settings = settings
        self.zone = zone_of(settings.auth.timezone)
        self.failures, self.locked_until = 0, 0.0
        if settings.push != before.push:
            self.push.repoint(settings.push)
        if settings.billing != before.billing:
            self.balance = settings.billing.balance
        if settings.mo_push != before.mo_push:
            self.mo_push.repoint(settings.mo_push)


class Accounts:
    def __init__(self, move: Move[Report], move_mo: Move[Mo]) -> None:
        self._move = move
        self._move_mo = move_mo
        self.current: dict[str, AccountState] = {}
        self.retired: dict[str, AccountState] = {}
        """Accounts a replaced scenario dropped: their reports wait where the journal shows them,
        and come back to them if a later scenario brings the account back."""
        self._keys: dict[str, AccountState] = {}
        """Current accounts by apikey."""

    def start(self, settings: Sequence[AccountSettings], *, keep_seqids: bool) -> None:
        """Fresh accounts (a reset); their push seqids go on unless ``keep_seqids`` is false."""
        seqids: dict[str, tuple[int, int]] = {}
        if keep_seqids:
            for userid, state in {**self.retired, **self.current}.items():
                seqids[userid] = (state.push.next_seqid, state.mo_push.next_seqid)
        self.current = {a.userid: self._new(a) for a in settings}
        self.retired = {}
        for userid, state in self.current.items():
            state.push.next_seqid, state.mo_push.next_seqid = seqids.get(userid, (1, 1))
        self._index()

    def replace(self, settings: Sequence[AccountSettings]) -> None:
        """A replaced scenario's accounts: those that stay keep their state, those that go are
        retired, and a retired one that comes back gets its state back."""
        staying: dict[str, AccountState] = {}
        for one in settings:
            state = self.current.pop(one.userid, None) or self.retired.pop(one.userid, None)
            if state is None:
                state = self._new(one)
            else:
                state.rebind(one)
            staying[one.userid] = state
        self.retired.update(self.current)
        self.current = staying
        self._index()

    def _index(self) -> None:
        self._keys = {a.settings.apikey: a for a in self.current.values() if a.settings.apikey}

    def _new(self, settings: AccountSettings) -> AccountState:
        outbox: Outbox[Report] = Outbox()
        line = PushLine(settings.push, outbox, self._move)
        mo_outbox: Outbox[Mo] = Outbox()
        mo_line = PushLine(settings.mo_push, mo_outbox, self._move_mo, max_batch=MOS.max_batch)
        zone = zone_of(settings.auth.timezone)
        return AccountState(
            settings, zone, outbox, line, mo_outbox, mo_line, balance=settings.billing.balance
        )

    def get(self, userid: str) -> AccountState | None:
        return self.current.get(userid)

    def by_apikey(self, apikey: str) -> AccountState | None:
        return self._keys.get(apikey)

    def __iter__(self) -> Iterator[AccountState]:
        return iter(list(self.current.values()))

    def every(self) -> list[AccountState]:
        """Current and retired: what still holds reports and MOs."""
        return [*self.current.values(), *self.retired.values()]

    def mask_password(self, record: RequestRecord) -> None:
        """The journal never shows an account's plain-text password or its apikey (the control
        API may be reachable by others); authentication reads the request's own fields, not
        these."""
        apikey = record.fields.get("apikey")
        if isinstance(apikey, str) and apikey in self._keys:
            record.fields = {**record.fields, "apikey": "***"}
        pwd, userid = record.fields.get("pwd"), record.fields.get("userid")
        if not isinstance(pwd, str) or not isinstance(userid, str):
            return
        account = self.current.get(userid.upper())
        if account is not None and pwd == account.settings.password:
            record.fields = {**record.fields, "pwd": "***"}
            record.warnings.append("plain-text password sent: the journal shows it as ***")
