"""The inbox as one file: ``mockgateway report`` and the pytest option ``--mockgateway-report``.

What the file shows in a browser is in ``test_inbox_browser.py``; here, what it holds: the
journal's data, safely inlined, and (from pytest) the test that sent each request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockgateway.cli import main
from mockgateway.client import credentials, encode_body
from mockgateway.harness import MockGateway, running_gateway
from mockgateway.inbox.page import data_json, standalone
from tests.test_cli import serve
from tests.test_plugin import run

HOSTILE = "</script><script>window.pwned=1</script><!--"


def send(url: str, endpoint: str = "send_single", **fields: Any) -> dict[str, Any]:
    """What a user's own client does: a signed JSON request."""
    body, content_type = encode_body("json", {**credentials("J10003", "111111"), **fields})
    request = urllib.request.Request(
        f"{url}/sms/v2/std/{endpoint}", data=body, headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def embedded(html: str) -> dict[str, Any]:
    (found,) = re.findall(
        r'<script type="application/json" id="inbox-data">(.*?)</script>', html, re.DOTALL
    )
    data: dict[str, Any] = json.loads(found)
    return data


@pytest.fixture
def gateway() -> Iterator[MockGateway]:
    with running_gateway("seed: 9\nclock: virtual\n") as gw:
        yield gw


def test_the_report_command_writes_the_journal_into_one_file(
    gateway: MockGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = send(gateway.url, mobile="85292041234", content="Your code is 482913")
    send(gateway.url, mobile="85292041235", content=HOSTILE.replace("<", "%3C"))
    send(gateway.url, mobile="85292041235", content="x", pwd="wrong")
    gateway.advance(5)
    target = tmp_path / "ci" / "inbox.html"
    assert main(["report", "--url", gateway.url, "-o", str(target)]) == 0
    assert capsys.readouterr().out == (
        f"wrote {target}: 2 messages, 3 requests (1 rejected), 0 push attempts\n"
    )
    html = target.read_text("utf-8")
    data = embedded(html)
    assert data["mode"] == "report" and data["source"] == gateway.url
    assert (data["scenario"], data["seed"], data["clock"]) == ("scenario", 9, "virtual")
    newest, oldest = data["messages"]
    assert oldest["msgid"] == sent["msgid"] and oldest["otp"] == [13, 19]
    assert [r["state"] for r in oldest["report_items"]] == ["pending"]
    assert newest["content"] == HOSTILE, "the hostile text is kept, as data"
    assert [r["accepted"] for r in data["requests"]] == [False, True, True]
    assert html.count("</script>") == 2, "the data did not end its element early"
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(re.match(r"#|data:", link) for link in links), links


def test_the_report_holds_the_mos_newest_first(tmp_path: Path) -> None:
    with running_gateway("edition: domestic\n") as gateway:
        gateway.send_mo("8613800138000", "first")
        gateway.send_mo("8613900139000", "y" * 200)  # two segments
        target = tmp_path / "inbox.html"
        assert main(["report", "--url", gateway.url, "-o", str(target)]) == 0
    mos = embedded(target.read_text("utf-8"))["mos"]
    assert [(m["text"][:5], m["pknum"]) for m in mos] == [("yyyyy", 2), ("yyyyy", 1), ("first", 1)]


def test_the_report_allows_exactly_its_own_inline_style_and_script() -> None:
    html = standalone({"mode": "report", "source": "x", "messages": []})
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    (script,) = re.findall(r'<script type="module">(.*?)</script>', html, re.DOTALL)
    for text, directive in ((style, "style-src"), (script, "script-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "connect-src" not in policy
    assert "<title>mockgateway report</title>" in html
    assert data_json({"t": "<\u2028&>"}) == '{"t":"\\u003c\\u2028\\u0026\\u003e"}'


def test_a_gateway_that_is_not_there_is_named_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    target = tmp_path / "inbox.html"
    assert main(["report", "--url", f"http://127.0.0.1:{port}", "-o", str(target)]) == 2
    assert capsys.readouterr().err.startswith(
        f"mockgateway report: cannot read http://127.0.0.1:{port}/_mock/health: "
    )
    assert not target.exists()


def test_a_file_that_cannot_be_written_is_named_with_exit_2(
    gateway: MockGateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["report", "--url", gateway.url, "-o", str(blocker / "inbox.html")]) == 2
    assert f"cannot write {blocker / 'inbox.html'}" in capsys.readouterr().err


def test_a_gateway_with_a_control_token_needs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "inbox.html"
    with serve("--port", "0", "--control-token", "s3cret") as (_, url):
        assert main(["report", "--url", url, "-o", str(target)]) == 2
        assert "needs the control token: give --token" in capsys.readouterr().err
        assert main(["report", "--url", url, "-o", str(target), "--token", "s3cret"]) == 0
    assert embedded(target.read_text("utf-8"))["messages"] == []


def test_the_pytest_option_names_the_test_that_sent_each_request(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
import pytest
from helpers import send

def test_sends_a_code(mockgateway):
    assert send(mockgateway.url, "85292041234", content="Your code is 482913")["result"] == 0

def test_sends_nothing(mockgateway):
    pass

@pytest.mark.mockgateway(strict=False)
def test_sends_a_bad_password(mockgateway):
    assert send(mockgateway.url, "85292041235", pwd="nope")["result"] == -100001

def test_fails_after_sending(mockgateway):
    send(mockgateway.url, "85292041236", content="before the failure")
    assert False, "on purpose"
""",
        "--mockgateway-report=out/inbox.html",
    )
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["mockgateway report: *out/inbox.html (3 requests, 2 messages, from 4 tests)"]
    )
    data = embedded((pytester.path / "out" / "inbox.html").read_text("utf-8"))
    by_test = {r["test"]: r for r in data["requests"]}
    assert set(by_test) == {
        "test_user.py::test_sends_a_code",
        "test_user.py::test_sends_a_bad_password",
        "test_user.py::test_fails_after_sending",
    }
    assert by_test["test_user.py::test_sends_a_bad_password"]["result"] == -100001
    assert {m["test"]: m["content"] for m in data["messages"]} == {
        "test_user.py::test_sends_a_code": "Your code is 482913",
        "test_user.py::test_fails_after_sending": "before the failure",
    }
    assert data["messages"][0]["test"] == "test_user.py::test_fails_after_sending", "newest first"
    assert {t["name"]: t["outcome"] for t in data["tests"]} == {
        "test_user.py::test_sends_a_code": "passed",
        "test_user.py::test_sends_nothing": "passed",
        "test_user.py::test_sends_a_bad_password": "passed",
        "test_user.py::test_fails_after_sending": "failed",
    }
    assert data["source"] == "pytest session" and data["scenario"] == "default"


def test_under_xdist_each_worker_writes_its_own_file(pytester: pytest.Pytester) -> None:
    sent = [f"8529204123{i}" for i in range(6)]
    tests = "from helpers import send\n" + "".join(
        f"\ndef test_{i}(mockgateway):\n    assert send(mockgateway.url, {n!r})['result'] == 0\n"
        for i, n in enumerate(sent)
    )
    result = run(pytester, tests, "-n", "2", "--mockgateway-report=out/inbox.html")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["mockgateway report: one file per worker, *out/inbox-gw*.html*"])
    written = sorted(p.name for p in (pytester.path / "out").iterdir())
    assert written == ["inbox-gw0.html", "inbox-gw1.html"], "none by the controller"
    found = [
        m["mobile"]
        for name in written
        for m in embedded((pytester.path / "out" / name).read_text("utf-8"))["messages"]
    ]
    assert sorted(found) == sent, "every message in one worker's file, none twice"


def test_without_the_option_nothing_is_recorded_or_written(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
from helpers import send

def test_one(mockgateway):
    assert send(mockgateway.url, "85292041234")["result"] == 0
""",
    )
    result.assert_outcomes(passed=1)
    assert "mockgateway report" not in result.stdout.str()
    assert not list(pytester.path.rglob("*.html"))
