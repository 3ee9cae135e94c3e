"""The README's curl example, run against a real ``mockgateway serve`` process."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import serve

SCRIPT = Path(__file__).with_name("curl_example.sh")


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_curl_example_sends_waits_and_fetches_the_report() -> None:
    with serve("--port", "0") as (_, url):
        result = subprocess.run(
            ["bash", str(SCRIPT), url], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 0, result.stderr
    sent, waited, fetched, rejected = (json.loads(line) for line in result.stdout.splitlines())
    assert sent["result"] == 0
    assert waited["seen"] == 1
    assert fetched["rpts"][0]["msgid"] == sent["msgid"]
    assert fetched["rpts"][0]["errcode"] == "DELIVRD"
    assert rejected["count"] == 0
