"""Drawing what happens to each message: outcome, delay, and texts for codes without one.

Everything is drawn from random generators seeded from the scenario's seed, so the same seed gives
the same outcomes, delays and texts run after run.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from mockgateway.scenario.model import Delay, Outcome, ReportOverride, ReportSettings

# Texts for the usual operator status codes, used when an outcome gives no errdesc.
KNOWN_ERRDESCS = {
    "DELIVRD": "success",
    "UNDELIV": "undeliverable",
    "EXPIRED": "validity period expired",
    "REJECTD": "rejected by the operator",
    "UNKNOWN": "unknown status",
    "DELETED": "deleted by the operator",
    "ACCEPTD": "accepted, final state unknown",
}


NOT_A_MOBILE = ReportOverride(status=1, errcode="UNDELIV", errdesc="not a mobile number")
"""The reports of a number that is valid but not a mobile."""
INVALID_NUMBER = ReportOverride(status=1, errcode="MK:0012", errdesc="invalid mobile number")
"""The reports of a number the domestic edition accepted that is not valid for its country
(V5.7.2 §5.1: "an invalid number comes back as a failed status report")."""


def failing(outcome: ReportOverride, rule: ReportOverride | None) -> ReportOverride:
    """The reports of a number that cannot get an SMS fail with ``outcome``; a scenario rule
    that says how they end (an outcome, or no report at all) still wins, one that only delays
    them keeps the failure."""
    if rule is None:
        return outcome
    if rule.lost or rule.errcode is not None or rule.errdesc is not None:
        return rule
    return replace(outcome, delay=rule.delay)


class OutcomeDrawer:
    def __init__(self, settings: ReportSettings, seed: float) -> None:
        self.settings = settings
        source = random.Random(seed)
        self._outcomes = random.Random(source.random())
        self._delays = random.Random(source.random())
        self._texts_seed = source.randrange(2**32)
        self._faker: Any = None
        self._weights = [o.weight for o in settings.outcomes]

    def outcome(self, override: ReportOverride | None) -> tuple[int, str, str]:
        """(status, errcode, errdesc) for one message."""
        drawn: Outcome = (
            self.settings.outcomes[0]
            if len(self.settings.outcomes) == 1
            else self._outcomes.choices(self.settings.outcomes, self._weights)[0]
        )
        status, errcode, errdesc = drawn.status, drawn.errcode, drawn.errdesc
        if override is not None and override.errcode is not None:
            status = override.status if override.status is not None else 1
            errcode = override.errcode
            errdesc = override.errdesc
        elif override is not None and override.errdesc is not None:
            errdesc = override.errdesc
        return status, errcode, errdesc if errdesc is not None else self._describe(errcode)

    def delay(self, override: ReportOverride | None) -> float:
        chosen: Delay = (
            override.delay
            if override is not None and override.delay is not None
            else self.settings.delay
        )
        return chosen.draw(self._delays)

    def _describe(self, errcode: str) -> str:
        """An operator-style text for a code the scenario gave none for."""
        known = KNOWN_ERRDESCS.get(errcode)
        if known is not None:
            return known
        if self._faker is None:
            from faker import Faker  # heavy: only scenarios with such codes pay for it

            self._faker = Faker("en_US")
            self._faker.seed_instance(self._texts_seed)
        operator = self._faker.company()
        return f"{errcode} returned by the {operator} SMSC"
