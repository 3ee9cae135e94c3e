"""What happens in the gateway, told to whoever listens: the waits of the control API, the push
workers, the inbox's live feed, metrics.

The gateway tells :class:`Events` once per happening; each listener overrides only what it needs
(the base class ignores everything), so a happening costs one call per listener and nothing is
rescanned. Listeners run inside the request that caused the happening: they must be quick and
must not raise.
"""

from __future__ import annotations

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


class Events(Listener):
    """Tells every subscribed listener, in the order they subscribed."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def message_added(self, message: Message) -> None:
        for listener in self._listeners:
            listener.message_added(message)

    def request_added(self, record: RequestRecord) -> None:
        for listener in self._listeners:
            listener.request_added(record)

    def report_scheduled(self, report: Report) -> None:
        for listener in self._listeners:
            listener.report_scheduled(report)

    def report_moved(self, report: Report, before: ReportState) -> None:
        for listener in self._listeners:
            listener.report_moved(report, before)

    def mo_scheduled(self, mo: Mo) -> None:
        for listener in self._listeners:
            listener.mo_scheduled(mo)

    def mo_moved(self, mo: Mo, before: ReportState) -> None:
        for listener in self._listeners:
            listener.mo_moved(mo, before)

    def push_changed(self, attempt: PushAttempt) -> None:
        for listener in self._listeners:
            listener.push_changed(attempt)

    def journal_reset(self) -> None:
        for listener in self._listeners:
            listener.journal_reset()
