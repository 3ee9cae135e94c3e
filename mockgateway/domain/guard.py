"""The account guard: who may call, from where, how many at once, with what credentials, and
which endpoints.

Checks run in a fixed order (account, IP, connections, lock-out, credentials, permission), so
one request always gets the same answer. The account is named by userid, or found by its apikey
(V5.7.2 §4's fifth mode). Credentials are checked in one place, :func:`authenticate`, by the
modes the account accepts (``auth.modes``): pwd hashed with a timestamp by MD5, SHA-256 or SM3,
the plain-text password without one, or the apikey alone.
"""

from __future__ import annotations

import ipaddress
from types import TracebackType
from typing import TYPE_CHECKING

from mockgateway.domain.records import RequestRecord
from mockgateway.protocol import auth, fields
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.protocol.limits import shown
from mockgateway.scenario.model import APIKEY_LENGTH

if TYPE_CHECKING:
    from mockgateway.domain.accounts import Accounts, AccountState
    from mockgateway.domain.calls import ApiRequest


class Slot:
    """One of an account's connection slots (``max_connections``), held from authentication
    until the answer is sent, injected delays included. Releasing is idempotent."""

    def __init__(self, account: AccountState | None = None) -> None:
        self._account = account
        if account is not None:
            account.in_flight += 1

    def release(self) -> None:
        if self._account is not None:
            self._account.in_flight -= 1
            self._account = None

    def __enter__(self) -> Slot:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


NO_SLOT = Slot()
"""What an answer holds when no account was admitted."""


def admit(
    accounts: Accounts,
    request: ApiRequest,
    record: RequestRecord,
    *,
    now: float,
    wall: float,
    scenario: str,
) -> tuple[AccountState, Slot]:
    """The caller's account and a connection slot of it, or a :class:`GatewayError`.

    ``now`` is the scheduling clock (lock-outs follow it), ``wall`` the wall clock (timestamps).
    """
    given = request.fields
    userid = fields.text(given, "userid")
    pwd = fields.text(given, "pwd")
    timestamp = fields.text(given, "timestamp") or None
    apikey = fields.text(given, "apikey") or None
    if apikey is not None:
        account = _keyholder(accounts, apikey, scenario)
        if userid or pwd:
            record.warnings.append(
                f"userid and pwd sent beside apikey: ignored, the key names account "
                f"{account.userid} (the manual: one scheme or the other, never both)"
            )
        userid = account.userid
    elif not userid:
        raise GatewayError(Code.AUTH_FAILED, "userid is missing (and no apikey was sent)")
    else:
        found = accounts.get(userid.upper())
        if found is None:
            known = ", ".join(a.userid for a in accounts)
            raise GatewayError(
                Code.AUTH_FAILED,
                f"no account {userid!r} in scenario {scenario!r} (accounts: {known})",
            )
        account = found
        if userid != userid.upper():
            record.warnings.append("userid is not in uppercase, as the manual writes it")
    record.userid = userid
    _check_ip(account, request.remote)
    _check_connections(account)
    _check_lock(account, now)
    try:
        authenticate(account, auth.Credentials(userid, pwd or "", timestamp, apikey), wall)
    except GatewayError as error:
        if error.code == Code.AUTH_FAILED:
            _count_failure(account, error, now)
        raise
    account.failures = 0
    _check_permission(account, request.endpoint.name)
    return account, Slot(account)


def authenticate(account: AccountState, credentials: auth.Credentials, wall: float) -> None:
    """Check the credentials by the account's auth modes; the one place auth modes plug in."""
    settings = account.settings.auth
    if credentials.apikey is not None:
        if not settings.accepts("apikey"):
            raise GatewayError(Code.AUTH_FAILED, auth.apikey_not_accepted(settings.modes))
        return
    if not credentials.pwd:
        raise GatewayError(Code.AUTH_FAILED, "pwd is missing")
    auth.verify(
        credentials,
        account.settings.password,
        modes=settings.modes,
        wall=wall,
        zone=account.zone,
        window=settings.timestamp_window,
    )


def _keyholder(accounts: Accounts, apikey: str, scenario: str) -> AccountState:
    """The account whose apikey was sent, or -100001 saying how near the key came to one."""
    account = accounts.by_apikey(apikey)
    if account is not None:
        return account
    shown_key = shown(apikey)
    if len(apikey) != APIKEY_LENGTH:
        problem = f"apikey {shown_key} is {len(apikey)} characters; keys are {APIKEY_LENGTH}"
    else:
        problem = f"apikey {shown_key} matches no account in scenario {scenario!r}"
    folded = [a.userid for a in accounts if (a.settings.apikey or "").lower() == apikey.lower()]
    if folded:
        problem += f"; it is account {folded[0]}'s key in another case: keys are exact"
    elif not any(a.settings.apikey for a in accounts):
        problem += " (no account of it has an apikey)"
    raise GatewayError(Code.AUTH_FAILED, problem)


def _check_permission(account: AccountState, endpoint: str) -> None:
    allowed = account.settings.endpoints
    if allowed is not None and endpoint not in allowed:
        listed = ", ".join(allowed) or "none"
        raise GatewayError(
            Code.NO_PERMISSION,
            f"account {account.userid} may not call {endpoint}: its endpoints are {listed}",
        )


def _check_ip(account: AccountState, remote: str) -> None:
    networks = account.settings.networks
    if not networks:
        return
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        address = None
    if address is None or not any(address in net for net in networks):
        allowed = ", ".join(str(n) for n in networks)
        raise GatewayError(
            Code.IP_NOT_ALLOWED,
            f"request from {remote or 'an unknown address'}; account {account.userid} allows "
            f"only {allowed}",
        )


def _check_connections(account: AccountState) -> None:
    limit = account.settings.max_connections
    if account.in_flight >= limit:
        raise GatewayError(
            Code.TOO_MANY_CONNECTIONS,
            f"account {account.userid} already has {account.in_flight} requests in flight; its "
            f"limit is {limit} (max_connections)",
        )


def _check_lock(account: AccountState, now: float) -> None:
    if account.locked_until > now:
        raise GatewayError(
            Code.LOCKED_OUT,
            f"account {account.userid} is locked after {account.settings.auth.lockout_after} "
            f"failed authentications; it unlocks in {account.locked_until - now:.0f} s",
        )


def _count_failure(account: AccountState, error: GatewayError, now: float) -> None:
    settings = account.settings.auth
    account.failures += 1
    if account.failures >= settings.lockout_after:
        account.failures = 0
        account.locked_until = now + settings.lockout_seconds
        error.diagnosis += (
            f"; that is {settings.lockout_after} failures in a row: the account is locked for "
            f"{settings.lockout_seconds:g} s"
        )
