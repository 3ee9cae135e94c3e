"""What the README and docs show is what the code does: examples are the tests' own text, and
the journal names rules as the docs say."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from mockgateway.scenario.model import (
    PER_ACCOUNT,
    AccountSettings,
    AuthSettings,
    Billing,
    Encryption,
    Fault,
    FaultKind,
    Match,
    PushSettings,
    ReportOverride,
    ReportSettings,
    Rule,
    Scenario,
)
from mockgateway.scenario.schema import keys, nested, words
from tests.conftest import Start

ROOT = Path(__file__).parents[1]


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readme_pytest_example_is_the_example_files_test_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    (shown,) = [b for b in python_blocks(readme) if "def test_" in b]
    source = (ROOT / "tests" / "examples" / "test_readme_example.py").read_text()
    tests = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
    (test,) = tests
    first = min(d.lineno for d in test.decorator_list)
    assert test.end_lineno is not None
    text = "\n".join(source.splitlines()[first - 1 : test.end_lineno]) + "\n"
    assert shown == text


async def test_the_journal_numbers_rules_as_the_scenario_docs_do(start: Start) -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text()
    example = docs.split("In this file:\n\n```yaml\n")[1].split("```")[0]
    promised = re.search(r'`"rule": "(rule \d+ \(line \d+\))"`', docs)
    assert promised is not None
    gw = await start(example)
    answer = await gw.call("send_single", mobile="+85292041235", content="hi")
    assert answer["result"] == 0
    assert gw.last().rule == promised.group(1)


def table_keys(markdown: str, heading: str) -> set[str]:
    """The keys a table under ``heading`` documents: each row's first cell, backticked, split on
    commas; ``key: {...}`` rows give their key."""
    section = markdown.split(heading + "\n", 1)[1].split("\n#", 1)[0]
    found: set[str] = set()
    for row in re.findall(r"^\| (`[^|]*?) \|", section, flags=re.MULTILINE):
        for cell in re.findall(r"`([^`]+)`", row):
            found.add(cell.split(":")[0].strip())
    return found


def dotted(model: type[Any]) -> set[str]:
    """The model's keys, nested mappings spelt out as ``retry.attempts``."""
    inner = nested(model)
    found = {key for key in keys(model) if key not in inner}
    for name, sub in inner.items():
        found |= {f"{name}.{key}" for key in keys(sub)}
    return found


def test_the_scenario_docs_tables_list_every_key_of_the_model() -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text()
    shared = keys(AccountSettings) - PER_ACCOUNT
    assert table_keys(docs, "## Top level") == keys(Scenario) | shared
    assert table_keys(docs, "## Accounts") == keys(AccountSettings) - {"userid", "password"}
    assert table_keys(docs, "### `auth`") == keys(AuthSettings)
    assert table_keys(docs, "### `billing`") == keys(Billing)
    assert table_keys(docs, "### `encryption`") == keys(Encryption)
    assert table_keys(docs, "### `push`") == dotted(PushSettings)
    assert table_keys(docs, "## `reports`") == keys(ReportSettings)
    when = "### `when` (every condition given must hold; none given matches every request)"
    assert table_keys(docs, when) == keys(Match)
    actions = table_keys(docs, "### What a rule does")
    assert actions == keys(Rule) - {"when"}
    faults = set(re.findall(r"`fault: \{(\w+):", docs)) | {"accepted"}
    assert faults == (keys(Fault) | set(words(FaultKind))) - {"retry_after"}
    assert "retry_after" in docs.split("### What a rule does")[1]
    report = docs.split("### What a rule does")[1]
    assert set(re.findall(r"`report: \{(\w+)", report)) <= keys(ReportOverride)
