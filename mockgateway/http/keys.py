from __future__ import annotations

from aiohttp import web

from mockgateway.domain.gateway import Gateway
from mockgateway.http.stopping import Stopping

GATEWAY = web.AppKey("gateway", Gateway)
STOPPING = web.AppKey("stopping", Stopping)
