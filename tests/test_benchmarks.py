"""The benchmark script runs end to end (a very short run). It asserts no speed: figures belong in
benchmarks/RESULTS.md, not in tests on a noisy machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_a_quick_benchmark_run_prints_every_figure() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("\n\n")[-1]
    for figure in (
        "send_single, JSON",
        "µs** CPU/request",
        "bare aiohttp handler, same answer",
        "send_batch of 1000 numbers",
        "get_rpt of 500",
        "push of 2,000 reports",
        "concurrent requests, each delayed 1 s",
        "MO push of 2,000 MOs",
        "start-up to the ready line",
        "RSS after",
    ):
        assert figure in table, figure


def test_a_quick_soak_run_settles() -> None:
    script = SCRIPT.parent / "soak.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "| soak: 30,000 messages by send_batch, default journal |" in result.stdout
    assert "verdict:" in result.stdout


def test_a_quick_hostile_benchmark_run_prints_every_figure() -> None:
    script = SCRIPT.parent / "hostile.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for figure in (
        "send_single, no wait open",
        "300 waits open on 300 filters",
        "CPU of 300 idle reports= waits",
        "PUT /_mock/scenario",
        "longest health check during that PUT",
        "alias bomb (400)",
        "SIGTERM to exit",
    ):
        assert figure in result.stdout, figure


def test_a_quick_inbox_benchmark_run_prints_every_figure() -> None:
    script = SCRIPT.parent / "inbox.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for figure in (
        "fill: 10,000 messages",
        "feed: first page of messages",
        "feed: messages, a search with no match",
        "live stream: a 1,000-number batch",
        "page: first 200 messages shown",
    ):
        assert figure in result.stdout, figure
