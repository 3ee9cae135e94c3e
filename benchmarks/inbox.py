"""What the inbox costs on a full journal: figures, not pass/fail.

    python benchmarks/inbox.py [--quick]

A gateway behind a real socket (127.0.0.1, port 0) is filled with N messages (100,000; 10,000
with ``--quick``) by send_batch, then each feed query the page makes is timed, with the longest
the event loop went without running other work meanwhile (a 1 ms ticker's longest gap), and one
live stream's delivery of a 1,000-number batch. With Debian's chromium present, the time for the
page to show its first 200 messages is measured too.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SCENARIO = """
name: inbox-bench
seed: 1
numbers: relaxed
auth: {timestamp_window: null}
reports: {delay: 3600}
"""
QUERIES = [
    ("first page of messages", "kind=messages"),
    ("messages, one number", "kind=messages&mobile=85290000123"),
    ("messages, a search with no match", "kind=messages&q=nothing-like-this"),
    ("messages, state pending", "kind=messages&state=pending"),
    ("first page of requests", "kind=requests"),
    ("rejected requests", "kind=rejected"),
]


class Ticker:
    """The longest gap between 1 ms sleeps: how long the event loop was held by one task."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def fill(client: Any, count: int) -> None:
    from mockgateway.client import credentials

    for start in range(0, count, 1000):
        numbers = ",".join(str(85290000000 + i) for i in range(start, min(count, start + 1000)))
        fields = {**credentials("J10003", "111111"), "mobile": numbers, "content": "bench 1234"}
        async with client.post("/sms/v2/std/send_batch", json=fields) as response:
            assert (await response.json())["result"] == 0


async def measure(count: int) -> list[tuple[str, str]]:
    from aiohttp.test_utils import TestClient, TestServer

    from mockgateway.domain.gateway import Gateway
    from mockgateway.http.app import create_app
    from mockgateway.scenario import load_text

    gateway = Gateway(load_text(SCENARIO))
    server = TestServer(create_app(gateway), host="127.0.0.1", port=0)
    client = TestClient(server)
    await client.start_server()
    rows: list[tuple[str, str]] = []
    try:
        started = time.perf_counter()
        await fill(client, count)
        rows.append(
            (f"fill: {count:,} messages by send_batch", f"{time.perf_counter() - started:.1f} s")
        )
        for name, query in QUERIES:
            took = []
            with Ticker() as ticker:
                for _ in range(5):
                    t = time.perf_counter()
                    async with client.get(f"/_mock/ui/feed?{query}") as response:
                        body = await response.read()
                    took.append(time.perf_counter() - t)
            rows.append(
                (
                    f"feed: {name}",
                    f"{statistics.median(took) * 1000:.0f} ms median, loop held at most "
                    f"{ticker.longest * 1000:.0f} ms, {len(body) / 1024:.0f} KiB",
                )
            )
        rows.append(await stream_figure(client))
        url = str(server.make_url("/"))
        rows.extend(await asyncio.to_thread(browser_figure, url))
    finally:
        await client.close()
    return rows


async def stream_figure(client: Any) -> tuple[str, str]:
    """One live stream told of a 1,000-number batch: the time until its request event arrives."""
    from mockgateway.client import credentials

    async with client.get("/_mock/ui/events") as stream:
        await stream.content.readline()
        numbers = ",".join(str(85291000000 + i) for i in range(1000))
        fields = {**credentials("J10003", "111111"), "mobile": numbers, "content": "live"}
        started = time.perf_counter()
        async with client.post("/sms/v2/std/send_batch", json=fields) as response:
            await response.read()
        names = []
        while True:
            line = await asyncio.wait_for(stream.content.readline(), 30)
            if line.startswith(b"event: "):
                names.append(line[7:].strip().decode())
                if names[-1] in ("request", "resync"):
                    break
        took = time.perf_counter() - started
    return (
        "live stream: a 1,000-number batch",
        f"{took * 1000:.0f} ms to its last event ({len(names)} events, ends with {names[-1]})",
    )


def browser_figure(url: str) -> list[tuple[str, str]]:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return [("page: first 200 messages shown", "skipped (no /usr/bin/chromium)")]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(url)
        page.locator(".message").nth(199).wait_for(timeout=60_000)
        took = time.perf_counter() - started
        cards = page.evaluate("document.querySelectorAll('.card').length")
        browser.close()
    return [("page: first 200 messages shown", f"{took * 1000:.0f} ms ({cards} cards in the page)")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 messages, not 100,000")
    count = 10_000 if parser.parse_args().quick else 100_000
    rows = asyncio.run(measure(count))
    width = max(len(name) for name, _ in rows)
    print()
    for name, figure in rows:
        print(f"{name:<{width}}  {figure}")


if __name__ == "__main__":
    main()
