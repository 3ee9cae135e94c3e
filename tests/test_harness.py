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
