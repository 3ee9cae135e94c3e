"""errdesc travels as the manual says: in get_rpt URL-encoded in the charset of the message's
content, in every answer format (2.2.6); in a JSON push as raw UTF-8 (2.3.3)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from mockgateway.client import BodyFormat
from tests.conftest import Harness, Receiver, Start
from tests.test_push import advance

TEXT = "号码不存在 (空号)"
SCENARIO = f"""
clock: virtual
reports:
  delay: 1
  outcomes:
    - {{status: 1, errcode: "MK:0001", errdesc: "{TEXT}"}}
"""


def encoded(text: str, charset: str) -> str:
    return re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(text.encode(charset), safe=""))


@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
@pytest.mark.parametrize(
    ("charset", "content"), [("utf-8", quote("你好")), ("gbk", "%c4%e3%ba%c3")]
)
async def test_get_rpt_url_encodes_errdesc_in_the_contents_charset(
    start: Start, fmt: BodyFormat, charset: str, content: str
) -> None:
    gw = await start(SCENARIO)
    assert (await gw.call("send_single", mobile="85292041234", content=content))["result"] == 0
    assert list(gw.gateway.messages)[-1].content == "你好"
    gw.clock.advance(2)
    (rpt,) = (await gw.call("get_rpt", fmt))["rpts"]
    assert rpt["errdesc"] == encoded(TEXT, charset)
    assert "%20" in rpt["errdesc"] and rpt["errdesc"] != encoded(
        TEXT, "utf-8" if charset == "gbk" else "gbk"
    )


async def test_ascii_errdesc_reads_the_same_encoded(gw: Harness) -> None:
    await gw.call("send_single", mobile="85292041234", content="hi")
    gw.clock.advance(2)
    (rpt,) = (await gw.call("get_rpt"))["rpts"]
    assert rpt["errdesc"] == "success"


async def test_a_json_push_carries_errdesc_as_raw_utf8(start: Start, receiver: Receiver) -> None:
    gw = await start(SCENARIO + f"push: {{url: '{receiver.url}'}}\n")
    await gw.call("send_single", mobile="85292041234", content="%c4%e3%ba%c3")
    await advance(gw, 2)
    (body,) = receiver.received
    assert body["rpts"][0]["errdesc"] == TEXT
