"""The account guard (domain/guard.py) on its own: slots, the check order, lock-out counting."""

from __future__ import annotations

from typing import Any

import pytest

from mockgateway.client import credentials
from mockgateway.domain.accounts import Accounts
from mockgateway.domain.calls import ApiRequest
from mockgateway.domain.guard import NO_SLOT, Slot, admit
from mockgateway.domain.records import RequestRecord
from mockgateway.endpoints import REGISTRY
from mockgateway.protocol.codec import Format
from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.scenario.model import AccountSettings, AuthSettings

ACCOUNT = AccountSettings(
    userid="J10003",
    password="111111",
    allowed_ips=("10.0.0.0/8",),
    max_connections=1,
    auth=AuthSettings(lockout_after=2, lockout_seconds=60),
)


def accounts() -> Accounts:
    found = Accounts(lambda item, state: None, lambda item, state: None)
    found.start([ACCOUNT], keep_seqids=False)
    return found


def request(remote: str = "10.1.2.3", **fields: Any) -> ApiRequest:
    given = {**credentials("J10003", "111111"), **fields}
    return ApiRequest("get_rpt", REGISTRY["get_rpt"], "POST", Format.JSON, given, remote)


def record() -> RequestRecord:
    return RequestRecord(1, 0.0, "get_rpt", "get_rpt", "POST", "json", "10.1.2.3", {})


def attempt(known: Accounts, call: ApiRequest, now: float = 0.0) -> int:
    try:
        _, slot = admit(known, call, record(), now=now, wall=_wall(), scenario="s")
    except GatewayError as error:
        return error.code
    slot.release()
    return 0


def test_a_slot_is_released_once_however_often_it_is_let_go() -> None:
    known = accounts()
    state = known.current["J10003"]
    with Slot(state) as slot:
        assert state.in_flight == 1
        slot.release()
        assert state.in_flight == 0
    assert state.in_flight == 0
    NO_SLOT.release()


def test_the_connection_limit_counts_slots_held() -> None:
    known = accounts()
    account, slot = admit(known, request(), record(), now=0.0, wall=_wall(), scenario="s")
    assert account.in_flight == 1
    assert attempt(known, request()) == Code.TOO_MANY_CONNECTIONS
    slot.release()
    assert attempt(known, request()) == 0


def test_checks_run_in_order_ip_before_password() -> None:
    known = accounts()
    assert attempt(known, request(remote="192.0.2.1", pwd="wrong")) == Code.IP_NOT_ALLOWED
    assert attempt(known, request(userid="NOBODY")) == Code.AUTH_FAILED


def test_failures_in_a_row_lock_the_account_even_for_a_right_password() -> None:
    known = accounts()
    assert attempt(known, request(pwd="wrong")) == Code.AUTH_FAILED
    with pytest.raises(GatewayError) as second:
        admit(known, request(pwd=""), record(), now=0.0, wall=_wall(), scenario="s")
    assert "pwd is missing; that is 2 failures in a row" in second.value.diagnosis
    assert attempt(known, request(), now=59.0) == Code.LOCKED_OUT
    assert attempt(known, request(), now=61.0) == 0


def _wall() -> float:
    import time

    return time.time()
