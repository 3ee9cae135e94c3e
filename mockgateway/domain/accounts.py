"""The scenario's accounts as the gateway keeps them: settings, the outbox of reports not yet
handed out, the push line, and the guard's counters; and those a replaced scenario dropped."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from mockgateway.domain.push import Move, Outbox, PushLine
from mockgateway.domain.records import Report, RequestRecord
from mockgateway.protocol.errors import Dialect
from mockgateway.protocol.times import zone_of
from mockgateway.scenario.model import AccountSettings


@dataclass(eq=False)
class AccountState:
    settings: AccountSettings
    zone: tzinfo
    """The zone its timestamps are read in and its report times written in."""
    outbox: Outbox[Report]
    """Its reports not yet handed out: by get_rpt, or by the push line."""
    push: PushLine[Report]
    failures: int = 0
    """Authentication failures in a row (the lock-out counts them)."""
    locked_until: float = 0.0
    in_flight: int = 0
    """Requests holding a connection slot."""

    @property
    def userid(self) -> str:
        return self.settings.userid

    @property
    def pushing(self) -> bool:
        return self.push.pushing

    @property
    def dialect(self) -> Dialect:
        """How its answers read: its edition's codes and texts, its sign."""
        return Dialect(self.settings.edition, self.settings.error_sign)

    def rebind(self, settings: AccountSettings) -> None:
        """The account under a replaced scenario's settings: its outbox and push line stay (a
        push URL set at run time too, unless the push settings changed); its lock-out goes."""
        before = self.settings.push
        self.settings = settings
        self.zone = zone_of(settings.auth.timezone)
        self.failures, self.locked_until = 0, 0.0
        if settings.push != before:
            self.push.repoint(settings.push)


class Accounts:
    def __init__(self, move: Move[Report]) -> None:
        self._move = move
        self.current: dict[str, AccountState] = {}
        self.retired: dict[str, AccountState] = {}
        """Accounts a replaced scenario dropped: their reports wait where the journal shows them,
        and come back to them if a later scenario brings the account back."""

    def start(self, settings: Sequence[AccountSettings], *, keep_seqids: bool) -> None:
        """Fresh accounts (a reset); their push seqids go on unless ``keep_seqids`` is false."""
        seqids: dict[str, int] = {}
        if keep_seqids:
            for userid, state in {**self.retired, **self.current}.items():
                seqids[userid] = state.push.next_seqid
        self.current = {a.userid: self._new(a) for a in settings}
        self.retired = {}
        for userid, state in self.current.items():
            state.push.next_seqid = seqids.get(userid, 1)

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

    def _new(self, settings: AccountSettings) -> AccountState:
        outbox: Outbox[Report] = Outbox()
        line = PushLine(settings.push, outbox, self._move)
        return AccountState(settings, zone_of(settings.auth.timezone), outbox, line)

    def get(self, userid: str) -> AccountState | None:
        return self.current.get(userid)

    def __iter__(self) -> Iterator[AccountState]:
        return iter(list(self.current.values()))

    def every(self) -> list[AccountState]:
        """Current and retired: what still holds reports."""
        return [*self.current.values(), *self.retired.values()]

    def mask_password(self, record: RequestRecord) -> None:
        """The journal never shows an account's plain-text password (the control API may be
        reachable by others); authentication reads the request's own fields, not these."""
        pwd, userid = record.fields.get("pwd"), record.fields.get("userid")
        if not isinstance(pwd, str) or not isinstance(userid, str):
            return
        account = self.current.get(userid.upper())
        if account is not None and pwd == account.settings.password:
            record.fields = {**record.fields, "pwd": "***"}
            record.warnings.append("plain-text password sent: the journal shows it as ***")
