"""``mockgateway serve`` and ``mockgateway check``.

Start-up time matters (CI starts the mock often), so each command imports only what it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mockgateway.domain.records import RequestRecord
    from mockgateway.scenario import Scenario

DEFAULT_PORT = 7891


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mockgateway", description="A local, strict mock of the Montnets SMS gateway."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the gateway")
    serve.add_argument("--host", default=os.environ.get("MOCKGATEWAY_HOST", "127.0.0.1"))
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("MOCKGATEWAY_PORT", DEFAULT_PORT)),
        help="0 picks a free port (default %(default)s)",
    )
    serve.add_argument(
        "--scenario",
        default=os.environ.get("MOCKGATEWAY_SCENARIO"),
        help="a scenario file, or the name of a built-in one (default: default)",
    )
    serve.add_argument("--seed", type=int, default=None, help="overrides the scenario's seed")
    serve.add_argument(
        "--log",
        choices=("none", "problems", "all"),
        default=os.environ.get("MOCKGATEWAY_LOG", "problems"),
        help="one line on stderr per request: rejected or warned ones (default), every one, none",
    )
    check = commands.add_parser("check", help="validate scenario files")
    check.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.files)
    return _serve(args.host, args.port, args.scenario, args.seed, args.log)


def _check(files: list[str]) -> int:
    from mockgateway.scenario import ScenarioError, load_file

    failed = False
    for name in files:
        try:
            scenario = load_file(name)
        except ScenarioError as error:
            failed = True
            for problem in error.problems:
                print(problem, file=sys.stderr)
        else:
            for warning in scenario.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            print(f"{name}: ok")
    return 1 if failed else 0


def log_request(record: RequestRecord, *, everything: bool) -> None:
    """One line a person can read as it scrolls by: what came, what it got, and why."""
    problems = [record.diagnosis] if record.diagnosis else []
    problems += [f"warning: {w}" for w in record.warnings]
    if not problems and not everything:
        return
    moment = time.strftime("%H:%M:%S", time.localtime(record.at))
    result = "no answer" if record.result is None else str(record.result)
    who = record.userid or "-"
    head = f"{moment} {record.method} {record.path} ({record.format}) {who} -> {result}"
    print(head + "".join(f"\n    {p}" for p in problems), file=sys.stderr, flush=True)


def resolve_scenario(name_or_path: str | None) -> Scenario:
    """A file when one exists at that path, else a built-in scenario of that name."""
    from mockgateway.scenario import load_file, load_named

    if name_or_path is None:
        return load_named("default")
    if Path(name_or_path).is_file():
        return load_file(name_or_path)
    return load_named(name_or_path)


def _serve(
    host: str, port: int, scenario_name: str | None, seed: int | None, log: str = "problems"
) -> int:
    from mockgateway.scenario import ScenarioError

    try:
        scenario = resolve_scenario(scenario_name)
    except ScenarioError as error:
        print(f"mockgateway: cannot use scenario {scenario_name}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    try:
        asyncio.run(_run(host, port, scenario, log))
    except OSError as error:
        print(f"mockgateway: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 2
    return 0


async def _run(host: str, port: int, scenario: Scenario, log: str) -> None:
    from aiohttp import web

    from mockgateway.domain.gateway import Gateway
    from mockgateway.http.app import create_app, make_runner

    gateway = Gateway(scenario)
    if log != "none":
        gateway.on_request = partial(log_request, everything=log == "all")
    runner = make_runner(create_app(gateway))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    # Handlers before the ready line: a signal sent the moment it appears must stop cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Start-up objects (phonenumbers' metadata above all) never die: keep the collector off them,
    # and collect less often, so a full journal does not turn into latency spikes.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    bound = runner.addresses[0][1]
    shown = f"[{host}]" if ":" in host else host
    print(f"mockgateway listening on http://{shown}:{bound} (scenario {scenario.name})", flush=True)
    await stop.wait()
    await runner.cleanup()
    print(
        f"mockgateway stopped: {gateway.requests.total} requests, {gateway.messages.total} "
        f"messages, {gateway.pending_reports()} reports not yet collected or pushed "
        f"({gateway.undelivered_reports()} of them parked as undelivered)",
        flush=True,
    )
