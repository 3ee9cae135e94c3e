"""A request to an unknown path under /sms/v2/std/ answers 404 and is journaled as rejected, with
a diagnosis naming what the client called, so strict mode and the log see it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import Harness
from tests.test_cli import READY_TIMEOUT, serve
from tests.test_plugin import run


async def test_an_unknown_endpoint_is_journaled_as_rejected(gw: Harness) -> None:
    response = await gw.client.post("/sms/v2/std/get_balance", data='{"userid":"J10003"}')
    assert response.status == 404
    body = await response.json()
    assert "/sms/v2/std/send_single" in body["endpoints"]
    listing = await (await gw.client.get("/_mock/requests", params={"accepted": "false"})).json()
    (record,) = listing["items"]
    assert (record["path"], record["endpoint"], record["method"]) == (
        "get_balance",
        "unknown",
        "POST",
    )
    assert (record["result"], record["http_status"], record["fields"]) == (None, 404, {})
    assert record["diagnosis"] == (
        "get_balance is not served by the international edition: use an account with "
        "`edition: domestic`"
    )
    assert gw.last().client_error


@pytest.mark.parametrize(
    ("path", "diagnosis"),
    [
        ("send_singel", "'send_singel' is not an endpoint; did you mean send_single?"),
        ("get_rtp", "'get_rtp' is not an endpoint; did you mean get_rpt?"),
        ("send_single/", "'send_single/' is not an endpoint; did you mean send_single? (paths"),
        ("Send_Batch", "'Send_Batch' is not an endpoint; did you mean send_batch? (paths"),
        ("multi_send", "multi_send is not served by the international edition: use an account"),
        ("get_mo", "get_mo is not served by the international edition: use an account"),
        ("a/b/c", "'a/b/c' is not a Montnets endpoint; this gateway serves send_single, "),
        ("", "'' is not a Montnets endpoint"),
    ],
)
async def test_the_diagnosis_names_what_the_client_called(
    gw: Harness, path: str, diagnosis: str
) -> None:
    response = await gw.client.get(f"/sms/v2/std/{path}", params={"userid": "J10003"})
    assert response.status == 404
    assert (gw.last().diagnosis or "").startswith(diagnosis), gw.last().diagnosis


async def test_a_hostile_path_is_cut_and_kept_printable(gw: Harness) -> None:
    path = "x%0Ay%ED%A0%80" + "z" * 5000
    response = await gw.client.get(f"/sms/v2/std/{path}")
    assert response.status == 404
    body = await response.json()
    assert len(body["error"]) < 120
    listing = await (await gw.client.get("/_mock/requests")).json()
    (record,) = listing["items"]
    assert len(record["path"]) <= 80 and record["path"].isprintable()
    assert "\n" not in record["diagnosis"] and len(record["diagnosis"]) < 300
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # no lone surrogate survives


def test_strict_mode_fails_a_test_that_calls_an_unknown_endpoint(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
import urllib.error, pytest
from helpers import send

def test_balance(mockgateway):
    with pytest.raises(urllib.error.HTTPError):
        send(mockgateway.url, "85292041234", path="get_balance")
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*POST /sms/v2/std/get_balance (unread): HTTP 404: get_balance is not served by the *"]
    )


def test_serve_log_prints_an_unknown_endpoint() -> None:
    with serve("--port", "0") as (process, url):
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(f"{url}/sms/v2/std/get_balance", timeout=READY_TIMEOUT)
        assert raised.value.code == 404
        process.terminate()
        _, err = process.communicate(timeout=READY_TIMEOUT)
    assert "GET get_balance (unread) - -> HTTP 404\n    get_balance is not served by the" in err
