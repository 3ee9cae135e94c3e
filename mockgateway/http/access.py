"""Who may use the control API: anyone on a loopback address, only token holders elsewhere.

Listening on a loopback address the control API is open, as tests need. On any other address
(Docker's 0.0.0.0) anyone who can reach the port could make the gateway POST anywhere, read the
journal or replace the scenario, so ``/_mock/*`` (but ``/_mock/health``, for health checks) and
the inbox (``/`` and ``/_mock/ui``) need ``Authorization: Bearer TOKEN``. A browser cannot send
that header from an address bar: a GET under the inbox may carry ``?token=`` once, which is
turned into a cookie and taken out of the address. The Montnets API never needs the token.
"""

from __future__ import annotations

import hmac
import ipaddress

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

COOKIE = "mockgateway_token"
OPEN = frozenset({"/_mock/health"})
INBOX = ("/", "/_mock/ui")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def guarded(path: str) -> bool:
    return (path == "/" or path.startswith("/_mock")) and path not in OPEN


def _inbox(path: str) -> bool:
    return path == "/" or path == "/_mock/ui" or path.startswith("/_mock/ui/")


def control_token(token: str) -> Middleware:
    """Require ``token`` on the control API and the inbox (compared in constant time)."""
    expected = token.encode("utf-8")

    def holds(given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode("utf-8"), expected)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not guarded(request.path):
            return await handler(request)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if holds(given.strip() if scheme.lower() == "bearer" else None) or holds(
            request.cookies.get(COOKIE)
        ):
            return await handler(request)
        if request.method == "GET" and _inbox(request.path) and holds(request.query.get("token")):
            rest = [(key, value) for key, value in request.query.items() if key != "token"]
            moved = web.HTTPSeeOther(location=str(request.rel_url.with_query(rest)))
            moved.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
            raise moved
        return web.json_response(
            {
                "error": "the control API needs its token on this address: send "
                "'Authorization: Bearer TOKEN' (the token is --control-token or "
                "MOCKGATEWAY_CONTROL_TOKEN, or the one printed at start)"
            },
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="mockgateway"'},
        )

    return guard
