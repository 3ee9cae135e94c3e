"""The Montnets endpoints: one module each (or one per family of sends), and the registry.

Each module declares an :class:`~mockgateway.endpoints.base.Endpoint`; :data:`REGISTRY` lists
them in the manual's order, which is the order a 404 and its diagnosis list them in. Adding an
endpoint is its module, its line here, its settings if any, and its tests
(``docs/architecture.md``).
"""

from __future__ import annotations

from mockgateway.endpoints import (
    get_balance,
    get_mo,
    get_rpt,
    send_batch,
    send_mixed,
    send_multi,
    send_single,
    send_template,
)
from mockgateway.endpoints.base import AnswerShape, Endpoint, Registry

__all__ = ["REGISTRY", "AnswerShape", "Endpoint", "Registry"]

DOMESTIC_FAMILY: tuple[str, ...] = ()
"""The V5.7.2 manual's endpoints that V5.13 lacks: a request to one that no module serves yet is
named as such, not as a typo."""

REGISTRY = Registry(
    [
        send_single.ENDPOINT,
        send_batch.ENDPOINT,
        send_multi.ENDPOINT,
        send_mixed.ENDPOINT,
        send_template.ENDPOINT,
        get_mo.ENDPOINT,
        get_rpt.ENDPOINT,
        get_balance.ENDPOINT,
    ],
    elsewhere=DOMESTIC_FAMILY,
)
