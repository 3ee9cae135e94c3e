"""Inbound messages (MO, the domestic edition's V5.7.2 §3.6 and §5.2): what a handset sends to
the account's channel number.

An MO comes from a test (``POST /_mock/mo``, read by :func:`read_injection`) or from a scenario
rule's ``reply`` to an MT the gateway accepted (:meth:`Inbound.reply`, after a delay drawn from
the seed). A long text arrives in segments, as an SMS centre splits it, each an item with its
pknum and pktotal under the MO's one msgid. Items wait in the account's MO outbox until they are
due, then go out once: to get_mo (:meth:`Inbound.take`), or pushed (:data:`MO_PUSH`) on the same
push machinery as status reports. Every change of an item's state goes through the mover the
gateway gives it (:func:`~mockgateway.domain.push.mover`), so the gateway's events hear of each
one.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from mockgateway.domain.events import Events
from mockgateway.domain.journal import Journal
from mockgateway.domain.msgids import Msgids
from mockgateway.domain.push import Held, Move, PushKind, fetch
from mockgateway.domain.records import Message, Mo
from mockgateway.protocol import content, inbound, mobiles, push
from mockgateway.protocol.errors import GatewayError
from mockgateway.protocol.inbound import MoItem
from mockgateway.protocol.limits import shown
from mockgateway.protocol.times import format_moment
from mockgateway.scenario.model import Reply, ReportSettings

if TYPE_CHECKING:
    from mockgateway.domain.accounts import AccountState
    from mockgateway.domain.calls import Call

INJECTED = "injected"
"""The origin of an MO a test injected."""


def mo_item(mo: Mo, zone: tzinfo) -> MoItem:
    """One MO segment on the wire, its ``rtime`` in the account's zone."""
    return inbound.mo_record(
        msgid=mo.msgid,
        mobile=mo.mobile,
        countrycode=mo.countrycode,
        pknum=mo.pknum,
        pktotal=mo.pktotal,
        spno=mo.spno,
        exno=mo.exno,
        rtime=format_moment(mo.due, zone),
        content=mo.content,
    )


MO_PUSH: PushKind[Mo] = PushKind(push.MOS, mo_item)
"""Inbound messages pushed as ``MO_REQ``, at most 100 a request, content URL-encoded as get_mo
has it (§5.2: "items as in get_mo")."""


# --- a test's MO ----------------------------------------------------------------------------


class InjectionRefused(ValueError):
    """An MO a test cannot inject as given (the control API answers 400 with the reason)."""


class UnknownAccount(InjectionRefused):
    """No such account (404)."""


class WrongEdition(InjectionRefused):
    """The account is not in the domestic edition, which alone has MOs (409)."""


class Full(InjectionRefused):
    """The gateway holds ``reports.max_pending`` MO items not yet collected (409)."""


FIELDS = ("userid", "mobile", "content", "exno", "spno")
MAX_MOBILE = 32
"""Characters of a number read at most: the longest form (``00`` + 15 digits) is 17."""


@dataclass(frozen=True)
class Injection:
    """An MO a test asked for, checked."""

    account: AccountState
    number: mobiles.Mobile
    text: str
    exno: str
    spno: str


def read_injection(body: object, accounts: Mapping[str, AccountState]) -> Injection:
    """``{"userid", "mobile", "content", "exno"?, "spno"?}``, every field checked for its type,
    size and encoding, the number by the account's number rules; raises
    :class:`InjectionRefused` naming the first thing wrong."""
    if not isinstance(body, dict):
        raise InjectionRefused(
            'expected a JSON object {"userid", "mobile", "content", "exno"?, "spno"?}'
        )
    unknown = [key for key in body if key not in FIELDS]
    if unknown:
        raise InjectionRefused(
            f"unknown key {shown(str(unknown[0]))}; the keys are {', '.join(FIELDS)}"
        )
    userid = _text(body, "userid")
    account = accounts.get(userid)
    if account is None:
        raise UnknownAccount(
            f"no account {shown(userid)} (accounts: {', '.join(accounts) or 'none'})"
        )
    if account.settings.edition != "domestic":
        raise WrongEdition(
            f"account {userid} is in the {account.settings.edition} edition: MOs are a "
            "domestic-edition feature (give it edition: domestic)"
        )
    sent = _text(body, "mobile")
    if len(sent) > MAX_MOBILE:
        raise InjectionRefused(f"mobile is {len(sent)} characters long: not a number")
    try:  # the account is domestic: its numbers are read as the domestic manual writes them
        number = mobiles.parse_domestic(sent, relaxed=account.settings.numbers == "relaxed")
    except GatewayError as error:
        raise InjectionRefused(error.diagnosis) from None
    if number.invalid:
        raise InjectionRefused(f"mobile {shown(sent)} is not a valid number for its country")
    if number.not_mobile is not None:
        raise InjectionRefused(
            f"mobile {shown(sent)} is a {number.not_mobile} number: an MO comes from a mobile"
        )
    text = _text(body, "content")
    problem = inbound.text_problem(text)
    exno = _text(body, "exno", required=False)
    problem = problem or inbound.exno_problem(exno)
    spno = _text(body, "spno", required=False) or inbound.spno_of(exno)
    problem = problem or inbound.spno_problem(spno)
    if problem is not None:
        raise InjectionRefused(problem)
    return Injection(account, number, text, exno, spno)


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        got = "nothing" if value is None else f"{type(value).__name__} {shown(repr(value))}"
        raise InjectionRefused(f"{name} must be a string, got {got}")
    return value


# --- the gateway's side ---------------------------------------------------------------------


class Inbound:
    def __init__(
        self, msgids: Msgids, journal: Journal[Mo], events: Events, move: Move[Mo]
    ) -> None:
        self._msgids = msgids
        self._journal = journal
        self._events = events
        self._move = move
        self._order = itertools.count()
        self.delays = random.Random()
        """Reply delays are drawn from it (the gateway seeds it at each reset and scenario)."""
        self.held = Held("MO items", ReportSettings().max_pending)
        """MO items made and not yet collected or acknowledged: bounded as reports are."""

    def restart(self) -> None:
        self._order = itertools.count()
        self.held.count = 0

    def inject(self, injection: Injection, now: float) -> list[Mo]:
        return self._arrive(
            injection.account,
            injection.number,
            injection.text,
            (injection.exno, injection.spno),
            now,
            INJECTED,
        )

    def reply(
        self, account: AccountState, message: Message, reply: Reply, rule: str, now: float
    ) -> list[Mo]:
        """The handset of ``message`` answers ``reply.content`` after the reply's delay, to the
        extension the MT came from."""
        exno = message.exno if inbound.exno_problem(message.exno) is None else ""
        return self._arrive(
            account,
            mobiles.Mobile(message.mobile, message.mobile_digits, message.countrycode),
            reply.content,
            (exno, inbound.spno_of(exno)),
            now + reply.delay.draw(self.delays),
            f"reply to {message.msgid} ({rule})",
        )

    def _arrive(
        self,
        account: AccountState,
        sender: mobiles.Mobile,
        text: str,
        channel: tuple[str, str],
        due: float,
        origin: str,
    ) -> list[Mo]:
        """The MO's segments, due at ``due``; ``channel`` is its (exno, spno)."""
        exno, spno = channel
        parts = content.split(text)
        full = self.held.full(len(parts))
        if full is not None:
            raise Full(
                f"{full}; collect them with get_mo, give the account an MO push URL, or reset"
            )
        self.held.made(len(parts))
        msgid = self._msgids.take(account.settings.msgids.range, 1)
        made = []
        for pknum, part in enumerate(parts, start=1):
            mo = Mo(
                msgid=msgid,
                userid=account.userid,
                mobile=sender.sent,
                mobile_digits=sender.digits,
                countrycode=sender.countrycode,
                pknum=pknum,
                pktotal=len(parts),
                spno=spno,
                exno=exno,
                content=part,
                text=text,
                due=due,
                order=next(self._order),
                origin=origin,
            )
            account.mo_outbox.schedule(mo)
            self._journal.append(mo)
            self._events.mo_scheduled(mo)
            made.append(mo)
        return made

    def take(self, call: Call, size: int) -> list[MoItem]:
        """Up to ``size`` due MO items of the caller's account, oldest first, each once."""
        account, record = call.account, call.record
        taken = fetch(account.mo_outbox, self._move, call.clock.now(), size, record.id)
        record.mos_returned = len(taken)
        return [mo_item(mo, account.zone) for mo in taken]
