"""Key loading: every accepted form, and a clear typed error for every bad one."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x25519

from requests_kalshi import KalshiError, KeyLoadError
from requests_kalshi.errors import EncryptedKeyError, KeyFileError, UnsupportedKeyError
from requests_kalshi.keys import describe_key, key_fingerprint, load_private_key

from .conftest import pem


def same_key(a: object, b: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> bool:
    assert isinstance(a, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey))
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return a.public_key().public_bytes(*raw) == b.public_key().public_bytes(*raw)


@pytest.mark.parametrize("fmt", ["pkcs1", "pkcs8"])
def test_rsa_pem_forms(rsa_key: rsa.RSAPrivateKey, fmt: str, tmp_path: Path) -> None:
    text = pem(rsa_key, fmt)
    path = tmp_path / "key.txt"
    path.write_bytes(text)
    for source in (text, text.decode(), path, str(path)):
        assert same_key(load_private_key(source), rsa_key)


def test_ed25519_pem(ed_key: ed25519.Ed25519PrivateKey) -> None:
    assert same_key(load_private_key(pem(ed_key)), ed_key)


def test_key_object_passes_through(any_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> None:
    assert load_private_key(any_key) is any_key


def test_home_directory_is_expanded(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "kalshi").mkdir()
    (tmp_path / "kalshi" / "demo-key.txt").write_bytes(pem(rsa_key, "pkcs1"))
    assert same_key(load_private_key("~/kalshi/demo-key.txt"), rsa_key)


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t.replace("\n", "\\n"), id="literal-backslash-n"),
        pytest.param(lambda t: t.replace("\n", "\\r\\n"), id="literal-crlf"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: '"' + t.replace("\n", "\\n") + '"', id="quoted"),
        pytest.param(lambda t: "  \n" + t + "\n\n ", id="surrounding-space"),
    ],
)
def test_pem_text_as_delivered_by_env_files(rsa_key: rsa.RSAPrivateKey, mangle: object) -> None:
    text = pem(rsa_key, "pkcs1").decode()
    assert callable(mangle)
    assert same_key(load_private_key(mangle(text)), rsa_key)


def test_bare_base64_der_body(rsa_key: rsa.RSAPrivateKey) -> None:
    der = rsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    assert same_key(load_private_key(base64.b64encode(der).decode()), rsa_key)
    assert same_key(load_private_key(der), rsa_key)


def test_der_ending_in_a_whitespace_byte_is_not_stripped() -> None:
    der = b""
    while der[-1:] not in (b" ", b"\n", b"\t", b"\r", b"\x0b", b"\x0c"):
        key = ed25519.Ed25519PrivateKey.generate()
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    assert same_key(load_private_key(der), key)


@pytest.mark.parametrize("password", ["s3cret", b"s3cret"])
def test_encrypted_pem_with_password(rsa_key: rsa.RSAPrivateKey, password: str | bytes) -> None:
    text = pem(rsa_key, "pkcs8", password=b"s3cret")
    assert same_key(load_private_key(text, password=password), rsa_key)


def test_encrypted_der_with_and_without_password(rsa_key: rsa.RSAPrivateKey) -> None:
    der = rsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert same_key(load_private_key(der, password="pw"), rsa_key)
    with pytest.raises(EncryptedKeyError, match="encrypted: pass password"):
        load_private_key(der)
    with pytest.raises(EncryptedKeyError, match="password is wrong"):
        load_private_key(der, password="nope")


# ---- bad input: every one a typed KalshiError with a helpful message ----


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match=r"file not found: .*nope\.txt"):
        load_private_key(tmp_path / "nope.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="is a directory"):
        load_private_key(str(tmp_path))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n")
    with pytest.raises(KeyFileError, match="is empty"):
        load_private_key(path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("x")

    def deny(fd: int, size: int) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "read", deny)
    with pytest.raises(KeyFileError, match=r"cannot read key file .*Permission denied"):
        load_private_key(path)


@pytest.mark.parametrize(
    "text",
    [
        "hello world",
        "-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all\n-----END RSA PRIVATE KEY-----\n",
        b"\x01\x02\x03 binary junk",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=" * 5,
    ],
)
def test_garbage(text: str | bytes, tmp_path: Path) -> None:
    with pytest.raises(KeyLoadError):
        load_private_key(text)
    path = tmp_path / "garbage.txt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(KeyLoadError, match=r"is not a PEM private key|could not be read"):
        load_private_key(path)


def test_public_key_pem_and_object(rsa_key: rsa.RSAPrivateKey) -> None:
    public = rsa_key.public_key()
    text = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(UnsupportedKeyError, match="is a public key; Kalshi needs the private key"):
        load_private_key(text)
    with pytest.raises(UnsupportedKeyError, match="public key"):
        load_private_key(public)  # type: ignore[arg-type]
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    with pytest.raises(UnsupportedKeyError, match="public key"):
        load_private_key(pkcs1)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(UnsupportedKeyError, match="public key"):
        load_private_key(der)


def test_openssh_public_key_line(ed_key: ed25519.Ed25519PrivateKey) -> None:
    line = ed_key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    with pytest.raises(UnsupportedKeyError, match="public key"):
        load_private_key(line)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: ec.generate_private_key(ec.SECP256R1()), "an EC key"),
        (lambda: dsa.generate_private_key(2048), "a DSA key"),
        (lambda: ed448.Ed448PrivateKey.generate(), "an Ed448 key"),
        (lambda: x25519.X25519PrivateKey.generate(), "an X25519 key"),
    ],
)
def test_wrong_algorithm(make: object, name: str) -> None:
    assert callable(make)
    key = make()
    expected = f"{name}; Kalshi keys are RSA or Ed25519"
    with pytest.raises(UnsupportedKeyError, match=expected):
        load_private_key(key)
    text = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(UnsupportedKeyError, match=expected):
        load_private_key(text)


def test_openssh_private_key(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(UnsupportedKeyError, match="OpenSSH-format key"):
        load_private_key(pem(ed_key, "openssh"))


def test_certificate_is_refused() -> None:
    text = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    with pytest.raises(UnsupportedKeyError, match="certificate"):
        load_private_key(text)


def test_encrypted_without_password(rsa_key: rsa.RSAPrivateKey) -> None:
    for fmt in ("pkcs1", "pkcs8"):
        with pytest.raises(EncryptedKeyError, match=r"is encrypted: pass password=…"):
            load_private_key(pem(rsa_key, fmt, password=b"pw"))


def test_wrong_password(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(EncryptedKeyError, match="password is wrong"):
        load_private_key(pem(rsa_key, "pkcs8", password=b"pw"), password="nope")


def test_password_for_plain_key(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(EncryptedKeyError, match="not encrypted; drop the password"):
        load_private_key(pem(rsa_key, "pkcs1"), password="pw")


def test_bad_password_type(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(KeyLoadError, match="password must be str or bytes"):
        load_private_key(pem(rsa_key), password=1234)  # type: ignore[arg-type]


@pytest.mark.parametrize("source", [None, 42, 3.5, ["key"]])
def test_bad_source_type(source: object) -> None:
    with pytest.raises(KeyLoadError, match="private_key must be a file path, PEM text"):
        load_private_key(source)  # type: ignore[arg-type]


def test_tiny_rsa_key_is_refused() -> None:
    # A throwaway 512-bit key (cryptography no longer generates keys this small).
    public = rsa.RSAPublicNumbers(
        65537,
        9581070659661747996128534524531158356278752488188057129440407053135415806624226477759568296313661012837041699209392357814370298335503093696639528805774629,
    )
    small = rsa.RSAPrivateNumbers(
        p=101772220476522862805647191896886605694145529686788935944127146281805027519511,
        q=94142297522848483303594902718431374048956378265846812117483539156161317896739,
        d=8725839822744873165462621727660577213043164926110144893493897733806758979659864080263050252903524154909489348252957491757119658007791320879649475236452853,
        dmp1=32480396775667976844269903500545954875852539770341599160891761777777956812153,
        dmq1=56631611723770978313943656938392640653463787734451450644974152733455968334849,
        iqmp=69262806313043442702146472313308677991506023544583384823758535091106707952519,
        public_numbers=public,
    ).private_key()
    with pytest.raises(UnsupportedKeyError, match="512 bits"):
        load_private_key(small)
    text = small.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(UnsupportedKeyError, match="512 bits"):
        load_private_key(text)


def test_errors_never_contain_key_material(rsa_key: rsa.RSAPrivateKey) -> None:
    text = pem(rsa_key, "pkcs1").decode()
    body = "".join(text.splitlines()[1:-1])
    broken = [
        text[: len(text) // 2],  # truncated
        text.replace("\n", "\\n")[:-40],
        body[:-7],  # PEM body without its lines, cut short
    ]
    for source in broken:
        with pytest.raises(KalshiError) as info:
            load_private_key(source, password=None)
        message = str(info.value)
        for chunk in (body[i : i + 16] for i in range(0, len(body), 16)):
            assert chunk not in message


def test_describe_and_fingerprint(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    assert describe_key(rsa_key) == "RSA-2048"
    assert describe_key(ed_key) == "Ed25519"
    fp = key_fingerprint(rsa_key)
    assert fp.startswith("SHA256:")
    assert fp == key_fingerprint(rsa_key.public_key())
    assert fp != key_fingerprint(ed_key)
