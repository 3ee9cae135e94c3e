"""The journal's typed queries (domain/queries.py), on records made here; and the ``since``
filter through the control API, where a test meets it."""

from __future__ import annotations

import pytest

from mockgateway.domain.queries import (
    BadFilter,
    MessageQuery,
    PushQuery,
    ReportQuery,
    RequestQuery,
)
from mockgateway.domain.records import (
    Message,
    PushAttempt,
    Report,
    ReportState,
    RequestRecord,
    Submission,
)
from tests.conftest import Harness


def message(mobile: str = "85292041234", at: float = 100.0, **extra: str) -> Message:
    given = {"userid": "J10003", "custid": "c1", **extra}
    sent = Submission(
        userid=given["userid"],
        content="hi",
        encoding="gsm7",
        segments=1,
        charset="utf-8",
        custid=given["custid"],
        exdata="",
        svrtype="",
        exno="",
        endpoint="send_single",
        format="json",
        submitted_at=at,
        request_id=1,
    )
    return Message(
        msgid=1, mobile=mobile, mobile_digits=mobile.lstrip("+0"), countrycode=852, sent=sent
    )


def test_since_keeps_messages_submitted_at_or_after_it() -> None:
    early, on_time, late = message(at=99.5), message(at=100.0), message(at=100.5)
    query = MessageQuery.parse({"since": "100"})
    assert query.select([early, on_time, late]) == [on_time, late]
    assert MessageQuery.parse({}).select([early, on_time, late]) == [early, on_time, late]


def test_a_number_filter_matches_any_of_the_three_forms() -> None:
    sent = message("+85292041234")
    for form in ("85292041234", "0085292041234", "+85292041234", " 85292041234 "):
        assert MessageQuery.parse({"mobile": form}).select([sent]) == [sent]
    assert MessageQuery.parse({"mobile": "85292041235"}).select([sent]) == []
    assert MessageQuery.parse({"mobile": "+852 9204"}).mobile == "+852 9204", "kept as given"


def test_custid_and_userid_must_both_hold() -> None:
    mine = message(custid="a", userid="J10003")
    assert MessageQuery.parse({"custid": "a", "userid": "J10003"}).matches(mine)
    assert not MessageQuery.parse({"custid": "a", "userid": "J10004"}).matches(mine)
    assert not MessageQuery.parse({"custid": "b"}).matches(mine)


def test_equal_queries_are_one_waiter_key() -> None:
    one = MessageQuery.parse({"mobile": "+85292041234"}).filter()
    two = MessageQuery.parse({"mobile": "0085292041234"}).filter()
    assert one.key == two.key and hash(one.key) == hash(two.key)
    assert one.number == "85292041234"


@pytest.mark.parametrize(
    ("query", "params", "reason"),
    [
        (MessageQuery, {"since": "yesterday"}, "since must be epoch seconds, got 'yesterday'"),
        (RequestQuery, {"accepted": "maybe"}, "accepted must be true or false, got 'maybe'"),
        (ReportQuery, {"state": "lost"}, "state must be one of pending, fetched, pushed, "),
    ],
)
def test_a_value_that_cannot_be_read_is_a_bad_filter(
    query: type[MessageQuery | RequestQuery | ReportQuery], params: dict[str, str], reason: str
) -> None:
    with pytest.raises(BadFilter, match=reason):
        query.parse(params)


def request(result: int | None, mobile: str = "85292041234,85292041235") -> RequestRecord:
    return RequestRecord(
        id=1,
        at=0.0,
        endpoint="send_batch",
        path="batch_send",
        method="POST",
        format="json",
        remote="127.0.0.1",
        fields={"mobile": mobile},
        result=result,
        userid="J10003",
    )


def test_requests_by_outcome_endpoint_and_any_number_of_a_batch() -> None:
    good, bad = request(0), request(-100001)
    assert RequestQuery.parse({"accepted": "true"}).select([good, bad]) == [good]
    assert RequestQuery.parse({"accepted": "false"}).select([good, bad]) == [bad]
    assert RequestQuery.parse({"mobile": "+85292041235"}).select([good]) == [good]
    assert RequestQuery.parse({"endpoint": "send_batch", "userid": "J10003"}).matches(good)
    assert not RequestQuery.parse({"endpoint": "batch_send"}).matches(good)


def test_reports_by_state_and_the_pushed_count() -> None:
    fetched = Report(message(), 1, 0.0, 0, 0, "DELIVRD", "success")
    fetched.state = ReportState.FETCHED
    pushed = Report(message("85292041235"), 1, 0.0, 1, 0, "DELIVRD", "success")
    pushed.state = ReportState.PUSHED
    assert ReportQuery.parse({"state": "fetched"}).select([fetched, pushed]) == [fetched]
    assert ReportQuery.parse({}).select([fetched, pushed]) == [fetched, pushed]
    counted = ReportQuery.parse({}).pushed_filter()
    assert counted.states == frozenset({ReportState.PUSHED})
    assert ReportQuery.parse({"state": "fetched"}).pushed_filter().states == frozenset()


def test_pushes_by_account_seqid_as_written_and_outcome_prefix() -> None:
    attempt = PushAttempt("J10003", 7, "http://r/", 1, 0.0, [1], outcome="failed: HTTP 503")
    assert PushQuery.parse({"seqid": "7", "outcome": "failed"}).select([attempt]) == [attempt]
    assert PushQuery.parse({"seqid": "07"}).select([attempt]) == []
    assert PushQuery.parse({"outcome": "acknowledged"}).select([attempt]) == []
    assert PushQuery.parse({"userid": "J10004"}).select([attempt]) == []


async def test_the_since_filter_of_the_control_api(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="first")
    gw.clock.advance(10)
    moment = gw.clock.now()
    await gw.call("send_single", mobile="85292041234", content="second")
    response = await gw.client.get("/_mock/messages", params={"since": str(moment)})
    body = await response.json()
    assert [m["content"] for m in body["items"]] == ["second"]
    params = {"messages": "2", "since": str(moment), "timeout": "0"}
    waited = await gw.client.get("/_mock/wait", params=params)
    assert (waited.status, (await waited.json())["seen"]) == (408, 1)
