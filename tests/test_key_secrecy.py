"""No key text in any error, exception chain, log line or CLI message, whatever the input.

Every documented form loads, however it was pasted (quotes, whitespace, ``\\n`` escapes); an
input that is neither a key nor an existing file gets an error that describes it without
echoing it.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from requests_kalshi import KalshiAuth, KalshiError, KeyLoadError
from requests_kalshi.cli import main
from requests_kalshi.errors import KeyFileError
from requests_kalshi.keys import load_private_key

from .conftest import KEY_ID

_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_ED = ed25519.Ed25519PrivateKey.generate()
_NO = serialization.NoEncryption()


def _der(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, pkcs1: bool = False) -> bytes:
    fmt = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if pkcs1
        else serialization.PrivateFormat.PKCS8
    )
    return key.private_bytes(serialization.Encoding.DER, fmt, _NO)


DERS = [_der(_RSA), _der(_RSA, pkcs1=True), _der(_ED)]
SECRET_B64 = [base64.b64encode(d).decode() for d in DERS]


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


def _texts(error: BaseException) -> list[str]:
    texts = []
    for link in _chain(error):
        texts += [str(link), repr(link), repr(link.args)]
        texts += [str(getattr(link, name, "")) for name in ("filename", "filename2")]
    return texts


def leaked(secret: str, *texts: str) -> str | None:
    """The first 8-character piece of ``secret`` found in any of ``texts``."""
    core = "".join(secret.split())
    haystack = "\n".join(texts)
    for start in range(len(core) - 7):
        piece = core[start : start + 8]
        if piece in haystack:
            return piece
    return None


def _wrap(body: str, style: str) -> str:
    if style == "plain":
        return body
    if style == "lines":
        return "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    if style == "escaped":
        return "\\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return " ".join(body[i : i + 76] for i in range(0, len(body), 76))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


quotes = st.sampled_from(["", '"', "'"])
spaces = st.sampled_from(["", " ", "\t", "\n", "  \r\n", " \n "])
styles = st.sampled_from(["plain", "lines", "escaped", "spaced"])


@st.composite
def pasted_base64_keys(draw: st.DrawFn) -> tuple[str, str]:
    """(base64 DER of a real key, as a user might paste it; the secret)."""
    body = draw(st.sampled_from(SECRET_B64))
    quote = draw(quotes)
    text = draw(spaces) + quote + _wrap(body, draw(styles)) + quote + draw(spaces)
    return text, body


@st.composite
def broken_key_like(draw: st.DrawFn) -> tuple[str, str]:
    """(text that looks like key material but is not a usable key; the secret in it)."""
    kind = draw(st.sampled_from(["seed-b64", "seed-hex", "truncated", "altered", "pem-cut"]))
    if kind.startswith("seed"):
        seed = draw(st.binary(min_size=32, max_size=32))
        body = base64.b64encode(seed).decode() if kind == "seed-b64" else seed.hex()
    else:
        der = draw(st.sampled_from(DERS))
        cut = draw(st.integers(min_value=12, max_value=len(der) - 1))
        if kind == "altered":  # in the structure: an altered Ed25519 seed is another good key
            cut = draw(st.integers(min_value=2, max_value=15))
            der = der[:cut] + bytes([der[cut] ^ 0xFF]) + der[cut + 1 :]
        else:
            der = der[:cut]
        body = base64.b64encode(der).decode()
    style = draw(styles)
    text = _wrap(body, style)
    if kind == "pem-cut":
        text = f"-----BEGIN PRIVATE KEY-----\n{text}"
    quote = draw(quotes)
    return draw(spaces) + quote + text + quote + draw(spaces), body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pasted_base64_keys())
def test_every_pasted_base64_key_loads(case: tuple[str, str]) -> None:
    text, _ = case
    key = load_private_key(text)
    assert isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([_RSA, _ED]), quotes, spaces, styles)
def test_every_pasted_pem_loads(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, quote: str, space: str, style: str
) -> None:
    text = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _NO
    ).decode()
    if style == "escaped":
        text = text.replace("\n", "\\n")
    assert isinstance(load_private_key(space + quote + text + quote + space), type(key))


@settings(max_examples=200, deadline=None)
@given(broken_key_like())
def test_errors_never_contain_key_text(case: tuple[str, str]) -> None:
    text, secret = case
    handler = _Collect()
    records = handler.records
    logger = logging.getLogger("requests_kalshi")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with pytest.raises(KalshiError) as caught:
            load_private_key(text)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    logged = [record.getMessage() for record in records]
    assert leaked(secret, *_texts(caught.value), *logged) is None


@pytest.mark.parametrize("length", [200, 300, 5000, 70000])
@pytest.mark.parametrize("extra", ["", "!", ".txt"])
def test_a_too_long_name_is_described_not_echoed(length: int, extra: str) -> None:
    secret = base64.b64encode(os.urandom(length)).decode()[:length].replace("/", "A")
    with pytest.raises(KeyLoadError) as caught:
        load_private_key(secret + extra)  # neither a key nor a file
    assert leaked(secret, *_texts(caught.value)) is None
    assert "characters" in str(caught.value)


def test_a_name_with_a_nul_byte_is_a_typed_error() -> None:
    with pytest.raises(KeyLoadError) as caught:
        load_private_key(SECRET_B64[2][:40] + "\x00")
    assert leaked(SECRET_B64[2][:40], *_texts(caught.value)) is None


def test_undecidable_input_is_described(tmp_path: Path) -> None:
    body = base64.b64encode(b"\x01" * 32).decode()
    with pytest.raises(KeyLoadError, match=r"44-character text of base64") as caught:
        load_private_key(body)
    assert leaked(body, *_texts(caught.value)) is None
    assert not isinstance(caught.value, KeyFileError)


def test_a_real_path_is_still_named(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match=r"file not found: .*missing-key\.txt"):
        load_private_key(str(tmp_path / "missing-key.txt"))


def test_a_path_that_could_be_key_text_is_not_echoed() -> None:
    with pytest.raises(KeyLoadError, match="not shown") as caught:
        load_private_key("/nowhere/kalshikeyfile")
    assert "kalshikeyfile" not in str(caught.value)


def test_key_variable_is_never_read_as_a_path(tmp_path: Path) -> None:
    (tmp_path / "key.txt").write_bytes(
        _ED.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _NO)
    )
    env = {"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY": str(tmp_path / "key.txt")}
    with pytest.raises(KeyLoadError, match="KALSHI_PRIVATE_KEY_PATH"):
        KalshiAuth.from_env(env)


@settings(max_examples=25, deadline=None)
@given(broken_key_like())
def test_cli_check_never_prints_key_text(case: tuple[str, str]) -> None:
    text, secret = case
    import contextlib
    import io

    saved = dict(os.environ)
    os.environ.update({"KALSHI_API_KEY_ID": KEY_ID, "KALSHI_PRIVATE_KEY": text})
    os.environ.pop("KALSHI_PRIVATE_KEY_PATH", None)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["check", "--env", "demo"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert status == 2
    assert leaked(secret, out.getvalue(), err.getvalue()) is None
