"""The README's pytest example, verbatim: send through your own client, let the gateway push the
status report to your own receiver, assert it. No sleep: the clock is virtual."""

import hashlib
import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def send_sms(base_url, mobile, text):
    """Your own client (here, the manual's rules written out by hand)."""
    timestamp = time.strftime("%m%d%H%M%S")
    pwd = hashlib.md5(f"J10003{'0' * 8}111111{timestamp}".encode()).hexdigest()
    body = {
        "userid": "J10003",
        "pwd": pwd,
        "timestamp": timestamp,
        "mobile": mobile,
        "content": urllib.parse.quote(text),
    }
    request = urllib.request.Request(
        f"{base_url}/sms/v2/std/send_single",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


@pytest.fixture
def receiver():
    """Your own status-report endpoint: acknowledges each push as the manual says."""
    reports = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            push = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            reports.extend(push["rpts"])
            answer = json.dumps({"cmd": "RPT_RESP", "seqid": push["seqid"], "result": 0})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}/rpt"
    server.reports = reports
    yield server
    server.shutdown()


@pytest.mark.mockgateway(scenario="push-callback")
def test_the_status_report_is_pushed_to_my_receiver(mockgateway, receiver):
    mockgateway.set_push(receiver.url)

    answer = send_sms(mockgateway.url, "+85292041234", "Your code is 1234")
    assert answer["result"] == 0

    mockgateway.advance(1)  # virtual time: the report falls due and is pushed
    mockgateway.wait_for(pushed=1)

    (report,) = receiver.reports
    assert report["msgid"] == answer["msgid"]
    assert (report["mobile"], report["errcode"]) == ("+85292041234", "DELIVRD")
    assert mockgateway.messages()[0]["content"] == "Your code is 1234"
