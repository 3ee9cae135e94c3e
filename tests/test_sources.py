"""One scenario resolver for the CLI, the harness and the pytest plugin: a file without an
extension, a built-in name and YAML text mean the same everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockgateway.harness import running_gateway
from mockgateway.scenario import ScenarioError
from mockgateway.scenario.sources import UnknownScenario, resolve
from tests.test_cli import health, serve
from tests.test_plugin import run

SCENARIO = "name: bare\nseed: 5\n"


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A scenario file without an extension, named relative to the working directory."""
    (tmp_path / "bare").write_text(SCENARIO)
    monkeypatch.chdir(tmp_path)
    return "bare"


def test_what_each_spelling_means(bare: str) -> None:
    assert resolve(bare).load().name == "bare"
    assert resolve(Path(bare)).text == SCENARIO
    assert resolve("push-callback").origin == "push-callback.yaml"
    assert resolve(None).name == "default"
    assert resolve("clock: virtual").load().clock == "virtual"
    with pytest.raises(UnknownScenario, match="no file and no built-in scenario named 'nope'"):
        resolve("nope")
    with pytest.raises(ScenarioError, match=r"missing\.yaml:0: cannot read"):
        resolve("missing.yaml")


def test_a_file_without_an_extension_works_for_serve(bare: str) -> None:
    with serve("--port", "0", "--scenario", bare) as (_, url):
        assert health(url) == {"status": "ok", "scenario": "bare", "seed": 5, "clock": "real"}


def test_a_file_without_an_extension_works_for_the_harness(bare: str) -> None:
    with running_gateway(bare) as gateway:
        gateway.use_scenario(bare)
        assert health(gateway.url)["scenario"] == "bare"


def test_a_file_without_an_extension_works_for_the_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile("", bare=SCENARIO)
    pytester.makefile("", other="name: other\n")
    monkeypatch.setenv("MOCKGATEWAY_SCENARIO", "bare")
    result = run(
        pytester,
        """
import json, urllib.request, pytest

def name(url):
    with urllib.request.urlopen(url + "/_mock/health") as answer:
        return json.load(answer)["scenario"]

def test_session(mockgateway):
    assert name(mockgateway.url) == "bare"

@pytest.mark.mockgateway(scenario="other")
def test_marker(mockgateway):
    assert name(mockgateway.url) == "other"
""",
    )
    result.assert_outcomes(passed=2)
