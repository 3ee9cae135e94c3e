from __future__ import annotations

from aiohttp import web

from mockgateway.domain.gateway import Gateway

GATEWAY = web.AppKey("gateway", Gateway)
