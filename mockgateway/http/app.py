from __future__ import annotations

from aiohttp import web

from mockgateway.domain.gateway import Gateway
from mockgateway.http import api, control
from mockgateway.http.keys import GATEWAY
from mockgateway.scenario import Scenario


def create_app(
    gateway: Gateway | None = None, *, scenario: Scenario | None = None
) -> web.Application:
    """The whole server as an aiohttp app, for ``mockgateway serve`` and for in-process tests."""
    app = web.Application(client_max_size=api.MAX_BODY)
    app[GATEWAY] = gateway or Gateway(scenario or Scenario())
    app.router.add_route("GET", "/sms/v2/std/{endpoint}", api.montnets)
    app.router.add_route("POST", "/sms/v2/std/{endpoint}", api.montnets)
    app.router.add_routes(control.routes)
    return app
