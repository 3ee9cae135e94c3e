"""What hostile or careless use of the control API costs: figures, not pass/fail.

    python benchmarks/hostile.py [--quick]

Each figure comes from a real ``mockgateway serve`` process on 127.0.0.1 (port 0); every load is
bounded in count and time. Printed as a table at the end:

- a send_single's latency with no wait open, and with 300 waits open (on 300 different filters);
- the CPU the server burns in 5 s with 300 idle ``reports=`` waits open and no traffic;
- a 3 MB valid scenario: the PUT's time, and the longest a health check waited meanwhile (how
  long the event loop stalled), and the 340-byte alias bomb's answer time;
- the time from SIGTERM to exit with a 300 s long-poll, a stall and a push in flight (push
  timeout 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SCENARIO = """
name: hostile-bench
auth: {timestamp_window: null, lockout_after: 1000000}
max_connections: 100000
reports: {delay: 3600}
"""


@contextmanager
def serving(scenario: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(scenario)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockgateway", "serve", "--port", "0", "--scenario", f.name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        match = re.search(r"http://[\d.]+:\d+", proc.stdout.readline())
        if not match:
            raise RuntimeError(proc.stderr.read() if proc.stderr else "no ready line")
        yield proc, match.group(0)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        os.unlink(f.name)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def signed(**fields: Any) -> dict[str, Any]:
    from mockgateway.client import credentials

    return {**credentials("J10003", "111111"), **fields}


async def open_waits(url: str, queries: list[str]) -> list[asyncio.StreamWriter]:
    host, port = url.removeprefix("http://").split(":")
    writers = []
    for query in queries:
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /_mock/wait?{query}&timeout=300 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        writers.append(writer)
    await asyncio.sleep(0.5)  # let the server register them
    return writers


async def latency(session: Any, url: str, count: int) -> float:
    """Median milliseconds of ``count`` send_single in a row."""
    times = []
    for i in range(count):
        body = signed(mobile=f"8529204{i % 10000:04d}", content="hi")
        began = time.perf_counter()
        async with session.post(f"{url}/sms/v2/std/send_single", json=body) as response:
            await response.read()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


async def waiting_costs(quick: bool) -> list[tuple[str, str]]:
    import aiohttp

    count = 100 if quick else 1000
    rows = []
    with serving(SCENARIO) as (_, url):
        async with aiohttp.ClientSession() as session:
            await latency(session, url, 50)
            alone = await latency(session, url, count)
            writers = await open_waits(url, [f"messages=999999&custid=c{i}" for i in range(300)])
            crowded = await latency(session, url, count)
            for writer in writers:
                writer.transport.abort()
    rows.append(("send_single, no wait open (median)", f"{alone:.2f} ms"))
    rows.append(("send_single, 300 waits open on 300 filters (median)", f"{crowded:.2f} ms"))
    with serving(SCENARIO) as (proc, url):
        async with aiohttp.ClientSession() as session:
            await latency(session, url, 20)  # reports not yet due (an hour away)
        writers = await open_waits(url, [f"reports=999&mobile=8529204{i:04d}" for i in range(300)])
        before = cpu_seconds(proc.pid)
        window = 1.0 if quick else 5.0
        await asyncio.sleep(window)
        burned = cpu_seconds(proc.pid) - before
        for writer in writers:
            writer.transport.abort()
    rows.append((f"CPU of 300 idle reports= waits over {window:g} s", f"{burned:.2f} s"))
    return rows


def large_scenario(size: int) -> str:
    parts = ["name: large\naccounts:\n  - {userid: J10003, password: '111111'}\n"]
    for index in range(999):
        networks = ", ".join(f"'10.{index % 250}.{j}.0/24'" for j in range(32))
        parts.append(
            f"  - {{userid: A{index:05d}, password: 'p{index}', allowed_ips: [{networks}]}}\n"
        )
    parts.append("rules:\n")
    filler = "x" * max(0, (size - sum(map(len, parts))) // 1000 - 80)
    for rule in range(1000):
        parts.append(
            f"  - when: {{mobile: '+8529300{rule:04d}', content: '{filler}'}}\n"
            "    respond: {result: -100999}\n"
        )
    return "".join(parts)


BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


async def scenario_costs(quick: bool) -> list[tuple[str, str]]:
    import aiohttp

    text = large_scenario(300_000 if quick else 3_000_000)
    with serving(SCENARIO) as (_, url):
        async with aiohttp.ClientSession() as session:
            began = time.perf_counter()
            putting = asyncio.create_task(session.put(f"{url}/_mock/scenario", data=text))
            waits = []
            while not putting.done():
                asked = time.perf_counter()
                async with session.get(f"{url}/_mock/health") as response:
                    await response.read()
                waits.append(time.perf_counter() - asked)
                await asyncio.sleep(0.01)
            response = await putting
            took = time.perf_counter() - began
            assert response.status == 200, await response.text()
            response.release()
            began = time.perf_counter()
            async with session.put(f"{url}/_mock/scenario", data=BOMB) as bombed:
                assert bombed.status == 400
            bomb = time.perf_counter() - began
    size = f"{len(text) / 1e6:.1f} MB"
    return [
        (f"PUT /_mock/scenario, {size} valid (1,000 accounts, 1,000 rules)", f"{took:.2f} s"),
        (
            f"longest health check during that PUT ({len(waits)} checks)",
            f"{max(waits, default=0) * 1000:.0f} ms",
        ),
        (f"PUT /_mock/scenario, the {len(BOMB)}-byte alias bomb (400)", f"{bomb * 1000:.1f} ms"),
    ]


def stop_time() -> list[tuple[str, str]]:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    scenario = (
        "reports: {delay: 0}\naccounts:\n  - userid: J10003\n    password: '111111'\n"
        f"    push: {{url: 'http://127.0.0.1:{silent.getsockname()[1]}/rpt', timeout: 3}}\n"
        "rules:\n  - when: {endpoint: get_rpt}\n    fault: {stall: 600}\n"
    )
    import json
    import urllib.request

    try:
        with serving(scenario) as (proc, url):
            request = urllib.request.Request(
                f"{url}/sms/v2/std/send_single",
                data=json.dumps(signed(mobile="85292041234", content="hi")).encode(),
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(request, timeout=10).read()
            port = int(url.rsplit(":", 1)[1])
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
            held[0].sendall(b"GET /_mock/wait?messages=9&timeout=300 HTTP/1.1\r\n\r\n")
            held[1].sendall(b"GET /sms/v2/std/get_rpt HTTP/1.1\r\n\r\n")
            time.sleep(0.5)
            began = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
            took = time.perf_counter() - began
            for sock in held:
                sock.close()
    finally:
        silent.close()
    return [("SIGTERM to exit: a 300 s long-poll, a stall, a push in flight (timeout 3 s)",
             f"{took:.2f} s")]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke test")
    quick = parser.parse_args().quick
    rows = asyncio.run(waiting_costs(quick))
    rows += asyncio.run(scenario_costs(quick))
    rows += stop_time()
    width = max(len(what) for what, _ in rows)
    print()
    print(f"| {'what':<{width}} | figure |")
    print(f"| {'-' * width} | --- |")
    for what, figure in rows:
        print(f"| {what:<{width}} | {figure} |")


if __name__ == "__main__":
    main()
