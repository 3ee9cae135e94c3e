"""``GET /metrics``: what the gateway did, in Prometheus' text format.

Counting is done by a :class:`Tally` listening to the gateway's events with plain dictionary
increments (a request pays about a microsecond for it); ``prometheus-client`` is imported and the
metric families are built only when a scraper asks, from those counts and from gauges read off
the gateway at that moment. Counters run for the life of the process: a reset of the journal
empties the journal, not what a scraper has already seen grow.

Labels are bounded: endpoints come from the known set (everything else is ``unknown``), results
and rejection kinds from the error tables and scenario rules, push outcomes are
``acknowledged``/``failed``. Nothing a client chooses freely (a userid, a path) becomes a label.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web

from mockgateway.domain.events import Listener
from mockgateway.domain.journal import Journal
from mockgateway.domain.records import (
    Message,
    Mo,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
)
from mockgateway.http.keys import GATEWAY
from mockgateway.protocol.errors import Code, is_domestic, is_known
from mockgateway.protocol.push import KINDS as PUSH_KINDS

if TYPE_CHECKING:
    from mockgateway.domain.gateway import Gateway

_PENDING = ReportState.PENDING

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; a mock answers in a millisecond unless a scenario delays it."""


def _result_label(result: int | None) -> str:
    if result is None:
        return "none"
    return str(result) if is_known(result) or is_domestic(result) else "other"


def rejection_kind(record: RequestRecord) -> str:
    """A short, bounded name for why a request was not accepted."""
    if record.http_status == 404:
        return "unknown_endpoint"
    if record.rule is not None:
        return "forced_by_rule"
    if record.result is None:
        return "fault"
    try:
        return Code(-abs(record.result)).name.lower()  # either sign (``error_sign``)
    except ValueError:
        return "other_code"  # a code a scenario chose: bounded, whatever it chose


class Tally(Listener):
    """Counts kept as the gateway tells of them: one ``Counter`` increment a happening, keyed
    by what the happening already holds (an int result, an enum state), turned into label
    text only at scrape time."""

    def __init__(self) -> None:
        self._requests: Counter[tuple[str, int | None]] = Counter()
        self.rejections: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()
        self.segments: Counter[str] = Counter()
        self._reports: Counter[ReportState] = Counter()
        self._mos: Counter[ReportState] = Counter()
        self.pushes: Counter[tuple[str, str]] = Counter()
        """(kind, outcome)."""
        self.latency: dict[str, list[int]] = {}
        """Per endpoint: a count per bucket (the last one for +Inf), not yet cumulative."""
        self.latency_sum: dict[str, float] = {}

    @property
    def requests(self) -> dict[tuple[str, str], int]:
        """By (endpoint, result as text: ``none`` when no result was decided, ``other`` for a
        code in neither table, which only a scenario's rule can answer)."""
        labelled: Counter[tuple[str, str]] = Counter()
        for (endpoint, result), count in self._requests.items():
            labelled[endpoint, _result_label(result)] += count
        return dict(labelled)

    @property
    def reports(self) -> dict[str, int]:
        return {state.value: count for state, count in self._reports.items()}

    @property
    def mos(self) -> dict[str, int]:
        return {state.value: count for state, count in self._mos.items()}

    def request_added(self, record: RequestRecord) -> None:
        self._requests[record.endpoint, record.result] += 1
        if record.result != 0:
            self.rejections[rejection_kind(record)] += 1

    def message_added(self, message: Message) -> None:
        self.messages[message.endpoint] += 1
        self.segments[message.encoding] += message.segments

    def report_scheduled(self, report: Report) -> None:
        self._reports[_PENDING] += 1

    def report_moved(self, report: Report, before: ReportState) -> None:
        self._reports[report.state] += 1

    def mo_scheduled(self, mo: Mo) -> None:
        self._mos[_PENDING] += 1

    def mo_moved(self, mo: Mo, before: ReportState) -> None:
        self._mos[mo.state] += 1

    def push_changed(self, attempt: PushAttempt) -> None:
        if attempt.outcome == "in flight":
            return
        self.pushes[attempt.kind, "acknowledged" if attempt.acknowledged else "failed"] += 1

    def observe(self, endpoint: str, seconds: float) -> None:
        counts = self.latency.get(endpoint)
        if counts is None:
            counts = self.latency[endpoint] = [0] * (len(BUCKETS) + 1)
            self.latency_sum[endpoint] = 0.0
        counts[bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum[endpoint] += seconds


def timed(
    tally: Tally, endpoint_of: Callable[[web.Request], str]
) -> Callable[[Callable[[web.Request], Awaitable[web.StreamResponse]]], Any]:
    """Wrap a handler so that its duration lands in the latency histogram."""

    def wrap(
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def timed_handler(request: web.Request) -> web.StreamResponse:
            started = time.perf_counter()
            try:
                return await handler(request)
            finally:
                tally.observe(endpoint_of(request), time.perf_counter() - started)

        return timed_handler

    return wrap


def families(gateway: Gateway, tally: Tally) -> Iterator[Any]:
    """The metric families of one scrape."""
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
    )

    requests = CounterMetricFamily(
        "mockgateway_requests", "API requests answered, by endpoint and result code",
        labels=["endpoint", "result"],
    )  # fmt: skip
    for (endpoint, result), count in sorted(tally.requests.items()):
        requests.add_metric([endpoint, result], count)
    yield requests
    yield _counter(
        "mockgateway_rejections", "Requests not accepted, by kind", "kind", tally.rejections
    )
    yield _counter("mockgateway_messages", "Messages accepted", "endpoint", tally.messages)
    yield _counter("mockgateway_segments", "Segments accepted", "encoding", tally.segments)
    yield _counter(
        "mockgateway_reports", "Status reports made (pending) and moved to a state", "state",
        tally.reports,
    )  # fmt: skip
    yield _counter(
        "mockgateway_mos", "MO items (segments) made (pending) and moved to a state", "state",
        tally.mos,
    )  # fmt: skip
    attempts = CounterMetricFamily(
        "mockgateway_push_attempts", "Push attempts that got an outcome, by kind (rpt, mo)",
        labels=["kind", "outcome"],
    )  # fmt: skip
    for (kind, outcome), count in sorted(tally.pushes.items()):
        attempts.add_metric([kind, outcome], count)
    yield attempts
    yield _gauge(
        "mockgateway_reports_pending",
        "Reports accepted and not yet fetched or acknowledged",
        gateway.pending_reports(),
    )
    yield _gauge(
        "mockgateway_mos_pending", "MO items not yet fetched or acknowledged", gateway.pending_mos()
    )
    parked = GaugeMetricFamily(
        "mockgateway_push_parked_batches",
        "Push batches parked as undelivered, re-drivable, by kind (rpt, mo)",
        labels=["kind"],
    )
    for kind in PUSH_KINDS:
        parked.add_metric([kind], gateway.parked_batches(kind))
    yield parked
    journals: dict[str, Journal[Any]] = {
        "requests": gateway.requests,
        "messages": gateway.messages,
        "reports": gateway.reports,
        "pushes": gateway.pushes,
        "mos": gateway.mos,
    }
    entries = GaugeMetricFamily(
        "mockgateway_journal_entries", "Entries each journal holds", labels=["journal"]
    )
    dropped = GaugeMetricFamily(
        "mockgateway_journal_dropped",
        "Entries each journal dropped to stay within its limits, since the last reset",
        labels=["journal"],
    )
    for name, journal in journals.items():
        entries.add_metric([name], len(journal))
        dropped.add_metric([name], journal.dropped)
    yield entries
    yield dropped
    histogram = HistogramMetricFamily(
        "mockgateway_request_duration_seconds",
        "Time from a request's arrival to its answer, by endpoint (injected delays included)",
        labels=["endpoint"],
    )
    for endpoint, counts in sorted(tally.latency.items()):
        cumulative, buckets = 0, []
        for bound, count in zip((*BUCKETS, float("inf")), counts, strict=True):
            cumulative += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), cumulative))
        histogram.add_metric([endpoint], buckets, tally.latency_sum[endpoint])
    yield histogram


def _gauge(name: str, documentation: str, value: float) -> Any:
    from prometheus_client.core import GaugeMetricFamily

    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def _counter(name: str, documentation: str, label: str, counts: dict[str, int]) -> Any:
    from prometheus_client.core import CounterMetricFamily

    family = CounterMetricFamily(name, documentation, labels=[label])
    for value, count in sorted(counts.items()):
        family.add_metric([value], count)
    return family


TALLY = web.AppKey("metrics_tally", Tally)


def install(app: web.Application) -> Tally:
    """Count the app's gateway's events and answer ``GET /metrics``."""
    tally = Tally()
    app[TALLY] = tally
    app[GATEWAY].events.subscribe(tally)
    app.router.add_get("/metrics", scrape)
    return tally


async def scrape(request: web.Request) -> web.Response:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.process_collector import ProcessCollector

    gateway, tally = request.app[GATEWAY], request.app[TALLY]

    class _Collector:
        def collect(self) -> Iterator[Any]:
            return families(gateway, tally)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    ProcessCollector(registry=registry)
    body = generate_latest(registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
