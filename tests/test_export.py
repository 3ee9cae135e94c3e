"""Journal listings written as they are read: ``?format=jsonl``, the plain listing streamed in
chunks, and ``mockgateway export`` keeping every journal as JSON lines."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from mockgateway.cli import main
from mockgateway.harness import running_gateway
from tests.conftest import Harness, Start

NUMBERS = ",".join(f"85292{n:06d}" for n in range(1000))


async def jsonl(gw: Harness, path: str, **params: str) -> list[dict[str, Any]]:
    response = await gw.client.get(path, params={**params, "format": "jsonl"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    text = await response.text()
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


async def test_jsonl_gives_the_same_items_as_the_listing(gw: Harness) -> None:
    await gw.call("send_batch", mobile="85292041234,85292041235", content="hi")
    await gw.call("send_single", mobile="85292041234", content="hi", pwd="wrong")
    for kind in ("messages", "requests", "reports", "pushes"):
        listing = await (await gw.client.get(f"/_mock/{kind}")).json()
        assert await jsonl(gw, f"/_mock/{kind}") == listing["items"], kind
    rejected = await jsonl(gw, "/_mock/requests", accepted="false")
    assert [r["result"] for r in rejected] == [-100001]
    one = await jsonl(gw, "/_mock/messages", mobile="+85292041235")
    assert [m["mobile"] for m in one] == ["85292041235"]


async def test_an_unknown_format_is_a_400(gw: Harness) -> None:
    response = await gw.client.get("/_mock/messages", params={"format": "csv"})
    assert response.status == 400
    assert "format must be json or jsonl" in (await response.json())["error"]


async def test_the_listing_streams_in_chunks_and_counts_what_it_sent(start: Start) -> None:
    gw = await start("clock: virtual\njournal: {limit: 4500}\n")
    for _ in range(5):
        await gw.call("send_batch", mobile=NUMBERS, content="hi")
    listing = await (await gw.client.get("/_mock/messages")).json()
    assert (listing["count"], listing["dropped"], len(listing["items"])) == (4500, 500, 4500)
    msgids = [m["msgid"] for m in listing["items"]]
    assert msgids == sorted(msgids) and len(set(msgids)) == 4500


async def test_a_listing_survives_the_journal_changing_while_it_is_written(start: Start) -> None:
    """Entries dropped while a listing is written are skipped, never listed twice or crashed on."""
    gw = await start("clock: virtual\njournal: {limit: 5000}\n")
    for _ in range(5):
        await gw.call("send_batch", mobile=NUMBERS, content="hi")
    reading = asyncio.ensure_future(gw.client.get("/_mock/messages", params={"format": "jsonl"}))
    sending = [gw.call("send_batch", mobile=NUMBERS, content="more") for _ in range(3)]
    response, *_ = await asyncio.gather(reading, *sending)
    lines = [json.loads(line) for line in (await response.text()).splitlines()]
    msgids = [m["msgid"] for m in lines]
    assert len(msgids) == len(set(msgids)) and msgids == sorted(msgids)
    assert 2000 <= len(msgids) <= 5000


def test_a_200k_entry_journal_streams_in_flat_server_memory(tmp_path: Path) -> None:
    """The real server's resident memory while it writes a 200,000-report export of tens of
    megabytes grows by a fraction of it: the listing is never held whole."""
    from tests.test_cli import serve

    scenario = tmp_path / "big.yaml"
    scenario.write_text("journal: {limit: 200000}\nreports: {delay: 3600}\n")
    with serve("--port", "0", "--scenario", str(scenario), "--log", "none") as (process, url):
        asyncio.run(_fill(url, batches=200))
        before = _rss(process.pid)
        peak, lines, size = asyncio.run(_stream(f"{url}/_mock/reports?format=jsonl", process.pid))
    assert lines == 200_000
    assert size > 40_000_000, "the whole export is tens of megabytes"
    assert peak - before < 12_000_000, f"RSS grew {peak - before:,} bytes streaming {size:,}"


async def _fill(url: str, *, batches: int) -> None:
    import aiohttp

    from mockgateway.client import credentials

    async with aiohttp.ClientSession() as session:
        for _ in range(batches):
            body = {**credentials("J10003", "111111"), "mobile": NUMBERS, "content": "hi"}
            async with session.post(f"{url}/sms/v2/std/send_batch", json=body) as response:
                assert (await response.json())["result"] == 0


async def _stream(url: str, pid: int) -> tuple[int, int, int]:
    """(peak RSS while reading, lines, bytes)."""
    import aiohttp

    peak = lines = size = 0
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        async for block in response.content.iter_chunked(256 * 1024):
            lines += block.count(b"\n")
            size += len(block)
            peak = max(peak, _rss(pid))
    return peak, lines, size


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_export_writes_a_file_per_journal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mockgateway.client import credentials

    with running_gateway() as gateway:
        import urllib.request

        body = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
        request = urllib.request.Request(
            gateway.url + "/sms/v2/std/send_single",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request).read()
        gateway.wait_for(reports=1)
        assert main(["export", "--url", gateway.url, str(tmp_path / "run")]) == 0
    written = {p.name: p.read_text().splitlines() for p in (tmp_path / "run").iterdir()}
    assert set(written) >= {"requests.jsonl", "messages.jsonl", "reports.jsonl", "pushes.jsonl"}
    (request_line,) = written["requests.jsonl"]
    assert json.loads(request_line)["endpoint"] == "send_single"
    (message_line,) = written["messages.jsonl"]
    assert json.loads(message_line)["content"] == "hi"
    assert written["pushes.jsonl"] == []
    out = capsys.readouterr().out
    assert "1 messages" in out and "requests.jsonl: 1 requests" in out


def test_export_names_what_went_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--url", "http://127.0.0.1:9", str(tmp_path)]) == 2
    assert "mockgateway export: cannot read http://127.0.0.1:9/_mock/" in capsys.readouterr().err
    with running_gateway() as gateway:
        blocked = tmp_path / "file"
        blocked.write_text("not a folder")
        assert main(["export", "--url", gateway.url, str(blocked)]) == 2
        assert "cannot write to" in capsys.readouterr().err
