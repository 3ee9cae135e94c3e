"""Reading a running gateway's control API from another process: what ``mockgateway report``
and ``mockgateway export`` share (the token, the errors a person can act on)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPResponse

FETCH_TIMEOUT = 60.0


class Unreachable(RuntimeError):
    """The gateway could not be read: not running, the wrong URL, or a missing token."""


@contextmanager
def opened(url: str, token: str | None) -> Iterator[HTTPResponse | None]:
    """The answer to a GET of ``url``, to read as it comes; None for a 404 (an endpoint this
    gateway does not have)."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=FETCH_TIMEOUT)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            yield None
            return
        if error.code == 401:
            raise Unreachable(
                f"{url} needs the control token: give --token or set MOCKGATEWAY_CONTROL_TOKEN"
            ) from None
        raise Unreachable(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise Unreachable(f"cannot read {url}: {reason}") from None
    with response:
        yield response
