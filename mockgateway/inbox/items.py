"""The page's items: the control API's views, with what the page adds to them.

A message carries its reports (``report_items``) and where its one-time code is (``otp``, in
UTF-16 code units). The live feed, the ``report`` command and the pytest plugin all shape their
items here, so the page renders one shape whichever it was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mockgateway.inbox.otp import one_time_code, utf16_span

Item = dict[str, Any]


def message_item(view: Item, reports: Iterable[Item] = ()) -> Item:
    content = view.get("content")
    otp = None
    if isinstance(content, str) and (span := one_time_code(content)) is not None:
        otp = utf16_span(content, span)
    return {**view, "otp": otp, "report_items": sorted(reports, key=_segment)}


def _segment(report: Item) -> int:
    pknum = report.get("pknum")
    return pknum if isinstance(pknum, int) else 0


def join_reports(messages: Iterable[Item], reports: Iterable[Item]) -> list[Item]:
    """Each message with its reports (by msgid), in the order given."""
    by_msgid: dict[str, list[Item]] = {}
    for report in reports:
        by_msgid.setdefault(str(report.get("msgid_str")), []).append(report)
    return [message_item(m, by_msgid.get(str(m.get("msgid_str")), [])) for m in messages]
