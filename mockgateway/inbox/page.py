"""The inbox's files, and the self-contained report: the same page with its data inlined.

The report opens from disk (``file://``) with no server: the stylesheet and the script are
inlined, the journal's data rides in a ``<script type="application/json">`` element, and a
Content-Security-Policy allows exactly those two inline blocks (by hash) and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any

ASSETS = {"inbox.css": "text/css; charset=utf-8", "inbox.js": "text/javascript; charset=utf-8"}
STYLESHEET = '<link rel="stylesheet" href="/_mock/ui/inbox.css">'
SCRIPT = '<script type="module" src="/_mock/ui/inbox.js"></script>'
CHARSET = '<meta charset="utf-8">'
SERVED_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""What the served page may load: its own files and its own origin's API, nothing else."""


def read(name: str) -> str:
    """A file of the page by name (``index.html`` or one of :data:`ASSETS`)."""
    if name != "index.html" and name not in ASSETS:
        raise KeyError(name)
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def data_json(data: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in, whatever text it holds."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def standalone(data: dict[str, Any], *, title: str = "mockgateway report") -> str:
    """The page with ``data`` (the shape :mod:`mockgateway.inbox.report` builds) inlined."""
    html, css, script = read("index.html"), read("inbox.css"), read("inbox.js")
    if "</style" in css.lower() or "</script" in script.lower():
        raise ValueError("an inlined asset would end its own element")
    for marker in (STYLESHEET, SCRIPT, CHARSET, "<title>mockgateway inbox</title>"):
        if html.count(marker) != 1:
            raise ValueError(f"index.html must hold {marker!r} exactly once")
    policy = (
        f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    escaped_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        html.replace(
            CHARSET,
            f'{CHARSET}\n<meta http-equiv="Content-Security-Policy" content="{policy}">',
        )
        .replace("<title>mockgateway inbox</title>", f"<title>{escaped_title}</title>")
        .replace(STYLESHEET, f"<style>{css}</style>")
        .replace(
            SCRIPT,
            f'<script type="application/json" id="inbox-data">{data_json(data)}</script>\n'
            f'<script type="module">{script}</script>',
        )
    )
