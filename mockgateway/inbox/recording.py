"""What a pytest session sent, test by test, for ``--mockgateway-report=FILE.html``.

The plugin resets the gateway before each test, so the journal holds one test's traffic at a
time: at setup the recording notes the highest request id, and at teardown it takes every
request after it (and the messages those requests made, their reports, the pushes that carried
them, the MOs) under the test's name. Pushes that happen after a test's teardown are not seen.
The recording keeps the newest :data:`LIMIT` items of each kind, counting what it let go.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from mockgateway.inbox.items import Item, join_reports, push_item, request_item
from mockgateway.inbox.report import Snapshot, Unreachable, fetch, page_data

LIMIT = 50_000


class SessionRecording:
    def __init__(self, limit: int = LIMIT) -> None:
        self._kinds: dict[str, deque[Item]] = {
            kind: deque(maxlen=limit) for kind in ("messages", "requests", "pushes", "mos")
        }
        self._taken: dict[str, int] = dict.fromkeys(self._kinds, 0)
        self._dropped: dict[str, int] = dict.fromkeys(self._kinds, 0)
        self.tests: dict[str, dict[str, Any]] = {}
        self.health: dict[str, Any] = {}
        self.mos_available = False
        self.problems: list[str] = []

    def mark(self, url: str, token: str | None) -> int:
        """The highest request id in the journal now: the test's requests come after it."""
        try:
            snapshot = fetch(url, token)
        except Unreachable as error:
            self.problems.append(str(error))
            return 0
        return max((int(r["id"]) for r in snapshot.requests), default=0)

    def take(self, test: str, url: str, token: str | None, after: int) -> None:
        try:
            snapshot = fetch(url, token)
        except Unreachable as error:
            self.problems.append(f"{test}: {error}")
            return
        self.health = snapshot.health
        self.mos_available = self.mos_available or snapshot.mos is not None
        self.tests.setdefault(test, {"name": test, "outcome": None})
        for kind, items in _of_test(snapshot, after).items():
            for item in items:
                item["test"] = test
            self._add(kind, items)
        for kind, count in snapshot.dropped.items():
            if kind in self._dropped:
                self._dropped[kind] += count

    def outcome(self, test: str, outcome: str) -> None:
        """A test's result; a failure in setup or teardown outranks a passed call."""
        entry = self.tests.setdefault(test, {"name": test, "outcome": None})
        if entry["outcome"] in (None, "passed") or outcome != "passed":
            entry["outcome"] = outcome

    def _add(self, kind: str, items: list[Item]) -> None:
        store = self._kinds[kind]
        overflow = max(0, len(store) + len(items) - (store.maxlen or 0))
        self._dropped[kind] += overflow
        self._taken[kind] += len(items)
        store.extend(items)

    def data(self) -> dict[str, Any]:
        mos = self._kinds["mos"]
        return page_data(
            source="pytest session",
            health=self.health,
            messages=list(reversed(self._kinds["messages"])),
            requests=list(reversed(self._kinds["requests"])),
            pushes=list(reversed(self._kinds["pushes"])),
            mos=list(reversed(mos)) if self.mos_available else None,
            dropped=self._dropped,
            tests=list(self.tests.values()),
        )

    def count(self, kind: str) -> int:
        return self._taken[kind]


def _of_test(snapshot: Snapshot, after: int) -> dict[str, list[Item]]:
    requests = [request_item(r) for r in snapshot.requests if int(r["id"]) > after]
    messages = [m for m in snapshot.messages if int(m["request_id"]) > after]
    msgids = {str(m["msgid_str"]) for m in messages}
    reports = [r for r in snapshot.reports if str(r["msgid_str"]) in msgids]
    pushes = [p for p in snapshot.pushes if msgids.intersection(map(str, p["msgids_str"]))]
    return {
        "messages": join_reports(messages, reports),
        "requests": requests,
        "pushes": [push_item(p) for p in pushes],
        "mos": list(snapshot.mos or []),
    }
