"""A gateway running in a background thread, and a blocking handle on its control API.

The handle speaks only HTTP to the gateway, so it is safe from any thread and from sync and async
tests alike: the gateway's event loop is its own, never the test's. The pytest plugin is a thin
layer over this; other test runners can use :func:`running_gateway` directly.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from mockgateway.protocol.errors import is_client_mistake

if TYPE_CHECKING:
    from mockgateway.client import BodyFormat, MontnetsClient

DEFAULT_TIMEOUT = 10.0


class GatewayTimeout(AssertionError):
    """A ``wait_for`` that did not see its count in time; says what it saw."""


@dataclass(frozen=True)
class ApiCall:
    """One API request as the journal keeps it (``/_mock/requests``), typed."""

    id: int
    at: float
    endpoint: str
    """The canonical endpoint (``send_batch`` for ``batch_send``), or ``unknown``."""
    path: str
    """The endpoint as the client spelt it in the path."""
    method: str
    format: str
    remote: str
    userid: str | None
    edition: str | None
    """The edition of the account it came from, once known."""
    fields: dict[str, Any]
    result: int | None
    """The Montnets code answered; None when a fault broke the answer or the path was unknown."""
    http_status: int
    accepted: bool
    diagnosis: str | None
    warnings: list[str]
    rule: str | None
    fault: str | None
    msgids: list[int]
    msgids_str: list[str]
    reports_returned: int
    mos_returned: int = 0

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ApiCall:
        return cls(**{f.name: item[f.name] for f in fields(cls)})

    @property
    def client_error(self) -> bool:
        """Rejected for the client's own mistake (what strict mode fails on): not by a rule, and
        not for the balance a test set (account in arrears is a state, not a mistake)."""
        return self.rule is None and not self.accepted and is_client_mistake(self.result)


class CallLog(Sequence[ApiCall]):
    """API calls, oldest first, read like ``unittest.mock``'s (and respx's) call records."""

    def __init__(self, calls: list[ApiCall]) -> None:
        self._calls = calls

    @property
    def called(self) -> bool:
        return bool(self._calls)

    @property
    def call_count(self) -> int:
        return len(self._calls)

    @property
    def last(self) -> ApiCall:
        if not self._calls:
            raise AssertionError("no call was made")
        return self._calls[-1]

    @overload
    def __getitem__(self, index: int) -> ApiCall: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ApiCall]: ...
    def __getitem__(self, index: int | slice) -> ApiCall | Sequence[ApiCall]:
        return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __repr__(self) -> str:
        return f"CallLog({self._calls!r})"


def describe_rejections(rejected: Sequence[ApiCall]) -> str:
    """What strict mode says: each rejected request, its answer and its diagnosis."""
    lines = [f"mockgateway rejected {len(rejected)} request(s) this test sent:"]
    for call in rejected:
        answered = (
            f"HTTP {call.http_status}" if call.http_status != 200 else f"result {call.result}"
        )
        lines.append(
            f"  {call.method} /sms/v2/std/{call.path} ({call.format}): {answered}: {call.diagnosis}"
        )
    return "\n".join(lines)


class MockGateway:
    """What a test holds: the gateway's URL and every control-API call as a method.

    ``messages``, ``requests``, ``reports``, ``pushes`` and ``mos`` return the journal's items
    (dicts, as ``/_mock/...`` gives them), filtered by keyword (``mobile=``, ``userid=``,
    ``state=``...).
    """

    def __init__(
        self,
        url: str,
        *,
        userid: str = "J10003",
        password: str = "111111",
        token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.userid = userid
        self.password = password
        self.token = token
        """The control API's token, for a gateway listening off loopback (in Docker)."""

    # --- reading ------------------------------------------------------------------------

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        return self._items("messages", filters)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self._items("requests", filters)

    def reports(self, **filters: Any) -> list[dict[str, Any]]:
        return self._items("reports", filters)

    def pushes(self, **filters: Any) -> list[dict[str, Any]]:
        return self._items("pushes", filters)

    def mos(self, **filters: Any) -> list[dict[str, Any]]:
        """Inbound messages, one item per segment, oldest first (``mobile=``, ``userid=``,
        ``state=`` pending, fetched, pushed or undelivered)."""
        return self._items("mos", filters)

    def rejected(self) -> list[dict[str, Any]]:
        """Requests rejected for the client's own mistakes (not answers forced by a rule)."""
        return [
            r
            for r in self.requests(accepted="false")
            if r["rule"] is None and is_client_mistake(r["result"])
        ]

    def calls(self, **filters: Any) -> CallLog:
        """API requests as typed records, with ``called``, ``call_count`` and ``last``; the
        filters of :meth:`requests` (``endpoint=``, ``mobile=``, ``accepted=``...)."""
        return CallLog([ApiCall.from_json(r) for r in self.requests(**filters)])

    def rules(self) -> list[dict[str, Any]]:
        """The scenario's rules and what each has seen: ``matched``, ``fired``, ``times``..."""
        return self._items("rules", {})

    def client(self, fmt: BodyFormat = "json") -> MontnetsClient:
        """The reference Montnets client (async), signed in as this gateway's account: every
        endpoint of both editions, in any body format. Close it (``async with``)."""
        from mockgateway.client import MontnetsClient

        return MontnetsClient(self.url, self.userid, self.password, fmt=fmt)

    # --- checks (fail a test, as pytest-httpserver's check_assertions and respx do) ------

    def assert_no_rejections(self) -> None:
        """Fail unless every request so far was accepted or decided by a rule."""
        rejected = [c for c in self.calls(accepted=False) if c.client_error]
        if rejected:
            raise AssertionError(describe_rejections(rejected))

    def assert_all_rules_fired(self) -> None:
        """Fail unless every rule with ``times: N`` fired N times and every rule with ``nth``
        fired: a rule a test counted on that never fired is a test that proves nothing."""
        missed = [
            f"  {r['rule']}: fired {r['fired']} of {r['times'] or 1} (matched {r['matched']})"
            for r in self.rules()
            if (r["times"] is not None and r["fired"] < r["times"])
            or (r["nth"] is not None and r["fired"] == 0)
        ]
        if missed:
            raise AssertionError("\n".join(["scenario rules that did not fire:", *missed]))

    # --- steering -----------------------------------------------------------------------

    def reset(self, *, restart_sequences: bool = False) -> None:
        """Back to the state just after start. msgids and seqids go on where they were (no msgid
        repeats within the process) unless ``restart_sequences``, for an exact replay."""
        sequences = "restart" if restart_sequences else "continue"
        self._call("POST", f"/_mock/reset?sequences={sequences}")

    def use_scenario(self, scenario: str | Path) -> None:
        """Replace the scenario from now on: a built-in scenario's name, a file's path, or the
        YAML text itself. Not a reset: the journal and pending reports carry on."""
        from mockgateway.scenario.sources import resolve

        self._call("PUT", "/_mock/scenario", resolve(scenario).text.encode("utf-8"))

    def advance(self, seconds: float) -> float:
        """Move the virtual clock on; returns once the pushes it released were attempted."""
        answer = self._call("POST", "/_mock/clock/advance", {"seconds": seconds})
        return float(answer["now"])

    def set_push(self, url: str | None, *, userid: str | None = None) -> None:
        self._call("PUT", f"/_mock/accounts/{userid or self.userid}/push", {"url": url})

    def set_balance(self, balance: int | None, *, userid: str | None = None) -> None:
        """Set what the account has left (``None``: unlimited) until the next reset."""
        path = f"/_mock/accounts/{userid or self.userid}/balance"
        self._call("PUT", path, {"balance": balance})

    def balance(self, *, userid: str | None = None) -> int | None:
        """Units the account has left (``None``: unlimited)."""
        answer = self._call("GET", f"/_mock/accounts/{userid or self.userid}/balance")
        left: int | None = answer["balance"]
        return left

    def set_mo_push(self, url: str | None, *, userid: str | None = None) -> None:
        """Push the account's MOs to ``url`` (``MO_REQ``), or leave them for get_mo (None)."""
        self._call("PUT", f"/_mock/accounts/{userid or self.userid}/mo_push", {"url": url})

    def retry_pushes(self, *, kind: str | None = None) -> int:
        """Re-drive parked batches: status reports (``kind="rpt"``), MOs (``"mo"``), or both."""
        query = "" if kind is None else "?" + urllib.parse.urlencode({"kind": kind})
        return int(self._call("POST", "/_mock/pushes/retry" + query)["redriven"])

    def send_mo(
        self,
        mobile: str,
        content: str,
        *,
        userid: str | None = None,
        exno: str | None = None,
        spno: str | None = None,
    ) -> dict[str, Any]:
        """A handset at ``mobile`` sends ``content`` (plain text) to the account now; returns
        ``{"msgid", "msgid_str", "segments", "items"}`` (the items as :meth:`mos` lists them).
        The account must be in the domestic edition."""
        body = {"userid": userid or self.userid, "mobile": mobile, "content": content}
        extra = {"exno": exno, "spno": spno}
        body.update({key: value for key, value in extra.items() if value is not None})
        return self._call("POST", "/_mock/mo", body)

    async def send_mo_async(
        self, mobile: str, content: str, **options: str | None
    ) -> dict[str, Any]:
        """:meth:`send_mo` for async tests (the same options): the test's own event loop keeps
        running."""
        return await asyncio.to_thread(lambda: self.send_mo(mobile, content, **options))

    def wait_for(self, *, timeout: float = DEFAULT_TIMEOUT, **condition: Any) -> int:
        """Block until a count reaches N: ``messages=N``, ``requests=N``, ``reports=N`` (due),
        ``pushed=N`` (acknowledged by the receiver), ``mos=N`` (MO items arrived) or
        ``mo_pushed=N``, with filters; returns the count seen."""
        query = {**condition, "timeout": timeout}
        try:
            path = "/_mock/wait?" + urllib.parse.urlencode(query)
            answer = self._call("GET", path, timeout=timeout + 60.0)
        except urllib.error.HTTPError as error:
            if error.code != 408:
                raise
            seen = json.loads(error.read())
            raise GatewayTimeout(
                f"waited {timeout:g} s for {seen['kind']}={seen['wanted']}, saw {seen['seen']}"
            ) from None
        return int(answer["seen"])

    async def await_for(self, *, timeout: float = DEFAULT_TIMEOUT, **condition: Any) -> int:
        """:meth:`wait_for` for async tests: the test's own event loop keeps running."""
        return await asyncio.to_thread(lambda: self.wait_for(timeout=timeout, **condition))

    async def advance_async(self, seconds: float) -> float:
        """:meth:`advance` for async tests whose own receiver must answer the pushes."""
        return await asyncio.to_thread(self.advance, seconds)

    # --- plumbing -----------------------------------------------------------------------

    def _items(self, kind: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({k: _text(v) for k, v in filters.items()})
        items: list[dict[str, Any]] = self._call("GET", f"/_mock/{kind}?{query}")["items"]
        return items

    def _call(
        self, method: str, path: str, body: Any = None, *, timeout: float = 60.0
    ) -> dict[str, Any]:
        data = body if isinstance(body, bytes) else None
        if body is not None and not isinstance(body, bytes):
            data = json.dumps(body).encode("utf-8")
        headers = {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 408:
                raise
            detail = error.read().decode("utf-8", "replace")
            raise RuntimeError(f"{method} {path}: HTTP {error.code}: {detail}") from None
        return answer


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@contextmanager
def running_gateway(scenario: str | Path | None = None) -> Iterator[MockGateway]:
    """Start a gateway on 127.0.0.1 (a port the OS picks) in a thread; stop it on exit."""
    from mockgateway.scenario.sources import resolve

    chosen = resolve(scenario).load()
    server = _ServerThread(chosen)
    server.start()
    try:
        account = chosen.accounts[0]
        yield MockGateway(server.url, userid=account.userid, password=account.password)
    finally:
        server.stop()


class _ServerThread(threading.Thread):
    def __init__(self, scenario: Any) -> None:
        super().__init__(name="mockgateway", daemon=True)
        self._scenario = scenario
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.url = ""

    def start(self) -> None:
        super().start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from aiohttp import web

        from mockgateway.domain.gateway import Gateway
        from mockgateway.http.app import create_app, make_runner

        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        runner = make_runner(create_app(Gateway(self._scenario)))
        try:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            self.url = f"http://127.0.0.1:{port}"
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
            await runner.cleanup()
            return
        self._ready.set()
        await self._stop_event.wait()
        await runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._stop_event is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self.join(timeout=30)
