"""SM4 content encryption (V5.7.2 §5.4): content arrives as the hex of SM4-ECB, is decrypted
before the content rules, and every way it can fail to decrypt is 100267 saying which."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockgateway.client import Encryption, MontnetsClient, credentials, encrypt_content
from mockgateway.protocol import crypto
from mockgateway.protocol.errors import Dialect
from mockgateway.scenario import ScenarioError, load_text
from tests.conftest import Harness, Start
from tests.test_scenario_loader import problems

FIXED = "0123456789abcdeffedcba9876543210"
TEXT = "验证码：6666，打死都不要告诉别人哦！"
NUMBER = "0085292041234"


@pytest.fixture
async def encrypting(start: Start) -> Harness:
    return await start(scenario(FIXED, "pkcs7"))


def scenario(key: str, padding: str, modes_: str = "[md5, plaintext]") -> str:
    return (
        "edition: domestic\n"
        "accounts:\n"
        "  - userid: J10003\n"
        '    password: "111111"\n'
        f"    auth: {{modes: {modes_}}}\n"
        f"    encryption: {{key: {key}, padding: {padding}}}\n"
    )


def sm4_hex(plain: bytes, key: bytes = bytes.fromhex(FIXED)) -> str:
    """Raw SM4-ECB of bytes already padded (or not) by the test: what a sloppy client sends."""
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return (encryptor.update(plain) + encryptor.finalize()).hex()


async def send(
    gw: Harness, content: str, fmt: Any = "json", signed: dict[str, str] | None = None
) -> dict[str, Any]:
    signed = signed or credentials("J10003", "111111")
    return await gw.call("send_single", fmt, sign=False, **signed, mobile=NUMBER, content=content)


def test_sm4_is_the_standard_one() -> None:
    key = bytes.fromhex(FIXED)  # GB/T 32907-2016, example 1: the key is also the plaintext
    assert sm4_hex(key, key) == "681edf34d206965e86b3e94f536e4246"
    assert crypto.encrypt("0123456789abcdef", key, "zero") == sm4_hex(b"0123456789abcdef")
    for padding in ("zero", "pkcs7"):
        hexed = crypto.encrypt(TEXT, key, padding)
        assert crypto.decrypt(hexed, key, padding, max_bytes=4096) == TEXT


@pytest.mark.parametrize("padding", ["zero", "pkcs7"])
@pytest.mark.parametrize("key", [FIXED, "derive"])
@pytest.mark.parametrize("fmt", ["json", "xml", "form", "get"])
async def test_encrypted_content_is_decrypted_before_the_content_rules(
    start: Start, key: str, padding: str, fmt: str
) -> None:
    gw = await start(scenario(key, padding))
    signed = credentials("J10003", "111111")
    encryption = Encryption(key=key, padding=padding)  # type: ignore[arg-type]
    hexed = encrypt_content(TEXT, encryption, password="111111", timestamp=signed["timestamp"])
    answer = await send(gw, hexed, fmt, signed=signed)
    assert answer["result"] == 0, gw.last().diagnosis
    (message,) = gw.gateway.messages
    assert (message.content, message.segments, message.encoding) == (TEXT, 1, "ucs2")
    assert gw.last().warnings == []
    assert gw.last().fields["content"] == hexed, "the journal keeps what was sent"


async def test_the_reference_client_encrypts_and_signs_by_sm3(start: Start) -> None:
    gw = await start(scenario("derive", "pkcs7", "[sm3]"))
    encryption = Encryption(key="derive", padding="pkcs7")
    async with MontnetsClient(gw.base_url, auth="sm3", encryption=encryption) as client:
        assert (await client.send_single(NUMBER, TEXT))["result"] == 0
        assert (await client.send_batch([NUMBER, "0085292041235"], "hi"))["result"] == 0
        assert (await client.get_balance())["balance"] == 99999999
    assert [m.content for m in gw.gateway.messages] == [TEXT, "hi", "hi"]


def test_a_derived_key_needs_a_timestamp_in_the_client_too() -> None:
    with pytest.raises(ValueError, match="needs the request's timestamp"):
        encrypt_content("hi", Encryption("derive", "zero"), password="p", timestamp=None)


async def test_hex_in_upper_case_and_pkcs7_whole_blocks_with_or_without_their_block(
    start: Start,
) -> None:
    gw = await start(scenario(FIXED, "pkcs7"))
    upper = encrypt_content("hello", Encryption(FIXED, "pkcs7"), password="", timestamp="").upper()
    sixteen = b"0123456789abcdef"
    assert (await send(gw, upper))["result"] == 0
    assert (await send(gw, sm4_hex(sixteen + bytes([16]) * 16)))["result"] == 0, "every library"
    assert (await send(gw, sm4_hex(sixteen)))["result"] == 0, "the manual's words"
    assert [m.content for m in gw.gateway.messages] == ["hello", sixteen.decode(), sixteen.decode()]


@pytest.mark.parametrize(
    ("padding", "content", "diagnosis"),
    [
        (
            "pkcs7",
            "%e4%bd%a0%e5%a5%bd",
            "content is not hex: character 1 is '%': it looks like URL-encoded text; this "
            "account's content must be SM4-encrypted",
        ),
        ("pkcs7", "0a-b", "content is not hex: character 3 is '-'"),
        ("pkcs7", "abc", "content has an odd number of hex digits (3): half a byte is missing"),
        (
            "pkcs7",
            "00" * 15,
            "15 bytes of ciphertext: SM4 works in 16-byte blocks, so it is a multiple of 16",
        ),
        (
            "pkcs7",
            sm4_hex(b"hello" + bytes(11)),
            "the text ends in a zero byte: zero padding, where this account expects PKCS7",
        ),
        (
            "pkcs7",
            sm4_hex(b"hello world" + b"\x03\x03\x03\x03\x05"),
            "broken PKCS7 padding: the last byte says 5 bytes of value 5, and they are not",
        ),
        (
            "zero",
            sm4_hex(b"hello" + bytes([11]) * 11),
            "the text ends in 11 bytes of value 11: PKCS7 padding, where this account expects "
            "zero padding",
        ),
        (
            "zero",
            sm4_hex("你好".encode("gbk") + bytes(12)),
            "the decrypted bytes are not UTF-8 (byte 0 is 0xc4): a wrong key, or text that was "
            "not UTF-8 before encryption",
        ),
        (
            "pkcs7",
            sm4_hex(b"hello" + bytes([11]) * 11, key=bytes(16)),
            "the decrypted bytes are not UTF-8",
        ),
    ],
    ids=["urlencoded", "not-hex", "odd", "not-blocks", "zero-pad", "broken", "pkcs7", "gbk", "key"],
)
async def test_each_way_content_fails_to_decrypt_is_100267_saying_which(
    start: Start, padding: str, content: str, diagnosis: str
) -> None:
    gw = await start(scenario(FIXED, padding))
    answer = await send(gw, content)
    assert answer == {"result": -100267, "desc": answer["desc"], "msgid": 0, "custid": ""}
    assert answer["desc"] == Dialect("domestic").desc(-100267)  # 下行内容解密失败
    assert (gw.last().diagnosis or "").startswith(diagnosis), gw.last().diagnosis
    assert len(gw.gateway.messages) == 0


async def test_a_derived_key_without_a_timestamp_is_100267(start: Start) -> None:
    gw = await start(scenario("derive", "zero"))
    hexed = sm4_hex(b"hello" + bytes(11))
    answer = await send(gw, hexed, signed={"userid": "J10003", "pwd": "111111"})
    assert answer["result"] == -100267
    assert "no timestamp was sent" in (gw.last().diagnosis or "")


async def test_the_hex_text_of_the_digest_as_the_key_is_named(start: Start) -> None:
    gw = await start(scenario("derive", "pkcs7"))
    signed = credentials("J10003", "111111")
    key = crypto.hex_prefix_key("111111", signed["timestamp"])
    answer = await send(gw, sm4_hex(b"hello" + bytes([11]) * 11, key=key), signed=signed)
    assert answer["result"] == -100267
    assert gw.last().diagnosis == (
        "content was encrypted with the first 16 characters of the SM3 digest's hex text as the "
        "key; the derived key is the first 16 bytes of the digest itself"
    )


async def test_a_huge_encrypted_content_costs_one_comparison(start: Start) -> None:
    gw = await start(scenario(FIXED, "pkcs7"))
    answer = await send(gw, "0" * (4 * 1024 * 1024 - 4096))
    assert answer["result"] == -100011
    assert (gw.last().diagnosis or "").startswith(
        "encrypted content is 4190208 hex digits: more than 4016 bytes of ciphertext"
    )


@pytest.mark.parametrize(
    ("plain", "code", "diagnosis"),
    [
        (b"a" * 1001 + bytes([7]) * 7, -100011, "content is 1001 characters after decoding"),
        (bytes([16]) * 16, -100106, "content is empty"),
    ],
)
async def test_the_decrypted_text_meets_the_content_rules(
    start: Start, plain: bytes, code: int, diagnosis: str
) -> None:
    gw = await start(scenario(FIXED, "pkcs7"))
    assert (await send(gw, sm4_hex(plain)))["result"] == code
    assert (gw.last().diagnosis or "").startswith(diagnosis)
    assert (await send(gw, ""))["result"] == -100106, "empty content is empty, not undecryptable"


async def test_url_encoded_text_inside_the_encryption_is_kept_with_a_warning(
    start: Start,
) -> None:
    gw = await start(scenario(FIXED, "zero"))
    hexed = encrypt_content("Pay%20now", Encryption(FIXED, "zero"), password="", timestamp="")
    assert (await send(gw, hexed))["result"] == 0
    assert [m.content for m in gw.gateway.messages] == ["Pay%20now"]
    assert "URL-encoded before encryption?" in gw.last().warnings[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("encryption: {key: derive}\n", "s.yaml:1: encryption: encryption needs a padding"),
        (
            "encryption: {key: 123, padding: zero}\n",
            "s.yaml:1: encryption.key: int 123 is not a key: 32 hex digits",
        ),
        (
            f"encryption: {{key: {FIXED[:-1]}g, padding: zero}}\n",
            f"s.yaml:1: encryption.key: '{FIXED[:-1]}g' is not a key",
        ),
        (
            f"encryption: {{key: {FIXED}, padding: pkcs5}}\n",
            "s.yaml:1: encryption.padding: must be one of zero, pkcs7; got 'pkcs5'",
        ),
        ("encryption: {padding: zero}\n", "s.yaml:1: encryption.key: nothing is not a key"),
        ("encryption: derive\n", "s.yaml:1: encryption: must be a mapping"),
    ],
)
def test_invalid_encryption_settings(text: str, expected: str) -> None:
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_encryption_is_inherited_and_can_be_switched_off_per_account() -> None:
    loaded = load_text(
        f"encryption: {{key: {FIXED.upper()}, padding: zero}}\n"
        "accounts:\n  - {userid: A, password: p}\n  - {userid: B, password: p, encryption: null}\n"
        "  - {userid: C, password: p, encryption: {padding: pkcs7}}\n"
    )
    a, b, c = (account.encryption for account in loaded.accounts)
    assert a == Encryption(FIXED, "zero") and b is None and c == Encryption(FIXED, "pkcs7")


def test_a_build_without_sm3_or_sm4_is_named_when_the_scenario_needs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(crypto, "available", lambda: "SM3/SM4 are not available (test)")
    with pytest.raises(ScenarioError, match=r"SM3/SM4 are not available \(test\): sm3 and encryp"):
        load_text(scenario(FIXED, "zero"))
    assert load_text("auth: {modes: [md5]}\n").accounts[0].auth.modes == ("md5",)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.text(max_size=80),
        st.text("0123456789abcdefABCDEF", max_size=200),
        st.binary(max_size=64).map(lambda b: sm4_hex(b + bytes(-len(b) % 16))),
    ),
    fmt=st.sampled_from(["json", "xml", "form", "get"]),
)
async def test_any_content_to_an_encrypting_account_gets_a_protocol_answer(
    encrypting: Harness, content: str, fmt: str
) -> None:
    answer = await send(encrypting, content, fmt)
    assert answer["result"] in (0, -100267, -100106, -100011, -100092, -100093, -100091)
    assert encrypting.last().result == answer["result"]
