"""A small Montnets client that follows the manual to the letter.

Users can read it as a reference for what a correct request looks like: the MD5 pwd, a fresh
local-time timestamp, content URL-encoded as UTF-8 with lowercase hex, and the three body formats.
Our own tests sign, encode and read their requests with its helpers (:func:`credentials`,
:func:`encode_body`, :func:`parse_answer`); :class:`MontnetsClient` puts them together for an
application.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlencode

from mockgateway.endpoints import REGISTRY
from mockgateway.protocol.auth import md5_pwd
from mockgateway.protocol.errors import url_encode
from mockgateway.protocol.times import format_timestamp

BodyFormat = Literal["json", "xml", "form", "get"]

__all__ = ["MontnetsClient", "credentials", "encode_body", "url_encode"]


def credentials(userid: str, password: str, *, when: datetime | None = None) -> dict[str, str]:
    """``userid``, ``pwd`` and ``timestamp`` for one request, by the manual's MD5 rule."""
    timestamp = format_timestamp(when or datetime.now())
    return {"userid": userid, "pwd": md5_pwd(userid, password, timestamp), "timestamp": timestamp}


def encode_body(
    fmt: BodyFormat, fields: Mapping[str, Any], *, root: str = "mtreq"
) -> tuple[bytes, str]:
    """A request body and its Content-Type. Field values are sent as given."""
    if fmt == "json":
        return json.dumps(dict(fields)).encode(), "application/json"
    if fmt == "xml":
        from xml.sax.saxutils import escape

        inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items())
        return f"<{root}>{inner}</{root}>".encode(), "application/xml"
    return urlencode({k: str(v) for k, v in fields.items()}).encode(), (
        "application/x-www-form-urlencoded"
    )


class MontnetsClient:
    """An async client for ``send_single``, ``send_batch``, ``get_rpt`` and ``get_mo``.

    ``fmt`` picks the body format; content is URL-encoded UTF-8 in JSON and XML, and plain text
    in form and GET (the form encoding is the URL encoding there).
    """

    def __init__(
        self,
        base_url: str,
        userid: str = "J10003",
        password: str = "111111",
        *,
        fmt: BodyFormat = "json",
    ) -> None:
        import aiohttp

        self.base_url = base_url.rstrip("/")
        self.userid = userid
        self.password = password
        self.fmt: BodyFormat = fmt
        self._session = aiohttp.ClientSession()

    async def __aenter__(self) -> MontnetsClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._session.close()

    async def send_single(self, mobile: str, content: str, **extra: str) -> dict[str, Any]:
        return await self.call(
            "send_single", mobile=mobile, content=self._content(content), **extra
        )

    async def send_batch(
        self, mobiles: Sequence[str], content: str, **extra: str
    ) -> dict[str, Any]:
        return await self.call(
            "send_batch", mobile=",".join(mobiles), content=self._content(content), **extra
        )

    async def get_rpt(self, retsize: int | None = None) -> dict[str, Any]:
        extra = {} if retsize is None else {"retsize": retsize}
        return await self.call("get_rpt", **extra)

    async def get_mo(self, retsize: int | None = None) -> dict[str, Any]:
        """Inbound messages (domestic edition); each item's ``content`` is URL-encoded UTF-8."""
        extra = {} if retsize is None else {"retsize": retsize}
        return await self.call("get_mo", **extra)

    def _content(self, text: str) -> str:
        return url_encode(text) if self.fmt in ("json", "xml") else text

    async def call(self, endpoint: str, **fields: Any) -> dict[str, Any]:
        """Sign and send ``fields`` to ``endpoint``; return the parsed answer."""
        signed = {**credentials(self.userid, self.password), **fields}
        url = f"{self.base_url}/sms/v2/std/{endpoint}"
        if self.fmt == "get":
            async with self._session.get(url, params={k: str(v) for k, v in signed.items()}) as r:
                return parse_answer(await r.read())
        body, content_type = encode_body(self.fmt, signed, root=REGISTRY.request_root(endpoint))
        async with self._session.post(url, data=body, headers={"Content-Type": content_type}) as r:
            return parse_answer(await r.read())


_INTEGERS = frozenset({"result", "msgid", "pknum", "pktotal", "countrycode", "status"})


def parse_answer(body: bytes) -> dict[str, Any]:
    """The answer as JSON would give it, whichever format it came in.

    XML loses its root, its list containers become lists, and the manual's integer fields become
    integers again.
    """
    if body.lstrip().startswith(b"<"):
        import xmltodict

        def typed(path: Any, key: str, value: Any) -> tuple[str, Any]:
            if key in _INTEGERS and isinstance(value, str) and value.lstrip("-").isdigit():
                return key, int(value)
            return key, "" if value is None else value

        items = REGISTRY.items()
        doc = xmltodict.parse(body, force_list=tuple(items.values()), postprocessor=typed)
        (inner,) = doc.values()
        answer: dict[str, Any] = dict(inner or {})
        for container, item in items.items():
            if isinstance(answer.get(container), dict):
                answer[container] = answer[container].get(item, [])
        return answer
    parsed: dict[str, Any] = json.loads(body)
    return parsed
