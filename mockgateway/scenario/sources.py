"""Which scenario a name, a path or a text means: one answer for the CLI (``--scenario``,
``MOCKGATEWAY_SCENARIO``), the harness and the pytest plugin.

In order: nothing is the built-in ``default``; a :class:`~pathlib.Path`, or a one-line string
naming a file that exists, is that file (with or without an extension); a built-in name is that
scenario; a one-line string ending in ``.yaml``, ``.yml`` or ``.json`` is a file (that cannot be
read); any other one-line string without a ``:`` names nothing; the rest is YAML text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockgateway.scenario.loader import (
    Problem,
    ScenarioError,
    builtin_names,
    load_text,
    read_named,
)
from mockgateway.scenario.model import Scenario

FILE_ENDINGS = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Source:
    text: str
    origin: str
    """Where problems say it came from: a file's path, ``NAME.yaml``, or ``scenario``."""
    name: str
    """Its name unless it gives one: the file's stem, the built-in's name."""

    def load(self) -> Scenario:
        return load_text(self.text, source=self.origin, default_name=self.name)


class UnknownScenario(ScenarioError, ValueError):
    """A one-line name that is no file and no built-in scenario."""

    def __init__(self, name: str) -> None:
        self.known = ", ".join(builtin_names())
        problem = f"no file and no built-in scenario of that name (built-in: {self.known})"
        super().__init__([Problem(name, 0, problem)])
        self.name = name

    def __str__(self) -> str:
        return (
            f"no file and no built-in scenario named {self.name!r} (built-in: {self.known}); "
            "YAML text needs at least one key"
        )


def resolve(spec: str | Path | None) -> Source:
    """The scenario ``spec`` means; :class:`ScenarioError` when it names nothing readable."""
    if spec is None:
        return builtin("default")
    if isinstance(spec, Path):
        return from_file(spec)
    if "\n" not in spec:
        path = _path(spec)
        if path is not None and path.is_file():
            return from_file(path)
        if path is not None and path.exists():  # a directory, a device: no scenario to read
            kind = "a directory" if path.is_dir() else "not a regular file"
            raise ScenarioError([Problem(spec, 0, f"{kind}: give a scenario file or a name")])
        if spec in builtin_names():
            return builtin(spec)
        if spec.endswith(FILE_ENDINGS):
            return from_file(Path(spec))
        if ":" not in spec:
            raise UnknownScenario(spec)
    return Source(spec, "scenario", "scenario")


MAX_FILE = 4 * 1024 * 1024
"""A scenario file's bytes at most, as for ``PUT /_mock/scenario``."""


def _path(spec: str) -> Path | None:
    """``spec`` as a path the system can look at, or None (empty, too long, a loop)."""
    if not spec:
        return None
    path = Path(spec)
    try:
        path.exists()
    except OSError:
        return None
    return path


def from_file(path: Path) -> Source:
    try:
        if path.stat().st_size > MAX_FILE:
            raise ScenarioError([Problem(str(path), 0, f"over {MAX_FILE:,} bytes: not read")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), 0, f"cannot read: {exc}")]) from None
    return Source(text, str(path), path.stem)


def builtin(name: str) -> Source:
    """A ready-made scenario shipped in the package."""
    return Source(read_named(name), f"{name}.yaml", name)
