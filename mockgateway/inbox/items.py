"""The page's items: the control API's views, with what the page adds to them.

A message carries its reports (``report_items``) and where its one-time code is (``otp``, in
UTF-16 code units). The live feed, the ``report`` command and the pytest plugin all shape their
items here, so the page renders one shape whichever it was given.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from typing import Any

from mockgateway.inbox.otp import one_time_code, utf16_span

Item = dict[str, Any]

FIELD_CHARS = 2000
"""Characters of each request field an item keeps: a body may carry megabytes, and a page of
200 requests must stay small (the whole field is in ``/_mock/requests``)."""


def message_item(view: Item, reports: Iterable[Item] = ()) -> Item:
    content = view.get("content")
    otp = None
    if isinstance(content, str) and (span := one_time_code(content)) is not None:
        otp = utf16_span(content, span)
    return {**view, "otp": otp, "report_items": sorted(reports, key=_segment)}


def _segment(report: Item) -> int:
    pknum = report.get("pknum")
    return pknum if isinstance(pknum, int) else 0


MSGIDS = 20
"""msgids an item lists (a batch has up to 1,000; the page shows the count, ``msgids_more``)."""


def request_item(view: Item) -> Item:
    item = _capped(view)
    fields = view.get("fields")
    if isinstance(fields, dict):
        item["fields"] = {name: _short(value) for name, value in fields.items()}
    return item


def push_item(view: Item) -> Item:
    return _capped(view)


def _capped(view: Item) -> Item:
    item = dict(view)
    for key in ("msgids", "msgids_str"):
        listed = item.get(key)
        if isinstance(listed, list) and len(listed) > MSGIDS:
            item[key] = listed[:MSGIDS]
            item["msgids_more"] = len(listed) - MSGIDS
    return item


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > FIELD_CHARS:
        return f"{value[:FIELD_CHARS]}… ({len(value) - FIELD_CHARS:,} more characters)"
    if isinstance(value, (dict, list)):
        return short_repr(value)
    return value


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict = 4, 100, 100
_REPR.maxstring = _REPR.maxother = FIELD_CHARS


def short_repr(value: object) -> str:
    """``value`` written out to at most :data:`FIELD_CHARS` characters, in time bounded by that
    too (``repr`` of a 4 MB list would write it all before it could be cut)."""
    text = _REPR.repr(value)
    return text if len(text) <= FIELD_CHARS else f"{text[:FIELD_CHARS]}… (cut)"


def join_reports(messages: Iterable[Item], reports: Iterable[Item]) -> list[Item]:
    """Each message with its reports (by msgid), in the order given."""
    by_msgid: dict[str, list[Item]] = {}
    for report in reports:
        by_msgid.setdefault(str(report.get("msgid_str")), []).append(report)
    return [message_item(m, by_msgid.get(str(m.get("msgid_str")), [])) for m in messages]
