"""The inbox's filters (number, account, report state, search), shared by its feed and its
live stream so that both show exactly the same items."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mockgateway.domain.clock import VirtualClock
from mockgateway.domain.gateway import Gateway
from mockgateway.domain.queries import BadFilter, MessageQuery, MoQuery, RequestQuery
from mockgateway.domain.records import Message, Mo, PushAttempt, RequestRecord
from mockgateway.inbox.items import short_repr

MAX_SEARCH = 200
"""Characters of a search; a longer one is a mistake, not a search."""
STATES = ("pending", "fetched", "pushed", "undelivered", "mixed")
"""A message's state is its reports' (``mixed`` when they differ)."""
SEARCHED = 2000
"""Characters of each request field a search looks at (a field may hold megabytes)."""


@dataclass(frozen=True)
class Chosen:
    """The page's filters: number, account, report state, and a search over the text."""

    message: Callable[[Message], bool]
    request: Callable[[RequestRecord], bool]
    push: Callable[[PushAttempt], bool]
    mo: Callable[[Mo], bool]
    """By number, account and search (the page applies the state, as it lists MOs itself)."""
    state: str | None

    def message_in_state(self, message: Message) -> bool:
        return self.state is None or message.report_state() == self.state

    def push_in_state(self, attempt: PushAttempt) -> bool:
        """A push's state as its reports': ``pushed`` acknowledged, ``undelivered`` parked,
        ``pending`` neither yet; no push is ``fetched`` or ``mixed``."""
        if self.state is None:
            return True
        if attempt.acknowledged:
            return self.state == "pushed"
        if attempt.parked:
            return self.state == "undelivered"
        return self.state == "pending"


def choose(q: Mapping[str, str]) -> Chosen:
    """The filters of a feed or stream query; :class:`BadFilter` names a value it cannot use."""
    state = q.get("state") or None
    if state is not None and state not in STATES:
        raise BadFilter(f"state must be one of {', '.join(STATES)}, got {state!r}")
    needle = q.get("q", "").strip().casefold()
    if len(needle) > MAX_SEARCH:
        raise BadFilter(f"a search is at most {MAX_SEARCH} characters")
    userid = q.get("userid") or None
    by_message = MessageQuery.parse(q).matches
    by_request = RequestQuery.parse(q).matches
    by_mo = MoQuery.parse({k: v for k, v in q.items() if k != "state"}).matches

    def found(texts: Iterable[object]) -> bool:
        return not needle or any(needle in str(t).casefold() for t in texts if t is not None)

    def message(m: Message) -> bool:
        return by_message(m) and found(_message_text(m))

    def request(r: RequestRecord) -> bool:
        return by_request(r) and found(_request_text(r))

    def push(p: PushAttempt) -> bool:
        return (userid is None or p.userid == userid) and found(_push_text(p))

    def mo(m: Mo) -> bool:
        return by_mo(m) and found((m.text, m.mobile, m.userid, m.msgid, m.exno, m.spno))

    return Chosen(message, request, push, mo, state)


def _message_text(m: Message) -> Iterable[object]:
    yield from (m.content, m.mobile, m.userid, m.custid, m.exdata, m.exno, m.svrtype, m.msgid)
    yield from m.warnings


def _request_text(r: RequestRecord) -> Iterable[object]:
    yield from (r.id, r.endpoint, r.path, r.userid, r.diagnosis, r.result, r.rule, r.fault)
    yield from r.warnings
    for value in r.fields.values():
        yield value[:SEARCHED] if isinstance(value, str) else short_repr(value)[:SEARCHED]


def _push_text(p: PushAttempt) -> Iterable[object]:
    yield from (p.kind, p.userid, p.seqid, p.url, p.answer, p.outcome, p.warning)
    yield " ".join(map(str, p.msgids))


def about(gateway: Gateway) -> dict[str, Any]:
    """What the page shows beside the items: the clock and the accounts its actions name."""
    return {
        "now": gateway.clock.now(),
        "clock": "virtual" if isinstance(gateway.clock, VirtualClock) else "real",
        "accounts": [state.settings.userid for state in gateway.accounts],
        "mo_accounts": [
            state.userid for state in gateway.accounts if state.settings.edition == "domestic"
        ],
    }
