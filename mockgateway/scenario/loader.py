"""Load and check scenario files completely, reporting every problem at once with its line.

The text is read once into plain data and the line of each value (``reader.py``, which also
keeps hostile YAML cheap); the checks run on the data and look lines up by path. JSON is read by
the same parser (it is YAML's subset).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, cast

from mockgateway.endpoints import REGISTRY
from mockgateway.protocol import crypto, errors, inbound, mobiles
from mockgateway.protocol.limits import shown
from mockgateway.protocol.times import zone_of
from mockgateway.scenario import reader
from mockgateway.scenario.model import (
    APIKEY_LENGTH,
    MAX_BALANCE,
    PER_ACCOUNT,
    AccountSettings,
    AuthMode,
    AuthSettings,
    Billing,
    ContentPattern,
    Delay,
    Encryption,
    Fault,
    FaultKind,
    JournalSettings,
    Match,
    MsgidSettings,
    Outcome,
    PushChaos,
    PushSettings,
    Reply,
    ReportOverride,
    ReportSettings,
    Respond,
    RetrySettings,
    Rule,
    Scenario,
    Template,
)
from mockgateway.scenario.schema import choices, keys, words

Path_ = reader.Path_


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.warnings = warnings or []
        """What was found besides the problems (``mockgateway check`` shows both at once)."""


def load_file(path: str | Path) -> Scenario:
    from mockgateway.scenario.sources import from_file

    return from_file(Path(path)).load()


READY_MADE = "mockgateway.scenarios"
"""The package of the ready-made scenarios: the repository's ``scenarios/`` folder, shipped."""


def builtin_names() -> list[str]:
    folder = resources.files(READY_MADE)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def read_named(name: str) -> str:
    """The text of a ready-made scenario shipped in the package."""
    known = builtin_names()
    if name not in known:
        raise ScenarioError(
            [
                Problem(
                    name,
                    0,
                    f"no file and no built-in scenario of that name (built-in: {', '.join(known)})",
                )
            ]
        )
    return (resources.files(READY_MADE) / f"{name}.yaml").read_text(encoding="utf-8")


def load_named(name: str) -> Scenario:
    """A ready-made scenario shipped in the package, by name (``default``, ...)."""
    from mockgateway.scenario.sources import builtin

    return builtin(name).load()


def load_text(text: str, *, source: str = "<scenario>", default_name: str = "scenario") -> Scenario:
    try:
        read = reader.read(text)
    except reader.Unreadable as exc:
        raise ScenarioError([Problem(source, exc.line, exc.message)]) from None
    check = _Check(source, read.lines)
    check.problems.extend(Problem(source, line, message) for line, message in read.problems)
    scenario = _scenario(check, {} if read.data is None else read.data, default_name)
    warnings = sorted(check.warnings, key=lambda p: p.line)
    if check.problems:
        raise ScenarioError(sorted(check.problems, key=lambda p: p.line), warnings)
    return replace(scenario, warnings=tuple(str(w) for w in warnings))


MAX_ACCOUNTS = 1000
MAX_RULES = 1000
MAX_ALLOWED_IPS = 32
"""What keeps a scenario's cost per request and per reset (run on the event loop) small."""

MAX_NUMBER = 10 * 365 * 86400.0
"""No scenario number (seconds above all) may pass ten years: every time stays a writable date."""


class _Check:
    def __init__(self, source: str, lines: dict[Path_, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def line_of(self, path: Path_) -> int:
        probe = path
        while probe not in self.lines and probe:
            probe = probe[:-1]
        return self.lines.get(probe, 1)

    def warn(self, path: Path_, message: str) -> None:
        where = ".".join(str(p) for p in path) or "top level"
        self.warnings.append(Problem(self.source, self.line_of(path), f"{where}: {message}"))

    def fail(self, path: Path_, message: str) -> None:
        where = ".".join(str(p) for p in path) or "top level"
        self.problems.append(Problem(self.source, self.line_of(path), f"{where}: {message}"))

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

    def number(
        self,
        path: Path_,
        value: Any,
        default: float,
        *,
        minimum: float = 0.0,
        maximum: float = MAX_NUMBER,
    ) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"must be a number, got {_kind(value)}")
            return default
        if not minimum <= value <= maximum:
            bound = f"at least {minimum:g}" if value < minimum else f"at most {maximum:g}"
            self.fail(path, f"must be {bound}, got {value}")
            return default
        return float(value)

    def integer(
        self, path: Path_, value: Any, default: int, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be a whole number, got {_kind(value)}")
            return default
        if value < minimum:
            self.fail(path, f"must be at least {minimum}, got {value}")
            return default
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum}, got {value}")
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


_SHARED = keys(AccountSettings) - PER_ACCOUNT
"""What the top level gives as every account's default."""
_FAULT_KINDS: tuple[FaultKind, ...] = cast(Any, words(FaultKind))
STALL_SECONDS = 120.0
"""A stall with no length given outlasts any sensible client timeout."""


def _scenario(c: _Check, data: Any, default_name: str) -> Scenario:
    top = c.mapping((), data, keys(Scenario) | _SHARED)
    base = AccountSettings(userid="", password="")
    base = _account_fields(c, (), top, base)
    accounts_raw = top.get("accounts")
    accounts: list[AccountSettings] = []
    if accounts_raw is None:
        accounts.append(replace(base, userid="J10003", password="111111"))
    elif not isinstance(accounts_raw, list) or not accounts_raw:
        c.fail(("accounts",), "must be a non-empty list of accounts")
    elif len(accounts_raw) > MAX_ACCOUNTS:
        c.fail(("accounts",), f"{len(accounts_raw)} accounts: at most {MAX_ACCOUNTS}")
    else:
        seen: set[str] = set()
        keyed: dict[str, str] = {}
        for index, raw in enumerate(accounts_raw):
            account = _account(c, ("accounts", index), raw, base)
            if account.userid in seen:
                c.fail(("accounts", index, "userid"), f"account {account.userid} appears twice")
            seen.add(account.userid)
            if account.apikey is not None:
                owner = keyed.setdefault(account.apikey, account.userid)
                if owner != account.userid:
                    c.fail(
                        ("accounts", index, "apikey"),
                        f"account {owner} has the same apikey: a key names one account",
                    )
            accounts.append(account)
    _check_mo_editions(c, top, accounts, accounts_raw is None)
    seed = top.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        c.fail(("seed",), f"must be a whole number, got {_kind(seed)}")
        seed = None
    journal = c.mapping(("journal",), top.get("journal", {}), keys(JournalSettings))
    userids = {a.userid for a in accounts}
    rules = _rules(c, top.get("rules"), userids)
    if any(a.edition == "domestic" for a in accounts):
        _warn_bare_mainland(c, rules)
    return Scenario(
        name=c.string(("name",), top.get("name"), default_name),
        seed=seed,
        clock=cast(
            Any, c.choice(("clock",), top.get("clock"), Scenario.clock, choices(Scenario, "clock"))
        ),
        accounts=tuple(accounts),
        reports=_reports(c, ("reports",), top.get("reports", {})),
        rules=rules,
        templates=_templates(c, top.get("templates"), accounts),
        journal=JournalSettings(
            limit=c.integer(
                ("journal", "limit"), journal.get("limit"), JournalSettings.limit, minimum=1
            ),
            max_bytes=c.integer(
                ("journal", "max_bytes"),
                journal.get("max_bytes"),
                JournalSettings.max_bytes,
                minimum=64 * 1024,
                maximum=2**40,
            ),
        ),
    )


def _check_mo_editions(
    c: _Check, top: dict[str, Any], accounts: list[AccountSettings], implicit: bool
) -> None:
    """MOs are a domestic-edition feature: say so where a scenario asks for them elsewhere."""
    for index, account in enumerate(accounts):
        if account.mo_push is not None and account.edition != "domestic":
            where: Path_ = ("push", "mo_url") if implicit else ("accounts", index)
            c.warn(
                where,
                f"account {account.userid} is in the {account.edition} edition: it has no MOs "
                "to push (MOs need edition: domestic)",
            )
    rules = top.get("rules")
    replies = isinstance(rules, list) and any(
        isinstance(rule, dict) and "reply" in rule for rule in rules
    )
    if replies and all(a.edition != "domestic" for a in accounts):
        c.warn(("rules",), "reply rules need an account with edition: domestic; none has it")


def _account(c: _Check, path: Path_, raw: Any, base: AccountSettings) -> AccountSettings:
    fields = c.mapping(path, raw, keys(AccountSettings))
    userid = c.string((*path, "userid"), fields.get("userid"), "")
    if not userid and not fields.get("userid"):  # a userid of the wrong type is named already
        c.fail(path, "an account needs a userid")
    elif len(userid) > 6 or userid != userid.upper():
        c.fail(
            (*path, "userid"),
            f"{userid!r}: the manual's userids are at most 6 uppercase characters",
        )
    password = c.string((*path, "password"), fields.get("password"), "")
    if not password and not fields.get("password"):  # a number is named already: quote it
        c.fail(path, "an account needs a password")
    apikey = _apikey(c, (*path, "apikey"), fields.get("apikey"))
    settings = replace(base, userid=userid, password=password, apikey=apikey)
    settings = _account_fields(c, path, fields, settings)
    if settings.auth.accepts("sm3") or settings.encryption is not None:
        missing = crypto.available()
        if missing is not None:
            c.fail(path, f"{missing}: sm3 and encryption need them")
    uses_key = settings.auth.accepts("apikey")
    if uses_key and apikey is None:
        c.fail((*path, "auth", "modes"), "lists apikey, but the account has no apikey")
    elif apikey is not None and not uses_key:
        c.warn(
            (*path, "apikey"),
            "auth.modes does not list apikey: requests that send this key are refused",
        )
    return settings


def _apikey(c: _Check, path: Path_, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        c.string(path, raw, "")
        return None
    key = raw
    if len(key) != APIKEY_LENGTH or not (key.isascii() and key.isalnum()):
        c.fail(
            path,
            f"{key[:40]!r} is not an apikey: {APIKEY_LENGTH} letters and digits, as the "
            "manual's abade5589e2798f82f006bbc36d269ce",
        )
        return None
    return key


def _account_fields(
    c: _Check, path: Path_, fields: dict[str, Any], base: AccountSettings
) -> AccountSettings:
    """The settings that both the top level (as defaults) and each account may give."""
    msgids = c.mapping((*path, "msgids"), fields.get("msgids", {}), keys(MsgidSettings))
    push, mo_push = _pushes(c, (*path, "push"), fields, base)
    return replace(
        base,
        edition=cast(
            Any,
            c.choice(
                (*path, "edition"),
                fields.get("edition"),
                base.edition,
                choices(AccountSettings, "edition"),
            ),
        ),
        error_sign=cast(
            Any,
            c.choice(
                (*path, "error_sign"),
                fields.get("error_sign"),
                base.error_sign,
                choices(AccountSettings, "error_sign"),
            ),
        ),
        auth=_auth(c, (*path, "auth"), fields.get("auth", {}), base.auth),
        numbers=cast(
            Any,
            c.choice(
                (*path, "numbers"),
                fields.get("numbers"),
                base.numbers,
                choices(AccountSettings, "numbers"),
            ),
        ),
        gbk=c.boolean((*path, "gbk"), fields.get("gbk"), base.gbk),
        msgids=MsgidSettings(
            cast(
                Any,
                c.choice(
                    (*path, "msgids", "range"),
                    msgids.get("range"),
                    base.msgids.range,
                    choices(MsgidSettings, "range"),
                ),
            )
        ),
        allowed_ips=_allowed_ips(c, (*path, "allowed_ips"), fields.get("allowed_ips"), base),
        max_connections=c.integer(
            (*path, "max_connections"),
            fields.get("max_connections"),
            base.max_connections,
            minimum=1,
        ),
        billing=_billing(c, (*path, "billing"), fields.get("billing", {}), base.billing),
        endpoints=_endpoints(c, (*path, "endpoints"), fields, base.endpoints),
        encryption=_encryption(c, (*path, "encryption"), fields, base.encryption),
        push=push,
        mo_push=mo_push,
    )


MAX_PRICE = 1_000_000.0


def _billing(c: _Check, path: Path_, raw: Any, base: Billing) -> Billing:
    fields = c.mapping(path, raw, keys(Billing))
    balance = base.balance
    if "balance" in fields and fields["balance"] is not None:
        balance = c.integer(
            (*path, "balance"), fields["balance"], 0, minimum=0, maximum=MAX_BALANCE
        )
    elif "balance" in fields:
        balance = None
    return Billing(
        balance=balance,
        price=c.number((*path, "price"), fields.get("price"), base.price, maximum=MAX_PRICE),
        chargetype=c.integer(
            (*path, "chargetype"), fields.get("chargetype"), base.chargetype, maximum=9
        ),
    )


def _endpoints(
    c: _Check, path: Path_, fields: dict[str, Any], base: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """Canonical names, in the registry's order; an alias names its endpoint."""
    if "endpoints" not in fields:
        return base
    raw = fields["endpoints"]
    if raw is None:
        return None
    names = REGISTRY.names()
    if not isinstance(raw, list):
        c.fail(path, f"must be a list of endpoint names ({', '.join(names)}), got {_kind(raw)}")
        return base
    chosen: set[str] = set()
    for index, name in enumerate(raw):
        if isinstance(name, str) and name in names:
            chosen.add(names[name])
            continue
        near = difflib.get_close_matches(str(name)[:64], list(names), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        c.fail((*path, index), f"{_kind(name)} is not an endpoint{hint}; known: {', '.join(names)}")
    if not raw:
        c.warn(path, "an empty list allows no endpoint: every request gets 100070")
    return tuple(e.name for e in REGISTRY.endpoints if e.name in chosen)


def _encryption(
    c: _Check, path: Path_, fields: dict[str, Any], base: Encryption | None
) -> Encryption | None:
    if "encryption" not in fields:
        return base
    raw = fields["encryption"]
    if raw is None:
        return None
    given = c.mapping(path, raw, keys(Encryption))
    key = given.get("key", base.key if base else None)
    if not isinstance(key, str) or not (key == "derive" or _is_key(key)):
        c.fail(
            (*path, "key"),
            f"{_kind(key) if not isinstance(key, str) else repr(key[:40])} is not a key: "
            "32 hex digits (16 bytes), or derive (SM3 of password + timestamp)",
        )
        key = "derive"
    padding = given.get("padding", base.padding if base else None)
    if padding is None:
        c.fail(path, "encryption needs a padding: zero or pkcs7")
        padding = "pkcs7"
    padding = c.choice((*path, "padding"), padding, "pkcs7", choices(Encryption, "padding"))
    return Encryption(key=key.lower(), padding=cast(Any, padding))


def _is_key(text: str) -> bool:
    return len(text) == 32 and all(ch in "0123456789abcdefABCDEF" for ch in text)


def _allowed_ips(c: _Check, path: Path_, raw: Any, base: AccountSettings) -> tuple[str, ...]:
    if raw is None:
        return base.allowed_ips
    if not isinstance(raw, list):
        c.fail(path, f"must be a list of addresses or networks, got {_kind(raw)}")
        return base.allowed_ips
    if len(raw) > MAX_ALLOWED_IPS:
        c.fail(path, f"{len(raw)} entries: at most {MAX_ALLOWED_IPS}; use networks (10.0.0.0/8)")
        return base.allowed_ips
    networks: list[str] = []
    for index, entry in enumerate(raw):
        try:
            networks.append(str(ipaddress.ip_network(str(entry), strict=False)))
        except ValueError:
            c.fail((*path, index), f"{entry!r} is not an IP address or a network like 10.0.0.0/8")
    return tuple(networks)


def _pushes(
    c: _Check, path: Path_, fields: dict[str, Any], base: AccountSettings
) -> tuple[PushSettings | None, PushSettings | None]:
    """``push`` (status reports) and ``mo_push`` (inbound messages, the same mapping with its
    ``mo_url`` as the url): a mapping may give either URL or both."""
    if "push" not in fields:
        return base.push, base.mo_push
    raw = fields["push"]
    if raw is None:
        return None, None
    given = c.mapping(path, raw, keys(PushSettings))
    url = _push_url(c, path, given, "url", base.push)
    mo_url = _push_url(c, path, given, "mo_url", base.mo_push)
    if url is None and mo_url is None:
        c.fail(path, "push needs a url (http://host:port/path), or an mo_url, or both")
    settings = _push(c, path, given, base.push or base.mo_push or PushSettings(url=""))
    return (
        None if url is None else replace(settings, url=url),
        None if mo_url is None else replace(settings, url=mo_url),
    )


def _push_url(
    c: _Check, path: Path_, given: dict[str, Any], key: str, inherited: PushSettings | None
) -> str | None:
    """The mapping's ``url`` or ``mo_url`` (``null``: none), else the inherited line's."""
    if key not in given:
        return None if inherited is None else inherited.url
    url = given[key]
    if url is None:
        return None
    if not isinstance(url, str) or not is_http_url(url):
        given_url = shown(url) if isinstance(url, str) else repr(url)
        c.fail((*path, key), f"{given_url} is not {URL_RULE}")
        return ""
    return url


def _push(c: _Check, path: Path_, given: dict[str, Any], inherited: PushSettings) -> PushSettings:
    retry = c.mapping((*path, "retry"), given.get("retry", {}), keys(RetrySettings))
    chaos = c.mapping((*path, "chaos"), given.get("chaos", {}), keys(PushChaos))
    r0, h0 = inherited.retry, inherited.chaos
    backoff = c.number((*path, "retry", "backoff"), retry.get("backoff"), r0.backoff)
    max_backoff = c.number(
        (*path, "retry", "max_backoff"), retry.get("max_backoff"), r0.max_backoff
    )
    if backoff > max_backoff:
        c.fail((*path, "retry"), f"backoff ({backoff:g}) is above max_backoff ({max_backoff:g})")
    return PushSettings(
        url="",
        batch_size=c.integer(
            (*path, "batch_size"),
            given.get("batch_size"),
            inherited.batch_size,
            minimum=1,
            maximum=500,
        ),
        timeout=c.number(
            (*path, "timeout"), given.get("timeout"), inherited.timeout, minimum=0.001
        ),
        linger=c.number((*path, "linger"), given.get("linger"), inherited.linger),
        retry=RetrySettings(
            attempts=c.integer(
                (*path, "retry", "attempts"), retry.get("attempts"), r0.attempts, minimum=1
            ),
            backoff=backoff,
            max_backoff=max_backoff,
            jitter=c.number(
                (*path, "retry", "jitter"), retry.get("jitter"), r0.jitter, maximum=1.0
            ),
        ),
        chaos=PushChaos(
            duplicate=c.number(
                (*path, "chaos", "duplicate"), chaos.get("duplicate"), h0.duplicate, maximum=1.0
            ),
            reorder=c.boolean((*path, "chaos", "reorder"), chaos.get("reorder"), h0.reorder),
            delay=c.number((*path, "chaos", "delay"), chaos.get("delay"), h0.delay),
        ),
        ack=cast(
            Any,
            c.choice((*path, "ack"), given.get("ack"), inherited.ack, choices(PushSettings, "ack")),
        ),
        format=cast(
            Any,
            c.choice(
                (*path, "format"),
                given.get("format"),
                inherited.format,
                choices(PushSettings, "format"),
            ),
        ),
    )


MAX_URL = 2048
URL_RULE = (
    "an http:// or https:// URL with a host, in printable ASCII without spaces "
    f"(percent-encode the rest), of at most {MAX_URL} characters"
)


def is_http_url(url: str) -> bool:
    """An ``http://`` or ``https://`` URL with a host and a valid port, in printable ASCII
    without spaces (percent-encode the rest), at most :data:`MAX_URL` characters."""
    from urllib.parse import urlsplit

    if len(url) > MAX_URL or not url.isascii() or not url.isprintable() or " " in url:
        return False
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
        if parts.hostname:
            parts.hostname.encode("idna")  # a host an HTTP client can name: no empty label...
    except ValueError:  # UnicodeError included
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok


def _auth(c: _Check, path: Path_, raw: Any, base: AuthSettings) -> AuthSettings:
    fields = c.mapping(path, raw, keys(AuthSettings))
    window: float | None = base.timestamp_window
    if "timestamp_window" in fields:
        value = fields["timestamp_window"]
        window = None if value is None else c.number((*path, "timestamp_window"), value, 300.0)
    timezone = c.string((*path, "timezone"), fields.get("timezone"), base.timezone)
    try:
        zone_of(timezone)
    except ValueError as exc:
        c.fail((*path, "timezone"), str(exc))
        timezone = base.timezone
    modes = _modes(c, path, fields, base)
    return AuthSettings(
        modes=modes,
        timestamp_window=window,
        lockout_after=c.integer(
            (*path, "lockout_after"), fields.get("lockout_after"), base.lockout_after, minimum=1
        ),
        lockout_seconds=c.number(
            (*path, "lockout_seconds"), fields.get("lockout_seconds"), base.lockout_seconds
        ),
        plaintext="plaintext" in modes,
        timezone=timezone,
    )


_MODES: tuple[AuthMode, ...] = cast(Any, words(AuthMode))


def _modes(
    c: _Check, path: Path_, fields: dict[str, Any], base: AuthSettings
) -> tuple[AuthMode, ...]:
    """``modes`` and the older ``plaintext`` switch, which must agree when both are given."""
    modes = set(base.modes)
    if "modes" in fields:
        raw = fields["modes"]
        if not isinstance(raw, list) or not raw:
            c.fail((*path, "modes"), f"must be a non-empty list of {', '.join(_MODES)}")
        else:
            modes = set()
            for index, mode in enumerate(raw):
                if mode in _MODES:
                    modes.add(mode)
                else:
                    allowed, got = ", ".join(_MODES), repr(mode)[:40]
                    c.fail((*path, "modes", index), f"must be one of {allowed}; got {got}")
    if "plaintext" in fields:
        plaintext = c.boolean((*path, "plaintext"), fields["plaintext"], base.plaintext)
        if "modes" in fields and plaintext != ("plaintext" in modes):
            c.fail(
                (*path, "plaintext"),
                f"plaintext: {str(plaintext).lower()} contradicts modes: list plaintext in "
                "modes (or not), and leave plaintext out",
            )
        modes = modes | {"plaintext"} if plaintext else modes - {"plaintext"}
        if not modes:
            c.fail((*path, "plaintext"), "plaintext: false leaves no auth mode")
            modes = {"md5"}
    return tuple(m for m in _MODES if m in modes)


MAX_TEMPLATES = 1000
MAX_TEMPLATE_ID = 20
"""The manual's limit on ``tmplid``."""
MAX_TEMPLATE_TEXT = 1000
"""Characters of a template's text: a rendered message holds at most 1000 anyway."""


def _listed(c: _Check, key: str, raw: Any, limit: int, why: str = "") -> list[Any]:
    """A top-level list of at most ``limit`` mappings (``rules``, ``templates``), or nothing."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        c.fail((key,), f"must be a list of {key}, got {_kind(raw)}")
        return []
    if len(raw) > limit:
        c.fail((key,), f"{len(raw)} {key}: at most {limit}{why}")
        return []
    return raw


def _templates(c: _Check, raw: Any, accounts: list[AccountSettings]) -> tuple[Template, ...]:
    raw = _listed(c, "templates", raw, MAX_TEMPLATES)
    if raw and not any(a.edition == "domestic" for a in accounts):
        c.warn(
            ("templates",),
            "send_template is served to accounts with `edition: domestic` only, and this "
            "scenario has none",
        )
    templates: list[Template] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path: Path_ = ("templates", index)
        fields = c.mapping(path, item, keys(Template))
        ident = fields.get("id")
        if isinstance(ident, int) and not isinstance(ident, bool):
            ident = str(ident)  # tmplids are digits in the manual: 200170
        ident = c.string((*path, "id"), ident, "")
        text = c.string((*path, "text"), fields.get("text"), "")
        if not ident or len(ident) > MAX_TEMPLATE_ID or not ident.isprintable():
            c.fail((*path, "id"), f"{ident!r}: a tmplid is 1 to {MAX_TEMPLATE_ID} characters")
            continue
        if ident in seen:
            c.fail((*path, "id"), f"template {ident} appears twice")
        seen.add(ident)
        if not text or len(text) > MAX_TEMPLATE_TEXT:
            c.fail((*path, "text"), f"a template's text is 1 to {MAX_TEMPLATE_TEXT} characters")
            continue
        enabled = c.boolean((*path, "enabled"), fields.get("enabled"), Template.enabled)
        templates.append(Template(ident, text, enabled))
    return tuple(templates)


def _delay(c: _Check, path: Path_, raw: Any, default: Delay) -> Delay:
    """A number (fixed), ``{min, max}`` (uniform) or ``{median, p99}`` (long tail)."""
    if raw is None:
        return default
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        fixed = c.number(path, raw, 1.0)
        return Delay(fixed, fixed)
    parts = c.mapping(path, raw, keys(Delay))
    if not parts:
        return default
    if "median" in parts or "p99" in parts:
        median = c.number((*path, "median"), parts.get("median"), 1.0, minimum=0.001)
        p99 = c.number((*path, "p99"), parts.get("p99"), median * 10)
        if p99 <= median:
            c.fail(path, f"p99 ({p99:g}) must be above the median ({median:g})")
            return default
        low = c.number((*path, "min"), parts.get("min"), 0.0)
        high = c.number((*path, "max"), parts.get("max"), MAX_NUMBER)
        return Delay(low, high, median, p99)
    low = c.number((*path, "min"), parts.get("min"), 0.0)
    high = c.number((*path, "max"), parts.get("max"), low)
    if low > high:
        c.fail(path, f"min ({low:g}) is above max ({high:g})")
        return default
    return Delay(low, high)


def _reports(c: _Check, path: Path_, raw: Any) -> ReportSettings:
    fields = c.mapping(path, raw, keys(ReportSettings))
    base = ReportSettings()
    delay = _delay(c, (*path, "delay"), fields.get("delay"), base.delay)
    max_pending = c.integer(
        (*path, "max_pending"), fields.get("max_pending"), base.max_pending, minimum=1
    )
    outcomes_raw = fields.get("outcomes")
    outcomes = base.outcomes
    if outcomes_raw is None:
        pass
    elif not isinstance(outcomes_raw, list) or not outcomes_raw:
        c.fail((*path, "outcomes"), "must be a non-empty list of outcomes")
    else:
        drawn = [_outcome(c, (*path, "outcomes", i), item) for i, item in enumerate(outcomes_raw)]
        if sum(o.weight for o in drawn) <= 0:
            c.fail((*path, "outcomes"), "the weights add up to 0: no outcome could ever be drawn")
        else:
            outcomes = tuple(drawn)
    return ReportSettings(delay=delay, outcomes=outcomes, max_pending=max_pending)


def _outcome(c: _Check, path: Path_, raw: Any) -> Outcome:
    fields = c.mapping(path, raw, keys(Outcome))
    errcode = c.string((*path, "errcode"), fields.get("errcode"), Outcome.errcode)
    status = c.integer(
        (*path, "status"), fields.get("status"), 0 if errcode == "DELIVRD" else 1, minimum=-(2**31)
    )
    _check_status(c, path, status, errcode)
    errdesc = fields.get("errdesc")
    return Outcome(
        weight=c.number((*path, "weight"), fields.get("weight"), Outcome.weight),
        status=status,
        errcode=errcode,
        errdesc=None if errdesc is None else c.string((*path, "errdesc"), errdesc, ""),
    )


def _check_status(c: _Check, path: Path_, status: int, errcode: str) -> None:
    if (status == 0) != (errcode == "DELIVRD"):
        c.warn(
            path,
            f"status {status} with errcode {errcode}: a real gateway pairs status 0 with DELIVRD",
        )


def _rules(c: _Check, raw: Any, userids: set[str]) -> tuple[Rule, ...]:
    raw = _listed(c, "rules", raw, MAX_RULES, " (each request meets them all)")
    return tuple(_rule(c, ("rules", i), item, i, userids) for i, item in enumerate(raw))


_BARE_MAINLAND = re.compile(r"1[3-9][0-9]{0,9}")


def _warn_bare_mainland(c: _Check, rules: tuple[Rule, ...]) -> None:
    """A rule of a domestic scenario naming a mainland number without 86 matches no domestic
    request: their numbers are matched with the country code."""
    for rule in rules:
        for key in ("mobile", "mobile_prefix"):
            digits = getattr(rule.when, key)
            whole = key == "mobile" and digits is not None and len(digits) == 11
            if digits and _BARE_MAINLAND.fullmatch(digits) and (whole or key == "mobile_prefix"):
                c.warn(
                    ("rules", rule.index, "when", key),
                    f"{digits} reads as +{digits[0]} {digits[1:]}: a domestic account's numbers "
                    f"are matched with their country code (86{digits})",
                )


def _rule(c: _Check, path: Path_, raw: Any, index: int, userids: set[str]) -> Rule:
    fields = c.mapping(path, raw, keys(Rule))
    when = _when(c, (*path, "when"), fields.get("when", {}), userids)
    respond: Respond | None = None
    if "respond" in fields:
        given = c.mapping((*path, "respond"), fields["respond"], keys(Respond))
        result = given.get("result")
        if result is None:
            c.fail((*path, "respond"), "respond needs a result code, as {result: -100999}")
        elif isinstance(result, bool) or not isinstance(result, int):
            c.fail((*path, "respond", "result"), f"must be a whole number, got {_kind(result)}")
        elif result == 0:
            c.fail(
                (*path, "respond", "result"),
                "0 is success: leave respond out to let the request through",
            )
        else:
            respond = Respond(result)
            if not errors.is_known(result) and not errors.is_domestic(result):
                c.warn(
                    (*path, "respond", "result"),
                    f"{result} is in neither the V5.13 nor the V5.7.2 error table",
                )
    fault = _fault(c, (*path, "fault"), fields["fault"]) if "fault" in fields else None
    report = _report(c, (*path, "report"), fields["report"]) if "report" in fields else None
    reply = _reply(c, (*path, "reply"), fields["reply"]) if "reply" in fields else None
    if respond is not None and fault is not None and fault.breaks_answer:
        c.fail(path, "respond and a fault that breaks the answer exclude each other")
    if respond is not None and report is not None:
        c.fail(path, "respond rejects the request, so it has no reports to fix")
    if respond is None and fault is None and report is None and reply is None:
        c.fail(path, "a rule needs respond, fault, report or reply")
    if reply is not None:
        _check_reply(c, path, when, respond, fault)
    times = fields.get("times")
    return Rule(
        index=index,
        when=when,
        respond=respond,
        fault=fault,
        report=report,
        reply=reply,
        times=None if times is None else c.integer((*path, "times"), times, 1, minimum=1),
        line=c.line_of(path),
    )


def _reply(c: _Check, path: Path_, raw: Any) -> Reply:
    fields = c.mapping(path, raw, keys(Reply))
    content = c.string((*path, "content"), fields.get("content"), "")
    problem = inbound.text_problem(content)
    if problem is not None:
        c.fail((*path, "content"), problem)
    return Reply(content, _delay(c, (*path, "delay"), fields.get("delay"), Reply.delay))


def _check_reply(
    c: _Check, path: Path_, when: Match, respond: Respond | None, fault: Fault | None
) -> None:
    """A reply answers an MT the gateway accepted: the rule must be able to see one."""
    if respond is not None:
        c.fail(path, "respond rejects the request: there is no MT to reply to")
    if fault is not None and fault.breaks_answer and not fault.accepted:
        c.fail(
            path,
            f"{fault.kind} with accepted: false drops the MT: there is nothing to reply to "
            "(add accepted: true)",
        )
    if when.endpoint is not None and not when.endpoint.startswith("send_"):
        c.fail((*path, "when", "endpoint"), f"a reply answers an MT; {when.endpoint} sends none")


def _when(c: _Check, path: Path_, raw: Any, userids: set[str]) -> Match:
    fields = c.mapping(path, raw, keys(Match))
    endpoint = fields.get("endpoint")
    if endpoint is not None:
        names = REGISTRY.names()
        if endpoint not in names:
            c.fail((*path, "endpoint"), f"must be one of {', '.join(names)}; got {endpoint!r}")
            endpoint = None
        else:
            endpoint = names[endpoint]
    userid = fields.get("userid")
    if userid is not None:
        userid = c.string((*path, "userid"), userid, "")
        if userid not in userids:
            c.fail((*path, "userid"), f"no account {userid!r} in this scenario")
    mobile = _number(c, (*path, "mobile"), fields.get("mobile"), whole=True)
    prefix = _number(c, (*path, "mobile_prefix"), fields.get("mobile_prefix"), whole=False)
    content: ContentPattern | None = None
    if "content" in fields:
        import regex  # only a scenario with a content pattern pays for it

        pattern = c.string((*path, "content"), fields["content"], "")
        try:
            content = regex.compile(pattern)
        except regex.error as exc:
            c.fail((*path, "content"), f"not a valid regular expression: {exc}")
    custid = fields.get("custid")
    countrycode = fields.get("countrycode")
    probability = fields.get("probability")
    return Match(
        endpoint=endpoint,
        userid=userid,
        mobile=mobile,
        mobile_prefix=prefix,
        countrycode=None
        if countrycode is None
        else c.integer((*path, "countrycode"), countrycode, 0, minimum=1, maximum=999),
        content=content,
        custid=None if custid is None else c.string((*path, "custid"), custid, ""),
        nth=None if "nth" not in fields else c.integer((*path, "nth"), fields["nth"], 1, minimum=1),
        every=None
        if "every" not in fields
        else c.integer((*path, "every"), fields["every"], 1, minimum=1),
        probability=None
        if probability is None
        else c.number((*path, "probability"), probability, 1.0, maximum=1.0),
    )


def _number(c: _Check, path: Path_, raw: Any, *, whole: bool) -> str | None:
    """A number in a rule, normalised to digits like the numbers it is matched against."""
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        c.fail(path, f"must be a string of digits, got {_kind(raw)}")
        return None
    digits = mobiles.normalise(raw.strip()) if whole else raw.strip().lstrip("+")
    if not whole and digits and digits.startswith("00"):
        digits = digits[2:]
    if not digits or not digits.isdigit():
        what = "number (85292041234, 0085292041234 or +85292041234)" if whole else "digit prefix"
        c.fail(path, f"{raw!r} is not a {what}")
        return None
    return digits


def _fault(c: _Check, path: Path_, raw: Any) -> Fault | None:
    fields = c.mapping(path, raw, keys(Fault) | set(_FAULT_KINDS))
    kinds = [k for k in _FAULT_KINDS if k in fields]
    if len(kinds) != 1:
        c.fail(path, f"give exactly one of {', '.join(_FAULT_KINDS)}; got {len(kinds)}")
        return None
    (kind,) = kinds
    value = fields[kind]
    accepted = c.boolean((*path, "accepted"), fields.get("accepted"), False)
    retry_after: float | None = None
    if "retry_after" in fields:
        retry_after = c.number((*path, "retry_after"), fields["retry_after"], 1.0)
        if kind != "http_status":
            c.fail((*path, "retry_after"), "retry_after goes with http_status")
    if kind == "http_status":
        status = c.integer((*path, kind), value, 503, minimum=100, maximum=599)
        if 200 <= status < 300:
            c.fail((*path, kind), f"{status} is a success: a fault needs an error status")
        elif status < 300 or status == 304:
            c.fail(
                (*path, kind),
                f"{status} has no body: the client would wait for an answer that never comes; "
                "a fault is from 300 to 599 (not 304)",
            )
        if status in (429, 503) and retry_after is None:
            retry_after = 1.0
        return Fault(kind, http_status=status, retry_after=retry_after, accepted=accepted)
    if kind in ("delay", "stall"):
        if kind == "stall" and value is True:
            seconds = STALL_SECONDS
        else:
            seconds = c.number((*path, kind), value, 1.0)
        if kind == "delay" and "accepted" in fields:
            c.fail((*path, "accepted"), "a delay does not break the answer: the request is served")
        return Fault(kind, seconds=seconds, accepted=accepted or kind == "delay")
    if value is not True:
        c.fail((*path, kind), f"write {kind}: true")
    return Fault(kind, accepted=accepted)


def _report(c: _Check, path: Path_, raw: Any) -> ReportOverride:
    fields = c.mapping(path, raw, keys(ReportOverride))
    lost = c.boolean((*path, "lost"), fields.get("lost"), False)
    if lost and len(fields) > 1:
        c.fail(path, "lost: true means no report: the other keys would never apply")
    errcode = fields.get("errcode")
    errcode = None if errcode is None else c.string((*path, "errcode"), errcode, "")
    status = fields.get("status")
    status_value = (
        None if status is None else c.integer((*path, "status"), status, 1, minimum=-(2**31))
    )
    if status_value is None and errcode is not None:
        status_value = 0 if errcode == "DELIVRD" else 1
    if status_value is not None and errcode is None:
        errcode = "DELIVRD" if status_value == 0 else "UNDELIV"
    if status_value is not None and errcode is not None:
        _check_status(c, path, status_value, errcode)
    errdesc = fields.get("errdesc")
    return ReportOverride(
        status=status_value,
        errcode=errcode,
        errdesc=None if errdesc is None else c.string((*path, "errdesc"), errdesc, ""),
        delay=_delay(c, (*path, "delay"), fields.get("delay"), Delay(0, 0))
        if "delay" in fields
        else None,
        lost=lost,
    )
