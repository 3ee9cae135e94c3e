"""Scenario files are checked whole: every problem, each with its line and a plain message."""

from __future__ import annotations

import pytest

from mockgateway.scenario import ScenarioError, load_named, load_text
from mockgateway.scenario.model import Scenario


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, source="s.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_builtin_default_matches_the_model_defaults() -> None:
    assert load_named("default") == Scenario()


def test_an_empty_file_is_the_default() -> None:
    assert load_text("", default_name="default") == Scenario()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clock: fast\n", "s.yaml:1: clock: must be one of real, virtual; got 'fast'"),
        ("seed: many\n", "s.yaml:1: seed: must be a whole number, got str 'many'"),
        (
            "\nauth:\n  lockout_after: 0\n",
            "s.yaml:3: auth.lockout_after: must be at least 1, got 0",
        ),
        (
            "auth: {timezone: Mars/Olympus}\n",
            "s.yaml:1: auth.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            "auth: {plaintext: maybe}\n",
            "s.yaml:1: auth.plaintext: must be true or false, got str 'maybe'",
        ),
        ("numbers: loose\n", "s.yaml:1: numbers: must be one of strict, relaxed; got 'loose'"),
        (
            "msgids: {range: huge}\n",
            "s.yaml:1: msgids.range: must be one of above-2^53, unsigned, signed",
        ),
        ("edition: domestic\n", "s.yaml:1: edition: must be one of international; got 'domestic'"),
        (
            "reports: {delay: {min: 3, max: 1}}\n",
            "s.yaml:1: reports.delay: min (3) is above max (1)",
        ),
        ("reports: {delay: -1}\n", "s.yaml:1: reports.delay: must be at least 0, got -1"),
        ("accounts: []\n", "s.yaml:1: accounts: must be a non-empty list of accounts"),
        ("accounts:\n  - {userid: J1}\n", "s.yaml:2: accounts.0: an account needs a password"),
        ("accounts:\n  - {password: x}\n", "s.yaml:2: accounts.0: an account needs a userid"),
        ("accounts:\n  - {userid: j10003, password: x}\n", "s.yaml:2: accounts.0.userid: 'j10003'"),
        (
            "accounts:\n  - {userid: J1, password: 111111}\n",
            's.yaml:2: accounts.0.password: must be a string: quote it ("111111")',
        ),
        (
            "accounts:\n  - {userid: J1, password: a}\n  - {userid: J1, password: b}\n",
            "s.yaml:3: accounts.1.userid: account J1 appears twice",
        ),
        ("journal: {limit: 0}\n", "s.yaml:1: journal.limit: must be at least 1, got 0"),
        ("name: [1]\n", "s.yaml:1: name: must be a string, got a list"),
        ("- a\n- b\n", "s.yaml:1: top level: must be a mapping, got a list"),
        ("a: [\n", "s.yaml:2: not valid YAML or JSON"),
    ],
)
def test_invalid_scenarios(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_reported_at_once() -> None:
    found = problems("clock: x\nnumbers: y\nextra: 1\n")
    assert [p.split(":")[1] for p in found] == ["1", "2", "3"]


def test_json_is_accepted() -> None:
    scenario = load_text('{"name": "j", "seed": 4, "clock": "virtual"}')
    assert (scenario.name, scenario.seed, scenario.clock) == ("j", 4, "virtual")


def test_accounts_inherit_and_override_the_top_level() -> None:
    scenario = load_text(
        "auth: {lockout_after: 9, timestamp_window: 60}\nnumbers: relaxed\n"
        "accounts:\n"
        "  - {userid: A1, password: a}\n"
        "  - {userid: B2, password: b, numbers: strict, auth: {lockout_after: 2}}\n"
    )
    a, b = scenario.accounts
    assert (a.auth.lockout_after, a.auth.timestamp_window, a.numbers) == (9, 60, "relaxed")
    assert (b.auth.lockout_after, b.auth.timestamp_window, b.numbers) == (2, 60, "strict")
