"""The pytest plugin, run as users run it: in a separate pytest process, through ``pytester``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

SEND = '''
import hashlib, json, time, urllib.request

def send(url, mobile, content="hello", pwd=None, path="send_single"):
    """What a user's own client does (here: the manual's MD5 rule by hand)."""
    ts = time.strftime("%m%d%H%M%S")
    pwd = pwd or hashlib.md5(f"J1000300000000111111{ts}".encode()).hexdigest()
    body = json.dumps({"userid": "J10003", "pwd": pwd, "timestamp": ts,
                       "mobile": mobile, "content": content}).encode()
    request = urllib.request.Request(f"{url}/sms/v2/std/{path}", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())
'''


def run(pytester: pytest.Pytester, tests: str, *args: str) -> pytest.RunResult:
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(helpers=SEND)
    pytester.makepyfile(test_user=tests)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_fixture_gives_a_running_gateway_reset_before_each_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
from helpers import send

def test_one(mockgateway):
    assert send(mockgateway.url, "85292041234")["result"] == 0
    assert [m["mobile"] for m in mockgateway.messages()] == ["85292041234"]

def test_two_starts_empty(mockgateway):
    assert mockgateway.messages() == []
    assert send(mockgateway.url, "+85292041235")["result"] == 0
    assert len(mockgateway.messages(mobile="0085292041235")) == 1
""",
    )
    result.assert_outcomes(passed=2)


def test_strict_mode_fails_the_test_with_the_diagnosis(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import hashlib, pytest
from helpers import send

def test_sloppy_client(mockgateway):
    bare = hashlib.md5(b"J1000300000000111111").hexdigest()  # forgot the timestamp
    assert send(mockgateway.url, "85292041234", pwd=bare)["result"] == -100001

@pytest.mark.mockgateway(strict=False)
def test_on_purpose(mockgateway):
    assert send(mockgateway.url, "85292041234", pwd="x")["result"] == -100001
""",
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*mockgateway rejected 1 request(s) this test sent:*",
            "*POST /sms/v2/std/send_single (json): result -100001: pwd is md5 of the password "
            "without the timestamp*",
        ]
    )


def test_marker_scenario_and_forced_answers_are_not_strict_failures(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
import pytest
from helpers import send

@pytest.mark.mockgateway(scenario="rules:\\n  - respond: {result: -100999}\\n")
def test_forced(mockgateway):
    assert send(mockgateway.url, "85292041234")["result"] == -100999

def test_back_on_the_session_scenario(mockgateway):
    assert send(mockgateway.url, "85292041234")["result"] == 0

@pytest.mark.mockgateway(scenario="delivery-failures")
def test_builtin_by_name(mockgateway):
    send(mockgateway.url, "+85292040000")
    mockgateway.advance(120)
    assert mockgateway.messages()[0]["reports"] == "none"
""",
    )
    result.assert_outcomes(passed=3)


def test_session_scenario_by_environment_and_async_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(".yaml", myscenario="name: mine\nclock: virtual\nreports: {delay: 5}\n")
    monkeypatch.setenv("MOCKGATEWAY_SCENARIO", "myscenario.yaml")
    result = run(
        pytester,
        """
import asyncio
from helpers import send

async def test_async(mockgateway):
    await asyncio.to_thread(send, mockgateway.url, "85292041234")
    assert await mockgateway.await_for(messages=1) == 1
    mockgateway.advance(4)
    assert mockgateway.reports()[0]["state"] == "pending"
    await mockgateway.advance_async(1)
    assert await mockgateway.await_for(reports=1, timeout=1) == 1
""",
    )
    result.assert_outcomes(passed=1)


def test_wait_for_timing_out_says_what_it_saw(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import pytest
from mockgateway.harness import GatewayTimeout

def test_times_out(mockgateway):
    with pytest.raises(GatewayTimeout, match="waited 0.2 s for messages=1, saw 0"):
        mockgateway.wait_for(messages=1, timeout=0.2)
""",
    )
    result.assert_outcomes(passed=1)


def test_msgids_stay_unique_across_tests_and_a_replay_is_one_call_away(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
import pytest
from helpers import send

SEEN = []

@pytest.mark.mockgateway(scenario="seed: 3\\n")
def test_one(mockgateway):
    SEEN.append(send(mockgateway.url, "85292041234")["msgid"])

@pytest.mark.mockgateway(scenario="seed: 3\\n")
def test_two_same_seed(mockgateway):
    SEEN.append(send(mockgateway.url, "85292041234")["msgid"])
    assert SEEN[1] != SEEN[0]

@pytest.mark.mockgateway(scenario="seed: 3\\n")
def test_replay(mockgateway):
    mockgateway.reset(restart_sequences=True)
    first = send(mockgateway.url, "85292041234")["msgid"]
    mockgateway.reset(restart_sequences=True)
    assert send(mockgateway.url, "85292041234")["msgid"] == first
""",
    )
    result.assert_outcomes(passed=3)


def test_a_second_gateway_from_the_factory_is_strict_and_stopped_after_the_test(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
import urllib.error, urllib.request, pytest
from helpers import send

URLS = []

def test_two_providers(mockgateway, mockgateway_factory):
    backup = mockgateway_factory("name: backup\\n")
    URLS.append(backup.url)
    assert backup.url != mockgateway.url
    assert send(backup.url, "85292041234")["result"] == 0
    assert backup.calls().call_count == 1 and not mockgateway.calls().called

def test_the_second_gateway_is_gone():
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(URLS[0] + "/_mock/health", timeout=5)

def test_strict_on_the_second_gateway_too(mockgateway_factory):
    other = mockgateway_factory()
    assert send(other.url, "85292041234", pwd="x")["result"] == -100001
""",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*POST /sms/v2/std/send_single (json): result -100001*"])


def test_the_fixture_injects_mos_and_waits_for_them(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import pytest
from helpers import send

DOMESTIC = "edition: domestic\\nclock: virtual\\n"

@pytest.mark.mockgateway(scenario=DOMESTIC)
def test_a_customer_writes_in(mockgateway):
    made = mockgateway.send_mo("8613800138000", "HELP")
    assert mockgateway.wait_for(mos=1) == 1
    (mo,) = send(mockgateway.url, "", path="get_mo")["mos"]
    assert (mo["msgid"], mo["content"]) == (made["msgid"], "HELP")
    assert mockgateway.mos(state="fetched")[0]["text"] == "HELP"

@pytest.mark.mockgateway(scenario=DOMESTIC)
async def test_async_too(mockgateway):
    await mockgateway.send_mo_async("8613800138000", "STOP")
    assert await mockgateway.await_for(mos=1) == 1

def test_the_next_test_has_none(mockgateway):
    assert mockgateway.mos() == []
""",
    )
    result.assert_outcomes(passed=3)


def test_an_account_out_of_credit_is_not_a_client_mistake(pytester: pytest.Pytester) -> None:
    """A test that runs a client out of credit (set_balance) passes in strict mode; the failure
    message of a real mistake is printed once, not chained twice."""
    result = run(
        pytester,
        """
from helpers import send

def test_out_of_credit(mockgateway):
    mockgateway.set_balance(1)
    assert send(mockgateway.url, "85292041234")["result"] == 0
    assert send(mockgateway.url, "85292041234")["result"] == -100003

def test_sloppy(mockgateway):
    assert send(mockgateway.url, "85292041234", pwd="x" * 32)["result"] == -100001
""",
        "-rN",  # no short summary, whose line (cut to the terminal's width) would count too
    )
    result.assert_outcomes(passed=2, errors=1)
    output = result.stdout.str()
    assert output.count("POST /sms/v2/std/send_single (json): result -100001") == 1
    assert "During handling of the above exception" not in output
