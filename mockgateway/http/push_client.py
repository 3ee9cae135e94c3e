"""Sending a push over HTTP with aiohttp: the :data:`~mockgateway.domain.push.Sender` in use."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from mockgateway.domain.push import Delivery


class PushClient:
    """One client session for every push of the gateway; closed with the app."""

    def __init__(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=False),
            json_serialize=json.dumps,
        )

    async def send(self, url: str, body: dict[str, Any], timeout: float) -> Delivery:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            async with self._session.post(
                url,
                data=data,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                return Delivery(response.status, await response.read())
        except TimeoutError:
            return Delivery(None, error=f"no answer within the timeout ({timeout:g} s)")
        except aiohttp.ClientConnectorError as exc:
            return Delivery(None, error=f"cannot connect: {exc.os_error.strerror or exc}")
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
            return Delivery(None, error=f"connection failed: {type(exc).__name__}: {exc}")

    async def close(self) -> None:
        await self._session.close()
