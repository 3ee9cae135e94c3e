from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import hdrs, web

from mockgateway.domain.gateway import Gateway
from mockgateway.http import access, api, control, express, guards, inbox
from mockgateway.http import metrics as prometheus
from mockgateway.http.keys import GATEWAY, STOPPING
from mockgateway.http.push_client import PushClient
from mockgateway.http.stopping import Stopping
from mockgateway.protocol.limits import MAX_BODY
from mockgateway.scenario import Scenario

CLIENT_TIMEOUT = 30.0
"""Seconds a connection may stay idle, or take to send a request's headers, or its body after
them (docs/limits.md)."""

TIMEOUT = web.AppKey("client_timeout", float)

SHUTDOWN_GRACE = 2.0
"""Seconds a stop gives each connection's handler to finish (long-polls and stalls end at once)."""


def create_app(
    gateway: Gateway | None = None,
    *,
    scenario: Scenario | None = None,
    control_token: str | None = None,
    client_timeout: float = CLIENT_TIMEOUT,
    metrics: bool = True,
) -> web.Application:
    """The whole server as an aiohttp app, for ``mockgateway serve`` and for in-process tests.

    With ``control_token`` the control API and the inbox need it (``access.py``).
    """
    middlewares = [guards.body_deadline(client_timeout)]
    if control_token is not None:
        middlewares.append(access.control_token(control_token))
    app = web.Application(client_max_size=MAX_BODY, middlewares=middlewares)
    app[TIMEOUT] = client_timeout
    app[GATEWAY] = gateway or Gateway(scenario or Scenario())
    app[STOPPING] = Stopping()
    montnets = api.montnets
    direct: Handler = partial(api.serve, gateway=app[GATEWAY], stopping=app[STOPPING])
    if metrics:
        tally = prometheus.install(app)
        montnets = prometheus.timed(tally, api.endpoint_of)(montnets)
        direct = prometheus.timed(tally, api.endpoint_of)(direct)
    guarded: Handler = partial(guards.guarded, handler=direct, seconds=client_timeout)
    app[DIRECT] = guarded
    # Any path and method under the prefix, so that an unknown or mistyped one reaches the
    # journal (a method the manual does not use gets its 405 there too).
    for prefix in api.PREFIXES:
        app.router.add_route("*", prefix + "{endpoint:[\\s\\S]*}", montnets)
    app.router.add_routes(control.routes)
    inbox.install(app)
    app.on_shutdown.append(_end_waiting)
    app.cleanup_ctx.append(_pushing)
    return app


Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
DIRECT: web.AppKey[Handler] = web.AppKey("direct_api")
"""The API's handler as the runner's server calls it directly: guarded and timed."""


class GatewayRunner(web.AppRunner):
    """An app runner whose connections start in the express lane (``express.py``): a whole,
    plain API request is answered as it arrives, without a task or request object. A
    connection the lane hands over is aiohttp's, and its server hands a request under
    ``/sms/v2/std/`` (or ``v1``) straight to the API's handler: no route to resolve, no
    middleware chain. Everything else (the control API, the inbox, a request with
    ``Expect: 100-continue``) goes through the app as usual."""

    _lane: express.Lane | None = None
    express = True
    """Whether connections start in the express lane."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        routed = server.request_handler
        direct = self.app[DIRECT]

        async def dispatch(request: web.BaseRequest) -> web.StreamResponse:
            if request.path.startswith(api.PREFIXES) and hdrs.EXPECT not in request.headers:
                return await direct(request)
            return await routed(request)

        server.request_handler = dispatch
        if not self.express:
            return server
        tally = self.app.get(prometheus.TALLY)
        self._lane = express.Lane(
            self.app[GATEWAY],
            server,
            idle=self.app[TIMEOUT],
            observe=None if tally is None else tally.observe,
        )
        return server

    @property
    def server(self) -> Any:
        """What a site serves connections with: the express lane once set up."""
        return self._lane if self._lane is not None else super().server

    async def shutdown(self) -> None:
        if self._lane is not None:
            self._lane.close_all()
        await super().shutdown()

    async def cleanup(self) -> None:
        await super().cleanup()
        self._lane = None  # as aiohttp forgets its server: a stopped runner serves nothing


def make_runner(app: web.Application, *, express: bool = True, **options: Any) -> web.AppRunner:
    """The runner every real server uses (the CLI, the pytest plugin's thread): the same limits
    on slow and idle clients, and handlers cancelled when their client goes away, so nothing
    keeps running (a long-poll, a stall) for a client that is gone. ``express=False`` serves
    every request through aiohttp (the benchmarks measure what the lane saves)."""
    settings: dict[str, Any] = {
        "access_log": None,
        "handler_cancellation": True,
        # Bodies are read as sent: a compressed one is refused (the manual's clients never
        # compress), never inflated, so a small gzip bomb cannot stall the loop or fill memory.
        "auto_decompress": False,
        "keepalive_timeout": app[TIMEOUT],
        "shutdown_timeout": SHUTDOWN_GRACE,
        **options,
    }
    runner = GatewayRunner(app, **settings)
    runner.express = express
    return runner


async def _end_waiting(app: web.Application) -> None:
    app[STOPPING].stop()


async def _pushing(app: web.Application) -> AsyncIterator[None]:
    """Push workers live as long as the app; on the way down, attempts in flight finish."""
    client = PushClient()
    gateway = app[GATEWAY]
    gateway.attach(client.send)
    yield
    await gateway.detach()
    await client.close()
