"""Pushes to an ``https://`` receiver, from the real ``serve`` process: it verifies the
receiver's certificate and host name against the default locations (``SSL_CERT_FILE`` as the
user set it), although it imports aiohttp with those locations emptied to start faster."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mockgateway.client import credentials
from tests.test_cli import READY_TIMEOUT, post_json, serve


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own authority, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mockgateway test receiver")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "receiver.pem", directory / "receiver.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def https_receiver(cert_file: Path, key_file: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An RPT_REQ receiver on https://127.0.0.1:PORT that acknowledges every push."""
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append(json.loads(self.rfile.read(length)))
            answer = json.dumps({"cmd": "RPT_RESP", "seqid": received[-1]["seqid"], "result": 0})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/rpt", received
    finally:
        server.shutdown()
        server.server_close()


def push_scenario(tmp_path: Path, url: str) -> Path:
    scenario = tmp_path / "https.yaml"
    scenario.write_text(
        "reports: {delay: 0}\naccounts:\n  - userid: J10003\n    password: '111111'\n"
        f"    push: {{url: '{url}', timeout: 5, retry: {{attempts: 1}}}}\n"
    )
    return scenario


def send_one(url: str) -> None:
    fields = {**credentials("J10003", "111111"), "mobile": "85292041234", "content": "hi"}
    assert post_json(f"{url}/sms/v2/std/send_single", fields)["result"] == 0


def first_push(url: str) -> dict[str, Any]:
    """The first push attempt once it has an outcome (polled, bounded: pushes have no wait of
    their own for a failure)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/_mock/pushes", timeout=READY_TIMEOUT) as response:
            pushes: list[dict[str, Any]] = json.load(response)["items"]
        if pushes and pushes[0]["outcome"] not in (None, "pending", "in flight"):
            return pushes[0]
        time.sleep(0.02)
    raise AssertionError(f"no push with an outcome in {READY_TIMEOUT} s")


def test_a_receiver_whose_authority_the_user_trusts_gets_the_push(tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)
    with https_receiver(cert_file, key_file) as (receiver, received):
        env = {"SSL_CERT_FILE": str(cert_file)}
        with serve(
            "--port", "0", "--scenario", str(push_scenario(tmp_path, receiver)), env=env
        ) as (
            _,
            url,
        ):
            send_one(url)
            push = first_push(url)
    assert push["outcome"] == "acknowledged", push
    assert [r["cmd"] for r in received] == ["RPT_REQ"]


@pytest.mark.parametrize("trusted", ["", "system"])
def test_a_receiver_whose_certificate_cannot_be_verified_gets_nothing(
    tmp_path: Path, trusted: str
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    env = {"SSL_CERT_FILE": os.devnull} if trusted == "" else {}
    with https_receiver(cert_file, key_file) as (receiver, received):
        scenario = push_scenario(tmp_path, receiver)
        with serve("--port", "0", "--scenario", str(scenario), env=env) as (_, url):
            send_one(url)
            push = first_push(url)
    assert push["outcome"].startswith("failed: the receiver's certificate is not trusted"), push
    assert "certificate verify failed" in push["outcome"]
    assert "SSL_CERT_FILE" in push["outcome"]
    assert received == []
