"""The domestic manual's auth modes (V5.7.2 §4), per account, and endpoint permissions (100070):
each mode accepted where the account lists it, and refused elsewhere with a diagnosis naming the
mode the request looks like."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest

from mockgateway.client import credentials
from mockgateway.protocol import crypto
from mockgateway.protocol.auth import md5_pwd, sha256_pwd, sm3_pwd
from mockgateway.protocol.errors import Dialect
from mockgateway.protocol.times import format_timestamp
from mockgateway.scenario import load_text
from mockgateway.scenario.model import AuthMode
from tests.conftest import Harness, Start
from tests.test_scenario_loader import problems

KEY = "abade5589e2798f82f006bbc36d269ce"
"""The manual's example apikey."""
SEND = {"mobile": "0085292041234", "content": "hi"}

ONE_MODE_EACH = f"""\
edition: domestic
accounts:
  - {{userid: AMD5, password: pw-md5, auth: {{modes: [md5]}}, apikey: "{"0" * 32}"}}
  - {{userid: ASHA, password: pw-sha, auth: {{modes: [sha256]}}}}
  - {{userid: ASM3, password: pw-sm3, auth: {{modes: [sm3]}}}}
  - {{userid: APLAIN, password: pw-plain, auth: {{modes: [plaintext]}}}}
  - {{userid: AKEY, password: pw-key, auth: {{modes: [apikey]}}, apikey: {KEY}}}
"""
ACCOUNT_OF: dict[AuthMode, tuple[str, str]] = {
    "md5": ("AMD5", "pw-md5"),
    "sha256": ("ASHA", "pw-sha"),
    "sm3": ("ASM3", "pw-sm3"),
    "plaintext": ("APLAIN", "pw-plain"),
    "apikey": ("AKEY", "pw-key"),
}
MODES: list[AuthMode] = ["md5", "sha256", "sm3", "plaintext", "apikey"]


@pytest.fixture
async def modes(start: Start) -> Harness:
    return await start(ONE_MODE_EACH)


def signed(mode: AuthMode, userid: str, password: str, key: str = KEY) -> dict[str, str]:
    return credentials(userid, password, mode=mode, apikey=key)


@pytest.mark.parametrize("mode", MODES)
async def test_each_mode_is_accepted_by_an_account_that_lists_it(
    modes: Harness, mode: AuthMode
) -> None:
    userid, password = ACCOUNT_OF[mode]
    answer = await modes.call("send_single", sign=False, **signed(mode, userid, password), **SEND)
    assert answer["result"] == 0, modes.last().diagnosis
    assert modes.last().userid == userid
    assert (await modes.call("get_rpt", sign=False, **signed(mode, userid, password)))[
        "result"
    ] == 0


@pytest.mark.parametrize(
    ("mode", "account", "diagnosis"),
    [
        (
            "md5",
            "sha256",
            "pwd is the MD5 hash (md5 mode), which this account does not accept "
            "(auth.modes: sha256)",
        ),
        (
            "sha256",
            "md5",
            "pwd is the SHA-256 hash (sha256 mode), which this account does not accept "
            "(auth.modes: md5)",
        ),
        (
            "sm3",
            "sha256",
            "pwd is the SM3 hash (sm3 mode), which this account does not accept "
            "(auth.modes: sha256)",
        ),
        (
            "plaintext",
            "sm3",
            "no timestamp: this account needs pwd as the SM3 hash with a timestamp (plaintext "
            "mode is not among its auth.modes: sm3)",
        ),
        (
            "apikey",
            "md5",
            "an apikey was sent, but this account does not accept apikey mode (auth.modes: md5): "
            "send userid and pwd instead",
        ),
        (
            "md5",
            "plaintext",
            "a timestamp was sent and pwd looks like an MD5 hash (32 hex characters), but this "
            "account accepts no hashed pwd (auth.modes: plaintext): send userid and the "
            "plain-text pwd without a timestamp",
        ),
        (
            "sha256",
            "apikey",
            "a timestamp was sent and pwd looks like a SHA-256 or SM3 hash (64 hex characters), "
            "but this account accepts no hashed pwd (auth.modes: apikey): send the apikey alone",
        ),
        (
            "plaintext",
            "apikey",
            "no timestamp, so a plain-text pwd: plaintext mode, which this account does not "
            "accept (auth.modes: apikey); send the apikey alone",
        ),
    ],
)
async def test_a_mode_the_account_does_not_list_is_refused_naming_the_mode(
    modes: Harness, mode: AuthMode, account: AuthMode, diagnosis: str
) -> None:
    userid, password = ACCOUNT_OF[account]
    key = "0" * 32 if account == "md5" else KEY
    answer = await modes.call(
        "send_single", sign=False, **signed(mode, userid, password, key), **SEND
    )
    assert answer["result"] == -100001 and answer["msgid"] == 0
    assert modes.last().diagnosis == diagnosis


@pytest.mark.parametrize(
    ("userid", "pwd", "diagnosis"),
    [
        (
            "AMD5",
            hashlib.sha256(b"anything").hexdigest(),
            "pwd looks like a SHA-256 or SM3 hash (64 hex characters), which this account does "
            "not accept (auth.modes: md5): it needs pwd as the MD5 hash",
        ),
        (
            "ASHA",
            hashlib.md5(b"anything").hexdigest(),
            "pwd looks like an MD5 hash (32 hex characters), which this account does not accept "
            "(auth.modes: sha256): it needs pwd as the SHA-256 hash",
        ),
        (
            "ASM3",
            "x" * 20,
            "pwd is not 64 hex characters (got 20): is it the SM3 hash?",
        ),
    ],
)
async def test_a_pwd_of_another_modes_shape_is_named_by_its_shape(
    modes: Harness, userid: str, pwd: str, diagnosis: str
) -> None:
    timestamp = format_timestamp(datetime.now())
    answer = await modes.call(
        "send_single", sign=False, userid=userid, pwd=pwd, timestamp=timestamp, **SEND
    )
    assert answer["result"] == -100001
    assert modes.last().diagnosis == diagnosis


@pytest.mark.parametrize(
    ("userid", "password", "make_pwd", "diagnosis"),
    [
        (
            "ASHA",
            "pw-sha",
            lambda ts: sha256_pwd("ASHA", "pw-sha", ts).upper(),
            "pwd in uppercase hex: the manual wants 64 lowercase hex characters",
        ),
        (
            "ASM3",
            "pw-sm3",
            lambda ts: crypto.sm3_hex("asm3" + "00000000" + "pw-sm3" + ts),
            "userid lowercased in the hash",
        ),
        (
            "ASM3",
            "pw-sm3",
            lambda ts: crypto.sm3_hex("ASM3" + "00000000" + "pw-sm3"),
            "pwd is sm3 of the password without the timestamp",
        ),
        (
            "ASHA",
            "pw-sha",
            lambda ts: sha256_pwd(
                "ASHA", "pw-sha", format_timestamp(datetime.now() - timedelta(seconds=9))
            ),
            "pwd was hashed with a different timestamp",
        ),
        (
            "ASM3",
            "pw-sm3",
            lambda ts: sm3_pwd("ASM3", "wrong", ts),
            "pwd does not match: wrong password, or a different hashing rule",
        ),
    ],
)
async def test_the_md5_near_miss_diagnoses_hold_for_sha256_and_sm3(
    modes: Harness, userid: str, password: str, make_pwd: object, diagnosis: str
) -> None:
    ts = format_timestamp(datetime.now())
    pwd = make_pwd(ts)  # type: ignore[operator]
    answer = await modes.call(
        "send_single", sign=False, userid=userid, pwd=pwd, timestamp=ts, **SEND
    )
    assert answer["result"] == -100001
    assert diagnosis in (modes.last().diagnosis or ""), modes.last().diagnosis


def test_the_hashes_are_the_standard_ones() -> None:
    assert crypto.sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )  # GB/T 32905-2016, example 1
    assert sha256_pwd("J10003", "111111", "0803192020") == (
        hashlib.sha256(b"J10003000000001111110803192020").hexdigest()
    )
    assert md5_pwd("j10003", "111111", "0803192020") == "26dad7f364507df18f3841cc9c4ff94d"


async def test_the_supplements_worked_md5_example_is_answered(start: Start) -> None:
    gw = await start("edition: domestic\nauth: {timestamp_window: null}\n")
    example = {"userid": "J10003", "pwd": "26dad7f364507df18f3841cc9c4ff94d"}
    answer = await gw.call("send_single", sign=False, timestamp="0803192020", **example, **SEND)
    assert answer["result"] == 0


async def test_an_apikey_request_is_answered_as_the_manual_shows(modes: Harness) -> None:
    response = await modes.client.get(f"/sms/v2/std/get_rpt?apikey={KEY}&retsize=300")
    assert (await response.json())["result"] == 0
    answer = await modes.call("send_single", "json", sign=False, apikey=KEY, **SEND)
    assert answer["result"] == 0
    record = modes.last()
    assert record.userid == "AKEY"
    assert record.fields["apikey"] == "***", "the journal never shows a key"
    assert [m.userid for m in modes.gateway.messages] == ["AKEY"]


@pytest.mark.parametrize(
    ("apikey", "diagnosis"),
    [
        ("f" * 32, "apikey 'ffffffffffffffffffffffffffffffff' matches no account in scenario"),
        (KEY[:31], "apikey 'abade5589e2798f82f006bbc36d269c' is 31 characters; keys are 32"),
        (KEY.upper(), "; it is account AKEY's key in another case: keys are exact"),
        ("k" * 1000, "is 1000 characters; keys are 32"),
    ],
)
async def test_an_apikey_that_names_no_account_is_refused(
    modes: Harness, apikey: str, diagnosis: str
) -> None:
    answer = await modes.call("send_single", sign=False, apikey=apikey, **SEND)
    assert answer["result"] == -100001
    assert diagnosis in (modes.last().diagnosis or "")
    assert len(modes.last().diagnosis or "") < 300
    assert modes.last().fields["apikey"] != "***"


async def test_userid_and_pwd_beside_an_apikey_are_ignored_with_a_warning(
    modes: Harness,
) -> None:
    fields = {"apikey": KEY, "userid": "AMD5", "pwd": "nonsense"}
    assert (await modes.call("send_single", sign=False, **fields, **SEND))["result"] == 0
    assert modes.last().userid == "AKEY"
    assert modes.last().warnings[0] == (
        "userid and pwd sent beside apikey: ignored, the key names account AKEY (the manual: one "
        "scheme or the other, never both)"
    )


async def test_a_rule_on_a_userid_meets_requests_that_name_it_by_key(start: Start) -> None:
    gw = await start(
        ONE_MODE_EACH + "rules:\n  - when: {userid: AKEY}\n    respond: {result: -100999}\n"
    )
    assert (await gw.call("send_single", sign=False, apikey=KEY, **SEND))["result"] == -100999


async def test_refusals_by_mode_count_toward_the_lock_out(start: Start) -> None:
    gw = await start(ONE_MODE_EACH.replace("modes: [md5]}", "modes: [md5], lockout_after: 2}"))
    for _ in range(2):
        await gw.call("send_single", sign=False, apikey="0" * 32, **SEND)
    locked = await gw.call("send_single", sign=False, **signed("md5", "AMD5", "pw-md5"), **SEND)
    assert locked["result"] == -100002


def test_the_loader_keeps_modes_and_plaintext_in_step() -> None:
    default = load_text("")
    assert default.accounts[0].auth.modes == ("md5", "plaintext")
    assert load_text("auth: {plaintext: false}\n").accounts[0].auth.modes == ("md5",)
    both = load_text("auth: {modes: [sm3, md5, sm3]}\naccounts: [{userid: A, password: p}]\n")
    assert (both.accounts[0].auth.modes, both.accounts[0].auth.plaintext) == (("md5", "sm3"), False)
    inherited = load_text(
        "auth: {modes: [sha256]}\naccounts: [{userid: A, password: p, auth: {plaintext: true}}]\n"
    )
    assert inherited.accounts[0].auth.modes == ("sha256", "plaintext")
    warned = load_text(f"accounts: [{{userid: A, password: p, apikey: {KEY}}}]\n")
    assert any("does not list apikey" in w for w in warned.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("auth: {modes: []}\n", "s.yaml:1: auth.modes: must be a non-empty list of md5, sha256"),
        ("auth: {modes: md5}\n", "s.yaml:1: auth.modes: must be a non-empty list"),
        ("auth: {modes: [md4]}\n", "s.yaml:1: auth.modes.0: must be one of md5, sha256, sm3, "),
        (
            "auth: {modes: [md5], plaintext: true}\n",
            "s.yaml:1: auth.plaintext: plaintext: true contradicts modes",
        ),
        (
            "auth: {modes: [plaintext]}\naccounts: [{userid: A, password: p, auth: {plaintext: "
            "false}}]\n",
            "s.yaml:2: accounts.0.auth.plaintext: plaintext: false leaves no auth mode",
        ),
        (
            "accounts: [{userid: A, password: p, auth: {modes: [apikey]}}]\n",
            "s.yaml:1: accounts.0.auth.modes: lists apikey, but the account has no apikey",
        ),
        (
            "accounts: [{userid: A, password: p, apikey: short}]\n",
            "s.yaml:1: accounts.0.apikey: 'short' is not an apikey: 32 letters and digits",
        ),
        (f"apikey: {KEY}\n", "s.yaml:1: apikey: unknown key 'apikey'"),
        (
            f"accounts:\n  - {{userid: A, password: p, apikey: {KEY}}}\n"
            f"  - {{userid: B, password: p, apikey: {KEY}}}\n",
            "s.yaml:3: accounts.1.apikey: account A has the same apikey",
        ),
        ("endpoints: send_single\n", "s.yaml:1: endpoints: must be a list of endpoint names"),
        (
            "endpoints: [send_singel]\n",
            "s.yaml:1: endpoints.0: str 'send_singel' is not an endpoint (did you mean "
            "'send_single'?)",
        ),
        ("endpoints: [{a: 1}]\n", "s.yaml:1: endpoints.0: a mapping is not an endpoint"),
    ],
)
def test_invalid_auth_and_permission_keys(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


PERMITTED = """\
edition: domestic
accounts:
  - userid: J10003
    password: "111111"
    endpoints: [single_send, get_balance]
"""


async def test_an_endpoint_the_account_may_not_call_is_100070(start: Start) -> None:
    gw = await start(PERMITTED)
    assert gw.gateway.scenario.accounts[0].endpoints == ("send_single", "get_balance")
    assert (await gw.call("send_single", **SEND))["result"] == 0
    assert (await gw.call("get_balance"))["result"] == 0
    refused = await gw.call("get_rpt")
    assert refused == {"result": -100070, "desc": refused["desc"], "rpts": ""}
    assert refused["desc"] == Dialect("domestic").desc(-100070)
    assert gw.last().diagnosis == (
        "account J10003 may not call get_rpt: its endpoints are send_single, get_balance"
    )
    assert (await gw.call("batch_send", **SEND))["result"] == -100070, "an alias is its endpoint"
    assert len(gw.gateway.messages) == 1


async def test_credentials_are_checked_before_permission(start: Start) -> None:
    gw = await start(PERMITTED)
    answer = await gw.call("get_rpt", sign=False, userid="J10003", pwd="wrong")
    assert answer["result"] == -100001


async def test_an_empty_permission_list_allows_nothing_and_is_warned_about(start: Start) -> None:
    text = "accounts: [{userid: J10003, password: '111111', endpoints: []}]\n"
    assert any("allows no endpoint" in w for w in load_text(text).warnings)
    gw = await start(text)
    assert (await gw.call("send_single", **SEND))["result"] == -100070
    assert gw.last().diagnosis == "account J10003 may not call send_single: its endpoints are none"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"apikey": 12345, "mobile": "0085292041234", "content": "hi"}', -100096),
        ('{"apikey": ["' + KEY + '"], "mobile": "0085292041234", "content": "hi"}', -100096),
        ('{"apikey": {"k": 1}, "mobile": "0085292041234", "content": "hi"}', -100096),
        ('{"apikey": "\\udcff", "mobile": "0085292041234", "content": "hi"}', -100093),
        ('{"apikey": "' + "k" * 2000 + '"}', -100092),
        ('{"apikey": "", "mobile": "0085292041234", "content": "hi"}', -100001),
    ],
    ids=["number", "list", "object", "surrogate", "long", "empty"],
)
async def test_a_hostile_apikey_gets_a_protocol_answer(
    modes: Harness, body: str, code: int
) -> None:
    status, answer, _ = await modes.raw("send_single", body, "application/json")
    assert (status, answer["result"]) == (200, code)
    assert modes.last().diagnosis
