"""The endpoint registry: spellings, canonical names, answers in the manual's key order, and the
diagnosis of a path it does not serve."""

from __future__ import annotations

from typing import Any, cast

from mockgateway.endpoints import REGISTRY, AnswerShape, Endpoint, Registry
from mockgateway.scenario.model import Edition


def test_every_spelling_finds_its_canonical_endpoint() -> None:
    assert REGISTRY.names() == {
        "send_single": "send_single",
        "single_send": "send_single",
        "send_batch": "send_batch",
        "batch_send": "send_batch",
        "get_mo": "get_mo",
        "get_rpt": "get_rpt",
        "get_balance": "get_balance",
    }
    assert REGISTRY.spellings("international")[0] == "send_single"
    assert REGISTRY.request_root("get_rpt") == "rptreq"
    assert REGISTRY.request_root("nowhere") == "mtreq"
    assert REGISTRY.items() == {"messages": "message", "mos": "mo", "rpts": "rpt"}


def test_failure_shapes_are_the_manuals() -> None:
    answers = {s: REGISTRY[s].answer(s, -100001, None) for s in REGISTRY.spellings()}
    desc = answers["get_rpt"]["desc"]
    assert answers["send_single"] == {"result": -100001, "desc": desc, "msgid": 0, "custid": ""}
    assert answers["batch_send"] == answers["send_single"]
    assert answers["send_batch"] == {"result": -100001, "desc": desc, "messages": []}
    assert answers["get_rpt"] == {"result": -100001, "desc": desc, "rpts": ""}
    assert answers["get_balance"] == {
        "result": -100001,
        "desc": desc,
        "chargetype": 0,
        "balance": 0,
        "money": "0.00",
    }
    success = REGISTRY["get_rpt"].answer("get_rpt", 0, [])
    assert list(success) == ["result", "desc", "rpts"] and success["rpts"] == []


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
    assert registry.spellings("international") == ["send_single", "single_send"]
    assert registry.diagnose("get_balance", "international") == (
        "get_balance is not served by the international edition: use an account with "
        "`edition: domestic`"
    )
    assert registry.diagnose("get_mo", "international").startswith(
        "get_mo is a V5.7.2 domestic endpoint"
    )
    assert registry.diagnose("get_balanse", "international") == (
        "'get_balanse' is not an endpoint; did you mean get_balance?"
    )
    assert registry.elsewhere == frozenset({"get_mo"}), "a served spelling is not elsewhere"


def test_an_answer_for_a_spelling_uses_that_spellings_shape() -> None:
    accepted: Any = type("Accepted", (), {"messages": [], "custid": "c"})()
    assert REGISTRY["batch_send"].answer("batch_send", 0, accepted)["custid"] == "c"
    assert REGISTRY["send_batch"].answer("send_batch", 0, accepted)["messages"] == []
