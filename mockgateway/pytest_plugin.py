"""pytest plugin: a gateway for every test, started once per session, reset before each test.

Fixtures:
    ``mockgateway`` — the :class:`~mockgateway.harness.MockGateway` handle, reset before each
    test; with the test's ``@pytest.mark.mockgateway(scenario=..., strict=...)`` applied.
    ``mockgateway_session`` — the session's handle, not reset (rarely wanted).
    ``mockgateway_scenario`` — override it (session scope) to choose the session's scenario: a
    built-in name, a file's path, or YAML text. ``MOCKGATEWAY_SCENARIO`` does the same.
    ``mockgateway_factory`` — a :class:`GatewayFactory`: more gateways for one test, stopped
    after it.

``--mockgateway-report=FILE.html`` writes the inbox as one file at the end of the session: every
request each test sent through the ``mockgateway`` fixture, named by its test
(:mod:`mockgateway.inbox.recording`). Under pytest-xdist each worker runs its own gateway and
writes its own file, ``FILE-gw0.html`` and so on.

Strict mode (on by default; ``MOCKGATEWAY_STRICT=0`` or ``strict=False`` in the marker turns it
off): a request the gateway rejected for the client's own mistake fails the test at teardown,
with the gateway's diagnosis, the way pytest-httpserver re-raises errors from its handlers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from mockgateway.harness import MockGateway
    from mockgateway.inbox.recording import SessionRecording

MARKER = "mockgateway"
RECORDING = pytest.StashKey["SessionRecording"]()
REPORT_OPTION = "mockgateway_report"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("mockgateway").addoption(
        "--mockgateway-report",
        dest=REPORT_OPTION,
        metavar="FILE.html",
        default=None,
        help="write the inbox as one self-contained HTML file at the end of the session, "
        "naming the test that sent each request",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario=None, strict=True): run this test on another scenario (a built-in "
        "name, a path, or YAML text) and/or let it send rejected requests without failing",
    )
    path = config.getoption(REPORT_OPTION, None)
    if not path:
        return
    if _distributing(config):  # the workers run the tests, each with its gateway: they write
        config.pluginmanager.register(_WorkersWrite(_per_worker(path, "gw*")), "mockgateway-report")
        return
    from mockgateway.inbox.recording import SessionRecording

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    recording = SessionRecording()
    config.stash[RECORDING] = recording
    written = _per_worker(path, worker) if worker else path
    config.pluginmanager.register(_ReportWriter(written, recording), "mockgateway-report")


def _distributing(config: pytest.Config) -> bool:
    """Whether this is pytest-xdist's controller, handing the tests to worker processes."""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def _per_worker(path: str, worker: str) -> str:
    """``inbox.html`` as worker ``gw1`` writes it: ``inbox-gw1.html``."""
    file = Path(path)
    return str(file.with_name(f"{file.stem}-{worker}{file.suffix}"))


class _WorkersWrite:
    """In xdist's controller: says where the workers' reports are, and writes none itself."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"mockgateway report: one file per worker, {self.pattern} (each worker runs its own "
            "gateway)"
        )


@pytest.fixture(scope="session")
def mockgateway_scenario() -> str | None:
    """The session gateway's scenario; None is the built-in default."""
    return os.environ.get("MOCKGATEWAY_SCENARIO") or None


@pytest.fixture(scope="session")
def mockgateway_session(mockgateway_scenario: str | None) -> Iterator[MockGateway]:
    from mockgateway.harness import running_gateway

    with running_gateway(mockgateway_scenario) as gateway:
        yield gateway


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - {"scenario", "strict"}
    if unknown:
        pytest.fail(f"@pytest.mark.mockgateway takes scenario= and strict=, not {sorted(unknown)}")
    return options


def _strict(request: pytest.FixtureRequest) -> bool:
    default = os.environ.get("MOCKGATEWAY_STRICT", "1") != "0"
    return bool(_options(request).get("strict", default))


@pytest.fixture
def mockgateway(
    request: pytest.FixtureRequest,
    mockgateway_session: MockGateway,
    mockgateway_scenario: str | None,
) -> Iterator[MockGateway]:
    gateway = mockgateway_session
    scenario = _options(request).get("scenario")
    if scenario is not None:
        gateway.use_scenario(scenario)  # a replacement: the reset makes it a clean start
    gateway.reset()  # msgids go on: unique across the session, as a service's database needs
    recording = request.config.stash.get(RECORDING, None)
    after = None if recording is None else recording.mark(gateway.url, gateway.token)
    try:
        yield gateway
        if recording is not None and after is not None:
            recording.take(request.node.nodeid, gateway.url, gateway.token, after)
        if _strict(request):
            _fail_on_rejections(gateway)
    finally:
        if scenario is not None:  # the next test starts on the session's scenario again
            gateway.use_scenario(mockgateway_scenario or "default")


class _ReportWriter:
    """Registered with ``--mockgateway-report``: keeps each test's outcome and writes the file."""

    def __init__(self, path: str, recording: SessionRecording) -> None:
        self.path = path
        self.recording = recording
        self.written: str | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            where = "" if report.when == "call" else f" in {report.when}"
            self.recording.outcome(report.nodeid, report.outcome + where)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        from mockgateway.inbox.report import write

        self.written = str(write(self.path, self.recording.data()))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        recording = self.recording
        terminalreporter.write_line(
            f"mockgateway report: {self.written or self.path} ({recording.count('requests')} "
            f"requests, {recording.count('messages')} messages, from {len(recording.tests)} tests)"
        )
        for problem in recording.problems[:10]:
            terminalreporter.write_line(
                f"mockgateway report: could not read the gateway: {problem}"
            )


def _fail_on_rejections(gateway: MockGateway) -> None:
    try:
        gateway.assert_no_rejections()
    except AssertionError as failed:
        message = str(failed)
    else:
        return
    hint = "(expected? mark the test with @pytest.mark.mockgateway(strict=False))"
    pytest.fail(f"{message}\n{hint}", pytrace=False)


class GatewayFactory(Protocol):
    """Starts another gateway (a second provider, a second region...), stopped after the test."""

    def __call__(self, scenario: str | Path | None = None) -> MockGateway: ...


@pytest.fixture
def mockgateway_factory(request: pytest.FixtureRequest) -> Iterator[GatewayFactory]:
    """Start as many more gateways as a test needs, each on its own port and scenario; strict
    mode applies to each as to ``mockgateway``."""
    from mockgateway.harness import running_gateway

    started: list[MockGateway] = []
    with ExitStack() as stack:

        def start(scenario: str | Path | None = None) -> MockGateway:
            gateway = stack.enter_context(running_gateway(scenario))
            started.append(gateway)
            return gateway

        yield start
        if _strict(request):
            for gateway in started:
                _fail_on_rejections(gateway)
