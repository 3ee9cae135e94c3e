"""The inbox in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

One browser for the module (every browser test is here), a page per test, a gateway per test on
127.0.0.1 (a port the OS picks). Every wait is Playwright's wait for a condition, bounded.
Screenshots at 1280 and 390 px wide go to ``build/screenshots/`` (git-ignored) for a person to
look at.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from mockgateway.cli import main
from mockgateway.harness import MockGateway, running_gateway
from mockgateway.protocol.errors import url_encode
from tests.conftest import MANUAL_CONTENT
from tests.test_cli import serve
from tests.test_inbox_report import send

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
WAIT_MS = 15_000
"""How long any one condition may take to show (it shows in milliseconds)."""
HOSTILE = '<img src=x onerror="window.__pwned=1">'
VIRTUAL = "seed: 11\nclock: virtual\n"

expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("MOCKGATEWAY_BROWSER_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    page: Page
    errors: list[str] = field(default_factory=list)
    """Uncaught exceptions and Content-Security-Policy violations."""


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    opened = Tab(page)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            opened.errors.append(message.text)

    page.on("console", console)
    yield opened
    page.close()
    assert opened.errors == [], "the page raised or broke its own policy"


def open_inbox(tab: Tab, gateway: MockGateway) -> Page:
    page = tab.page
    page.goto(gateway.url + "/")
    assert page.url == gateway.url + "/_mock/ui"
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


@pytest.fixture
def virtual() -> Iterator[MockGateway]:
    with running_gateway(VIRTUAL) as gateway:
        yield gateway


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class Receiver:
    """A report receiver on 127.0.0.1, port 0: fails the first ``failures`` pushes with a hostile
    answer, then acknowledges."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                me.received.append(body)
                if len(me.received) <= me.failures:
                    status, answer = 500, f"down {HOSTILE}".encode()
                else:
                    ack = {"cmd": "RPT_RESP", "seqid": body["seqid"], "result": 0}
                    status, answer = 200, json.dumps(ack).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/rpt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(failures=1)
    yield made
    made.close()


PUSHING = (
    VIRTUAL + "accounts:\n  - userid: J10003\n    password: '111111'\n"
    "    push: {url: 'http://127.0.0.1:9/unset', retry: {attempts: 1}}\n"
)
"""An account whose batches are parked after one failed attempt; the page sets the real URL."""


# --- live ------------------------------------------------------------------------------------


def test_a_message_appears_without_a_reload_and_its_reports_follow(
    tab: Tab, virtual: MockGateway
) -> None:
    page = open_inbox(tab, virtual)
    page.evaluate("window.__samePage = true")
    answer = send(virtual.url, mobile="85292041234", content="hello%20from%20the%20API")
    card = page.locator(".message", has_text="hello from the API")
    expect(card).to_be_visible()
    expect(card.locator(".facts")).to_contain_text(str(answer["msgid"]))
    expect(card.locator(".reports td.left")).to_contain_text("pending: due at")
    expect(page.locator('nav [data-count="messages"]')).to_have_text("1")
    virtual.advance(2)
    send(virtual.url, "get_rpt")
    expect(card.locator(".reports td.left")).to_contain_text("fetched by get_rpt #2")
    expect(card.locator(".badge")).to_have_text("fetched")
    assert page.evaluate("window.__samePage") is True, "no reload happened"


def test_the_one_time_code_is_highlighted(tab: Tab, virtual: MockGateway) -> None:
    page = open_inbox(tab, virtual)
    send(virtual.url, mobile="85292041234", content=quote("Your code is 482913"))
    send(virtual.url, mobile="85292041235", content=MANUAL_CONTENT)
    send(virtual.url, mobile="85292041236", content=quote("Order 12345 ships on 2024"))
    expect(page.locator(".message")).to_have_count(3)
    expect(page.locator(".message mark.otp")).to_have_text(["6666", "482913"])
    chinese = page.locator(".message", has_text="6666").locator(".content")
    expect(chinese).to_have_text("验证码：6666，打死都不要告诉别人哦！")
    expect(page.locator(".message", has_text="Order").locator("mark")).to_have_count(0)


def test_a_rejected_request_is_shown_first_with_its_diagnosis(
    tab: Tab, virtual: MockGateway
) -> None:
    page = open_inbox(tab, virtual)
    send(virtual.url, mobile="85292041234", content="ok")
    bare = md5("J10003" + "00000000" + "111111")  # the timestamp left out of the hash
    send(virtual.url, mobile="85292041234", content="x", pwd=bare)
    rejected = page.locator("#rejected .rejected-card")
    expect(rejected).to_have_count(1)
    expect(rejected.locator(".diagnosis")).to_have_text(
        "pwd is md5 of the password without the timestamp"
    )
    expect(rejected.locator(".badge")).to_have_text("result -100001")
    expect(page.locator('nav [data-count="rejected"]')).to_have_text("1")
    boxes = [page.locator(f"#{name}").bounding_box() for name in ("rejected", "messages")]
    assert boxes[0] is not None and boxes[1] is not None
    assert boxes[0]["y"] < boxes[1]["y"], "rejected requests come before the messages"


def test_hostile_text_is_shown_as_text_and_never_run(
    tab: Tab, receiver: Receiver, tmp_path: Path
) -> None:
    with running_gateway(PUSHING) as gateway:
        gateway.set_push(receiver.url)
        page = open_inbox(tab, gateway)
        send(gateway.url, mobile="85292041234", content=quote(HOSTILE))
        send(gateway.url, mobile=HOSTILE, content="x")  # rejected: the diagnosis quotes it
        gateway.advance(2)  # the push fails with a hostile answer and is parked
        expect(page.locator(".message .content")).to_have_text(HOSTILE)
        expect(page.locator(".push pre")).to_have_text(f"down {HOSTILE}")
        expect(page.locator("#rejected .diagnosis")).to_contain_text(HOSTILE)
        page.fill("#f-q", HOSTILE)
        page.press("#f-q", "Enter")
        expect(page.locator(".message")).to_have_count(1)
        assert page.locator("img").count() == 0
        assert page.evaluate("window.__pwned") is None


def test_a_parked_push_is_redriven_from_the_page_and_acknowledged(
    tab: Tab, receiver: Receiver
) -> None:
    with running_gateway(PUSHING) as gateway:
        page = open_inbox(tab, gateway)
        page.select_option("#push-userid", "J10003")
        page.fill("#push-url", receiver.url)
        page.click("text=Set push URL")
        expect(page.locator("#action-status")).to_have_text(
            f"J10003 now pushes its reports to {receiver.url}."
        )
        send(gateway.url, mobile="85292041234", content="pushed")
        page.fill("#clock-seconds", "2")
        page.click("text=Advance the clock")
        expect(page.locator("#action-status")).to_contain_text("The virtual clock moved 2 s on")
        parked = page.locator(".push.parked")
        expect(parked.locator(".badge")).to_have_text("parked")
        expect(parked.locator(".diagnosis")).to_contain_text("failed: HTTP 500")
        left = page.locator(".message .reports td.left")
        expect(left).to_have_text("parked in seqid 1: undelivered, re-drivable")
        page.click("text=Re-drive parked pushes")
        expect(page.locator("#action-status")).to_have_text("1 parked batch re-driven.")
        expect(page.locator(".push .badge")).to_have_text(["acknowledged", "parked"])
        expect(left).to_contain_text("pushed with seqid 1 at")
        assert [body["seqid"] for body in receiver.received] == [1, 1], "the same seqid"
        assert gateway.reports()[0]["state"] == "pushed"


def test_reset_from_the_page_empties_it_and_the_clock_shows_only_when_virtual(
    tab: Tab, virtual: MockGateway
) -> None:
    page = open_inbox(tab, virtual)
    expect(page.locator("#clock-form")).to_be_visible()
    send(virtual.url, mobile="85292041234", content="one")
    send(virtual.url, mobile="85292041235", content="two")
    expect(page.locator(".message")).to_have_count(2)
    page.click("text=Reset the gateway")
    expect(page.locator("#action-status")).to_contain_text("Reset: the journal is empty")
    expect(page.locator(".message")).to_have_count(0)
    expect(page.locator('[data-summary="messages"]')).to_have_text("None yet.")
    assert virtual.messages() == []
    with running_gateway("seed: 1\n") as real:
        page.goto(real.url + "/")
        expect(page.locator("#live")).to_have_attribute("data-state", "live")
        expect(page.locator("#about")).to_contain_text("real clock")
        expect(page.locator("#clock-form")).to_be_hidden()


def test_the_mo_controls_say_why_they_are_off_when_no_account_takes_mos(
    tab: Tab, virtual: MockGateway
) -> None:
    page = open_inbox(tab, virtual)
    expect(page.locator("#mo-note")).to_contain_text(
        "No account of this scenario takes MOs: they are a domestic-edition feature"
    )
    expect(page.locator("#mo-form button")).to_be_disabled()
    expect(page.locator('[data-summary="mos"]')).to_have_text("None yet.")


DOMESTIC = (
    "seed: 11\nclock: virtual\nedition: domestic\n"
    "rules:\n  - when: {content: 'Reply TD'}\n    reply: {content: TD, delay: 5}\n"
)


def test_inject_an_mo_from_the_page_and_get_it_by_get_mo(tab: Tab) -> None:
    with running_gateway(DOMESTIC) as gateway:
        page = open_inbox(tab, gateway)
        expect(page.locator("#mo-form button")).to_be_enabled()
        expect(page.locator("#mo-userid")).to_have_value("J10003")
        page.fill("#mo-mobile", "8613800138000")
        page.fill("#mo-content", f"退订 please {HOSTILE}")
        page.fill("#mo-exno", "12")
        page.click("text=Send the MO")
        expect(page.locator("#action-status")).to_have_text("MO from 8613800138000 injected.")
        card = page.locator(".card.mo")
        expect(card.locator(".content")).to_have_text(f"退订 please {HOSTILE}")
        expect(card.locator(".facts")).to_contain_text("10004578912")
        expect(card.locator(".badge")).to_have_text("pending")

        (mo,) = send(gateway.url, "get_mo")["mos"]
        assert (mo["mobile"], mo["exno"], mo["spno"]) == ("8613800138000", "12", "10004578912")
        assert mo["content"] == url_encode(f"退订 please {HOSTILE}")
        expect(card.locator(".badge")).to_have_text("fetched")  # live, no reload
        expect(card.locator(".facts")).to_contain_text("fetched by get_mo #1")
        assert page.locator("img").count() == 0

        send(gateway.url, mobile="8613900139000", content="Reply%20TD")
        gateway.advance(5)  # the handset answers: the MO appears without a reload
        expect(page.locator(".card.mo")).to_have_count(2)
        expect(page.locator(".card.mo").first.locator(".content")).to_have_text("TD")
        page.fill("#f-mobile", "8613900139000")
        page.click("button:text-is('Filter')")
        expect(page.locator(".card.mo")).to_have_count(1)
        page.fill("#mo-mobile", "12ab")
        page.fill("#mo-content", "x")
        page.click("text=Send the MO")
        expect(page.locator("#action-status")).to_contain_text(
            "Sending the MO failed: mobile '12ab' holds characters other than digits"
        )
        expect(page.locator("#mo-form button")).to_be_enabled()


def test_filters_and_search_apply_to_the_pages_and_to_live_traffic(
    tab: Tab, virtual: MockGateway
) -> None:
    page = open_inbox(tab, virtual)
    send(virtual.url, mobile="85292041234", content="first")
    send(virtual.url, mobile="85292041235", content="second")
    expect(page.locator(".message")).to_have_count(2)
    page.fill("#f-mobile", "0085292041235")
    page.click("button:text-is('Filter')")
    expect(page.locator(".message")).to_have_count(1)
    assert "mobile=0085292041235" in page.url
    expect(page.locator(".message .content")).to_have_text("second")
    send(virtual.url, mobile="85292041234", content="not shown")
    send(virtual.url, mobile="+85292041235", content="shown live")
    expect(page.locator(".message .content")).to_have_text(["shown live", "second"])
    page.click("button:text-is('Clear')")
    expect(page.locator(".message")).to_have_count(4)
    page.fill("#f-q", "FIRST")
    page.press("#f-q", "Enter")
    expect(page.locator(".message .content")).to_have_text(["first"])


def test_a_large_journal_shows_the_newest_and_pages_through_the_rest(tab: Tab) -> None:
    with running_gateway(VIRTUAL + "numbers: relaxed\n") as gateway:
        numbers = ",".join(str(85290000000 + i) for i in range(230))
        assert send(gateway.url, "send_batch", mobile=numbers, content="bulk")["result"] == 0
        page = open_inbox(tab, gateway)
        expect(page.locator(".message")).to_have_count(200)
        expect(page.locator(".message .number").first).to_have_text("85290000229")
        expect(page.locator('[data-summary="messages"]')).to_have_text("Newest first: 200 of 230.")
        page.click("text=Show older messages")
        expect(page.locator(".message")).to_have_count(230)
        expect(page.locator(".message .number").last).to_have_text("85290000000")
        expect(page.locator("[data-older=messages]")).to_be_hidden()


def test_every_action_is_reachable_by_keyboard_with_a_visible_focus(
    tab: Tab, virtual: MockGateway
) -> None:
    page = open_inbox(tab, virtual)
    wanted = {
        "Filter",
        "Clear",
        "Set push URL",
        "Clear (back to get_rpt)",
        "Re-drive parked pushes",
        "Advance the clock",
        "Reset the gateway",
    }
    reached: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement;
                const style = getComputedStyle(e);
                return {tag: e.tagName, text: e.textContent.trim(),
                        outline: style.outlineStyle, width: style.outlineWidth};
            }"""
        )
        if focused["tag"] == "BUTTON":
            assert focused["outline"] != "none" and focused["width"] != "0px", focused
            reached.add(focused["text"])
    assert wanted <= reached, wanted - reached


# --- the report file ------------------------------------------------------------------------


def msgids_shown(page: Page) -> list[str]:
    facts = page.locator(".message .facts div", has_text="msgid").locator("dd")
    return facts.all_inner_texts()


def test_the_report_opens_from_disk_and_shows_the_same_messages(
    tab: Tab, virtual: MockGateway, tmp_path: Path
) -> None:
    page = open_inbox(tab, virtual)
    send(virtual.url, mobile="85292041234", content=quote("Your code is 482913"))
    send(virtual.url, mobile="85292041235", content=quote("</script><b>bold?</b>"))
    send(virtual.url, mobile="85292041235", content="x", pwd="nope")
    expect(page.locator(".message")).to_have_count(2)
    live = msgids_shown(page)
    target = tmp_path / "inbox.html"
    assert main(["report", "--url", virtual.url, "-o", str(target)]) == 0
    page.goto(target.as_uri())
    expect(page.locator("#live")).to_have_attribute("data-state", "report")
    expect(page.locator(".message")).to_have_count(2)
    assert msgids_shown(page) == live
    expect(page.locator(".message mark.otp")).to_have_text("482913")
    expect(page.locator(".message .content").first).to_have_text("</script><b>bold?</b>")
    expect(page.locator("#rejected .diagnosis")).to_have_count(1)
    expect(page.locator("#actions")).to_have_count(0)
    page.fill("#f-mobile", "+85292041234")
    page.press("#f-mobile", "Enter")
    expect(page.locator(".message .content")).to_have_text(["Your code is 482913"])


# --- how it looks ----------------------------------------------------------------------------


def busy_journal(gateway: MockGateway, receiver: Receiver) -> None:
    """One of everything the page shows."""
    gateway.set_push(receiver.url)
    send(gateway.url, mobile="85292041234", content=quote("Your code is 482913"), custid="login-7")
    send(gateway.url, mobile="85292041235", content=MANUAL_CONTENT * 4, exdata="order-17")
    send(gateway.url, mobile="85292041236", content="plain text, not URL-encoded")
    send(gateway.url, mobile="85292041234", content="x", pwd=md5("J1000300000000111111"))
    send(gateway.url, mobile="13800138000", content="x")
    gateway.advance(2)  # the first push fails and is parked
    gateway.retry_pushes()
    gateway.advance(1)


def fits(page: Page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a {width} px screen"


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_screenshots_at_desktop_and_phone_width_and_nothing_overflows(
    browser: Browser, receiver: Receiver, tmp_path: Path, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with running_gateway(PUSHING) as gateway:
            busy_journal(gateway, receiver)
            page.goto(gateway.url + "/")
            expect(page.locator("#live")).to_have_attribute("data-state", "live")
            expect(page.locator(".message")).to_have_count(3)
            expect(page.locator(".push")).to_have_count(2)
            fits(page, width)
            page.screenshot(path=SCREENSHOTS / f"inbox-{width}.png", full_page=True)
            report = tmp_path / "inbox.html"
            assert main(["report", "--url", gateway.url, "-o", str(report)]) == 0
        page.goto(report.as_uri())
        expect(page.locator(".message")).to_have_count(3)
        fits(page, width)
        page.screenshot(path=SCREENSHOTS / f"report-{width}.png", full_page=True)
    finally:
        page.close()


def test_behind_a_token_the_page_takes_it_once_and_works_by_its_cookie(tab: Tab) -> None:
    with serve("--port", "0", "--control-token", "s3cret") as (_, url):
        page = tab.page
        page.goto(f"{url}/?token=s3cret")
        assert page.url == f"{url}/_mock/ui", "the token left the address"
        expect(page.locator("#live")).to_have_attribute("data-state", "live")
        send(url, mobile="85292041234", content="behind%20a%20token")
        expect(page.locator(".message .content")).to_have_text("behind a token")
        page.click("text=Reset the gateway")
        expect(page.locator(".message")).to_have_count(0)


def test_the_page_says_when_the_gateway_stops(tab: Tab) -> None:
    with running_gateway(VIRTUAL) as gateway:
        page = open_inbox(tab, gateway)
    expect(page.locator("#live")).to_have_attribute("data-state", "off")
    expect(page.locator("#live-text")).to_have_text(
        "The gateway stopped: live updates ended. Reload when it runs again."
    )
