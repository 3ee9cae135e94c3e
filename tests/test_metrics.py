"""``GET /metrics``: Prometheus' text format, parsed with prometheus-client's own parser after
known traffic, every series counted."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Harness, Receiver, Start, ack


async def scrape(gw: Harness) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """``{sample name: {sorted labels: value}}``."""
    response = await gw.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def one(samples: dict[str, Any], name: str, **labels: str) -> float:
    return float(samples[name][tuple(sorted(labels.items()))])


async def test_requests_messages_segments_and_rejections_are_counted(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.call("send_batch", mobile="85292041234,85292041235", content="a" * 161)
    await gw.call("send_single", mobile="85292041234", content="hi", pwd="wrong")
    await gw.call("send_single", mobile="85292041234", content="")
    await gw.client.post("/sms/v2/std/get_balanse", data="{}")
    samples = await scrape(gw)
    assert one(samples, "mockgateway_requests_total", endpoint="send_single", result="0") == 1
    assert one(samples, "mockgateway_requests_total", endpoint="send_batch", result="0") == 1
    assert one(samples, "mockgateway_requests_total", endpoint="send_single", result="-100001")
    assert one(samples, "mockgateway_requests_total", endpoint="unknown", result="none") == 1
    assert one(samples, "mockgateway_rejections_total", kind="auth_failed") == 1
    assert one(samples, "mockgateway_rejections_total", kind="content_empty") == 1
    assert one(samples, "mockgateway_rejections_total", kind="unknown_endpoint") == 1
    assert one(samples, "mockgateway_messages_total", endpoint="send_single") == 1
    assert one(samples, "mockgateway_messages_total", endpoint="send_batch") == 2
    assert one(samples, "mockgateway_segments_total", encoding="gsm7") == 1 + 2 * 2
    assert one(samples, "mockgateway_reports_total", state="pending") == 5
    assert one(samples, "mockgateway_reports_pending") == 5
    histogram = samples["mockgateway_request_duration_seconds_count"]
    assert histogram[(("endpoint", "send_single"),)] == 3
    assert histogram[(("endpoint", "unknown"),)] == 1
    buckets = samples["mockgateway_request_duration_seconds_bucket"]
    assert buckets[(("endpoint", "send_single"), ("le", "+Inf"))] == 3


async def test_reports_by_state_and_journal_figures(start: Start) -> None:
    gw = await start("clock: virtual\nreports: {delay: 1}\njournal: {limit: 2}\n")
    for _ in range(3):
        await gw.call("send_single", mobile="85292041234", content="hi")
    gw.clock.advance(2)
    assert len((await gw.call("get_rpt"))["rpts"]) == 3  # the journal keeps two; all three come
    samples = await scrape(gw)
    assert one(samples, "mockgateway_reports_total", state="pending") == 3
    assert one(samples, "mockgateway_reports_total", state="fetched") == 3
    assert one(samples, "mockgateway_reports_pending") == 0
    assert one(samples, "mockgateway_journal_entries", journal="messages") == 2
    assert one(samples, "mockgateway_journal_dropped", journal="messages") == 1
    assert one(samples, "mockgateway_journal_dropped", journal="requests") == 2


async def test_counters_outlive_a_reset(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.client.post("/_mock/reset")
    await gw.call("send_single", mobile="85292041234", content="hi")
    samples = await scrape(gw)
    assert one(samples, "mockgateway_messages_total", endpoint="send_single") == 2
    assert one(samples, "mockgateway_journal_entries", journal="messages") == 1


async def test_push_attempts_and_parked_batches(start: Start, receiver: Receiver) -> None:
    gw = await start(
        "clock: virtual\nreports: {delay: 0}\n"
        f"push: {{url: '{receiver.url}', retry: {{attempts: 2, backoff: 1, jitter: 0}}}}\n"
    )
    receiver.behaviour = lambda body, n: (503, "down")
    await gw.call("send_single", mobile="85292041234", content="hi")
    await gw.gateway.advance(5)
    samples = await scrape(gw)
    assert one(samples, "mockgateway_push_attempts_total", kind="rpt", outcome="failed") == 2
    assert one(samples, "mockgateway_push_parked_batches", kind="rpt") == 1
    assert one(samples, "mockgateway_reports_total", state="undelivered") == 1
    receiver.behaviour = ack
    gw.gateway.retry_parked()
    await gw.gateway.advance(1)
    samples = await scrape(gw)
    assert one(samples, "mockgateway_push_attempts_total", kind="rpt", outcome="acknowledged") == 1
    assert one(samples, "mockgateway_push_parked_batches", kind="rpt") == 0
    assert one(samples, "mockgateway_reports_total", state="pushed") == 1
    assert one(samples, "process_resident_memory_bytes") > 0


async def test_mos_and_their_pushes_are_counted(start: Start, receiver: Receiver) -> None:
    gw = await start(
        "edition: domestic\nclock: virtual\n"
        f"push: {{url: '{receiver.url}', retry: {{attempts: 1}}}}\n"
    )
    body = {"userid": "J10003", "mobile": "8613800138000", "content": "y" * 200}
    assert (await gw.client.post("/_mock/mo", json=body)).status == 200  # two segments
    assert len((await gw.call("get_mo", retsize=1))["mos"]) == 1
    samples = await scrape(gw)
    assert one(samples, "mockgateway_mos_total", state="pending") == 2
    assert one(samples, "mockgateway_mos_total", state="fetched") == 1
    assert one(samples, "mockgateway_mos_pending") == 1
    assert one(samples, "mockgateway_journal_entries", journal="mos") == 2
    receiver.behaviour = lambda body, n: (500, "")
    await gw.client.put("/_mock/accounts/J10003/mo_push", json={"url": receiver.url})
    await gw.gateway.advance(0)
    samples = await scrape(gw)
    assert one(samples, "mockgateway_push_attempts_total", kind="mo", outcome="failed") == 1
    assert one(samples, "mockgateway_push_parked_batches", kind="mo") == 1
    assert one(samples, "mockgateway_push_parked_batches", kind="rpt") == 0
    assert one(samples, "mockgateway_mos_total", state="undelivered") == 1


async def test_a_positive_code_counts_as_its_kind(start: Start) -> None:
    gw = await start("clock: virtual\nedition: domestic\nerror_sign: positive\n")
    assert (await gw.call("send_single", mobile="13800138000", content="hi", pwd="x"))[
        "result"
    ] == 100001
    assert (await gw.call("send_multi", multimt=[]))["result"] == 100012
    samples = await scrape(gw)
    assert one(samples, "mockgateway_requests_total", endpoint="send_single", result="100001")
    assert one(samples, "mockgateway_rejections_total", kind="auth_failed") == 1
    assert one(samples, "mockgateway_rejections_total", kind="invalid_mobile") == 1
