"""The endpoint registry: spellings, canonical names, answers in the manual's key order, and the
diagnosis of a path it does not serve."""

from __future__ import annotations

from typing import Any, cast

from mockgateway.endpoints import REGISTRY, AnswerShape, Endpoint, Registry
from mockgateway.protocol.errors import INTERNATIONAL, Dialect
from mockgateway.scenario.model import Edition

DOMESTIC = Dialect("domestic")


def test_every_spelling_finds_its_canonical_endpoint() -> None:
    assert REGISTRY.names() == {
        "send_single": "send_single",
        "single_send": "send_single",
        "send_batch": "send_batch",
        "batch_send": "send_batch",
        "send_multi": "send_multi",
        "multi_send": "send_multi",
        "send_mixed": "send_mixed",
        "mixed_send": "send_mixed",
        "send_template": "send_template",
        "template_send": "send_template",
        "get_mo": "get_mo",
        "get_rpt": "get_rpt",
        "get_balance": "get_balance",
    }
    assert REGISTRY.spellings(["international"]) == [
        "send_single",
        "single_send",
        "send_batch",
        "batch_send",
        "get_rpt",
    ]
    assert REGISTRY.spellings(["domestic"]) == list(REGISTRY.names())
    assert REGISTRY.request_root("get_rpt") == "rptreq"
    assert REGISTRY.request_root("multi_send") == "mtreq"
    assert REGISTRY.request_root("nowhere") == "mtreq"
    assert REGISTRY.items() == {"messages": "message", "mos": "mo", "rpts": "rpt"}


def test_failure_shapes_are_the_manuals() -> None:
    answers = {
        s: REGISTRY[s].answer(s, -100001, None, INTERNATIONAL)
        for s in REGISTRY.spellings(["international"])
    }
    desc = answers["get_rpt"]["desc"]
    assert answers["send_single"] == {"result": -100001, "desc": desc, "msgid": 0, "custid": ""}
    assert answers["batch_send"] == answers["send_single"]
    assert answers["send_batch"] == {"result": -100001, "desc": desc, "messages": []}
    assert answers["get_rpt"] == {"result": -100001, "desc": desc, "rpts": ""}
    balance = REGISTRY["get_balance"].answer("get_balance", -100001, None, INTERNATIONAL)
    assert balance == {
        "result": -100001,
        "desc": desc,
        "chargetype": 0,
        "balance": 0,
        "money": "0.00",
    }
    success = REGISTRY["get_rpt"].answer("get_rpt", 0, [], INTERNATIONAL)
    assert list(success) == ["result", "desc", "rpts"] and success["rpts"] == []


def test_every_domestic_send_answers_the_first_msgid_shape() -> None:
    for spelling in REGISTRY.spellings(["domestic"]):
        if spelling in ("get_rpt", "get_mo", "get_balance"):
            continue
        failed = REGISTRY[spelling].answer(spelling, 100001, None, DOMESTIC)
        assert failed == {
            "result": 100001,
            "desc": "%e9%89%b4%e6%9d%83%e5%a4%b1%e8%b4%a5",  # 鉴权失败, as the manual shows it
            "msgid": 0,
            "custid": "",
        }, spelling


def served_by(edition: str) -> Endpoint[dict[str, int]]:
    return Endpoint(
        name="get_balance",
        paths={"get_balance": AnswerShape(lambda r: r, {"balance": 0})},
        request_root="feereq",
        answer_root="feersp",
        serve=lambda desk, call: {"balance": 1},
        editions=frozenset({cast(Edition, edition)}),
    )


def test_a_known_endpoint_of_another_edition_is_not_a_typo() -> None:
    registry = Registry(
        [REGISTRY["send_single"], served_by("domestic")], elsewhere=("get_mo", "get_balance")
    )
    assert registry.spellings(["international"]) == ["send_single", "single_send"]
    assert registry.diagnose("get_balance", ["international"]) == (
        "get_balance is not served by the international edition: use an account with "
        "`edition: domestic`"
    )
    assert registry.diagnose("get_mo", ["international"]).startswith(
        "get_mo is a V5.7.2 domestic endpoint"
    )
    assert registry.diagnose("get_balanse", ["international"]) == (
        "'get_balanse' is not an endpoint; did you mean get_balance?"
    )
    assert registry.elsewhere == frozenset({"get_mo"}), "a served spelling is not elsewhere"


def test_an_answer_for_a_spelling_uses_that_spellings_shape() -> None:
    accepted: Any = type("Accepted", (), {"messages": [], "custid": "c"})()
    assert REGISTRY["batch_send"].answer("batch_send", 0, accepted, INTERNATIONAL)["custid"] == "c"
    assert REGISTRY["send_batch"].answer("send_batch", 0, accepted, INTERNATIONAL)["messages"] == []
    domestic = REGISTRY["send_batch"].answer("send_batch", 0, accepted, DOMESTIC)
    assert domestic == {"result": 0, "desc": "%e6%88%90%e5%8a%9f", "msgid": 0, "custid": "c"}
