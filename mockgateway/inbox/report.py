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
from mockgateway.remote import Unreachable, blocks, opened

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


MAX_LISTING = 1024**3
"""Bytes of one listing read at most (a journal holds 256 MiB by default): the report holds
them all in memory, so what a broken server sends must not be without end."""


def _get(url: str, token: str | None) -> dict[str, Any] | None:
    """A listing's JSON object; None for a 404 (an endpoint this gateway does not have)."""
    with opened(url, token) as response:
        if response is None:
            return None
        body = b"".join(blocks(response, url, limit=MAX_LISTING))
    try:
        answer = json.loads(body, parse_constant=_not_json)
    except (ValueError, RecursionError) as error:
        raise Unreachable(f"cannot read {url}: {str(error)[:200]}") from None
    if not isinstance(answer, dict):
        raise Unreachable(f"cannot read {url}: not a JSON object")
    return answer


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _items(answer: dict[str, Any], url: str) -> list[Item]:
    """A listing's items and nothing else: each an object, as a gateway lists them."""
    items = answer.get("items", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Unreachable(f"cannot read {url}: its items are not a list of objects")
    return items


def _dropped(answer: dict[str, Any], url: str) -> int:
    dropped = answer.get("dropped", 0)
    if isinstance(dropped, bool) or not isinstance(dropped, int):
        raise Unreachable(f"cannot read {url}: dropped is not a whole number")
    return dropped


def fetch(url: str, token: str | None = None) -> Snapshot:
    base = url.rstrip("/")
    health = _get(f"{base}/_mock/health", None) or {}
    listed: dict[str, list[Item]] = {}
    dropped: dict[str, int] = {}
    for kind in KINDS:
        source = f"{base}/_mock/{kind}"
        answer = _get(source, token)
        if answer is None:
            raise Unreachable(f"{base} has no /_mock/{kind}: is it a mockgateway?")
        listed[kind] = _items(answer, source)
        dropped[kind] = _dropped(answer, source)
    source = f"{base}/_mock/mos"
    mos_answer = _get(source, token)
    mos = None if mos_answer is None else _items(mos_answer, source)
    if mos_answer is not None:
        dropped["mos"] = _dropped(mos_answer, source)
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
