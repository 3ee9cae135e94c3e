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
