"""mockgateway benchmarks: CPU per request of the server process, beside its anchors, in one run.

    python benchmarks/run.py [--rounds 5] [--seconds 4] [--quick] [--write]

The figure is **CPU time per request of the server process** (user + system, read from
``/proc/PID/stat`` before and after each load), divided by the requests it served: throughput
swings with the scheduler on two shared cores, CPU per request much less. Each server runs in its
own process; the load (``wrk -t1``, or an aiohttp client where wrk is missing) runs in another.
The servers are measured in alternating rounds (gateway, bare handler, WireMock, gateway, ...)
so that a slow minute of the machine falls on all of them alike, and the medians are compared.

Anchors:
- the bare aiohttp handler: reads the body, answers a constant of the same size — the stack's
  own floor;
- WireMock serving a static stub of the same answer, when Java is present (its jar comes from the
  npm package ``wiremock`` into the ignored ``benchmarks/.wiremock``), warmed 20 s so its JIT is
  hot.

``--write`` puts the tables into benchmarks/RESULTS.md with the date and the machine, keeping the
analysis that follows them. Every load is bounded in time and count and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BENCH_SCENARIO = """
name: bench
auth: {timestamp_window: null, lockout_after: 1000000}
max_connections: 100000
reports: {delay: 3600, max_pending: 1000000000}
"""
"""No window (a long run outlives a timestamp) and reports that never fall due: send only."""

NUMBERS = ",".join(f"85292{n:06d}" for n in range(1000))
TICK = os.sysconf("SC_CLK_TCK")


def signed(**fields: Any) -> dict[str, Any]:
    from mockgateway.client import credentials

    return {**credentials("J10003", "111111"), **fields}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (its threads included)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- servers in their own processes ------------------------------------------------------


@dataclass
class Server:
    name: str
    url: str
    pid: int


@contextmanager
def process(*args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start a server that prints ``... http://HOST:PORT ...`` when ready."""
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+", line)
        if not match:
            raise RuntimeError(f"no ready line from {args}: {line!r}")
        yield Server(" ".join(args), match.group(0), proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def gateway(scenario: str = BENCH_SCENARIO, *, loop: str = "asyncio") -> Iterator[Server]:
    """``mockgateway serve``, the real CLI, on ``scenario``; on asyncio's own loop (the default
    install) unless ``loop`` is ``auto`` (uvloop, the ``fast`` extra, where installed)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(scenario)
    try:
        args = ("-m", "mockgateway", "serve", "--port", "0", "--log", "none", "--scenario", f.name)
        with process(*args, env={"MOCKGATEWAY_LOOP": loop}) as server:
            server.name = "mockgateway" if loop == "asyncio" else "mockgateway + uvloop"
            yield server
    finally:
        os.unlink(f.name)


def bare_server(answer_file: str) -> None:
    """The stack's floor: an aiohttp handler that reads the body and returns a constant."""
    from aiohttp import web

    answer = Path(answer_file).read_bytes()

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=answer, content_type="application/json", charset="utf-8")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    _run_app(app)


def receiver_server(mo: bool = False) -> None:
    """A push receiver that acknowledges everything at once."""
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        cmd = "MO_RESP" if body.get("cmd") == "MO_REQ" else "RPT_RESP"
        return web.json_response({"cmd": cmd, "seqid": body["seqid"], "result": 0})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/rpt", handle)
    app.router.add_post("/mo", handle)
    _run_app(app)


def gateway_app(metrics: bool, lane: bool = True) -> None:
    """The gateway's app built here rather than by the CLI, to measure a variant of it."""
    from aiohttp import web

    from mockgateway.domain.gateway import Gateway
    from mockgateway.http.app import create_app, make_runner
    from mockgateway.scenario import load_text

    async def main() -> None:
        app = create_app(Gateway(load_text(BENCH_SCENARIO)), metrics=metrics)
        runner = make_runner(app, express=lane)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 20, 20)  # as mockgateway serve does
        print(f"ready http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def _run_app(app: Any) -> None:
    from aiohttp import web

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(f"ready http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def bare(answer: bytes) -> Iterator[Server]:
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(answer)
    try:
        with process(__file__, "--role", "bare", "--answer", f.name) as server:
            server.name = "bare aiohttp handler"
            yield server
    finally:
        os.unlink(f.name)


WIREMOCK_DIR = HERE / ".wiremock"


def wiremock_jar() -> Path | str:
    """WireMock's standalone jar (the npm package ships it), fetched once into an ignored folder;
    the reason as a string where it cannot be had."""
    if shutil.which("java") is None:
        return "no Java on this machine"
    pattern = "node_modules/wiremock/build/wiremock-standalone-*.jar"
    found = sorted(WIREMOCK_DIR.glob(pattern))
    if not found and shutil.which("npm"):
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(WIREMOCK_DIR),
             "wiremock@3"],
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        found = sorted(WIREMOCK_DIR.glob(pattern))
    return found[-1] if found else "the npm package wiremock could not be installed"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def wiremock(jar: Path, path: str, answer: bytes) -> Iterator[Server]:
    """WireMock serving a static stub of the same answer (its request journal on)."""
    import urllib.request

    root = Path(tempfile.mkdtemp())
    (root / "mappings").mkdir()
    stub = {
        "request": {"method": "POST", "url": path},
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
        version = jar.stem.rsplit("-", 1)[-1]
        yield Server(f"WireMock {version}, static stub", url, java.pid)
    finally:
        java.terminate()
        java.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


# --- load --------------------------------------------------------------------------------


@dataclass
class Run:
    requests: int
    seconds: float
    cpu: float
    """Server CPU seconds spent on them."""

    @property
    def cpu_per_request_us(self) -> float:
        return self.cpu / max(1, self.requests) * 1e6

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, body: bytes, seconds: float, connections: int) -> tuple[int, float]:
    """(requests answered, seconds) of a wrk run POSTing ``body``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", f.name, url],
            capture_output=True, text=True, timeout=seconds + 60, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(f.name)
    match = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", out)
    if match is None:
        raise RuntimeError(f"wrk said: {out}")
    elapsed = float(match.group(2)) / (1000 if match.group(3) == "ms" else 1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed answers from {url}")
    return int(match.group(1)), elapsed


async def _client_load(
    url: str, body: bytes, seconds: float, connections: int
) -> tuple[int, float]:
    import aiohttp

    done = 0
    deadline = time.perf_counter() + seconds
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                done += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return done, time.perf_counter() - began


def load(server: Server, path: str, body: bytes, seconds: float, connections: int) -> Run:
    """One measured load on ``server``: requests, time, and the server's CPU for them."""
    url = server.url + path
    before = cpu_seconds(server.pid)
    if shutil.which("wrk"):
        requests, elapsed = wrk(url, body, seconds, connections)
    else:
        requests, elapsed = asyncio.run(_client_load(url, body, seconds, connections))
    return Run(requests, elapsed, cpu_seconds(server.pid) - before)


@dataclass
class Comparison:
    """Alternating rounds over several servers; medians per server."""

    runs: dict[str, list[Run]] = field(default_factory=dict)

    def add(self, name: str, run: Run) -> None:
        self.runs.setdefault(name, []).append(run)

    def cpu(self, name: str) -> float:
        return statistics.median(r.cpu_per_request_us for r in self.runs[name])

    def rps(self, name: str) -> float:
        return statistics.median(r.rps for r in self.runs[name])

    def spread(self, name: str) -> str:
        values = [r.cpu_per_request_us for r in self.runs[name]]
        return f"{min(values):.0f}-{max(values):.0f}"


def alternate(
    servers: list[Server], path: str, body: bytes, rounds: int, seconds: float, connections: int
) -> Comparison:
    comparison = Comparison()
    for server in servers:
        load(server, path, body, min(seconds, 2), connections)  # warm: caches, pools
    for round_ in range(rounds):
        for server in servers:
            run = load(server, path, body, seconds, connections)
            comparison.add(server.name, run)
            print(
                f"  round {round_ + 1}: {server.name}: {run.cpu_per_request_us:.1f} µs CPU per "
                f"request, {run.rps:,.0f} req/s",
                file=sys.stderr,
                flush=True,
            )
    return comparison


def _get(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as response:
        data: bytes = response.read()
        return data


def _post(url: str, body: bytes) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        data: bytes = response.read()
        return data


# --- the measurements --------------------------------------------------------------------


def send_single(rounds: int, seconds: float, *, peer: bool, variants: bool) -> list[str]:
    """The headline: CPU per send_single of the gateway, the bare handler and WireMock."""
    path = "/sms/v2/std/send_single"
    body = json.dumps(signed(mobile="85292041234", content="hello")).encode()
    with contextlib_stack() as stack:
        mock = stack.enter_context(gateway())
        answer = _post(mock.url + path, body)
        servers = [mock, stack.enter_context(bare(answer))]
        if variants:
            nometrics = stack.enter_context(
                process(__file__, "--role", "gateway-app", "--metrics", "off")
            )
            nometrics.name = "mockgateway, metrics off"
            servers.append(nometrics)
            routed = stack.enter_context(
                process(__file__, "--role", "gateway-app", "--lane", "off")
            )
            routed.name = "mockgateway, lane off"
            servers.append(routed)
            if importlib.util.find_spec("uvloop") is not None:
                servers.append(stack.enter_context(gateway(loop="auto")))
        note = ""
        jar = wiremock_jar() if peer else "not run (--quick)"
        if isinstance(jar, Path):
            peer_server = stack.enter_context(wiremock(jar, path, answer))
            load(peer_server, path, body, 20, 32)  # 20 s: the JIT is hot before it counts
            servers.append(peer_server)
        else:
            note = f"| WireMock, static stub | {jar} | | | |"
        result = alternate(servers, path, body, rounds, seconds, 32)
    gw = result.cpu("mockgateway")
    floor = result.cpu("bare aiohttp handler")
    rows = [
        f"| send_single, JSON, {len(body)}-byte body, {len(answer)}-byte answer: "
        f"**mockgateway** (`serve`, journal on) | **{gw:.1f} µs** CPU/request "
        f"({result.spread('mockgateway')}) | {result.rps('mockgateway'):,.0f} req/s | "
        f"**{gw / floor:.2f}x** the bare handler | ≤ 1.25x |",
        f"| bare aiohttp handler, same answer | {floor:.1f} µs "
        f"({result.spread('bare aiohttp handler')}) | "
        f"{result.rps('bare aiohttp handler'):,.0f} req/s | 1.00x | |",
    ]
    compared: dict[str, tuple[str, Callable[[float], str]]] = {
        "mockgateway, metrics off": (
            "mockgateway with metrics off (the same app without its `/metrics` tally)",
            lambda off: f"metrics cost {gw - off:+.1f} µs a request",
        ),
        "mockgateway, lane off": (
            "mockgateway with every request through aiohttp (the express lane off)",
            lambda off: f"the lane saves {off - gw:.1f} µs a request",
        ),
    }
    for name, (what, against) in compared.items():
        if name in result.runs:
            cpu = result.cpu(name)
            rows.append(
                f"| {what} | {cpu:.1f} µs ({result.spread(name)}) | "
                f"{result.rps(name):,.0f} req/s | {against(cpu)} | |"
            )
    if "mockgateway + uvloop" in result.runs:
        fast = result.cpu("mockgateway + uvloop")
        rows.append(
            f"| mockgateway on uvloop (`pip install 'mockgateway[fast]'`) | **{fast:.1f} µs** "
            f"({result.spread('mockgateway + uvloop')}) | {result.rps('mockgateway + uvloop'):,.0f}"
            f" req/s | **{fast / floor:.2f}x** the bare handler | |"
        )
    peers = [name for name in result.runs if name.startswith("WireMock")]
    for name in peers:
        rows.append(
            f"| {name}, same answer (warmed 20 s) | {result.cpu(name):.1f} µs "
            f"({result.spread(name)}) | {result.rps(name):,.0f} req/s | mockgateway is "
            f"**{gw / result.cpu(name):.2f}x** WireMock | ≤ 1.00x |"
        )
    if note:
        rows.append(note)
    return rows


@contextmanager
def contextlib_stack() -> Iterator[Any]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield stack


def send_batch(rounds: int, seconds: float) -> list[str]:
    path = "/sms/v2/std/send_batch"
    body = json.dumps(signed(mobile=NUMBERS, content="hello")).encode()
    scenario = BENCH_SCENARIO + "journal: {limit: 20000}\n"
    with gateway(scenario) as mock:
        answer = _post(mock.url + path, body)
        with bare(answer) as floor:
            result = alternate([mock, floor], path, body, rounds, seconds, 4)
        refused = json.loads(_get(mock.url + "/_mock/requests?accepted=false"))["count"]
        if refused:  # a refusal is cheaper than a send: the figure would flatter the gateway
            raise RuntimeError(f"{refused} of the measured send_batch requests were refused")
    gw, anchor = result.cpu("mockgateway"), result.cpu("bare aiohttp handler")
    return [
        f"| send_batch of 1000 numbers ({len(body):,}-byte body) | **{gw / 1000:.1f} µs** CPU per "
        f"message ({gw / 1000:.2f} ms per request) | {result.rps('mockgateway') * 1000:,.0f} "
        f"messages/s | the bare handler reading the same body and answering the same "
        f"{len(answer):,} bytes: {anchor:.0f} µs a request | |"
    ]


def get_rpt(reports: int) -> list[str]:
    """CPU per report handed out by get_rpt of 500, against the bare handler answering the
    same 500-report answer."""
    scenario = BENCH_SCENARIO.replace("delay: 3600", "delay: 0") + (
        f"journal: {{limit: {reports + 1000}}}\n"
    )
    path = "/sms/v2/std/get_rpt"
    body = json.dumps(signed(retsize=500)).encode()
    send = json.dumps(signed(mobile=NUMBERS, content="hello")).encode()
    with gateway(scenario) as mock:
        for _ in range(reports // 1000):
            _post(mock.url + "/sms/v2/std/send_batch", send)
        time.sleep(0.1)
        before, began, fetched, calls = cpu_seconds(mock.pid), time.perf_counter(), 0, 0
        answer = b""
        while fetched < reports:
            last = _post(mock.url + path, body)
            got = len(json.loads(last)["rpts"])
            if not got:
                break
            answer, fetched, calls = last, fetched + got, calls + 1
        cpu = cpu_seconds(mock.pid) - before
        elapsed = time.perf_counter() - began
    full = _full_rpt_answer(answer)
    with bare(full) as floor:
        run = load(floor, path, body, 3, 4)
    per_report = cpu / max(1, fetched) * 1e6
    return [
        f"| get_rpt of 500, {fetched:,} reports | **{per_report:.1f} µs** CPU per report "
        f"({cpu / max(1, calls) * 1e3:.1f} ms per call) | {fetched / elapsed:,.0f} reports/s | "
        f"the bare handler answering the same {len(full):,} bytes: "
        f"{run.cpu_per_request_us / 500:.1f} µs per report | |"
    ]


def _full_rpt_answer(answer: bytes) -> bytes:
    """A 500-report answer like the gateway's (the last one it gave may be shorter)."""
    parsed: dict[str, Any] = json.loads(answer)
    rpts: list[dict[str, Any]] = parsed["rpts"]
    parsed["rpts"] = (rpts * (500 // len(rpts) + 1))[:500]
    return json.dumps(parsed, separators=(",", ":")).encode()


def push(reports: int) -> list[str]:
    """Reports pushed to a local receiver: the rate, and the gateway's CPU per report."""
    with process(__file__, "--role", "receiver") as receiver:
        scenario = BENCH_SCENARIO.replace("delay: 3600", "delay: 0") + (
            f"journal: {{limit: {reports + 1000}}}\npush: {{url: '{receiver.url}/rpt'}}\n"
        )
        send = json.dumps(signed(mobile=NUMBERS, content="hello")).encode()
        with gateway(scenario) as mock:
            before, began = cpu_seconds(mock.pid), time.perf_counter()
            for _ in range(reports // 1000):
                _post(mock.url + "/sms/v2/std/send_batch", send)
            _post_wait(mock.url + f"/_mock/wait?pushed={reports}&timeout=300")
            elapsed = time.perf_counter() - began
            cpu = cpu_seconds(mock.pid) - before
    return [
        f"| push of {reports:,} reports (accepted by send_batch and pushed in batches of 500 "
        f"to a local receiver) | **{reports / elapsed:,.0f} reports/s** | {cpu / reports * 1e6:.1f}"
        " µs gateway CPU per report (accepting included) | | ≥ 40,000/s |"
    ]


def _post_wait(url: str) -> None:
    import urllib.request

    with urllib.request.urlopen(url, timeout=400) as response:
        response.read()


def injected_delay(count: int) -> list[str]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * count + 256)), hard))
    scenario = BENCH_SCENARIO + "rules:\n  - fault: {delay: 1}\n"
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

    with gateway(scenario) as mock:
        spread, ok = asyncio.run(fire(f"{mock.url}/sms/v2/std/send_single"))
    return [
        f"| {count} concurrent requests, each delayed 1 s | all {ok} answered within "
        f"**{spread:.2f} s** of the first send | | | ≤ 1.5 s |"
    ]


def mo_push(count: int) -> list[str]:
    """MOs queued first (injected in process), then pushed in batches of 100 to a local receiver:
    timed from setting the URL to the last acknowledgement."""
    with process(__file__, "--role", "receiver") as receiver:
        rate = asyncio.run(_mo_push(f"{receiver.url}/rpt", count))
    return [
        f"| MO push of {count:,} MOs in batches of 100 to a local receiver | "
        f"**{rate:,.0f} MOs/s** | | | |"
    ]


async def _mo_push(url: str, count: int) -> float:
    from aiohttp import web

    from mockgateway.domain.gateway import Gateway
    from mockgateway.domain.inbound import read_injection
    from mockgateway.http.app import create_app
    from mockgateway.scenario import load_text

    gw = Gateway(load_text(BENCH_SCENARIO + f"edition: domestic\njournal: {{limit: {count}}}\n"))
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
    """From the process's start to its ready line, on the package's compiled bytecode as pip
    leaves an install (without it, as under ``PYTHONDONTWRITEBYTECODE``, each start would compile
    every module again: about 0.15 s more)."""
    import compileall

    import mockgateway

    compileall.compile_dir(Path(mockgateway.__file__).parent, quiet=1)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        with process("-m", "mockgateway", "serve", "--port", "0"):
            times.append(time.perf_counter() - began)
    return [
        f"| start-up to the ready line (median of {runs}) | **{statistics.median(times):.3f} s** "
        f"| min {min(times):.3f} s, max {max(times):.3f} s | | < 0.3 s |"
    ]


def memory(marks: list[int]) -> list[str]:
    """RSS of a fresh process whose journal holds every accepted message and its report."""
    from mockgateway.domain.calls import ApiRequest
    from mockgateway.domain.gateway import Gateway
    from mockgateway.endpoints import REGISTRY
    from mockgateway.protocol.codec import Format
    from mockgateway.scenario import load_text

    rows = []
    gc.collect()
    base = rss_mb()
    gw = Gateway(load_text(BENCH_SCENARIO + f"journal: {{limit: {max(marks) + 10}}}\n"))
    fields = signed(mobile=NUMBERS, content="hello")
    request = ApiRequest("send_batch", REGISTRY["send_batch"], "POST", Format.JSON, fields)
    sent = 0
    for mark in sorted(marks):
        while sent < mark:
            answer = gw.handle(request)
            answer.slot.release()
            assert answer.code == 0
            sent += 1000
        gc.collect()
        rows.append(
            f"| RSS after {mark:,} accepted messages (the journal holds each, its report "
            f"pending) | **{rss_mb():,.0f} MB** | {(rss_mb() - base) * 1024 * 1024 / mark:,.0f} "
            f"bytes per message | | {'< 300 MB' if mark == 1_000_000 else ''} |"
        )
    return rows


def memory_in_child(marks: list[int]) -> list[str]:
    """Memory in a fresh process, so that nothing measured before counts against it."""
    args = ["--role", "memory", "--marks", ",".join(map(str, marks))]
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=1800, check=True
    ).stdout
    return [line for line in out.splitlines() if line.startswith("|")]


ANALYSIS = "## Analysis"
"""``--write`` replaces the figures and keeps everything from this heading on."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per figure")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per measured load")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (for tests)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    parser.add_argument(
        "--only",
        help="comma-separated figures to run: send_single, send_batch, get_rpt, push, delay, "
        "mo_push, startup, memory (default: all)",
    )
    parser.add_argument(
        "--role",
        choices=("bare", "receiver", "memory", "gateway-app"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--answer", help=argparse.SUPPRESS)
    parser.add_argument("--metrics", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    parser.add_argument("--lane", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    parser.add_argument("--marks", default="100000", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "bare":
        return bare_server(args.answer)
    if args.role == "receiver":
        return receiver_server()
    if args.role == "gateway-app":
        return gateway_app(args.metrics == "on", args.lane == "on")
    if args.role == "memory":
        for row in memory([int(m) for m in args.marks.split(",")]):
            print(row)
        return None
    quick = args.quick
    rounds, seconds = (1, 1.0) if quick else (args.rounds, args.seconds)
    rows = ["| what | figure | throughput | against the anchor | target |"]
    rows.append("| --- | --- | --- | --- | --- |")
    steps: dict[str, Callable[[], list[str]]] = {
        "send_single": lambda: send_single(rounds, seconds, peer=not quick, variants=not quick),
        "send_batch": lambda: send_batch(rounds, seconds),
        "get_rpt": lambda: get_rpt(5_000 if quick else 100_000),
        "push": lambda: push(2_000 if quick else 200_000),
        "delay": lambda: injected_delay(50 if quick else 1000),
        "mo_push": lambda: mo_push(2_000 if quick else 100_000),
        "startup": lambda: startup(2 if quick else 7),
        "memory": lambda: memory_in_child([2_000] if quick else [100_000, 1_000_000]),
    }
    chosen = args.only.split(",") if args.only else list(steps)
    unknown = [name for name in chosen if name not in steps]
    if unknown:
        parser.error(f"unknown figure {', '.join(unknown)}; figures: {', '.join(steps)}")
    if args.write and args.only:
        parser.error("--write needs every figure (RESULTS.md is one run)")
    for name in chosen:
        for row in steps[name]():
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
            f"{datetime.now():%Y-%m-%d %H:%M}, {machine}; CPU per request is the server "
            f"process's user + system time from /proc divided by the requests it served "
            f"(median of alternating rounds, min-max in brackets).\n\n{table}\n{kept}"
        )


if __name__ == "__main__":
    main()
