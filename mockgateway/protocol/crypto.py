"""The Chinese national algorithms the domestic manual uses, from ``cryptography`` (its bundled
OpenSSL): SM3 for hashing pwd (§4) and deriving keys, SM4-ECB for content (§5.4).

Decryption is a check like any other: every way content can fail to decrypt (not hex, a length
that is not whole blocks, broken padding, bytes that are not UTF-8) is a
:class:`~mockgateway.protocol.errors.GatewayError` with 100267 and a diagnosis saying which.
``cryptography`` is imported on first use: most runs never need it, and start-up matters.
"""

from __future__ import annotations

import binascii
from functools import cache

from mockgateway.protocol.errors import Code, GatewayError
from mockgateway.scenario.model import Padding

BLOCK = 16
KEY_BYTES = 16


def sm3(data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(text: str) -> str:
    """SM3 of ``text``'s UTF-8 bytes, in lowercase hex (as pwd is written)."""
    return sm3(text.encode("utf-8")).hex()


def derive_key(password: str, timestamp: str) -> bytes:
    """§5.4's second key: the first 16 bytes of SM3(plain password + timestamp).

    The digest's own bytes, not its hex text: the manual says "the first 16 bytes of the hash
    value", and the fixed key is 16 bytes too (docs/decisions.md).
    """
    return sm3((password + timestamp).encode("utf-8"))[:KEY_BYTES]


def hex_prefix_key(password: str, timestamp: str) -> bytes:
    """The other reading of §5.4: the first 16 characters of the digest's hex text. Only used
    to name that mistake."""
    return sm3_hex(password + timestamp)[:KEY_BYTES].encode("ascii")


def pad(data: bytes, padding: Padding) -> bytes:
    """Zero padding adds nothing to whole blocks; PKCS7 adds a whole block of 16s to them, as
    every PKCS7 implementation does (the gateway takes either, :func:`unpad`)."""
    short = -len(data) % BLOCK
    if padding == "zero":
        return data + bytes(short)
    n = short or BLOCK
    return data + bytes([n]) * n


def encrypt(text: str, key: bytes, padding: Padding) -> str:
    """The hex (lowercase) of SM4-ECB over ``text``'s UTF-8 bytes: content as §5.4 sends it."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return (encryptor.update(pad(text.encode("utf-8"), padding)) + encryptor.finalize()).hex()


def decrypt(content: str, key: bytes, padding: Padding, *, max_bytes: int) -> str:
    """The UTF-8 text in ``content``, the hex of SM4-ECB ciphertext, or 100267 naming the fault.

    ``max_bytes`` bounds the ciphertext before any work: what decrypts to more than the content
    rules allow is refused by its length alone, so a body of megabytes costs one comparison.
    """
    if len(content) > 2 * max_bytes:
        raise GatewayError(
            Code.CONTENT_TOO_LONG,
            f"encrypted content is {len(content)} hex digits: more than {max_bytes} bytes of "
            "ciphertext, which holds more than the content rules allow",
        )
    cipher = unhex(content)
    plain = unpad(_sm4_decrypt(cipher, key), padding)
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GatewayError(
            Code.DECRYPT_FAILED,
            f"the decrypted bytes are not UTF-8 (byte {exc.start} is 0x{plain[exc.start]:02x}): "
            "a wrong key, or text that was not UTF-8 before encryption",
        ) from None


def unhex(content: str) -> bytes:
    """The ciphertext, or 100267: not hex, half a byte, or not whole 16-byte blocks."""
    bad = next((i for i, ch in enumerate(content) if ch not in _HEX), None)
    if bad is not None:
        hint = (
            ": it looks like URL-encoded text; this account's content must be SM4-encrypted"
            if "%" in content
            else ""
        )
        raise GatewayError(
            Code.DECRYPT_FAILED,
            f"content is not hex: character {bad + 1} is {content[bad]!r}{hint} (the account "
            "has `encryption`: content is the hex of the SM4 ciphertext)",
        )
    if len(content) % 2:
        raise GatewayError(
            Code.DECRYPT_FAILED,
            f"content has an odd number of hex digits ({len(content)}): half a byte is missing",
        )
    cipher = binascii.unhexlify(content)
    if len(cipher) % BLOCK:
        raise GatewayError(
            Code.DECRYPT_FAILED,
            f"{len(cipher)} bytes of ciphertext: SM4 works in 16-byte blocks, so it is a multiple "
            "of 16 (was the text padded before encryption?)",
        )
    return cipher


_HEX = frozenset("0123456789abcdefABCDEF")


def unpad(plain: bytes, padding: Padding) -> bytes:
    """``plain`` without its padding, or 100267 saying what the padding looks like instead.

    PKCS7 text of whole blocks is taken with its extra block of 16s (every library adds one)
    or without it (the manual pads "when the length is not a multiple of 16"): a last byte above
    16 cannot be padding, so the text had none.
    """
    if not plain:
        return plain
    last = plain[-1]
    if padding == "zero":
        pkcs7 = 1 <= last <= BLOCK and plain.endswith(bytes([last]) * last)
        if pkcs7:
            raise GatewayError(
                Code.DECRYPT_FAILED,
                f"the text ends in {last} bytes of value {last}: PKCS7 padding, where this "
                "account expects zero padding",
            )
        return plain.rstrip(b"\0")
    if last > BLOCK:
        return plain
    if last == 0:
        raise GatewayError(
            Code.DECRYPT_FAILED,
            "the text ends in a zero byte: zero padding, where this account expects PKCS7",
        )
    if not plain.endswith(bytes([last]) * last):
        raise GatewayError(
            Code.DECRYPT_FAILED,
            f"broken PKCS7 padding: the last byte says {last} bytes of value {last}, and they "
            "are not (a wrong key?)",
        )
    return plain[:-last]


def _sm4_decrypt(cipher: bytes, key: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.SM4(key), modes.ECB()).decryptor()
    return decryptor.update(cipher) + decryptor.finalize()


@cache
def available() -> str | None:
    """None when SM3 and SM4 work here, else what is missing (an OpenSSL built without them)."""
    try:
        sm3(b"")
        _sm4_decrypt(bytes(BLOCK), bytes(KEY_BYTES))
    except Exception as exc:  # UnsupportedAlgorithm, or an import error of a broken install
        return f"SM3/SM4 are not available in this cryptography build ({exc})"
    return None
