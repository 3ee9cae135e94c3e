"""A small Montnets client that follows the manuals to the letter.

Users can read it as a reference for what a correct request looks like: the MD5 pwd (or the
domestic manual's SHA-256, SM3, plain-text and apikey modes), a fresh local-time timestamp,
content URL-encoded as UTF-8 with lowercase hex (or SM4-encrypted, V5.7.2 §5.4), and the three
body formats; for the domestic edition (V5.7.2) also ``multimt`` in each format, send_mixed's
contents encoded one by one, send_template's variables encoded twice, and the msgid each report
of a request carries (:func:`report_msgid`). Our own tests sign, encode and read their requests
with its helpers (:func:`credentials`, :func:`encrypt_content`, :func:`encode_body`,
:func:`parse_answer`); :class:`MontnetsClient` puts them together for an application.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlencode

from mockgateway.endpoints import REGISTRY
from mockgateway.protocol import crypto, multimt
from mockgateway.protocol.auth import HASHES, hashed_pwd
from mockgateway.protocol.errors import url_encode
from mockgateway.protocol.reports import segment_msgid
from mockgateway.protocol.times import format_timestamp
from mockgateway.scenario.model import AuthMode, Encryption

BodyFormat = Literal["json", "xml", "form", "get"]

__all__ = [
    "Encryption",
    "MontnetsClient",
    "credentials",
    "encode_body",
    "encrypt_content",
    "form_fields",
    "mixed_content",
    "report_msgid",
    "template_content",
    "url_encode",
]


def credentials(
    userid: str,
    password: str,
    *,
    when: datetime | None = None,
    mode: AuthMode = "md5",
    apikey: str | None = None,
) -> dict[str, str]:
    """The fields that prove who sends one request, by ``mode`` (V5.7.2 §4): ``userid``,
    ``pwd`` and ``timestamp`` with pwd hashed by MD5 (the default), SHA-256 or SM3;
    ``userid`` and the plain-text ``pwd`` with no timestamp; or ``apikey`` alone."""
    if mode == "apikey":
        if apikey is None:
            raise ValueError("apikey mode needs the account's apikey")
        return {"apikey": apikey}
    if mode == "plaintext":
        return {"userid": userid, "pwd": password}
    (rule,) = [r for r in HASHES if r.mode == mode]
    timestamp = format_timestamp(when or datetime.now())
    pwd = hashed_pwd(rule, userid, password, timestamp)
    return {"userid": userid, "pwd": pwd, "timestamp": timestamp}


def encrypt_content(
    text: str, encryption: Encryption, *, password: str, timestamp: str | None
) -> str:
    """``text`` as an encrypting account sends it: the hex of SM4-ECB over its UTF-8 bytes, under
    the fixed key or the one derived from the password and the request's own timestamp."""
    if encryption.derived:
        if timestamp is None:
            raise ValueError(
                "a derived key needs the request's timestamp: sign by md5, sha256 or sm3"
            )
        key = crypto.derive_key(password, timestamp)
    else:
        key = bytes.fromhex(encryption.key)
    return crypto.encrypt(text, key, encryption.padding)


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
    edition's ``send_multi``, ``send_mixed``, ``send_template``, ``get_mo`` and
    ``get_balance``.

    ``fmt`` picks the body format; content is URL-encoded UTF-8 in JSON and XML, and plain text
    in form and GET (the form encoding is the URL encoding there), or, with ``encryption``, the
    hex of its SM4 ciphertext in every format. ``auth`` picks how requests are signed (``md5``,
    ``sha256``, ``sm3``, ``plaintext``, or ``apikey`` with the account's ``apikey``).
    """

    def __init__(
        self,
        base_url: str,
        userid: str = "J10003",
        password: str = "111111",
        *,
        fmt: BodyFormat = "json",
        auth: AuthMode = "md5",
        apikey: str | None = None,
        encryption: Encryption | None = None,
    ) -> None:
        import aiohttp

        if auth == "apikey" and apikey is None:
            raise ValueError("auth='apikey' needs the account's apikey")
        self.base_url = base_url.rstrip("/")
        self.userid = userid
        self.password = password
        self.fmt: BodyFormat = fmt
        self.auth: AuthMode = auth
        self.apikey = apikey
        self.encryption = encryption
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
        return await self._send("send_single", content, mobile=mobile, **extra)

    async def send_batch(
        self, mobiles: Sequence[str], content: str, **extra: str
    ) -> dict[str, Any]:
        return await self._send("send_batch", content, mobile=",".join(mobiles), **extra)

    async def send_multi(self, items: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        """One message per item: ``{mobile, content, svrtype?, exno?, custid?, exdata?}``, its
        content as plain text."""
        signed = self.credentials()
        multimt = [{**item, "content": self._content(item["content"], signed)} for item in items]
        return await self._post("send_multi", {**signed, "multimt": multimt})

    async def send_mixed(
        self, mobiles: Sequence[str], contents: Sequence[str], **extra: str
    ) -> dict[str, Any]:
        """``contents[i]`` to ``mobiles[i]``; encrypted, the joined list is (§5.4)."""
        signed = self.credentials()
        joined = mixed_content(contents)
        if self.encryption is not None:
            joined = self._encrypted(joined, signed)
        return await self._post(
            "send_mixed", {**signed, "mobile": ",".join(mobiles), "content": joined, **extra}
        )

    async def send_template(
        self, tmplid: str, mobiles: Sequence[str], variables: Mapping[str, str], **extra: str
    ) -> dict[str, Any]:
        """Encrypted, the once-encoded variables are (§5.4); else they are encoded twice."""
        signed = self.credentials()
        once = template_content(variables)
        content = self._encrypted(once, signed) if self.encryption else self._content(once, signed)
        return await self._post(
            "send_template",
            {**signed, "tmplid": tmplid, "mobile": ",".join(mobiles), "content": content, **extra},
        )

    async def get_rpt(self, retsize: int | None = None) -> dict[str, Any]:
        extra = {} if retsize is None else {"retsize": retsize}
        return await self.call("get_rpt", **extra)

    async def get_balance(self) -> dict[str, Any]:
        """``{result, desc, chargetype, balance, money}`` (domestic edition)."""
        return await self.call("get_balance")

    async def get_mo(self, retsize: int | None = None) -> dict[str, Any]:
        """Inbound messages (domestic edition); each item's ``content`` is URL-encoded UTF-8."""
        extra = {} if retsize is None else {"retsize": retsize}
        return await self.call("get_mo", **extra)

    async def _send(self, endpoint: str, text: str, **fields: Any) -> dict[str, Any]:
        signed = self.credentials()
        return await self._post(
            endpoint, {**signed, "content": self._content(text, signed), **fields}
        )

    def credentials(self) -> dict[str, str]:
        """Fresh credentials by this client's ``auth`` mode."""
        return credentials(self.userid, self.password, mode=self.auth, apikey=self.apikey)

    def _content(self, text: str, signed: dict[str, str]) -> str:
        if self.encryption is not None:
            return self._encrypted(text, signed)
        return url_encode(text) if self.fmt in ("json", "xml") else text

    def _encrypted(self, text: str, signed: dict[str, str]) -> str:
        assert self.encryption is not None
        return encrypt_content(
            text, self.encryption, password=self.password, timestamp=signed.get("timestamp")
        )

    async def call(self, endpoint: str, **fields: Any) -> dict[str, Any]:
        """Sign and send ``fields`` to ``endpoint``; return the parsed answer."""
        return await self._post(endpoint, {**self.credentials(), **fields})

    async def _post(self, endpoint: str, signed: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}/sms/v2/std/{endpoint}"
        if self.fmt == "get":
            async with self._session.get(url, params=form_fields(signed)) as r:
                return parse_answer(await r.read())
        body, content_type = encode_body(self.fmt, signed, root=REGISTRY.request_root(endpoint))
        async with self._session.post(url, data=body, headers={"Content-Type": content_type}) as r:
            return parse_answer(await r.read())


_INTEGERS = frozenset(
    {"result", "msgid", "pknum", "pktotal", "countrycode", "status", "balance", "chargetype"}
)
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
