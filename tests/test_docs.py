"""What the README and docs show is what the code does: examples are the tests' own text, and
the journal names rules as the docs say."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
