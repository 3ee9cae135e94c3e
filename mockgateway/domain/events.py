"""What happens in the gateway, told to whoever listens: the waits of the control API, the push
workers, the inbox's live feed, metrics.

The gateway tells :class:`Events` once per happening; each listener overrides only what it needs
(the base class ignores everything), so a happening costs one call per listener and nothing is
rescanned. Listeners run inside the request that caused the happening: they must be quick and
must not raise.
"""

from __future__ import annotations

from collections.abc import Callable

from mockgateway.domain.records import (
    Message,
    Mo,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
)


class Listener:
    def message_added(self, message: Message) -> None:
        """An accepted message entered the journal."""

    def request_added(self, record: RequestRecord) -> None:
        """A request was answered and journaled."""

    def report_scheduled(self, report: Report) -> None:
        """A status report was made (pending until it falls due)."""

    def report_moved(self, report: Report, before: ReportState) -> None:
        """``report`` went from ``before`` to the state it has now."""

    def mo_scheduled(self, mo: Mo) -> None:
        """An MO segment was made (pending until it falls due: injected now, or a reply)."""

    def mo_moved(self, mo: Mo, before: ReportState) -> None:
        """``mo`` went from ``before`` to the state it has now."""

    def push_changed(self, attempt: PushAttempt) -> None:
        """A push attempt started (outcome ``in flight``) or got its outcome."""

    def journal_reset(self) -> None:
        """The journals were emptied, or the scenario replaced: what was counted, count again."""


_HAPPENINGS = tuple(
    name for name, value in vars(Listener).items() if callable(value) and not name.startswith("_")
)


class Events(Listener):
    """Tells every subscribed listener, in the order they subscribed.

    Each happening keeps the bound methods of the listeners that override it, so a happening
    costs one call per listener that cares, and none for the base class's ignoring.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._told: dict[str, list[Callable[..., None]]] = {name: [] for name in _HAPPENINGS}

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)
        self._bind()

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)
            self._bind()

    def _bind(self) -> None:
        for name, told in self._told.items():
            told[:] = [
                getattr(listener, name)
                for listener in self._listeners
                if getattr(type(listener), name) is not getattr(Listener, name)
            ]

    def message_added(self, message: Message) -> None:
        for tell in self._told["message_added"]:
            tell(message)

    def request_added(self, record: RequestRecord) -> None:
        for tell in self._told["request_added"]:
            tell(record)

    def report_scheduled(self, report: Report) -> None:
        for tell in self._told["report_scheduled"]:
            tell(report)

    def report_moved(self, report: Report, before: ReportState) -> None:
        for tell in self._told["report_moved"]:
            tell(report, before)

    def mo_scheduled(self, mo: Mo) -> None:
        for tell in self._told["mo_scheduled"]:
            tell(mo)

    def mo_moved(self, mo: Mo, before: ReportState) -> None:
        for tell in self._told["mo_moved"]:
            tell(mo, before)

    def push_changed(self, attempt: PushAttempt) -> None:
        for tell in self._told["push_changed"]:
            tell(attempt)

    def journal_reset(self) -> None:
        for tell in self._told["journal_reset"]:
            tell()
