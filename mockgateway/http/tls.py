"""TLS for pushes to ``https://`` receivers, and a start-up that does not load certificates for
a context the gateway never uses.

aiohttp makes two verifying SSL contexts as it is imported (``aiohttp/connector.py``), reading
the system's CA bundle each time: 50-90 ms of a start-up of about 300 ms, paid by every CI job
that starts the gateway, for contexts used only by a push to an ``https://`` URL, and not even
then: the push client passes a context of its own (:func:`verifying_context`), made the first
time one is needed, off the event loop, from the certificate locations in force then (the
user's ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` included). So ``serve`` imports aiohttp with
OpenSSL's locations pointed at nothing (:func:`import_aiohttp_without_certificates`), and
restores them at once.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import sys

_LOCATIONS = ("SSL_CERT_FILE", "SSL_CERT_DIR")
"""The variables OpenSSL reads its default certificate locations from, each time it loads."""


def import_aiohttp_without_certificates() -> None:
    """Import aiohttp with empty default certificate locations; the environment unchanged after.

    Call it before anything else imports aiohttp, with no other thread running (it changes the
    process's environment for the length of the import). Does nothing once aiohttp is loaded.
    """
    if "aiohttp" in sys.modules:
        return
    saved = {name: os.environ.get(name) for name in _LOCATIONS}
    os.environ.update(dict.fromkeys(_LOCATIONS, os.devnull))
    try:
        import aiohttp  # noqa: F401
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_context: ssl.SSLContext | None = None


async def verifying_context() -> ssl.SSLContext:
    """The context every ``https://`` push uses: the default verification (certificate and host
    name) against the default locations, read once, in a thread, on first need."""
    global _context
    if _context is None:
        _context = await asyncio.to_thread(ssl.create_default_context)
    return _context
