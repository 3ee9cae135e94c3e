"""Evaluating a scenario's rules against requests: first match wins, with per-rule counters.

Rules see a request as soon as it is parsed, before authentication and validation, so they work
on what the client sent (numbers in any of the three forms, content as decoded as it can be).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mockgateway.scenario.model import Match, Rule


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
class _Count:
    matched: int = 0
    """Requests that met the rule's other conditions (what ``nth`` and ``every`` count)."""
    fired: int = 0


@dataclass
class RuleBook:
    """The rules of one scenario and what they have seen since the last reset."""

    rules: tuple[Rule, ...]
    rng: random.Random
    _counts: list[_Count] = field(init=False)

    def __post_init__(self) -> None:
        self._counts = [_Count() for _ in self.rules]

    def decide(self, facts: RequestFacts) -> Rule | None:
        """The rule that fires for this request, if any; counts it."""
        for rule, count in zip(self.rules, self._counts, strict=True):
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
