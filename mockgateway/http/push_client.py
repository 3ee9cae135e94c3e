"""Sending a push over HTTP with aiohttp: the :data:`~mockgateway.domain.push.Sender` in use.

A receiver is code under test, so its answer is untrusted: redirects are not followed (the push
URL must be the receiver itself, and following them would let a receiver point the gateway at
any address), and at most :data:`MAX_ANSWER` bytes of an answer are read (nothing compressed is
asked for, so those bytes cannot inflate).
"""

from __future__ import annotations

import asyncio
import json

import aiohttp

from mockgateway.domain.push import Delivery
from mockgateway.http.tls import verifying_context
from mockgateway.protocol.push import Encoded

MAX_ANSWER = 64 * 1024
"""An RPT_RESP is a few dozen bytes; anything past this is refused without reading it."""


class PushClient:
    """One client session for every push of the gateway; closed with the app."""

    def __init__(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False),
            json_serialize=json.dumps,
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding",),
        )

    async def send(self, url: str, body: Encoded, timeout: float) -> Delivery:
        try:
            # aiohttp's own default context may hold no certificates (see tls.py)
            tls = await verifying_context() if url[:6].lower() == "https:" else False
            async with self._session.post(
                url,
                ssl=tls,
                data=body.data,
                headers={"Content-Type": body.content_type},
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as response:
                answer = await _read_at_most(response, MAX_ANSWER)
                if answer is None:
                    response.close()
                    return Delivery(
                        response.status,
                        error=f"the answer is over {MAX_ANSWER // 1024} KiB: not read (an "
                        "RPT_RESP is a few dozen bytes)",
                    )
                if 300 <= response.status < 400:
                    where = response.headers.get("Location", "nowhere")
                    return Delivery(
                        response.status,
                        answer,
                        error=f"HTTP {response.status} redirect to {where[:200]}: pushes do not "
                        "follow redirects; set the push URL to the receiver itself",
                    )
                return Delivery(response.status, answer)
        except TimeoutError:
            return Delivery(None, error=f"no answer within the timeout ({timeout:g} s)")
        except aiohttp.ClientConnectorCertificateError as exc:
            return Delivery(
                None,
                error=f"the receiver's certificate is not trusted ({exc.certificate_error}); "
                "the gateway trusts the default authorities and SSL_CERT_FILE",
            )
        except aiohttp.ClientConnectorError as exc:
            return Delivery(None, error=f"cannot connect: {exc.os_error.strerror or exc}")
        except ValueError as exc:  # a URL the client cannot use (aiohttp's InvalidURL among them)
            return Delivery(None, error=f"the push URL cannot be used: {exc}"[:300])
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
            return Delivery(None, error=f"connection failed: {type(exc).__name__}: {exc}")

    async def close(self) -> None:
        await self._session.close()


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The whole answer, or None as soon as it passes ``limit`` bytes."""
    if response.content_length is not None and response.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
