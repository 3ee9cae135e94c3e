"""``mockgateway export --url URL DIR``: every journal of a running gateway, one JSON object a
line, a file per journal: what a CI job keeps beside the HTML report to search with its tools.

Each listing is read with ``?format=jsonl`` and written to its file as it arrives, so neither
side holds a journal in memory, whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockgateway.remote import blocks, opened

JOURNALS = ("requests", "messages", "reports", "pushes", "mos")
"""What is exported; a journal the gateway does not have (404) is skipped."""
MAX_JOURNAL = 16 * 1024**3
"""Bytes of one journal written at most: far past a journal's 256 MiB, short of filling a
disk with what a broken or hostile server might send for ever."""


@dataclass(frozen=True)
class Exported:
    journal: str
    path: Path
    lines: int


def export(url: str, folder: str | Path, token: str | None = None) -> list[Exported]:
    """Write ``FOLDER/<journal>.jsonl`` for each journal the gateway at ``url`` has."""
    base = url.rstrip("/")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for journal in JOURNALS:
        source = f"{base}/_mock/{journal}?format=jsonl"
        with opened(source, token) as response:
            if response is None:
                continue
            path = target / f"{journal}.jsonl"
            lines = 0
            with path.open("wb") as out:
                for block in blocks(response, source, limit=MAX_JOURNAL):
                    out.write(block)
                    lines += block.count(b"\n")
            written.append(Exported(journal, path, lines))
    return written
