"""The event fan-out tells each listener only what it listens to, in subscription order."""

from __future__ import annotations

from typing import Any

from mockgateway.domain.events import Events, Listener
from mockgateway.domain.records import RequestRecord


class Requests(Listener):
    def __init__(self, name: str, heard: list[Any]) -> None:
        self.name, self.heard = name, heard

    def request_added(self, record: RequestRecord) -> None:
        self.heard.append((self.name, record.id))


class Everything(Requests):
    def journal_reset(self) -> None:
        self.heard.append((self.name, "reset"))


def record(ident: int) -> RequestRecord:
    return RequestRecord(ident, 0.0, "send_single", "send_single", "POST", "json", "", {})


def test_each_listener_hears_what_it_overrides_in_order() -> None:
    heard: list[Any] = []
    events = Events()
    first, second = Requests("first", heard), Everything("second", heard)
    events.subscribe(first)
    events.subscribe(second)
    events.request_added(record(1))
    events.journal_reset()
    assert heard == [("first", 1), ("second", 1), ("second", "reset")]
    assert events._told["message_added"] == [], "nobody overrides it: nobody is called"
    events.unsubscribe(first)
    events.request_added(record(2))
    assert heard[-1] == ("second", 2) and len(heard) == 4
    events.unsubscribe(first)  # twice: nothing happens
    assert len(events._told["request_added"]) == 1
