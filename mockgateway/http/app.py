from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from mockgateway.domain.gateway import Gateway
from mockgateway.http import api, control
from mockgateway.http.keys import GATEWAY
from mockgateway.http.push_client import PushClient
from mockgateway.protocol.limits import MAX_BODY
from mockgateway.scenario import Scenario


def create_app(
    gateway: Gateway | None = None, *, scenario: Scenario | None = None
) -> web.Application:
    """The whole server as an aiohttp app, for ``mockgateway serve`` and for in-process tests."""
    app = web.Application(client_max_size=MAX_BODY)
    app[GATEWAY] = gateway or Gateway(scenario or Scenario())
    # Any path under the prefix, so that an unknown or mistyped one reaches the journal.
    app.router.add_route("GET", "/sms/v2/std/{endpoint:[\\s\\S]*}", api.montnets)
    app.router.add_route("POST", "/sms/v2/std/{endpoint:[\\s\\S]*}", api.montnets)
    app.router.add_routes(control.routes)
    app.cleanup_ctx.append(_pushing)
    return app


async def _pushing(app: web.Application) -> AsyncIterator[None]:
    """Push workers live as long as the app; on the way down, attempts in flight finish."""
    client = PushClient()
    gateway = app[GATEWAY]
    gateway.attach(client.send)
    yield
    await gateway.detach()
    await client.close()
