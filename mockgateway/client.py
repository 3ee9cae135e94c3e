"""A small Montnets client that follows the manuals to the letter.

Users can read it as a reference for what a correct request looks like: the MD5 pwd, a fresh
local-time timestamp, content URL-encoded as UTF-8 with lowercase hex, and the three body formats;
for the domestic edition (V5.7.2) also ``multimt`` in each format, send_mixed's contents encoded
one by one, send_template's variables encoded twice, and the msgid each report of a request
carries (:func:`report_msgid`). Our own tests sign, encode and read their requests with its
helpers (:func:`credentials`, :func:`encode_body`, :func:`parse_answer`); :class:`MontnetsClient`
puts them together for an application.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlencode

from mockgateway.endpoints import REGISTRY
from mockgateway.protocol import multimt
from mockgateway.protocol.auth import md5_pwd
from mockgateway.protocol.errors import url_encode
from mockgateway.protocol.reports import segment_msgid
from mockgateway.protocol.times import format_timestamp

BodyFormat = Literal["json", "xml", "form", "get"]

__all__ = [
    "MontnetsClient",
    "credentials",
    "encode_body",
    "form_fields",
    "mixed_content",
    "report_msgid",
    "template_content",
    "url_encode",
]


def credentials(userid: str, password: str, *, when: datetime | None = None) -> dict[str, str]:
    """``userid``, ``pwd`` and ``timestamp`` for one request, by the manual's MD5 rule."""
    timestamp = format_timestamp(when or datetime.now())
    return {"userid": userid, "pwd": md5_pwd(userid, password, timestamp), "timestamp": timestamp}


def encode_body(
    fmt: BodyFormat, fields: Mapping[str, Any], *, root: str = "mtreq"
) -> tuple[bytes, str]:
    """A request body and its Content-Type. Field values are sent as given; a list of items
    (``multimt``) goes as a JSON array, as ``<multimt><mt>…</mt></multimt>``, or as JSON text
    in a form field."""
    if fmt == "json":
        return json.dumps(dict(fields)).encode(), "application/json"
    if fmt == "xml":
        inner = "".join(_xml_field(k, v) for k, v in fields.items())
        return f"<{root}>{inner}</{root}>".encode(), "application/xml"
    return urlencode(form_fields(fields)).encode(), "application/x-www-form-urlencoded"


def form_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """Fields as a form or query string carries them: lists and objects as JSON text."""
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else str(v)
        for k, v in fields.items()
    }


def _xml_field(name: str, value: Any) -> str:
    from xml.sax.saxutils import escape

    if isinstance(value, list):
        items = "".join(
            f"<{multimt.ITEM}>{''.join(_xml_field(k, v) for k, v in item.items())}</{multimt.ITEM}>"
            for item in value
        )
        return f"<{name}>{items}</{name}>"
    return f"<{name}>{escape(str(value))}</{name}>"


def mixed_content(texts: Sequence[str]) -> str:
    """send_mixed's ``content`` (V5.7.2 §3.4): each text URL-encoded on its own, joined with
    commas. A form encodes the joined string once more; :func:`encode_body` does that."""
    return ",".join(url_encode(text) for text in texts)


def template_content(variables: Mapping[str, str]) -> str:
    """send_template's variables encoded once (V5.7.2 §3.5): ``P1=UrlEncode(v1)&P2=...``. The
    whole is encoded once more for the wire: by the client in JSON and XML, by the form
    encoding in a form."""
    return "&".join(f"{url_encode(k)}={url_encode(v)}" for k, v in variables.items())


def report_msgid(msgid: int, position: int = 1, pknum: int = 1) -> int:
    """The msgid the report of segment ``pknum`` to the ``position``-th number (from 1) of a
    domestic request carries, from the msgid its answer gave (V5.7.2 §5.3)."""
    return segment_msgid(msgid + position - 1, pknum)


class MontnetsClient:
    """An async client for ``send_single``, ``send_batch`` and ``get_rpt``, and the domestic
    edition's ``send_multi``, ``send_mixed`` and ``send_template``.

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

    async def send_multi(self, items: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        """One message per item: ``{mobile, content, svrtype?, exno?, custid?, exdata?}``, its
        content as plain text."""
        multimt = [{**item, "content": self._content(item["content"])} for item in items]
        return await self.call("send_multi", multimt=multimt)

    async def send_mixed(
        self, mobiles: Sequence[str], contents: Sequence[str], **extra: str
    ) -> dict[str, Any]:
        """``contents[i]`` to ``mobiles[i]``."""
        return await self.call(
            "send_mixed", mobile=",".join(mobiles), content=mixed_content(contents), **extra
        )

    async def send_template(
        self, tmplid: str, mobiles: Sequence[str], variables: Mapping[str, str], **extra: str
    ) -> dict[str, Any]:
        content = self._content(template_content(variables))
        return await self.call(
            "send_template", tmplid=tmplid, mobile=",".join(mobiles), content=content, **extra
        )

    async def get_rpt(self, retsize: int | None = None) -> dict[str, Any]:
        extra = {} if retsize is None else {"retsize": retsize}
        return await self.call("get_rpt", **extra)

    def _content(self, text: str) -> str:
        return url_encode(text) if self.fmt in ("json", "xml") else text

    async def call(self, endpoint: str, **fields: Any) -> dict[str, Any]:
        """Sign and send ``fields`` to ``endpoint``; return the parsed answer."""
        signed = {**credentials(self.userid, self.password), **fields}
        url = f"{self.base_url}/sms/v2/std/{endpoint}"
        if self.fmt == "get":
            async with self._session.get(url, params=form_fields(signed)) as r:
                return parse_answer(await r.read())
        body, content_type = encode_body(self.fmt, signed, root=REGISTRY.request_root(endpoint))
        async with self._session.post(url, data=body, headers={"Content-Type": content_type}) as r:
            return parse_answer(await r.read())


_INTEGERS = frozenset({"result", "msgid", "pknum", "pktotal", "countrycode", "status"})
"""The manual's integer fields (``smstype`` and ``rpttype`` are strings in V5.7.2)."""


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
