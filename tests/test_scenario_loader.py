"""Scenario files are checked whole: every problem, each with its line and a plain message."""

from __future__ import annotations

import pytest

from mockgateway.scenario import ScenarioError, load_named, load_text
from mockgateway.scenario.loader import builtin_names
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
        (
            "edition: national\n",
            "s.yaml:1: edition: must be one of international, domestic; got 'national'",
        ),
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


def test_push_ack_is_strict_unless_lenient_and_inherited_like_the_rest() -> None:
    scenario = load_text(
        "push: {url: 'http://a/', ack: lenient}\n"
        "accounts:\n"
        "  - {userid: A1, password: a, push: {url: 'http://b/'}}\n"
        "  - {userid: B2, password: b, push: {url: 'http://c/', ack: strict}}\n"
    )
    acks = [a.push.ack if a.push else None for a in scenario.accounts]
    assert acks == ["lenient", "strict"]
    assert load_text("push: {url: 'http://a/'}\n").accounts[0].push.ack == "strict"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "reports:\n  outcomes:\n    - {weight: 0, errcode: DELIVRD}\n",
            "s.yaml:2: reports.outcomes: the weights add up to 0",
        ),
        ("reports: {delay: {median: 5, p99: 2}}\n", "s.yaml:1: reports.delay: p99 (2) must be"),
        (
            "reports:\n  outcomes:\n    - {weight: 1, colour: red}\n",
            "s.yaml:3: reports.outcomes.0.colour: unknown key 'colour'",
        ),
        ("push: {url: 'ftp://x/y'}\n", "s.yaml:1: push.url: 'ftp://x/y' is not an http://"),
        ("push: {url: 'http://:80/'}\n", "s.yaml:1: push.url: 'http://:80/' is not an http://"),
        ("push: {batch_size: 10}\n", "s.yaml:1: push: push needs a url"),
        ("push: {url: 'http://a/', batch_size: 501}\n", "push.batch_size: must be at most 500"),
        (
            "push: {url: 'http://a/', retry: {backoff: 9, max_backoff: 1}}\n",
            "push.retry: backoff (9) is above max_backoff (1)",
        ),
        (
            "push: {url: 'http://a/', chaos: {duplicate: 2}}\n",
            "push.chaos.duplicate: must be at most 1",
        ),
        ("push: {url: 'http://a/', ack: loose}\n", "push.ack: must be one of strict, lenient"),
        ("allowed_ips: [300.1.1.1]\n", "allowed_ips.0: '300.1.1.1' is not an IP address"),
        ("max_connections: 0\n", "max_connections: must be at least 1"),
        ("rules: {a: 1}\n", "rules: must be a list of rules"),
        (
            "rules:\n  - when: {nth: 2}\n",
            "s.yaml:2: rules.0: a rule needs respond, fault or report",
        ),
        ("rules:\n  - respond: {}\n", "rules.0.respond: respond needs a result code"),
        ("rules:\n  - respond: {result: 0}\n", "rules.0.respond.result: 0 is success"),
        (
            "rules:\n  - when: {endpoint: send_all}\n    respond: {result: -1}\n",
            "rules.0.when.endpoint: must be one of send_single",
        ),
        (
            "rules:\n  - when: {userid: NOBODY}\n    respond: {result: -100001}\n",
            "rules.0.when.userid: no account 'NOBODY'",
        ),
        (
            "rules:\n  - when: {mobile: 'abc'}\n    respond: {result: -100001}\n",
            "rules.0.when.mobile: 'abc' is not a number",
        ),
        (
            "rules:\n  - when: {content: '(('}\n    respond: {result: -100001}\n",
            "rules.0.when.content: not a valid regular expression",
        ),
        (
            "rules:\n  - when: {probability: 1.5}\n    respond: {result: -100001}\n",
            "rules.0.when.probability: must be at most 1",
        ),
        (
            "rules:\n  - when: {nth: 0}\n    respond: {result: -100001}\n",
            "rules.0.when.nth: must be at least 1",
        ),
        (
            "rules:\n  - fault: {http_status: 503, drop_connection: true}\n",
            "rules.0.fault: give exactly one of http_status",
        ),
        ("rules:\n  - fault: {http_status: 200}\n", "rules.0.fault.http_status: 200 is a success"),
        (
            "rules:\n  - fault: {garbage_body: 1}\n",
            "rules.0.fault.garbage_body: write garbage_body: true",
        ),
        (
            "rules:\n  - fault: {delay: 1, retry_after: 3}\n",
            "rules.0.fault.retry_after: retry_after goes with http_status",
        ),
        (
            "rules:\n  - fault: {drop_connection: true}\n    respond: {result: -100999}\n",
            "rules.0: respond and a fault that breaks the answer exclude each other",
        ),
        (
            "rules:\n  - report: {lost: true, errcode: UNDELIV}\n",
            "rules.0.report: lost: true means no report",
        ),
        (
            "rules:\n  - respond: {result: -100999}\n    times: 0\n",
            "rules.0.times: must be at least 1",
        ),
    ],
)
def test_invalid_scenarios_of_the_full_language(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize("name", builtin_names())
def test_every_ready_made_scenario_loads(name: str) -> None:
    scenario = load_named(name)
    assert scenario.name == name
    assert scenario.warnings == ()


def test_ready_made_scenarios_are_the_promised_ones() -> None:
    assert set(builtin_names()) >= {
        "default",
        "slow-gateway",
        "flaky-gateway",
        "auth-strict",
        "delivery-failures",
        "push-callback",
    }


def test_codes_in_neither_table_and_odd_pairs_are_warned_about() -> None:
    scenario = load_text(
        "rules:\n  - respond: {result: -123}\n  - respond: {result: 100058}\n"
        "reports:\n  outcomes:\n    - {status: 0, errcode: UNDELIV}\n",
        source="s.yaml",
    )
    assert scenario.warnings == (
        "s.yaml:2: rules.0.respond.result: -123 is in neither the V5.13 nor the V5.7.2 error table",
        "s.yaml:6: reports.outcomes.0: status 0 with errcode UNDELIV: a real gateway pairs "
        "status 0 with DELIVRD",
    )


def test_rule_numbers_are_normalised_and_endpoints_canonical() -> None:
    scenario = load_text(
        "rules:\n  - when: {mobile: '+85292041234', endpoint: batch_send}\n"
        "    respond: {result: -100999}\n"
        "  - when: {mobile_prefix: '0086139'}\n    report: {errcode: EXPIRED}\n"
    )
    first, second = scenario.rules
    assert (first.when.mobile, first.when.endpoint, first.line) == ("85292041234", "send_batch", 2)
    assert second.when.mobile_prefix == "86139"
    assert second.report is not None and (second.report.status, second.report.errcode) == (
        1,
        "EXPIRED",
    )


def test_the_loaders_keys_and_choices_are_the_models() -> None:
    from mockgateway.scenario.model import AccountSettings, MsgidSettings
    from mockgateway.scenario.schema import choices, keys

    assert choices(Scenario, "clock") == ("real", "virtual")
    assert choices(MsgidSettings, "range") == ("above-2^53", "unsigned", "signed")
    assert "networks" not in keys(AccountSettings), "derived, not written"
    assert "warnings" not in keys(Scenario)
    with pytest.raises(ScenarioError) as raised:
        load_text("accounts:\n  - {userid: J10003, password: '1', networks: []}\n")
    known = ", ".join(sorted(keys(AccountSettings)))
    assert f"unknown key 'networks'; known keys: {known}" in str(raised.value)
    with pytest.raises(ScenarioError, match="must be one of real, virtual; got 'fake'"):
        load_text("clock: fake\n")
