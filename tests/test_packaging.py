"""The package lists its subpackages by hand (the ready-made scenarios are mapped in from the
repository root), so a new subpackage must not be left out of the wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_subpackage_is_listed_and_the_scenarios_come_from_the_root() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "mockgateway").rglob("__init__.py")
    }
    assert set(setup["packages"]) == found | {"mockgateway.scenarios"}
    assert setup["package-dir"] == {"mockgateway.scenarios": "scenarios"}
    assert not (ROOT / "mockgateway" / "scenarios").exists()  # one source only


def test_the_inbox_page_ships_in_the_wheel() -> None:
    """Every file of the page matches the package data (a wheel install serves the page; checked
    by hand with ``pip wheel`` and a fresh venv, as the tests have no network to build one)."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["mockgateway.inbox"]
    files = [p for p in (ROOT / "mockgateway" / "inbox").iterdir() if p.suffix != ".py"]
    files = [p for p in files if p.is_file()]
    assert {p.name for p in files} >= {"index.html", "inbox.css", "inbox.js"}
    assert all(any(p.match(glob) for glob in globs) for p in files), files
