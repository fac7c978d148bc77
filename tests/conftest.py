"""Keys and key files shared by the tests (generated once per run, never real keys)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

KEY_ID = "a952bafb-1234-4d2b-9c3e-5f6a7b8c9d0e"


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(params=["rsa", "ed25519"])
def any_key(
    request: pytest.FixtureRequest,
    rsa_key: rsa.RSAPrivateKey,
    ed_key: ed25519.Ed25519PrivateKey,
) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    return rsa_key if request.param == "rsa" else ed_key


def pem(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    fmt: str = "pkcs8",
    password: bytes | None = None,
) -> bytes:
    formats = {
        "pkcs1": serialization.PrivateFormat.TraditionalOpenSSL,
        "pkcs8": serialization.PrivateFormat.PKCS8,
        "openssh": serialization.PrivateFormat.OpenSSH,
    }
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, formats[fmt], encryption)


@pytest.fixture
def rsa_key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "kalshi-key.txt"
    path.write_bytes(pem(rsa_key, "pkcs1"))
    path.chmod(0o600)  # as Kalshi's instructions have it: no warning about a readable key file
    return path
