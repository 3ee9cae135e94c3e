"""The command line, run as a user runs it: a real process, a real port, real signals."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mockgateway.client import credentials

READY_TIMEOUT = 20


@contextmanager
def serve(
    *args: str,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``mockgateway serve`` and yield it with its base URL, read from the ready line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockgateway", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec_fn,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the server prints exactly one line when ready
        assert re.fullmatch(
            r"mockgateway listening on http://127\.0\.0\.1:\d+ \(scenario [\w.-]+\)\n", line
        ), line + (process.stderr.read() if process.stderr else "")
        url = line.split()[3]
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=READY_TIMEOUT)


def post_json(url: str, body: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=READY_TIMEOUT) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def health(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}/_mock/health", timeout=READY_TIMEOUT) as response:
        answer: dict[str, object] = json.load(response)
        return answer


@pytest.mark.parametrize("loop", ["auto", "asyncio"])
def test_serve_on_port_zero_answers_and_stops_cleanly_on_sigterm(loop: str) -> None:
    """On uvloop where it is installed (the ``fast`` extra, in the test extra too), else, or
    with ``MOCKGATEWAY_LOOP=asyncio``, on asyncio's own loop."""
    with serve("--port", "0", env={"MOCKGATEWAY_LOOP": loop}) as (process, url):
        with open(f"/proc/{process.pid}/maps") as maps:
            assert ("uvloop" in maps.read()) == (loop == "auto")
        host_port = url.removeprefix("http://")
        assert host_port.startswith("127.0.0.1:") and int(host_port.split(":")[1]) > 0
        answer = post_json(
            f"{url}/sms/v2/std/send_single",
            {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"},
        )
        assert answer["result"] == 0
        assert health(url)["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=READY_TIMEOUT)
        assert process.returncode == 0, err
        assert "mockgateway stopped: 1 requests, 1 messages, 1 reports not yet collected" in out
        assert "Traceback" not in err


def test_ctrl_c_stops_cleanly() -> None:
    with serve("--port", "0") as (process, _):
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=READY_TIMEOUT)
        assert process.returncode == 0
        assert "Traceback" not in err


def test_scenario_from_a_file_and_seed_from_the_command_line(tmp_path: Path) -> None:
    scenario = tmp_path / "mine.yaml"
    scenario.write_text("name: mine\nseed: 11\n")
    with serve("--port", "0", "--scenario", str(scenario)) as (_, url):
        assert health(url) == {"status": "ok", "scenario": "mine", "seed": 11, "clock": "real"}
    with serve("--port", "0", "--scenario", "default", "--seed", "4") as (_, url):
        assert health(url) == {"status": "ok", "scenario": "default", "seed": 4, "clock": "real"}


def test_environment_variables_set_the_options(tmp_path: Path) -> None:
    scenario = tmp_path / "envy.yaml"
    scenario.write_text("name: envy\n")
    env = {
        "MOCKGATEWAY_PORT": "0",
        "MOCKGATEWAY_HOST": "127.0.0.1",
        "MOCKGATEWAY_SCENARIO": str(scenario),
    }
    with serve(env=env) as (_, url):
        assert health(url)["scenario"] == "envy"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockgateway", *args], capture_output=True, text=True, timeout=60
    )


def test_version() -> None:
    from importlib.metadata import version

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout == f"mockgateway {version('mockgateway')}\n"


def test_serve_help_explains_host_the_terminal_and_the_built_in_names() -> None:
    from mockgateway.scenario.loader import builtin_names

    result = run_cli("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines
    assert "--host HOST the address to listen on (default 127.0.0.1: this machine only" in text
    assert "run your tests and other commands in another terminal" in text
    unwrapped = text.replace("- ", "-")  # argparse also breaks lines after a hyphen
    assert "the name of a built-in one: " + ", ".join(builtin_names()) in unwrapped
    assert "lockout-drill" in unwrapped


def test_an_unknown_scenario_name_is_a_clear_error() -> None:
    result = run_cli("serve", "--port", "0", "--scenario", "no-such-thing")
    assert result.returncode == 2
    assert (
        "no file and no built-in scenario of that name (built-in: auth-strict, callback-down"
        in (result.stderr)
    )


def test_a_port_in_use_is_a_clear_error() -> None:
    with serve("--port", "0") as (_, url):
        port = url.rsplit(":", 1)[1]
        result = run_cli("serve", "--port", port)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_check_accepts_good_files_and_lists_every_problem_of_bad_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: good\nseed: 1\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nclock: maybe\nreports:\n  delay: {min: 5, max: 1}\nsede: 3\n")
    ok = run_cli("check", str(good))
    assert ok.returncode == 0 and f"{good}: ok" in ok.stdout
    result = run_cli("check", str(good), str(bad))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert f"{bad}:2: clock: must be one of real, virtual; got 'maybe'" in lines
    assert f"{bad}:4: reports.delay: min (5) is above max (1)" in lines
    assert any(
        line.startswith(f"{bad}:5: sede: unknown key 'sede' (did you mean 'seed'?)")
        for line in lines
    )


def test_every_file_in_scenarios_checks_clean_with_the_installed_command() -> None:
    folder = Path(__file__).parents[1] / "scenarios"
    files = sorted(str(p) for p in folder.glob("*.yaml"))
    assert len(files) >= 11
    command = Path(sys.executable).parent / "mockgateway"  # the console script pip installed
    result = subprocess.run(
        [str(command), "check", *files], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{f}: ok" for f in files]
    assert result.stderr == ""  # not even a warning


def test_check_warns_about_codes_in_neither_table_but_passes(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("rules:\n  - respond: {result: -42}\n")
    result = run_cli("check", str(odd))
    assert result.returncode == 0
    assert f"warning: {odd}:2: rules.0.respond.result: -42 is in neither" in result.stderr


def test_check_shows_the_warnings_of_a_file_with_problems_too(tmp_path: Path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text("rules:\n  - respond: {result: -42}\nseed: many\n")
    result = run_cli("check", str(both))
    assert result.returncode == 1
    assert f"{both}:3: seed:" in result.stderr
    assert f"warning: {both}:2: rules.0.respond.result: -42 is in neither" in result.stderr


def test_sigterm_lets_a_push_in_flight_end_and_counts_what_was_not_delivered(
    tmp_path: Path,
) -> None:
    silent = socket.socket()  # listens, never answers: the push waits for its timeout
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    scenario = tmp_path / "push.yaml"
    scenario.write_text(
        "reports: {delay: 0}\naccounts:\n  - userid: J10003\n    password: '111111'\n"
        f"    push: {{url: 'http://127.0.0.1:{port}/rpt', timeout: 1}}\n"
    )
    try:
        with serve("--port", "0", "--scenario", str(scenario)) as (process, url):
            fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
            assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0
            for _ in range(200):  # until the push is in flight
                with urllib.request.urlopen(f"{url}/_mock/pushes", timeout=5) as response:
                    if json.load(response)["count"]:
                        break
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=READY_TIMEOUT)
    finally:
        silent.close()
    assert process.returncode == 0, err
    assert "1 reports not yet collected or pushed (0 of them parked as undelivered)" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("log", ["problems", "none", "all"])
def test_the_log_names_each_rejection_and_its_diagnosis(log: str) -> None:
    with serve("--port", "0", "--log", log) as (process, url):
        good = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        post_json(f"{url}/sms/v2/std/send_single", good)
        bad = {**good, "pwd": good["pwd"].upper()}
        assert post_json(f"{url}/sms/v2/std/send_single", bad)["result"] == -100001
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=READY_TIMEOUT)
    rejected = "POST send_single (json) J10003 -> -100001\n    pwd in uppercase hex"
    accepted = "POST send_single (json) J10003 -> 0"
    if log == "none":
        assert "send_single" not in err
    else:
        assert rejected in err
        assert (accepted in err) == (log == "all")


def test_the_json_log_is_one_object_per_request_and_nothing_else() -> None:
    with serve("--port", "0", "--log", "json") as (process, url):
        good = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        post_json(f"{url}/sms/v2/std/send_single", good)
        bad = {**good, "pwd": good["pwd"].upper()}
        assert post_json(f"{url}/sms/v2/std/send_single", bad)["result"] == -100001
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1]))) as raw:
            raw.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
            raw.recv(1000)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=READY_TIMEOUT)
    lines = [json.loads(line) for line in err.splitlines()]
    requests = [line for line in lines if "endpoint" in line]
    assert [(r["endpoint"], r["result"]) for r in requests] == [
        ("send_single", 0),
        ("send_single", -100001),
    ]
    assert requests[1]["diagnosis"].startswith("pwd in uppercase hex")
    assert requests[0]["fields"]["mobile"] == "85292041234"
    others = [line for line in lines if "endpoint" not in line]
    assert others and all(set(line) == {"at", "level", "log"} for line in others)


@pytest.mark.parametrize("log", ["problems", "all", "json"])
def test_the_log_shows_each_mo_with_all_and_json(tmp_path: Path, log: str) -> None:
    scenario = tmp_path / "domestic.yaml"
    scenario.write_text("edition: domestic\n")
    with serve("--port", "0", "--scenario", str(scenario), "--log", log) as (process, url):
        body = {"userid": "J10003", "mobile": "8613800138000", "content": "退订\n" + "x" * 80}
        assert post_json(f"{url}/_mock/mo", body)["segments"] == 2
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=READY_TIMEOUT)
    assert "2 MO items not yet collected or pushed" in out
    if log == "problems":
        assert "MO" not in err
    elif log == "all":
        (line,) = [line for line in err.splitlines() if " MO " in line]
        assert re.fullmatch(
            r"\d\d:\d\d:\d\d MO J10003 <- 8613800138000 on 100045789 \(injected, 2 segments\): "
            r"'退订\\nxxx.*… \(83 characters\)",
            line,
        ), line
    else:
        (mo,) = [json.loads(line) for line in err.splitlines() if '"event": "mo"' in line]
        assert (mo["pknum"], mo["pktotal"], mo["text"]) == (1, 2, body["content"])
