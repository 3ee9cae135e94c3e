"""What an endpoint declares (:class:`Endpoint`), and the registry of them (:class:`Registry`).

An endpoint is data plus one function: its canonical name, the path spellings that reach it and
how each answers, its XML roots and list items, the editions that serve it, and ``serve``, which
reads its own fields and calls the gateway. The HTTP layer, the codec, the answer, the rules'
endpoint names, the 404 and the reference client all read these declarations; nothing else lists
endpoints.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mockgateway.protocol.errors import Dialect
from mockgateway.protocol.limits import path_shown
from mockgateway.scenario.model import Edition

if TYPE_CHECKING:
    from mockgateway.domain.calls import Call
    from mockgateway.domain.gateway import Gateway

R = TypeVar("R")

BOTH_EDITIONS: frozenset[Edition] = frozenset({"international", "domestic"})
"""What the endpoints both manuals describe are served to."""


@dataclass(frozen=True)
class AnswerShape(Generic[R]):
    """An answer's keys after ``result`` and ``desc``, in the manual's order."""

    success: Callable[[R], dict[str, Any]]
    """From what ``serve`` returned."""
    failure: Mapping[str, Any]
    """The manual's failure example: ``msgid`` 0, ``rpts`` ""..."""

    def body(self, code: int, result: R | None, dialect: Dialect) -> dict[str, Any]:
        """The answer to ``code`` (as the wire has it) in ``dialect``."""
        head: dict[str, Any] = {"result": code, "desc": dialect.desc(code)}
        if code == 0 and result is not None:
            return {**head, **self.success(result)}
        return {**head, **self.failure}


@dataclass(frozen=True)
class Endpoint(Generic[R]):
    name: str
    """The canonical name: rules and the journal use it (``batch_send`` is ``send_batch``)."""
    paths: Mapping[str, AnswerShape[R]]
    """Every spelling under ``/sms/v2/std/`` (and ``/sms/v1/std/``) that reaches it, and how that
    spelling answers."""
    request_root: str
    answer_root: str
    serve: Callable[[Gateway, Call], R]
    """Serve an authenticated call (raise ``GatewayError`` to reject it)."""
    items: Mapping[str, str] = field(default_factory=dict)
    """XML: the element of each item of a list (``rpts`` holds ``rpt``s)."""
    editions: frozenset[Edition] = frozenset({"international"})
    domestic: AnswerShape[R] | None = None
    """How every spelling answers in the domestic edition, where that differs (V5.7.2 §1.3:
    send_batch answers the first msgid there)."""

    def serves(self, edition: Edition) -> bool:
        return edition in self.editions

    def unserved(self, spelling: str, editions: Iterable[Edition]) -> str:
        """Why ``spelling`` is refused to a caller of ``editions`` (which do not serve it)."""
        theirs = " or ".join(sorted(set(editions)))
        wanted = " or ".join(sorted(self.editions))
        return (
            f"{spelling} is not served by the {theirs} edition: use an account with "
            f"`edition: {wanted}`"
        )

    def answer(self, spelling: str, code: int, result: object, dialect: Dialect) -> dict[str, Any]:
        """The answer's payload for ``code`` (as the wire has it) in ``dialect``; ``result`` is
        what ``serve`` returned."""
        shape: AnswerShape[Any] = self.paths[spelling]
        if dialect.edition == "domestic" and self.domestic is not None:
            shape = self.domestic
        return shape.body(code, result, dialect)


class Registry:
    """The endpoints this gateway serves, found by the spelling a path uses."""

    def __init__(self, endpoints: Sequence[Endpoint[Any]], elsewhere: Iterable[str] = ()) -> None:
        self.endpoints = tuple(endpoints)
        self._by_spelling = {path: e for e in self.endpoints for path in e.paths}
        self.elsewhere = frozenset(elsewhere) - set(self._by_spelling)
        """Spellings of the wider family that no endpoint here serves yet."""

    def find(self, spelling: str) -> Endpoint[Any] | None:
        return self._by_spelling.get(spelling)

    def __getitem__(self, spelling: str) -> Endpoint[Any]:
        return self._by_spelling[spelling]

    def spellings(self, editions: Iterable[Edition] | None = None) -> list[str]:
        """Every spelling served (by any of ``editions``), in the registry's order."""
        wanted = None if editions is None else frozenset(editions)
        return [
            s
            for s, e in self._by_spelling.items()
            if wanted is None or not wanted.isdisjoint(e.editions)
        ]

    def names(self) -> dict[str, str]:
        """Each spelling to its canonical name (what a rule's ``endpoint`` may say)."""
        return {spelling: e.name for spelling, e in self._by_spelling.items()}

    def request_root(self, spelling: str) -> str:
        """The XML root of a request to ``spelling`` (``mtreq`` for a path none serves)."""
        endpoint = self.find(spelling)
        return "mtreq" if endpoint is None else endpoint.request_root

    def items(self) -> dict[str, str]:
        """Every list an answer may hold, to the XML element of its items."""
        return {key: item for e in self.endpoints for key, item in e.items.items()}

    def diagnose(self, spelling: str, editions: Iterable[Edition]) -> str:
        """Why a request to ``spelling`` is not served to callers of ``editions``, and what it
        probably was."""
        editions = frozenset(editions)
        shown = path_shown(spelling)
        endpoint = self.find(spelling)
        if endpoint is not None:
            return endpoint.unserved(spelling, editions)
        if spelling in self.elsewhere:
            return (
                f"{spelling} is a V5.7.2 domestic endpoint: the international edition (V5.13) "
                "does not serve it, and this release does not serve it yet"
            )
        known = [*self._by_spelling, *self.elsewhere]
        stripped = spelling.strip("/").lower()
        if stripped != spelling and stripped in known:
            return f"{shown!r} is not an endpoint; did you mean {stripped}? (paths are exact)"
        if len(spelling) <= 64:
            near = difflib.get_close_matches(spelling, known, n=1, cutoff=0.75)
            if near:
                return f"{shown!r} is not an endpoint; did you mean {near[0]}?"
        served = ", ".join(self.spellings(editions))
        return f"{shown!r} is not a Montnets endpoint; this gateway serves {served}"
