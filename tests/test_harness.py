"""The in-thread gateway and its blocking handle, as a runner other than pytest would use them."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mockgateway.client import credentials
from mockgateway.harness import MockGateway, running_gateway
from tests.test_cli import post_json


def test_a_gateway_in_a_thread_serves_and_is_steered() -> None:
    with running_gateway("clock: virtual\nreports: {delay: 2}\n") as gateway:
        fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        assert post_json(f"{gateway.url}/sms/v2/std/send_single", fields)["result"] == 0
        assert gateway.wait_for(messages=1) == 1
        gateway.advance(2)
        assert [r["state"] for r in gateway.reports()] == ["pending"]
        assert gateway.wait_for(reports=1, timeout=1) == 1
        gateway.reset()
        assert gateway.messages() == []


def test_an_unknown_scenario_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no file and no built-in scenario named 'push-callbak'"):
        running_gateway("push-callbak").__enter__()


@contextmanager
def refused_pushes() -> Iterator[MockGateway]:
    """A gateway whose one report was pushed once, refused, and parked."""
    with socket.socket() as closed:  # a port where nothing listens: every push is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    scenario = (
        "clock: virtual\naccounts:\n  - userid: J10003\n    password: '111111'\n"
        f"    push: {{url: 'http://127.0.0.1:{port}/rpt', retry: {{attempts: 1}}}}\n"
    )
    with running_gateway(scenario) as gateway:
        fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        assert post_json(f"{gateway.url}/sms/v2/std/send_single", fields)["result"] == 0
        gateway.advance(1)
        yield gateway


def test_parked_pushes_are_re_driven_from_the_handle() -> None:
    with refused_pushes() as gateway:
        (attempt,) = gateway.pushes()
        assert attempt["parked"] and attempt["outcome"].startswith("failed: cannot connect")
        assert [r["state"] for r in gateway.reports()] == ["undelivered"]
        assert gateway.retry_pushes() == 1
        gateway.advance(0)
        assert [(p["seqid"], p["parked"]) for p in gateway.pushes()] == [(1, True), (1, True)]


def test_re_driven_batches_are_not_lost_when_the_push_url_is_cleared() -> None:
    with refused_pushes() as gateway:
        assert gateway.retry_pushes() == 1  # re-driven: queued, or refused and parked again
        gateway.set_push(None)
        fetched = post_json(f"{gateway.url}/sms/v2/std/get_rpt", credentials("J10003", "111111"))
        assert [r["mobile"] for r in fetched["rpts"]] == ["85292041234"]


def test_the_call_log_reads_like_a_mock() -> None:
    with running_gateway("clock: virtual\n") as gateway:
        assert not gateway.calls().called
        with pytest.raises(AssertionError, match="no call was made"):
            _ = gateway.calls().last
        fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        post_json(f"{gateway.url}/sms/v2/std/single_send", fields)
        post_json(f"{gateway.url}/sms/v2/std/get_rpt", {**fields, "pwd": "wrong"})
        log = gateway.calls()
        assert (log.called, log.call_count, len(log)) == (True, 2, 2)
        first, last = log[0], log.last
        assert (first.endpoint, first.path, first.result, first.accepted) == (
            "send_single",
            "single_send",
            0,
            True,
        )
        assert (last.endpoint, last.result, last.client_error) == ("get_rpt", -100001, True)
        assert gateway.calls(endpoint="get_rpt").call_count == 1
        assert first.msgids_str == [str(m) for m in first.msgids] and len(first.msgids) == 1


def test_the_typed_record_has_every_key_of_the_listing() -> None:
    from dataclasses import fields

    from mockgateway.harness import ApiCall

    with running_gateway() as gateway:
        post_json(f"{gateway.url}/sms/v2/std/send_single", credentials("J10003", "111111"))
        (listed,) = gateway.requests()
    assert {f.name for f in fields(ApiCall)} == set(listed)


def test_assert_no_rejections_names_each_rejected_request() -> None:
    with running_gateway(
        "rules:\n  - when: {endpoint: get_rpt}\n    respond: {result: -9}\n"
    ) as gw:
        creds = credentials("J10003", "111111")
        post_json(f"{gw.url}/sms/v2/std/get_rpt", creds)  # decided by a rule: not a mistake
        gw.assert_no_rejections()
        post_json(f"{gw.url}/sms/v2/std/send_single", {**creds, "mobile": "1"})
        with pytest.raises(AssertionError) as failed:
            gw.assert_no_rejections()
    assert str(failed.value).splitlines() == [
        "mockgateway rejected 1 request(s) this test sent:",
        "  POST /sms/v2/std/send_single (json): result -100274: mobile '1' has 1 digits: a "
        "number with its country code has 7 to 15",
    ]


RULES = """
rules:
  - when: {endpoint: get_rpt, nth: 2}
    respond: {result: -100999}
  - when: {endpoint: send_single}
    respond: {result: -100056}
    times: 2
  - when: {endpoint: send_batch}
    respond: {result: -100057}
"""


def test_assert_all_rules_fired_names_rules_a_test_counted_on() -> None:
    with running_gateway(RULES) as gateway:
        creds = credentials("J10003", "111111")
        with pytest.raises(AssertionError) as failed:
            gateway.assert_all_rules_fired()
        assert str(failed.value).splitlines() == [
            "scenario rules that did not fire:",
            "  rule 1 (line 3): fired 0 of 1 (matched 0)",
            "  rule 2 (line 5): fired 0 of 2 (matched 0)",
        ]
        for _ in range(2):
            post_json(f"{gateway.url}/sms/v2/std/get_rpt", creds)
            post_json(f"{gateway.url}/sms/v2/std/send_single", creds)
        gateway.assert_all_rules_fired()  # rule 3 has neither times nor nth: not counted on
        assert [(r["matched"], r["fired"]) for r in gateway.rules()] == [(2, 1), (2, 2), (0, 0)]
