"""``mockgateway serve``, ``mockgateway check`` and ``mockgateway report``.

Start-up time matters (CI starts the mock often), so each command imports only what it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import secrets
import signal
import sys
import time
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockgateway.domain.events import Listener
    from mockgateway.domain.records import Mo, RequestRecord
    from mockgateway.scenario import Scenario

DEFAULT_PORT = 7891


def main(argv: list[str] | None = None) -> int:
    from mockgateway import __version__
    from mockgateway.scenario.loader import builtin_names  # serve and check need it anyway

    parser = argparse.ArgumentParser(
        prog="mockgateway", description="A local, strict mock of the Montnets SMS gateway."
    )
    parser.add_argument("--version", action="version", version=f"mockgateway {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="start the gateway (it keeps the terminal: Ctrl-C stops it)",
        description="Start the gateway. It runs in the foreground until Ctrl-C or SIGTERM: "
        "run your tests and other commands in another terminal.",
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("MOCKGATEWAY_HOST", "127.0.0.1"),
        help="the address to listen on (default %(default)s: this machine only; 0.0.0.0 for "
        "every interface, as in a container)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("MOCKGATEWAY_PORT", DEFAULT_PORT)),
        help="0 picks a free port (default %(default)s)",
    )
    serve.add_argument(
        "--scenario",
        default=os.environ.get("MOCKGATEWAY_SCENARIO"),
        help="a scenario file, or the name of a built-in one: "
        + ", ".join(builtin_names())
        + " (default: default)",
    )
    serve.add_argument("--seed", type=int, default=None, help="overrides the scenario's seed")
    serve.add_argument(
        "--log",
        choices=("none", "problems", "all", "json"),
        default=os.environ.get("MOCKGATEWAY_LOG", "problems"),
        help="one line on stderr per request: rejected or warned ones (default), every one and "
        "every MO (all), none; json: every request and MO as one JSON object a line (the "
        "journal's fields), and the server's own log lines as JSON too",
    )
    serve.add_argument(
        "--control-token",
        default=os.environ.get("MOCKGATEWAY_CONTROL_TOKEN") or None,
        help="the token the control API needs (Authorization: Bearer TOKEN); on a non-loopback "
        "address one is generated and printed on stderr when none is given",
    )
    serve.add_argument(
        "--client-timeout",
        type=float,
        default=float(os.environ.get("MOCKGATEWAY_CLIENT_TIMEOUT", "30")),
        help="seconds a connection may stay idle, or take over a request's headers or body "
        "(default %(default)g)",
    )
    check = commands.add_parser("check", help="validate scenario files")
    check.add_argument("files", nargs="+", metavar="FILE")
    report = commands.add_parser(
        "report",
        help="write a running gateway's inbox as one HTML file (opens with no server)",
        description="Fetch a running gateway's journal and write the inbox page with it, as "
        "one self-contained HTML file: a CI artifact of every SMS sent and request rejected.",
    )
    report.add_argument(
        "--url",
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        help="the gateway's base URL (default %(default)s)",
    )
    report.add_argument("-o", "--output", required=True, metavar="FILE.html")
    report.add_argument(
        "--token",
        default=os.environ.get("MOCKGATEWAY_CONTROL_TOKEN") or None,
        help="the control token of a gateway off loopback (default: MOCKGATEWAY_CONTROL_TOKEN)",
    )
    export = commands.add_parser(
        "export",
        help="write a running gateway's journals as JSON lines, a file each (CI artifacts)",
        description="Stream every journal of a running gateway (requests, messages, reports, "
        "pushes, and MOs where served) into DIR/<journal>.jsonl, one JSON object a line.",
    )
    export.add_argument(
        "--url",
        default=f"http://127.0.0.1:{DEFAULT_PORT}",
        help="the gateway's base URL (default %(default)s)",
    )
    export.add_argument("folder", metavar="DIR")
    export.add_argument(
        "--token",
        default=os.environ.get("MOCKGATEWAY_CONTROL_TOKEN") or None,
        help="the control token of a gateway off loopback (default: MOCKGATEWAY_CONTROL_TOKEN)",
    )
    args = parser.parse_args(argv)
    if args.command == "export":
        return _export(args.url, args.folder, args.token)
    if args.command == "check":
        return _check(args.files)
    if args.command == "report":
        return _report(args.url, args.output, args.token)
    if not 0 < args.client_timeout <= 3600:
        parser.error("--client-timeout must be more than 0 and at most 3600 seconds")
    options = ServeOptions(args.log, args.control_token, args.client_timeout)
    return _serve(args.host, args.port, args.scenario, args.seed, options)


def _check(files: list[str]) -> int:
    from mockgateway.scenario import ScenarioError
    from mockgateway.scenario.sources import resolve

    failed = False
    for name in files:
        problems: list[str] = []
        try:  # a file, or a ready-made scenario's name, as everywhere a scenario is named
            warnings = list(resolve(name).load().warnings)
        except ScenarioError as error:
            problems = [str(p) for p in error.problems]
            warnings = [str(w) for w in error.warnings]
        for line in problems + [f"warning: {w}" for w in warnings]:
            print(line, file=sys.stderr)
        if problems:
            failed = True
        else:
            print(f"{name}: ok")
    return 1 if failed else 0


def _report(url: str, output: str, token: str | None) -> int:
    from mockgateway.inbox import report

    try:
        snapshot = report.fetch(url, token)
    except report.Unreachable as error:
        print(f"mockgateway report: {error}", file=sys.stderr)
        return 2
    try:
        written = report.write(output, report.build(snapshot, source=url))
    except OSError as error:
        print(f"mockgateway report: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 2
    rejected = sum(1 for r in snapshot.requests if not r.get("accepted"))
    print(
        f"wrote {written}: {len(snapshot.messages)} messages, {len(snapshot.requests)} requests "
        f"({rejected} rejected), {len(snapshot.pushes)} push attempts"
    )
    return 0


def _export(url: str, folder: str, token: str | None) -> int:
    from mockgateway.export import export
    from mockgateway.remote import Unreachable

    try:
        written = export(url, folder, token)
    except Unreachable as error:
        print(f"mockgateway export: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"mockgateway export: cannot write to {folder}: {error.strerror}", file=sys.stderr)
        return 2
    for one in written:
        print(f"wrote {one.path}: {one.lines} {one.journal}")
    return 0


def log_request(record: RequestRecord, *, everything: bool) -> None:
    """One line a person can read as it scrolls by: what came, what it got, and why."""
    problems = [record.diagnosis] if record.diagnosis else []
    problems += [f"warning: {w}" for w in record.warnings]
    if not problems and not everything:
        return
    moment = time.strftime("%H:%M:%S", time.localtime(record.at))
    if record.http_status != 200:
        result = f"HTTP {record.http_status}"
    else:
        result = "no answer" if record.result is None else str(record.result)
    who = record.userid or "-"
    head = f"{moment} {record.method} {record.path} ({record.format}) {who} -> {result}"
    print(head + "".join(f"\n    {p}" for p in problems), file=sys.stderr, flush=True)


def log_request_json(record: RequestRecord) -> None:
    """Every request as one JSON object on one line: the fields ``/_mock/requests`` shows."""
    import json

    from mockgateway.http.serializers import request_json

    print(json.dumps(request_json(record), ensure_ascii=False), file=sys.stderr, flush=True)


def log_mo(mo: Mo, *, as_json: bool) -> None:
    """One line per MO as the gateway takes it in (injected now, or a reply due later), at the
    time it arrives; a long MO once, by its first segment."""
    if mo.pknum != 1:
        return
    if as_json:
        import json

        from mockgateway.http.serializers import mo_json

        line = json.dumps({"event": "mo", **mo_json(mo)}, ensure_ascii=False)
    else:
        from mockgateway.protocol.limits import shown

        moment = time.strftime("%H:%M:%S", time.localtime(mo.due))
        parts = f", {mo.pktotal} segments" if mo.pktotal > 1 else ""
        line = (
            f"{moment} MO {mo.userid} <- {mo.mobile} on {mo.spno} ({mo.origin}{parts}): "
            f"{shown(mo.text, 80)}"
        )
    print(line, file=sys.stderr, flush=True)


def mo_log(*, as_json: bool) -> Listener:
    """A listener on the gateway's events that logs each MO (``--log all`` and ``json``)."""
    from mockgateway.domain.events import Listener

    class MoLog(Listener):
        def mo_scheduled(self, mo: Mo) -> None:
            log_mo(mo, as_json=as_json)

    return MoLog()


def resolve_scenario(spec: str | None) -> Scenario:
    """The scenario ``--scenario`` names: a file, a built-in name, or YAML text
    (``scenario/sources.py``, the same rule as the harness and the pytest plugin)."""
    from mockgateway.scenario.sources import resolve

    return resolve(spec).load()


@dataclass(frozen=True)
class ServeOptions:
    log: str = "problems"
    control_token: str | None = None
    client_timeout: float = 30.0


def control_token_for(host: str, given: str | None) -> str | None:
    """The token the control API needs: the one given; else, off loopback, a new one (printed
    on stderr); else none (on loopback the control API is open, as tests need)."""
    from mockgateway.http.access import is_loopback

    if given is not None or is_loopback(host):
        return given
    token = secrets.token_urlsafe(24)
    print(
        f"mockgateway: the control API on {host} needs a token; this run's is {token} (send "
        "'Authorization: Bearer TOKEN'; choose one with --control-token or "
        "MOCKGATEWAY_CONTROL_TOKEN)",
        file=sys.stderr,
        flush=True,
    )
    return token


def _serve(
    host: str,
    port: int,
    scenario_name: str | None,
    seed: int | None,
    options: ServeOptions = ServeOptions(),
) -> int:
    from mockgateway.http.tls import import_aiohttp_without_certificates
    from mockgateway.scenario import ScenarioError

    import_aiohttp_without_certificates()  # first, while no other thread runs: see tls.py
    try:
        scenario = resolve_scenario(scenario_name)
    except ScenarioError as error:
        print(f"mockgateway: cannot use scenario {scenario_name}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    options = replace(options, control_token=control_token_for(host, options.control_token))
    _log_one_line_each(as_json=options.log == "json")
    _raise_file_limit()
    try:
        event_loop_runner()(_run(host, port, scenario, options))
    except OSError as error:
        print(f"mockgateway: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 2
    return 0


async def _run(host: str, port: int, scenario: Scenario, options: ServeOptions) -> None:
    from aiohttp import web

    from mockgateway.domain.gateway import Gateway
    from mockgateway.http.app import create_app, make_runner

    gateway = Gateway(scenario)
    if options.log == "json":
        gateway.on_request = log_request_json
    elif options.log != "none":
        gateway.on_request = partial(log_request, everything=options.log == "all")
    if options.log in ("all", "json"):
        gateway.events.subscribe(mo_log(as_json=options.log == "json"))
    app = create_app(
        gateway, control_token=options.control_token, client_timeout=options.client_timeout
    )
    runner = make_runner(app)
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
    # and collect less often, so a full journal does not turn into latency spikes. No collection
    # before the freeze: the start-up leaves little garbage, and collecting it took 20 ms.
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
        f"({gateway.undelivered_reports()} of them parked as undelivered), "
        f"{gateway.pending_mos()} MO items not yet collected or pushed",
        flush=True,
    )


def event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    """``uvloop.run`` when uvloop is installed (the ``fast`` extra: about a fifth less CPU per
    request), else ``asyncio.run``; ``MOCKGATEWAY_LOOP=asyncio`` chooses asyncio's own loop."""
    if os.environ.get("MOCKGATEWAY_LOOP", "auto") != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            run: Callable[[Coroutine[Any, Any, None]], None] = uvloop.run
            return run
    return asyncio.run


class OneLineFormatter(logging.Formatter):
    """Every log record on one line: an exception is named with its message and where it was
    raised, never a traceback (a flood of broken clients must not flood stderr)."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{self.formatTime(record, '%H:%M:%S')} {record.name}: {record.getMessage()}"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            text += f": {type(error).__name__}: {error}"
            frames = traceback.extract_tb(error.__traceback__)
            if frames:
                text += f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
        return " ".join(text.split())[:1000]


class JsonLineFormatter(OneLineFormatter):
    """The same line as a JSON object, so that a log pipeline reading ``--log json`` finds
    nothing but JSON on stderr."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        line = super().format(record)
        return json.dumps(
            {"at": record.created, "level": record.levelname.lower(), "log": line},
            ensure_ascii=False,
        )


def _log_one_line_each(*, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter() if as_json else OneLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def _raise_file_limit() -> None:
    """Soft limit up to the hard one: a flood of idle sockets must not starve real clients."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):  # not allowed here: keep the limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
