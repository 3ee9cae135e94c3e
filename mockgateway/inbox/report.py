"""The inbox as one file: a gateway's journal, fetched over its control API, frozen in the page.

``mockgateway report --url URL -o FILE.html`` and the pytest option ``--mockgateway-report`` both
end here. The file holds every listed item (newest first, as the page shows them) and opens from
disk with no server: a CI job keeps it as an artifact.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockgateway.inbox.items import Item, join_reports, push_item, request_item
from mockgateway.inbox.page import standalone
from mockgateway.remote import Unreachable, opened

__all__ = ["KINDS", "Snapshot", "Unreachable", "build", "fetch", "page_data", "write"]

KINDS = ("messages", "requests", "reports", "pushes")


@dataclass
class Snapshot:
    """What a gateway's control API listed at one moment (each kind oldest first)."""

    health: dict[str, Any]
    messages: list[Item]
    requests: list[Item]
    reports: list[Item]
    pushes: list[Item]
    mos: list[Item] | None
    """None when the gateway has no ``/_mock/mos`` (an older version)."""
    dropped: dict[str, int] = field(default_factory=dict)


def _get(url: str, token: str | None) -> dict[str, Any] | None:
    """A listing's JSON; None for a 404 (an endpoint this gateway does not have)."""
    with opened(url, token) as response:
        if response is None:
            return None
        try:
            answer: dict[str, Any] = json.loads(response.read())
        except (OSError, ValueError) as error:
            raise Unreachable(f"cannot read {url}: {error}") from None
    return answer


def fetch(url: str, token: str | None = None) -> Snapshot:
    base = url.rstrip("/")
    health = _get(f"{base}/_mock/health", None) or {}
    listed: dict[str, list[Item]] = {}
    dropped: dict[str, int] = {}
    for kind in KINDS:
        answer = _get(f"{base}/_mock/{kind}", token)
        if answer is None:
            raise Unreachable(f"{base} has no /_mock/{kind}: is it a mockgateway?")
        listed[kind] = list(answer.get("items", []))
        dropped[kind] = int(answer.get("dropped", 0))
    mos_answer = _get(f"{base}/_mock/mos", token)
    mos = None if mos_answer is None else list(mos_answer.get("items", []))
    if mos_answer is not None:
        dropped["mos"] = int(mos_answer.get("dropped", 0))
    return Snapshot(health, mos=mos, dropped=dropped, **listed)


def build(snapshot: Snapshot, *, source: str) -> dict[str, Any]:
    """The page's data from one snapshot: newest first, messages with their reports."""
    return page_data(
        source=source,
        health=snapshot.health,
        messages=join_reports(reversed(snapshot.messages), snapshot.reports),
        requests=[request_item(r) for r in reversed(snapshot.requests)],
        pushes=[push_item(p) for p in reversed(snapshot.pushes)],
        mos=None if snapshot.mos is None else list(reversed(snapshot.mos)),
        dropped=snapshot.dropped,
    )


def page_data(
    *,
    source: str,
    health: dict[str, Any],
    messages: list[Item],
    requests: list[Item],
    pushes: list[Item],
    mos: list[Item] | None,
    dropped: dict[str, int],
    tests: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the page reads in a report (every list newest first; ``tests`` for a pytest run)."""
    return {
        "mode": "report",
        "generated_at": time.time(),
        "source": source,
        "scenario": health.get("scenario"),
        "seed": health.get("seed"),
        "clock": health.get("clock"),
        "messages": messages,
        "requests": requests,
        "pushes": pushes,
        "mos": mos,
        "dropped": dropped,
        "tests": tests,
    }


def write(path: str | Path, data: dict[str, Any]) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(standalone(data, title=f"mockgateway report: {data['source']}"), "utf-8")
    return target
