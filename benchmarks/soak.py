"""Soak: sustained send_batch against ``mockgateway serve`` at its default settings, past the
journal's caps, printing the server's RSS as it goes. Its memory must settle once the journal is
full: every entry the journal drops is freed.

    python benchmarks/soak.py [--batches 30000] [--every 1000] [--quick]

The server is the real CLI on the built-in default scenario (journal: 100,000 entries and 256 MiB
each); the client sends batches of 1,000 numbers from a few connections and fetches the reports
with get_rpt as a real client would (pending reports are never dropped, so a client that never
fetches them would grow the queue by design). With 1,000-number bodies the requests journal
reaches its byte cap after about 19,000 batches; the messages and reports journals reach their
entry caps after 100. Bounded in count; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

NUMBERS = ",".join(f"85292{n:06d}" for n in range(1000))
BACKLOG = 50_000
"""Reports sent but not yet fetched at most; senders wait for the fetchers past it."""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def soak(url: str, pid: int, batches: int, every: int, senders: int) -> list[float]:
    import aiohttp

    from mockgateway.client import credentials

    readings: list[float] = []
    sent = fetched = 0
    next_mark = every
    started = time.monotonic()

    async def send(session: aiohttp.ClientSession) -> None:
        nonlocal sent, next_mark
        while sent < batches:
            if sent * 1000 - fetched > BACKLOG:
                await asyncio.sleep(0.05)  # the fetchers are behind: what is pending is kept
                continue
            sent += 1
            body = {**credentials("J10003", "111111"), "mobile": NUMBERS, "content": "soak"}
            async with session.post(f"{url}/sms/v2/std/send_batch", json=body) as response:
                answer = await response.json()
                assert answer["result"] == 0, answer
            if sent >= next_mark:
                next_mark += every
                readings.append(rss_mb(pid))
                rate = sent * 1000 / (time.monotonic() - started)
                print(
                    f"{sent * 1000:>12,} messages  RSS {readings[-1]:7.1f} MB  "
                    f"({rate:,.0f} messages/s)",
                    flush=True,
                )

    async def fetch(session: aiohttp.ClientSession) -> None:
        nonlocal fetched
        deadline = time.monotonic() + 3600
        while fetched < batches * 1000 and time.monotonic() < deadline:
            body = {**credentials("J10003", "111111"), "retsize": 500}
            async with session.post(f"{url}/sms/v2/std/get_rpt", json=body) as response:
                rpts = (await response.json())["rpts"]
            fetched += len(rpts)
            if not rpts:
                await asyncio.sleep(0.1)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(send(session) for _ in range(senders)), *(fetch(session) for _ in range(2))
        )
    print(f"sent {batches * 1000:,} messages, fetched {fetched:,} reports")
    return readings


def verdict(readings: list[float]) -> str:
    """Flat when the last reading is within 10% of the reading at two thirds of the run."""
    if len(readings) < 3:
        return "too short to tell"
    settled = readings[len(readings) * 2 // 3]
    return "flat" if readings[-1] <= settled * 1.10 else "growing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=30_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (for tests)")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.every = 30, 10
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockgateway", "serve", "--port", "0", "--log", "none"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+", line)
        if match is None:
            raise RuntimeError(f"no ready line: {line!r}")
        print(f"server RSS at start {rss_mb(proc.pid):.1f} MB")
        readings = asyncio.run(
            soak(match.group(0), proc.pid, args.batches, args.every, args.senders)
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    shown = ", ".join(f"{r:.0f}" for r in readings)
    print(f"| soak: {args.batches * 1000:,} messages by send_batch, default journal | {shown} MB |")
    print(f"verdict: {verdict(readings)}")


if __name__ == "__main__":
    main()
