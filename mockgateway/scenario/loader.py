"""Load and check scenario files completely, reporting every problem at once with its line.

YAML is composed to nodes first so that each value keeps the line it came from; the checks then
run on plain data and look lines up by path. JSON is read by the same parser (it is YAML's subset).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from mockgateway.scenario.model import (
    AccountSettings,
    AuthSettings,
    Delay,
    MsgidRange,
    ReportSettings,
    Scenario,
)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_file(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), 0, f"cannot read: {exc}")]) from None
    return load_text(text, source=str(path), default_name=path.stem)


def builtin_names() -> list[str]:
    folder = resources.files("mockgateway") / "scenarios"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_named(name: str) -> Scenario:
    """A ready-made scenario shipped in the package, by name (``default``, ...)."""
    resource = resources.files("mockgateway") / "scenarios" / f"{name}.yaml"
    if not resource.is_file():
        known = ", ".join(builtin_names())
        raise ScenarioError(
            [Problem(name, 0, f"no file and no built-in scenario of that name (built-in: {known})")]
        )
    return load_text(resource.read_text(encoding="utf-8"), source=f"{name}.yaml", default_name=name)


def load_text(text: str, *, source: str = "<scenario>", default_name: str = "scenario") -> Scenario:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(source, line, f"not valid YAML or JSON: {problem}")]) from None
    lines: dict[Path_, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    check = _Check(source, lines)
    scenario = _scenario(check, {} if data is None else data, default_name)
    if check.problems:
        raise ScenarioError(sorted(check.problems, key=lambda p: p.line))
    return scenario


def _collect_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            _collect_lines(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), lines)


class _Check:
    def __init__(self, source: str, lines: dict[Path_, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str) -> None:
        probe = path
        while probe not in self.lines and probe:
            probe = probe[:-1]
        where = ".".join(str(p) for p in path) or "top level"
        self.problems.append(Problem(self.source, self.lines.get(probe, 1), f"{where}: {message}"))

    def mapping(self, path: Path_, value: Any, keys: frozenset[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, got {_kind(value)}")
            return {}
        for key in value:
            if key not in keys:
                near = difflib.get_close_matches(str(key), sorted(keys), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                allowed = ", ".join(sorted(keys))
                self.fail((*path, key), f"unknown key {key!r}{hint}; known keys: {allowed}")
        return value

    def number(self, path: Path_, value: Any, default: float, *, minimum: float = 0.0) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"must be a number, got {_kind(value)}")
            return default
        if value < minimum:
            self.fail(path, f"must be at least {minimum:g}, got {value}")
            return default
        return float(value)

    def integer(self, path: Path_, value: Any, default: int, *, minimum: int = 0) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be a whole number, got {_kind(value)}")
            return default
        if value < minimum:
            self.fail(path, f"must be at least {minimum}, got {value}")
            return default
        return value

    def boolean(self, path: Path_, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {_kind(value)}")
            return default
        return value

    def string(self, path: Path_, value: Any, default: str) -> str:
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.fail(path, f'must be a string: quote it ("{value}")')
            return default
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {_kind(value)}")
            return default
        return value

    def choice(self, path: Path_, value: Any, default: str, choices: tuple[str, ...]) -> str:
        if value is None:
            return default
        if value not in choices:
            self.fail(path, f"must be one of {', '.join(choices)}; got {value!r}")
            return default
        return cast(str, value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


_TOP = frozenset(
    {
        "name",
        "seed",
        "clock",
        "edition",
        "auth",
        "msgids",
        "numbers",
        "gbk",
        "accounts",
        "reports",
        "journal",
    }
)
_ACCOUNT = frozenset({"userid", "password", "auth", "msgids", "numbers", "gbk"})
_AUTH = frozenset({"timestamp_window", "lockout_after", "lockout_seconds", "plaintext", "timezone"})
_MSGIDS = frozenset({"range"})
_REPORTS = frozenset({"delay"})
_DELAY = frozenset({"min", "max"})
_JOURNAL = frozenset({"limit"})
_RANGES: tuple[MsgidRange, ...] = ("above-2^53", "unsigned", "signed")


def _scenario(c: _Check, data: Any, default_name: str) -> Scenario:
    top = c.mapping((), data, _TOP)
    c.choice(("edition",), top.get("edition"), "international", ("international",))
    base = AccountSettings(userid="", password="")
    base = _account_fields(c, (), top, base)
    accounts_raw = top.get("accounts")
    accounts: list[AccountSettings] = []
    if accounts_raw is None:
        accounts.append(
            AccountSettings(**{**base.__dict__, "userid": "J10003", "password": "111111"})
        )
    elif not isinstance(accounts_raw, list) or not accounts_raw:
        c.fail(("accounts",), "must be a non-empty list of accounts")
    else:
        seen: set[str] = set()
        for index, raw in enumerate(accounts_raw):
            account = _account(c, ("accounts", index), raw, base)
            if account.userid in seen:
                c.fail(("accounts", index, "userid"), f"account {account.userid} appears twice")
            seen.add(account.userid)
            accounts.append(account)
    seed = top.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        c.fail(("seed",), f"must be a whole number, got {_kind(seed)}")
        seed = None
    journal = c.mapping(("journal",), top.get("journal", {}), _JOURNAL)
    return Scenario(
        name=c.string(("name",), top.get("name"), default_name),
        seed=seed,
        clock=cast(Any, c.choice(("clock",), top.get("clock"), "real", ("real", "virtual"))),
        accounts=tuple(accounts),
        reports=_reports(c, ("reports",), top.get("reports", {})),
        journal_limit=c.integer(("journal", "limit"), journal.get("limit"), 100_000, minimum=1),
    )


def _account(c: _Check, path: Path_, raw: Any, base: AccountSettings) -> AccountSettings:
    fields = c.mapping(path, raw, _ACCOUNT)
    userid = c.string((*path, "userid"), fields.get("userid"), "")
    if not userid:
        c.fail(path, "an account needs a userid")
    elif len(userid) > 6 or userid != userid.upper():
        c.fail(
            (*path, "userid"),
            f"{userid!r}: the manual's userids are at most 6 uppercase characters",
        )
    password = c.string((*path, "password"), fields.get("password"), "")
    if not password:
        c.fail(path, "an account needs a password")
    settings = AccountSettings(**{**base.__dict__, "userid": userid, "password": password})
    return _account_fields(c, path, fields, settings)


def _account_fields(
    c: _Check, path: Path_, fields: dict[str, Any], base: AccountSettings
) -> AccountSettings:
    """The settings that both the top level (as defaults) and each account may give."""
    msgids = c.mapping((*path, "msgids"), fields.get("msgids", {}), _MSGIDS)
    return AccountSettings(
        userid=base.userid,
        password=base.password,
        auth=_auth(c, (*path, "auth"), fields.get("auth", {}), base.auth),
        numbers=cast(
            Any,
            c.choice(
                (*path, "numbers"), fields.get("numbers"), base.numbers, ("strict", "relaxed")
            ),
        ),
        gbk=c.boolean((*path, "gbk"), fields.get("gbk"), base.gbk),
        msgids=cast(
            Any, c.choice((*path, "msgids", "range"), msgids.get("range"), base.msgids, _RANGES)
        ),
    )


def _auth(c: _Check, path: Path_, raw: Any, base: AuthSettings) -> AuthSettings:
    fields = c.mapping(path, raw, _AUTH)
    window: float | None = base.timestamp_window
    if "timestamp_window" in fields:
        value = fields["timestamp_window"]
        window = None if value is None else c.number((*path, "timestamp_window"), value, 300.0)
    timezone = c.string((*path, "timezone"), fields.get("timezone"), base.timezone)
    from mockgateway.domain.clock import zone_of

    try:
        zone_of(timezone)
    except ValueError as exc:
        c.fail((*path, "timezone"), str(exc))
        timezone = base.timezone
    return AuthSettings(
        timestamp_window=window,
        lockout_after=c.integer(
            (*path, "lockout_after"), fields.get("lockout_after"), base.lockout_after, minimum=1
        ),
        lockout_seconds=c.number(
            (*path, "lockout_seconds"), fields.get("lockout_seconds"), base.lockout_seconds
        ),
        plaintext=c.boolean((*path, "plaintext"), fields.get("plaintext"), base.plaintext),
        timezone=timezone,
    )


def _reports(c: _Check, path: Path_, raw: Any) -> ReportSettings:
    fields = c.mapping(path, raw, _REPORTS)
    delay_raw = fields.get("delay")
    delay = ReportSettings().delay
    if isinstance(delay_raw, int | float) and not isinstance(delay_raw, bool):
        fixed = c.number((*path, "delay"), delay_raw, 1.0)
        delay = Delay(fixed, fixed)
    elif delay_raw is not None:
        parts = c.mapping((*path, "delay"), delay_raw, _DELAY)
        low = c.number((*path, "delay", "min"), parts.get("min"), 0.0)
        high = c.number((*path, "delay", "max"), parts.get("max"), low)
        if low > high:
            c.fail((*path, "delay"), f"min ({low:g}) is above max ({high:g})")
        else:
            delay = Delay(low, high)
    return ReportSettings(delay=delay)
