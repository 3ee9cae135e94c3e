"""Evaluating a scenario's rules against requests: first match wins, with per-rule counters.

Rules see a request as soon as it is parsed, before authentication and validation, so they work
on what the client sent (numbers in any of the three forms, content as decoded as it can be).
The rules are the scenario's (configuration); what they have seen is the gateway's (state).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockgateway.domain.records import MAX_NUMBERS
from mockgateway.protocol import content, mobiles
from mockgateway.protocol.errors import GatewayError
from mockgateway.scenario.model import Match, Rule

if TYPE_CHECKING:
    from mockgateway.domain.calls import ApiRequest


@dataclass(frozen=True)
class RequestFacts:
    """What rules may match on, read leniently from a request that may yet be rejected."""

    endpoint: str
    userid: str | None = None
    numbers: tuple[tuple[str, int], ...] = ()
    """(digits, countrycode) of each number in a recognisable form; -1 when unknown."""
    content: str | None = None
    custid: str | None = None


@dataclass
class RuleCount:
    matched: int = 0
    """Requests that met the rule's other conditions (what ``nth`` and ``every`` count)."""
    fired: int = 0


@dataclass
class RuleBook:
    """The rules of one scenario and what they have seen since the last reset."""

    rules: tuple[Rule, ...]
    rng: random.Random
    keyholders: Mapping[str, str] = field(default_factory=dict)
    """apikey to userid: a request that names its account by key meets rules on its userid."""
    counts: list[RuleCount] = field(init=False)
    """One per rule, in the scenario's order."""

    def __post_init__(self) -> None:
        self.counts = [RuleCount() for _ in self.rules]
        self._numbers = any(r.when.about_numbers for r in self.rules)
        self._content = any(r.when.content is not None for r in self.rules)

    def decide(self, request: ApiRequest) -> Rule | None:
        """The rule that fires for this request, if any; counts it."""
        if not self.rules:
            return None
        facts = self.facts(request)
        for rule, count in zip(self.rules, self.counts, strict=True):
            if rule.times is not None and count.fired >= rule.times:
                continue
            if not _conditions_hold(rule.when, facts):
                continue
            count.matched += 1
            when = rule.when
            if when.nth is not None and count.matched != when.nth:
                continue
            if when.every is not None and count.matched % when.every != 0:
                continue
            if when.probability is not None and self.rng.random() >= when.probability:
                continue
            count.fired += 1
            return rule
        return None

    def facts(self, request: ApiRequest) -> RequestFacts:
        """What the rules can match in ``request``; numbers and content are read only when some
        rule looks at them."""
        given = request.fields
        raw_mobile = given.get("mobile")
        numbers: list[tuple[str, int]] = []
        if isinstance(raw_mobile, str) and self._numbers:
            for one in mobiles.split(raw_mobile, MAX_NUMBERS):
                digits = mobiles.normalise(one)
                if digits is not None:
                    numbers.append((digits, mobiles.country_code(digits)))
        raw_content = given.get("content")
        text: str | None = None
        if self._content and isinstance(raw_content, str | bytes):
            try:
                text = content.decode(raw_content, request.format, allow_gbk=True).text
            except GatewayError:
                text = raw_content if isinstance(raw_content, str) else None
        userid, custid = given.get("userid"), given.get("custid")
        apikey = given.get("apikey")
        if isinstance(apikey, str) and apikey in self.keyholders:
            userid = self.keyholders[apikey]
        return RequestFacts(
            endpoint=request.endpoint.name,
            userid=userid if isinstance(userid, str) else None,
            numbers=tuple(numbers),
            content=text,
            custid=custid if isinstance(custid, str) else None,
        )


def _conditions_hold(when: Match, facts: RequestFacts) -> bool:
    if when.endpoint is not None and when.endpoint != facts.endpoint:
        return False
    if when.userid is not None and (facts.userid or "").upper() != when.userid:
        return False
    if when.custid is not None and facts.custid != when.custid:
        return False
    if when.content is not None and (
        facts.content is None or when.content.search(facts.content) is None
    ):
        return False
    if when.about_numbers:
        return any(when.number_matches(digits, cc) for digits, cc in facts.numbers)
    return True
