"""The checked, immutable form of a scenario. Defaults here are the built-in default scenario."""

from __future__ import annotations

import ipaddress
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from mockgateway.scenario.schema import NOT_A_KEY

MsgidRange = Literal["above-2^53", "unsigned", "signed"]
ClockKind = Literal["real", "virtual"]
NumberRules = Literal["strict", "relaxed"]
AckMode = Literal["strict", "lenient"]
Edition = Literal["international", "domestic"]
"""The API edition an account speaks: V5.13 (international) or V5.7.2 (domestic)."""
ErrorSign = Literal["negative", "positive"]
"""How an account's error codes read on the wire: negative as V5.13 and the domestic examples
print them, or positive as the domestic table prints them."""
PushBody = Literal["json", "form", "xml"]
"""The body a push goes in: V5.13 pushes JSON; the domestic gateway can send form or XML too."""
AuthMode = Literal["md5", "sha256", "sm3", "plaintext", "apikey"]
"""How a request may prove who it is (V5.7.2 §4): pwd hashed with a timestamp by MD5, SHA-256 or
SM3; the plain-text password without a timestamp; or the account's apikey alone."""
Padding = Literal["zero", "pkcs7"]


@dataclass(frozen=True)
class AuthSettings:
    timestamp_window: float | None = 300.0
    """Seconds either side of the wall clock; None switches the check off."""
    lockout_after: int = 5
    lockout_seconds: float = 60.0
    plaintext: bool = True
    """Accept the plain-text password when no timestamp is sent: the older switch for
    ``plaintext`` in :attr:`modes`, kept in step with it (``False`` takes it out)."""
    timezone: str = "local"
    """The zone timestamps are read in: ``local``, ``UTC``, ``+08:00`` or an IANA name."""
    modes: tuple[AuthMode, ...] = ("md5", "plaintext")
    """What the account accepts, in the order of :data:`AuthMode`."""

    def __post_init__(self) -> None:
        modes = tuple(m for m in self.modes if self.plaintext or m != "plaintext")
        object.__setattr__(self, "modes", modes)
        object.__setattr__(self, "plaintext", "plaintext" in modes)

    def accepts(self, mode: AuthMode) -> bool:
        return mode in self.modes


@dataclass(frozen=True)
class RetrySettings:
    attempts: int = 8
    """Attempts per batch, the first included, before it is parked as undelivered."""
    backoff: float = 0.5
    """Seconds before the second attempt; doubled for each attempt after it."""
    max_backoff: float = 30.0
    jitter: float = 0.1
    """Each wait is stretched or shrunk by up to this fraction, drawn from the seed."""

    def wait_before(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt`` (2, 3, ...)."""
        base = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 2))
        return max(0.0, base * (1 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True)
class PushChaos:
    """Misbehaviour of the pushing side, for receivers that must cope. All off by default."""

    duplicate: float = 0.0
    """Probability that an acknowledged batch is pushed again later under a new seqid."""
    reorder: bool = False
    """Push due batches newest first instead of in the order they fell due."""
    delay: float = 0.0
    """Seconds (scheduling clock) between reports falling due and their push."""


@dataclass(frozen=True)
class PushSettings:
    url: str
    batch_size: int = 500
    timeout: float = 5.0
    """Seconds (wall time) the receiver has to answer one push."""
    linger: float = 0.0
    """Seconds to wait for a batch to fill before pushing a partial one."""
    retry: RetrySettings = RetrySettings()
    chaos: PushChaos = PushChaos()
    ack: AckMode = "strict"
    """``lenient`` takes any 2xx that does not refuse the batch, for receivers that cannot be
    changed; what the manual would not accept is kept as a warning on the attempt."""
    mo_url: str | None = None
    """The file's key for where inbound messages are pushed (``MO_REQ``, domestic edition), with
    the same retry, timeout and acknowledgement settings. The loader makes it the ``url`` of
    :attr:`AccountSettings.mo_push`; a line's own settings carry None here, so that changing one
    line's URL does not touch the other line."""
    format: PushBody = "json"
    """The body of each push: JSON (V5.13), form with the list as JSON text (the domestic
    manual's own example), or XML under ``<rptreq>``."""


@dataclass(frozen=True)
class MsgidSettings:
    range: MsgidRange = "above-2^53"
    """``above-2^53`` (and below 2^63), ``unsigned`` (at or above 2^63), or ``signed``
    (negative)."""


UNLIMITED = 99_999_999
"""The balance get_balance shows for an account that is never charged."""
MAX_BALANCE = 10**12 - 1
"""A balance is a count of messages: a trillion is past any test, and exact in every JSON
parser (below 2^53)."""


@dataclass(frozen=True)
class Billing:
    """What get_balance shows and each send costs (V5.7.2 §3.8)."""

    balance: int | None = None
    """Units left, one charged per segment; None is unlimited (shown as :data:`UNLIMITED`,
    never charged)."""
    price: float = 0.0
    """What one unit costs: ``money`` is balance × price."""
    chargetype: int = 0
    """Shown as it is: the manual's S2 knows the field without saying what its values mean."""


@dataclass(frozen=True)
class Encryption:
    """SM4-ECB content encryption (V5.7.2 §5.4): content arrives as the hex of the ciphertext."""

    key: str
    """32 hex digits (a fixed 16-byte key), or ``derive``: the first 16 bytes of
    SM3(password + the request's timestamp)."""
    padding: Padding

    @property
    def derived(self) -> bool:
        return self.key == "derive"


@dataclass(frozen=True)
class AccountSettings:
    userid: str
    password: str
    edition: Edition = "international"
    error_sign: ErrorSign = "negative"
    """``positive`` answers the domestic table's positive codes (100001...) instead."""
    auth: AuthSettings = field(default_factory=AuthSettings)
    numbers: NumberRules = "strict"
    gbk: bool = True
    """Accept GBK content (with a warning); False rejects it."""
    msgids: MsgidSettings = MsgidSettings()
    allowed_ips: tuple[str, ...] = ()
    """Addresses or networks (CIDR) allowed to call; empty allows any."""
    max_connections: int = 100
    """Requests of this account in flight at once (the manual's default is 100)."""
    push: PushSettings | None = None
    """Where status reports are pushed; None leaves them for get_rpt."""
    billing: Billing = Billing()
    endpoints: tuple[str, ...] | None = None
    """The canonical names of the endpoints it may call; None allows every one (else 100070)."""
    encryption: Encryption | None = None
    apikey: str | None = None
    """The 32-character key that replaces userid and pwd (``auth.modes`` lists ``apikey``)."""
    mo_push: PushSettings | None = field(default=None, metadata=NOT_A_KEY)
    """Where inbound messages are pushed: the file's ``push`` with ``url`` set to its
    ``mo_url`` (the loader derives it); None leaves them for get_mo."""
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, repr=False, compare=False
    )
    """``allowed_ips`` parsed once, where the scenario is loaded (off the event loop), not at
    every reset."""

    def __post_init__(self) -> None:
        parsed = tuple(ipaddress.ip_network(n, strict=False) for n in self.allowed_ips)
        object.__setattr__(self, "networks", parsed)


@dataclass(frozen=True)
class Delay:
    """A delay distribution: fixed (min == max), uniform, or a log-normal long tail."""

    min: float
    max: float
    median: float | None = None
    p99: float | None = None

    def draw(self, rng: random.Random) -> float:
        if self.median is not None and self.p99 is not None:
            sigma = math.log(self.p99 / self.median) / 2.326  # z of the 99th percentile
            value = rng.lognormvariate(math.log(self.median), sigma)
            return float(min(max(value, self.min), self.max))
        if self.min == self.max:
            return self.min
        return rng.uniform(self.min, self.max)


@dataclass(frozen=True)
class Outcome:
    weight: float = 1.0
    status: int = 0
    """Written in the file, 0 for DELIVRD and 1 for any other errcode unless given."""
    errcode: str = "DELIVRD"
    errdesc: str | None = None
    """None lets the gateway write an operator-style text (seeded)."""


DELIVERED = Outcome(1.0, 0, "DELIVRD", "success")


@dataclass(frozen=True)
class ReportSettings:
    delay: Delay = Delay(1.0, 1.0)
    outcomes: tuple[Outcome, ...] = (DELIVERED,)
    max_pending: int = 1_000_000
    """Reports the gateway holds, not yet collected or pushed, at most (about 300 bytes each):
    a send that would pass it is refused, so a client that never collects cannot grow the
    gateway without end, and no report is ever dropped to make room."""


class NumberLike(Protocol):
    """A parsed mobile number, as rules see it."""

    @property
    def digits(self) -> str: ...

    @property
    def countrycode(self) -> int: ...


PATTERN_TIMEOUT = 0.05
"""Seconds one search of a rule's content pattern may take: a pattern with nested repetition
(``(a|aa)+$``) could otherwise take minutes on a short text, with the event loop stopped."""


class ContentPattern(Protocol):
    """A rule's compiled content pattern (the ``regex`` module's, whose searches take a
    timeout; imported only by a scenario that has one)."""

    @property
    def pattern(self) -> str: ...

    def search(self, string: str, *, timeout: float | None = None) -> object | None: ...


@dataclass(frozen=True)
class Match:
    """Conditions of a rule; each one given must hold. Numbers are normalised digits."""

    endpoint: str | None = None
    userid: str | None = None
    mobile: str | None = None
    mobile_prefix: str | None = None
    countrycode: int | None = None
    content: ContentPattern | None = None
    custid: str | None = None
    nth: int | None = None
    every: int | None = None
    probability: float | None = None

    @property
    def about_numbers(self) -> bool:
        return (self.mobile, self.mobile_prefix, self.countrycode) != (None, None, None)

    def covers(self, number: NumberLike) -> bool:
        """Whether a message to ``number`` (a parsed mobile) is one the rule is about: any, when
        the rule has no number conditions."""
        return not self.about_numbers or self.number_matches(number.digits, number.countrycode)

    def number_matches(self, digits: str, countrycode: int) -> bool:
        return (
            (self.mobile is None or digits == self.mobile)
            and (self.mobile_prefix is None or digits.startswith(self.mobile_prefix))
            and (self.countrycode is None or countrycode == self.countrycode)
        )


FaultKind = Literal[
    "http_status", "delay", "drop_connection", "garbage_body", "truncated_body", "stall"
]


@dataclass(frozen=True)
class Fault:
    """In the file, the kind is the key: ``{http_status: 503}``, ``{delay: 2}``,
    ``{drop_connection: true}``..."""

    kind: FaultKind = field(metadata=NOT_A_KEY)
    seconds: float = field(default=0.0, metadata=NOT_A_KEY)
    """How long for ``delay`` and ``stall``."""
    http_status: int = 0
    retry_after: float | None = None
    accepted: bool = False
    """Whether the request is processed (messages accepted) before the answer is broken."""

    @property
    def breaks_answer(self) -> bool:
        return self.kind != "delay"

    def describe(self) -> str:
        if self.kind == "http_status":
            return f"HTTP {self.http_status}"
        if self.kind in ("delay", "stall"):
            return f"{self.kind} {self.seconds:g} s"
        return self.kind


@dataclass(frozen=True)
class ReportOverride:
    status: int | None = None
    errcode: str | None = None
    errdesc: str | None = None
    delay: Delay | None = None
    lost: bool = False
    """No report at all for the matching messages."""


@dataclass(frozen=True)
class Reply:
    """An MO that the handset of each matching MT sends back (domestic edition)."""

    content: str
    delay: Delay = Delay(1.0, 1.0)
    """After the MT was accepted, drawn per message from the seed (scheduling clock)."""


@dataclass(frozen=True)
class Respond:
    result: int
    """Any Montnets code but 0."""


@dataclass(frozen=True)
class Rule:
    index: int = field(metadata=NOT_A_KEY)
    """Position in the scenario's list, from 0 (as ``mockgateway check`` paths say: rules.0)."""
    when: Match
    respond: Respond | None = None
    fault: Fault | None = None
    report: ReportOverride | None = None
    reply: Reply | None = None
    times: int | None = None
    line: int = field(default=0, metadata=NOT_A_KEY)

    def describe(self) -> str:
        """How the journal names the rule: counted from 1 in file order, as people count."""
        return f"rule {self.index + 1} (line {self.line})"


APIKEY_LENGTH = 32
"""The manual's keys are 32 characters (abade5589e2798f82f006bbc36d269ce)."""
PER_ACCOUNT = frozenset({"userid", "password", "apikey"})
"""The account keys the top level cannot give as a default: each account's own."""

DEFAULT_ACCOUNT = AccountSettings(userid="J10003", password="111111")


@dataclass(frozen=True)
class JournalSettings:
    limit: int = 100_000
    """Entries kept per journal (requests, messages, reports, pushes); the oldest go first."""
    max_bytes: int = 256 * 1024 * 1024
    """Bytes (roughly) each journal may hold; the oldest entries go first past it."""


@dataclass(frozen=True)
class Template:
    """A message template for send_template (V5.7.2 §3.5): ``{P1}`` marks a variable."""

    id: str
    text: str
    enabled: bool = True
    """A disabled template answers 100502."""
    variables: frozenset[str] = field(init=False, repr=False, compare=False, metadata=NOT_A_KEY)
    """The names of its ``{NAME}`` placeholders, read once where the scenario is loaded."""
    _uses: tuple[str, ...] = field(init=False, repr=False, compare=False, metadata=NOT_A_KEY)
    """Each placeholder as often as it appears."""

    def __post_init__(self) -> None:
        uses = tuple(PLACEHOLDER.findall(self.text))
        object.__setattr__(self, "_uses", uses)
        object.__setattr__(self, "variables", frozenset(uses))

    def rendered_length(self, values: Mapping[str, str]) -> int:
        """How long :meth:`render` would make the text, without making it: a value of a
        megabyte in a placeholder used a hundred times must cost nothing."""
        fixed = len(self.text) - sum(len(name) + 2 for name in self._uses)
        return fixed + sum(len(values[name]) for name in self._uses)

    def render(self, values: Mapping[str, str]) -> str:
        """The text with each placeholder replaced by its value (all of them must be given)."""
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], self.text)


PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]{1,32})\}")
"""A variable in a template's text: ``{P1}``; any other brace is text."""


@dataclass(frozen=True)
class Scenario:
    name: str = "default"
    seed: int | None = None
    """None draws a fresh seed at start (and keeps it across resets)."""
    clock: ClockKind = "real"
    accounts: tuple[AccountSettings, ...] = (DEFAULT_ACCOUNT,)
    reports: ReportSettings = ReportSettings()
    rules: tuple[Rule, ...] = ()
    templates: tuple[Template, ...] = ()
    """What send_template may name (domestic accounts only serve it)."""
    journal: JournalSettings = JournalSettings()
    warnings: tuple[str, ...] = field(default=(), compare=False, metadata=NOT_A_KEY)
    """Things that are allowed but probably not meant (``mockgateway check`` prints them)."""
    editions: frozenset[Edition] = field(init=False, repr=False, compare=False, metadata=NOT_A_KEY)
    """The editions its accounts speak: a path none of them serves is refused before its body is
    read."""
    template_ids: Mapping[str, Template] = field(
        init=False, repr=False, compare=False, metadata=NOT_A_KEY
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "editions", frozenset(a.edition for a in self.accounts))
        object.__setattr__(self, "template_ids", {t.id: t for t in self.templates})
