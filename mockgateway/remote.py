"""Reading a running gateway's control API from another process: what ``mockgateway report``
and ``mockgateway export`` share (the token, the errors a person can act on)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPException, HTTPResponse
from typing import Any

FETCH_TIMEOUT = 60.0
"""Seconds any one read may wait."""
FETCH_DEADLINE = 900.0
"""Seconds one answer may take in all (a gateway that trickles its answer is given up on)."""
BLOCK = 1024 * 1024


class Unreachable(RuntimeError):
    """The gateway could not be read: not running, the wrong URL, or a missing token."""


@contextmanager
def opened(url: str, token: str | None) -> Iterator[HTTPResponse | None]:
    """The answer to a GET of ``url``, to read as it comes; None for a 404 (an endpoint this
    gateway does not have)."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)
    try:
        response = _OPENER.open(request, timeout=FETCH_TIMEOUT)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            yield None
            return
        if error.code == 401:
            raise Unreachable(
                f"{url} needs the control token: give --token or set MOCKGATEWAY_CONTROL_TOKEN"
            ) from None
        raise Unreachable(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError, HTTPException) as error:
        reason = getattr(error, "reason", error)  # HTTPException: not HTTP (a bad status line)
        raise Unreachable(f"cannot read {url}: {type(error).__name__}: {reason}"[:300]) from None
    with response:
        yield response


def blocks(response: HTTPResponse, url: str, *, limit: int) -> Iterator[bytes]:
    """The answer as it comes, at most ``limit`` bytes and :data:`FETCH_DEADLINE` seconds of it:
    what reads a gateway must not be hung or filled by it."""
    deadline = time.monotonic() + FETCH_DEADLINE
    total = 0
    try:
        while block := response.read1(BLOCK):  # what has come: read() would wait for BLOCK
            total += len(block)
            if total > limit:
                raise Unreachable(f"{url} answered more than {limit:,} bytes: not read further")
            if time.monotonic() > deadline:
                raise Unreachable(f"{url} took over {FETCH_DEADLINE:g} s to answer")
            yield block
    except (OSError, HTTPException) as error:  # a broken chunk, a cut-off body
        raise Unreachable(f"reading {url} failed: {type(error).__name__}: {error}"[:300]) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A gateway answers its control API itself: a redirect is not followed (the token would go
    with it to wherever it points)."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> None:
        raise Unreachable(f"{req.full_url} redirected to {newurl[:200]}: not followed")


_OPENER = urllib.request.build_opener(_NoRedirects)
