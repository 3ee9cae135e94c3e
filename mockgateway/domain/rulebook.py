"""Evaluating a scenario's rules against requests: first match wins, with per-rule counters.

Rules see a request as soon as it is parsed, before authentication and validation, so they work
on what the client sent (numbers in any of the three forms, content as decoded as it can be).
The rules are the scenario's (configuration); what they have seen is the gateway's (state).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockgateway.domain.records import MAX_NUMBERS
from mockgateway.protocol import content, mobiles, multimt
from mockgateway.protocol.codec import Fields, FieldValue
from mockgateway.protocol.errors import GatewayError
from mockgateway.protocol.limits import shown
from mockgateway.scenario.model import PATTERN_TIMEOUT, Rule

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
        self.faulty = any(r.fault is not None for r in self.rules)
        """Whether a rule may break an answer (an HTTP fault needs the full HTTP layer)."""

    def decide(
        self, request: ApiRequest, domestic: bool = False, warnings: list[str] | None = None
    ) -> Rule | None:
        """The rule that fires for this request, if any; counts it. ``domestic``: the request
        names a domestic account, whose numbers read as that edition writes them; what the
        rules found worth a warning goes to ``warnings``."""
        if not self.rules:
            return None
        facts = self.facts(request, domestic)
        patterns = _Patterns([] if warnings is None else warnings)
        for rule, count in zip(self.rules, self.counts, strict=True):
            if rule.times is not None and count.fired >= rule.times:
                continue
            if not _conditions_hold(rule, facts, patterns):
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

    def facts(self, request: ApiRequest, domestic: bool = False) -> RequestFacts:
        """What the rules can match in ``request``; numbers and content are read only when some
        rule looks at them (send_multi's from its items: a rule's content matches any item's)."""
        given = request.fields
        numbers: list[tuple[str, int]] = []
        if self._numbers:
            for digits in mobiles.requested(given, domestic, MAX_NUMBERS):
                numbers.append((digits, mobiles.country_code(digits)))
        text: str | None = None
        if self._content:
            texts = [_text(raw, request) for raw in _contents(given)]
            text = "\n".join(t for t in texts if t is not None) if texts else None
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


def _contents(given: Fields) -> list[FieldValue]:
    items = given.get(multimt.FIELD)
    if "content" not in given and isinstance(items, list):
        return [item.get("content") for item in items if isinstance(item, dict)]
    return [given.get("content")]


def _text(raw: FieldValue, request: ApiRequest) -> str | None:
    if not isinstance(raw, str | bytes):
        return None
    try:
        return content.decode(raw, request.format, allow_gbk=True).text
    except GatewayError:
        return raw if isinstance(raw, str) else None


class _Patterns:
    """The content searches of one request, sharing :data:`PATTERN_TIMEOUT` between them: a
    search that runs out counts as no match, with a warning on the request, and so does every
    later one (1,000 rules cannot stall the loop 1,000 times)."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self.left = PATTERN_TIMEOUT
        self.warned = False

    def found(self, rule: Rule, text: str | None) -> bool:
        pattern = rule.when.content
        assert pattern is not None
        if text is None:
            return False
        if self.left <= 0:
            return self._ran_out(rule)
        began = time.perf_counter()
        try:
            return pattern.search(text, timeout=self.left) is not None
        except TimeoutError:
            return self._ran_out(rule)
        finally:
            self.left -= time.perf_counter() - began

    def _ran_out(self, rule: Rule) -> bool:
        pattern = rule.when.content
        assert pattern is not None
        if not self.warned:
            self.warned = True
            self.warnings.append(
                f"{rule.describe()}: the content pattern {shown(pattern.pattern)} ran past the "
                f"{PATTERN_TIMEOUT * 1000:g} ms the content patterns have for one request and "
                "was taken as not matching, as are those after it (nested repetition, like "
                "(a|aa)+?)"
            )
        return False


def _conditions_hold(rule: Rule, facts: RequestFacts, patterns: _Patterns) -> bool:
    when = rule.when
    if when.endpoint is not None and when.endpoint != facts.endpoint:
        return False
    if when.userid is not None and (facts.userid or "").upper() != when.userid:
        return False
    if when.custid is not None and facts.custid != when.custid:
        return False
    if when.content is not None and not patterns.found(rule, facts.content):
        return False
    if when.about_numbers:
        return any(when.number_matches(digits, cc) for digits, cc in facts.numbers)
    return True
