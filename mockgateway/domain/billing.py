"""An account's balance (V5.7.2 §3.8): what get_balance shows, and what a send costs.

A send costs one unit per segment of each of its messages, taken when it is accepted, all or
nothing: a send the balance cannot cover is refused whole (100003, "account in arrears"), with
no msgid and no report, so a test can watch a client run out of credit. An account without a
balance (the default) is never charged and shows :data:`~mockgateway.scenario.model.UNLIMITED`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, NamedTuple

from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.scenario.model import UNLIMITED

if TYPE_CHECKING:
    from mockgateway.domain.accounts import AccountState

MAX_PLACES = 6


class Statement(NamedTuple):
    """get_balance's answer, in its order."""

    chargetype: int
    balance: int
    money: str


def statement(account: AccountState) -> Statement:
    billing = account.settings.billing
    left = UNLIMITED if account.balance is None else account.balance
    return Statement(billing.chargetype, left, money(left, billing.price))


def money(balance: int, price: float) -> str:
    """``balance × price`` exactly, with the price's decimals (two at least): 0.045 a unit
    for 100 units is ``4.500``."""
    unit = Decimal(repr(price))
    places = min(MAX_PLACES, max(2, -int(unit.as_tuple().exponent)))
    amount = (unit * balance).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{amount:f}"


def charge(account: AccountState, units: int, what: Callable[[], str]) -> None:
    """Take ``units`` from the balance, or refuse the whole send (``what()`` says what it is:
    worded only then)."""
    if account.balance is None:
        return
    if units > account.balance:
        raise GatewayError(
            Code.ARREARS,
            f"the send costs {units} unit{'s' * (units != 1)} ({what()}, one unit a segment); "
            f"account {account.userid} has {account.balance} left: nothing was accepted",
        )
    account.balance -= units
