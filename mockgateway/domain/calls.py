"""One API request on its way through the gateway: what the HTTP layer hands over
(:class:`ApiRequest`), what an endpoint is served with (:class:`Call`) and what comes back
(:class:`Answer`).

The gateway knows an endpoint only as a :class:`Service`: a canonical name and a ``serve``
function. The endpoint modules (``mockgateway/endpoints/``) are the services; the domain never
imports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

from mockgateway.domain.clock import Clock
from mockgateway.domain.guard import NO_SLOT, Slot
from mockgateway.domain.records import RequestRecord
from mockgateway.protocol.codec import Fields, Format
from mockgateway.protocol.errors import INTERNATIONAL, Dialect, GatewayError
from mockgateway.scenario.model import Edition, Fault, Rule

if TYPE_CHECKING:
    from mockgateway.domain.accounts import AccountState
    from mockgateway.domain.gateway import Gateway


class Service(Protocol):
    """An endpoint as the gateway serves it."""

    @property
    def name(self) -> str:
        """The canonical name, which rules and the journal use (``batch_send`` is
        ``send_batch``)."""
        ...

    def serve(self, desk: Gateway, call: Call) -> object:
        """Serve an authenticated call; raise :class:`GatewayError` to reject it."""
        ...

    def serves(self, edition: Edition) -> bool:
        """Whether an account of ``edition`` may call it."""
        ...

    def unserved(self, spelling: str, editions: Iterable[Edition]) -> str:
        """The diagnosis of a call by an account whose edition does not serve it."""
        ...


class ApiRequest(NamedTuple):
    """A parsed Montnets request, as the HTTP layer hands it over."""

    spelling: str
    """The endpoint's name as the client wrote it in the path: an alias or the canonical one."""
    endpoint: Service
    method: str
    format: Format
    fields: Fields
    remote: str = "127.0.0.1"
    warnings: tuple[str, ...] = ()
    size: int = 0
    """Bytes of body and query string as they came."""


@dataclass
class Call:
    """An authenticated request being served: what an endpoint reads and where it writes what
    it found (warnings, results) for the journal."""

    request: ApiRequest
    record: RequestRecord
    account: AccountState
    rule: Rule | None
    clock: Clock
    _where: str = ""

    def warn(self, warning: str) -> None:
        """Note a warning for the journal: at most :data:`MAX_WARNINGS` a request, so that 500
        items with the same slip make a few lines, not 500 in every message's record."""
        warnings = self.record.warnings
        if len(warnings) < MAX_WARNINGS:
            warnings.append(self._where + warning)
        elif len(warnings) == MAX_WARNINGS:
            warnings.append(f"... more warnings left out (at most {MAX_WARNINGS} a request)")

    @contextmanager
    def within(self, where: str) -> Iterator[None]:
        """Name where the checks inside look (``multimt item 3 of 10``) in their warnings and
        in the diagnosis of the error that rejects the request."""
        self._where = f"{where}: "
        try:
            yield
        except GatewayError as error:
            error.diagnosis = self._where + error.diagnosis
            raise
        finally:
            self._where = ""


MAX_WARNINGS = 20


@dataclass
class Answer:
    code: int
    result: object = None
    """What the endpoint's ``serve`` returned, for its answer's payload (on success)."""
    fault: Fault | None = None
    """An HTTP fault the handler must inject into the answer."""
    broken: bool = False
    """The fault breaks the answer before any result was decided (journaled as ``null``)."""
    slot: Slot = NO_SLOT
    """The account's connection slot, held until the answer is sent: the HTTP layer answers
    inside ``with answer.slot:``."""
    dialect: Dialect = INTERNATIONAL
    """How the answer reads on the wire (the account's edition and sign; ``code`` is already
    in it)."""
    unserved: Edition | None = None
    """The caller's edition, when it does not serve the endpoint: the HTTP layer answers 404
    with what that edition serves."""
