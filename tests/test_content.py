"""Content is URL-decoded exactly once, as a real gateway decodes it: the journal, the length
limit and the segments all follow what the phone would show, and sloppy encodings are warned
about by name."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mockgateway.client import BodyFormat, credentials
from tests.conftest import Harness


async def sent(gw: Harness, content: str, fmt: BodyFormat = "json") -> tuple[str, list[str]]:
    answer = await gw.call("send_single", fmt, mobile="85292041234", content=content)
    assert answer["result"] == 0, gw.last().diagnosis
    message = list(gw.gateway.messages)[-1]
    return message.content, gw.last().warnings


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("Pay%2520now", "Pay%20now"),
        ("100%2541", "100%41"),
        (quote(quote("验证码")), quote("验证码")),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_content_encoded_twice_is_shown_as_the_phone_shows_it(
    gw: Harness, content: str, shown: str, fmt: BodyFormat
) -> None:
    text, warnings = await sent(gw, content, fmt)
    assert text == shown
    assert any("encoded twice?" in w for w in warnings), warnings


async def test_a_form_value_encoded_twice_is_decoded_once_by_the_form_encoding(gw: Harness) -> None:
    text, warnings = await sent(gw, "Pay%20now", "form")  # the form encoding adds the second
    assert text == "Pay%20now"
    assert any("encoded twice?" in w for w in warnings), warnings


async def test_segments_and_length_count_what_the_phone_shows(gw: Harness) -> None:
    text, _ = await sent(gw, quote(quote("é" * 100)))
    message = list(gw.gateway.messages)[-1]
    assert text == "%C3%A9" * 100
    assert (message.encoding, message.segments) == ("gsm7", 4)  # 600 septets, not 100
    answer = await gw.call("send_single", mobile="85292041234", content=quote(quote("中" * 120)))
    assert answer["result"] == -100011
    assert "1080 characters" in (gw.last().diagnosis or "")
    assert "encoded twice?" in (gw.last().diagnosis or "")


async def test_content_encoded_once_has_no_warning(gw: Harness) -> None:
    text, warnings = await sent(gw, "Hello+world%21%20100%25")
    assert (text, warnings) == ("Hello world! 100%", [])


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_raw_content_loses_its_plus_with_a_warning_naming_it(
    gw: Harness, fmt: BodyFormat
) -> None:
    text, warnings = await sent(gw, "a+b c", fmt)
    assert text == "a b c"
    assert any("not URL-encoded (it holds a raw space)" in w for w in warnings), warnings
    assert any("+ in the content became a space" in w for w in warnings), warnings


@pytest.mark.parametrize(
    ("content", "sign"),
    [
        ("验证码", "non-ASCII"),
        ("50% off", "raw space"),
        ("100%", "% that starts no %XX escape"),
        ("line\nbreak", "control character"),
    ],
)
async def test_raw_content_is_accepted_with_a_warning(gw: Harness, content: str, sign: str) -> None:
    text, warnings = await sent(gw, content)
    assert text == content
    assert any("not URL-encoded" in w and sign in w for w in warnings), warnings
    assert not any("became a space" in w for w in warnings)


async def test_a_raw_form_body_loses_its_plus_with_a_warning(gw: Harness) -> None:
    signed = "&".join(f"{k}={v}" for k, v in credentials("J10003", "111111").items())
    body = f"{signed}&mobile=85292041234&content=a+b c"
    _, answer, _ = await gw.raw("send_single", body, "application/x-www-form-urlencoded")
    assert answer["result"] == 0
    assert list(gw.gateway.messages)[-1].content == "a b c"
    warnings = gw.last().warnings
    assert any("content is not form-encoded (it holds a raw space)" in w for w in warnings)
    assert any("+ became a space" in w for w in warnings), warnings
