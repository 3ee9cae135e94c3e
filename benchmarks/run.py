"""mockgateway benchmarks: how fast, how big, side by side with the stack's own limit.

    python benchmarks/run.py [--duration 10] [--concurrency 64] [--quick] [--write]

Everything runs on 127.0.0.1, every load is bounded in time and count, and the table printed at
the end gives ratios from this one run (timings are noisy on shared machines: compare ratios).
``--write`` puts the table into benchmarks/RESULTS.md with the date and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SUBMIT_SCENARIO = """
name: bench
auth: {timestamp_window: null, lockout_after: 1000000}
max_connections: 100000
reports: {delay: 3600}
"""


def signed(**fields: Any) -> dict[str, Any]:
    from mockgateway.client import credentials

    return {**credentials("J10003", "111111"), **fields}


# --- servers in their own processes ------------------------------------------------------


@contextmanager
def process(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start a server that prints ``... http://HOST:PORT ...`` when ready; yield its URL."""
    proc = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+", line)
        if not match:
            why = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"no ready line from {args}: {line!r} {why}")
        yield proc, match.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def gateway(scenario: str) -> Iterator[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(scenario)
    try:
        with process("-m", "mockgateway", "serve", "--port", "0", "--scenario", f.name) as (
            _,
            url,
        ):
            yield url
    finally:
        os.unlink(f.name)


def bare_server(size: int) -> None:
    """The stack's own limit: an aiohttp handler that reads the body and returns a constant."""
    from aiohttp import web

    answer = (
        b'{"result":0,"desc":"%e6%88%90%e5%8a%9f","msgid":'
        + b"9" * max(1, size - 60)
        + b',"custid":"x"}'
    )

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=answer, content_type="application/json")

    app = web.Application()
    app.router.add_post("/sms/v2/std/send_single", handle)
    _run_app(app)


def receiver_server() -> None:
    """A push receiver that acknowledges every push (reports or MOs) at once."""
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        answer = body["cmd"].replace("_REQ", "_RESP")  # RPT_RESP or MO_RESP
        return web.json_response({"cmd": answer, "seqid": body["seqid"], "result": 0})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/rpt", handle)
    app.router.add_post("/mo", handle)
    _run_app(app)


def _run_app(app: Any) -> None:
    from aiohttp import web

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# --- load generators ---------------------------------------------------------------------


def wrk(url: str, body: bytes, duration: float, concurrency: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--latency",
             "-s", f.name, url],
            capture_output=True, text=True, timeout=duration + 60, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99")}


async def _aiohttp_load(
    url: str, body: bytes, duration: float, concurrency: int, limit: int
) -> dict[str, float]:
    import aiohttp

    latencies: list[float] = []
    deadline = time.perf_counter() + duration
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker() -> None:
            while time.perf_counter() < deadline and len(latencies) < limit:
                began = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def load(url: str, body: bytes, duration: float, concurrency: int) -> tuple[str, dict[str, float]]:
    if shutil.which("wrk"):
        return "wrk", wrk(url, body, duration, concurrency)
    return "aiohttp", asyncio.run(_aiohttp_load(url, body, duration, concurrency, 1_000_000))


# --- the measurements --------------------------------------------------------------------


def submit(duration: float, concurrency: int, *, with_peer: bool = True) -> list[str]:
    body = json.dumps(signed(mobile="85292041234", content="hello")).encode()
    with gateway(SUBMIT_SCENARIO) as url:
        tool, mock = load(f"{url}/sms/v2/std/send_single", body, duration, concurrency)
        answer = _post(f"{url}/sms/v2/std/send_single", body)
        answer_size = len(answer)
    with process(__file__, "--role", "bare", "--size", str(answer_size)) as (_, url):
        _, bare = load(f"{url}/sms/v2/std/send_single", body, duration, concurrency)
    ratio = mock["rps"] / bare["rps"]
    return [
        f"| send_single, JSON, journal on ({tool}, {concurrency} connections) | "
        f"{mock['rps']:,.0f} req/s | p50 {mock['p50_ms']:.2f} ms, p99 {mock['p99_ms']:.2f} ms | "
        f"**{ratio:.2f}x** the bare handler | ≥ 0.8x |",
        f"| bare aiohttp handler, same answer size ({answer_size} bytes) | "
        f"{bare['rps']:,.0f} req/s | p50 {bare['p50_ms']:.2f} ms, p99 {bare['p99_ms']:.2f} ms | "
        "1.00x | |",
        wiremock(answer, body, duration, concurrency, mock["rps"])
        if with_peer
        else "| WireMock | not run (--quick) | | | |",
    ]


WIREMOCK_DIR = HERE / ".wiremock"


def wiremock_jar() -> Path | str:
    """WireMock's standalone jar (the npm package ships it), fetched once into an ignored folder;
    the reason as a string where it cannot be had."""
    if shutil.which("java") is None:
        return "no Java on this machine"
    found = sorted(WIREMOCK_DIR.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
    if not found and shutil.which("npm"):
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(WIREMOCK_DIR),
             "wiremock@3"],
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        found = sorted(WIREMOCK_DIR.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
    return found[-1] if found else "the npm package wiremock could not be installed"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wiremock(answer: bytes, body: bytes, duration: float, concurrency: int, mock_rps: float) -> str:
    """The peer: WireMock serving a static stub of the same answer (its request journal on)."""
    import urllib.request

    jar = wiremock_jar()
    if isinstance(jar, str):
        return f"| WireMock, static stub | not run: {jar} | | | |"
    root = Path(tempfile.mkdtemp())
    (root / "mappings").mkdir()
    stub = {
        "request": {"method": "POST", "url": "/sms/v2/std/send_single"},
        "response": {
            "status": 200,
            "body": answer.decode(),
            "headers": {"Content-Type": "application/json; charset=utf-8"},
        },
    }
    (root / "mappings" / "stub.json").write_text(json.dumps(stub))
    port = free_port()
    java = subprocess.Popen(
        ["java", "-jar", str(jar), "--port", str(port), "--root-dir", str(root),
         "--disable-banner", "--disable-request-logging"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/__admin/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        target = f"{url}/sms/v2/std/send_single"
        load(target, body, min(duration, 3), concurrency)  # the JVM warms up first
        tool, peer = load(target, body, duration, concurrency)
    finally:
        java.terminate()
        java.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)
    return (
        f"| WireMock {jar.stem.rsplit('-', 1)[-1]}, static stub, same answer ({tool}) | "
        f"{peer['rps']:,.0f} req/s | p50 {peer['p50_ms']:.2f} ms, p99 {peer['p99_ms']:.2f} ms | "
        f"mockgateway is {mock_rps / peer['rps']:.2f}x WireMock | |"
    )


def _post(url: str, body: bytes) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        data: bytes = response.read()
        return data


def batch(duration: float) -> list[str]:
    numbers = ",".join(f"85292{n:06d}" for n in range(1000))
    body = json.dumps(signed(mobile=numbers, content="hello")).encode()
    with gateway(SUBMIT_SCENARIO + "journal: {limit: 20000}\n") as url:
        result = asyncio.run(
            _aiohttp_load(f"{url}/sms/v2/std/send_batch", body, duration, 2, 1_000_000)
        )
    return [
        f"| send_batch, 1000 numbers | {result['rps']:,.1f} req/s "
        f"({result['rps'] * 1000:,.0f} messages/s) | {result['p50_ms']:.1f} ms per request (p50) "
        "| | |"
    ]


def injected_delay(count: int) -> list[str]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * count + 256)), hard))
    scenario = SUBMIT_SCENARIO + "rules:\n  - fault: {delay: 1}\n"
    body = json.dumps(signed(mobile="85292041234", content="hello")).encode()

    async def fire(url: str) -> tuple[float, int]:
        import aiohttp

        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=30)
        ) as session:

            async def one() -> tuple[float, int]:
                async with session.post(
                    url, data=body, headers={"Content-Type": "application/json"}
                ) as response:
                    result = (await response.json())["result"]
                return time.perf_counter(), result

            began = time.perf_counter()
            done = await asyncio.gather(*(one() for _ in range(count)))
        spread = max(t for t, _ in done) - began
        return spread, sum(1 for _, r in done if r == 0)

    with gateway(scenario) as url:
        spread, ok = asyncio.run(fire(f"{url}/sms/v2/std/send_single"))
    return [
        f"| {count} concurrent requests, each delayed 1 s | all {ok} answered within "
        f"**{spread:.2f} s** of the first send | | | ≤ 1.5 s |"
    ]


def push_rate(count: int) -> list[str]:
    with process(__file__, "--role", "receiver") as (_, receiver):
        rate = asyncio.run(_push(f"{receiver}/rpt", count))
    return [
        f"| push, batches of 500, {count:,} reports to a local receiver | "
        f"**{rate:,.0f} reports/s** | | | ≥ 20,000/s |"
    ]


async def _push(url: str, count: int) -> float:
    from aiohttp import web

    from mockgateway.domain.calls import ApiRequest
    from mockgateway.domain.gateway import Gateway
    from mockgateway.endpoints import REGISTRY
    from mockgateway.http.app import create_app
    from mockgateway.protocol.codec import Format
    from mockgateway.scenario import load_text

    scenario = load_text(
        SUBMIT_SCENARIO.replace("delay: 3600", "delay: 0")
        + f"journal: {{limit: {count + 10}}}\n"
        + f"push: {{url: '{url}', linger: 0.2}}\n"
    )
    gw = Gateway(scenario)
    runner = web.AppRunner(create_app(gw))
    await runner.setup()  # starts the push workers
    numbers = ",".join(f"85292{n:06d}" for n in range(1000))
    fields = signed(mobile=numbers, content="hello")
    began = time.perf_counter()
    for _ in range(count // 1000):
        answer = gw.handle(
            ApiRequest("send_batch", REGISTRY["send_batch"], "POST", Format.JSON, fields)
        )
        assert answer.code == 0, answer
        await asyncio.sleep(0)
    while sum(1 for p in gw.pushes if p.acknowledged) * 500 < count:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - began
    await runner.cleanup()
    return count / elapsed


def mo_push_rate(count: int) -> list[str]:
    with process(__file__, "--role", "receiver") as (_, receiver):
        rate = asyncio.run(_mo_push(f"{receiver}/mo", count))
    return [
        f"| MO push, batches of 100, {count:,} MOs to a local receiver | **{rate:,.0f} MOs/s** "
        "| queued first, timed from setting the URL to the last acknowledgement | | |"
    ]


async def _mo_push(url: str, count: int) -> float:
    from aiohttp import web

    from mockgateway.domain.gateway import Gateway
    from mockgateway.domain.inbound import read_injection
    from mockgateway.http.app import create_app
    from mockgateway.scenario import load_text

    gw = Gateway(load_text(SUBMIT_SCENARIO + f"edition: domestic\njournal: {{limit: {count}}}\n"))
    runner = web.AppRunner(create_app(gw))
    await runner.setup()  # starts the push workers
    for n in range(count):
        body = {"userid": "J10003", "mobile": f"86138{n % 100_000_000:08d}", "content": "TD"}
        gw.inject_mo(read_injection(body, gw.accounts.current))
    began = time.perf_counter()
    await gw.set_mo_push("J10003", url)
    while gw.pending_mos():
        if time.perf_counter() - began > 300:
            raise RuntimeError(f"{gw.pending_mos()} MOs not pushed in 300 s")
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - began
    await runner.cleanup()
    return count / elapsed


def startup(runs: int) -> list[str]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        with process("-m", "mockgateway", "serve", "--port", "0"):
            times.append(time.perf_counter() - began)
    return [
        f"| start-up to the ready line (median of {runs}) | **{statistics.median(times):.3f} s** "
        f"| min {min(times):.3f} s, max {max(times):.3f} s | | < 0.5 s |"
    ]


SOAK_CAP = 2_000
"""Small enough that every journal is full after the first fifth of the soak."""


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory(marks: list[int], soak_rounds: int) -> list[str]:
    from mockgateway.domain.calls import ApiRequest
    from mockgateway.domain.gateway import Gateway
    from mockgateway.endpoints import REGISTRY
    from mockgateway.protocol.codec import Format
    from mockgateway.scenario import load_text

    rows = []
    base = rss_mb()
    gw = Gateway(load_text(SUBMIT_SCENARIO + f"journal: {{limit: {max(marks) + 10}}}\n"))
    numbers = ",".join(f"85292{n:06d}" for n in range(1000))
    fields = signed(mobile=numbers, content="hello")
    request = ApiRequest("send_batch", REGISTRY["send_batch"], "POST", Format.JSON, fields)
    sent = 0
    for mark in sorted(marks):
        while sent < mark:
            assert gw.handle(request).code == 0
            sent += 1000
        gc.collect()
        rows.append(
            f"| RSS after {mark:,} accepted messages (journal holds all, reports pending) | "
            f"{rss_mb():,.0f} MB | {(rss_mb() - base) * 1024 * 1024 / mark:,.0f} bytes per "
            "message | | |"
        )
    del gw, request
    gc.collect()
    soak = Gateway(load_text(SUBMIT_SCENARIO.replace("delay: 3600", "delay: 0")
                             + f"journal: {{limit: {SOAK_CAP}}}\n"))  # fmt: skip
    rpt = ApiRequest("get_rpt", REGISTRY["get_rpt"], "POST", Format.JSON, signed(retsize=500))
    send = ApiRequest("send_batch", REGISTRY["send_batch"], "POST", Format.JSON, fields)
    readings = []
    for round_ in range(soak_rounds):
        assert soak.handle(send).code == 0
        while soak.handle(rpt).result:
            pass
        if round_ % max(1, soak_rounds // 5) == 0:
            gc.collect()
            readings.append(rss_mb())
    settled = readings[1 if len(readings) > 1 else 0]
    verdict = "flat" if readings[-1] <= settled * 1.1 else "growing"
    rows.append(
        f"| soak: {soak_rounds * 1000:,} messages sent and fetched, journal cap {SOAK_CAP:,} | "
        f"RSS {', '.join(f'{r:.0f}' for r in readings)} MB at each fifth | {verdict} | | flat |"
    )
    return rows


def memory_in_child(marks: list[int], soak_rounds: int) -> list[str]:
    """Memory in a fresh process, so that nothing measured before counts against it."""
    args = ["--role", "memory", "--marks", ",".join(map(str, marks)), "--soak", str(soak_rounds)]
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=1800, check=True
    ).stdout
    return [line for line in out.splitlines() if line.startswith("|")]


ANALYSIS = "## Analysis"
"""``--write`` replaces the figures and keeps everything from this heading on."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load run")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (for tests)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    parser.add_argument("--role", choices=("bare", "receiver", "memory"), help=argparse.SUPPRESS)
    parser.add_argument("--marks", default="100000", help=argparse.SUPPRESS)
    parser.add_argument("--soak", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=100, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "bare":
        return bare_server(args.size)
    if args.role == "receiver":
        return receiver_server()
    if args.role == "memory":
        for row in memory([int(m) for m in args.marks.split(",")], args.soak):
            print(row)
        return None
    quick = args.quick
    duration = 1.0 if quick else args.duration
    rows = ["| what | figure | detail | ratio | target |", "| --- | --- | --- | --- | --- |"]
    steps: list[Callable[[], list[str]]] = [
        lambda: submit(duration, 8 if quick else args.concurrency, with_peer=not quick),
        lambda: batch(duration),
        lambda: injected_delay(50 if quick else 1000),
        lambda: push_rate(2_000 if quick else 200_000),
        lambda: mo_push_rate(2_000 if quick else 100_000),
        lambda: startup(2 if quick else 7),
        lambda: memory_in_child([2_000] if quick else [100_000, 1_000_000], 5 if quick else 1000),
    ]
    for step in steps:
        for row in step():
            print(row, flush=True)
            rows.append(row)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    table = "\n".join(rows)
    print(f"\n{machine}\n\n{table}")
    if args.write:
        results = HERE / "RESULTS.md"
        kept = ""
        if results.exists() and ANALYSIS in results.read_text():
            kept = "\n" + ANALYSIS + results.read_text().split(ANALYSIS, 1)[1]
        results.write_text(
            f"# Benchmark results\n\nOne run of `python benchmarks/run.py` on "
            f"{datetime.now():%Y-%m-%d %H:%M}, {machine}.\n\n{table}\n{kept}"
        )


if __name__ == "__main__":
    main()
