"""Loading Kalshi private keys from files, PEM text, base64 DER or key objects."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeAlias

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .errors import EncryptedKeyError, KeyFileError, KeyLoadError, UnsupportedKeyError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = [
    "KeySource",
    "PrivateKey",
    "describe_key",
    "key_fingerprint",
    "load_private_key",
]

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
"""The two key types Kalshi issues."""

KeySource: TypeAlias = "str | bytes | os.PathLike[str] | PrivateKey"
"""What ``private_key=`` accepts: a path, PEM text, base64 DER, or a loaded key object."""

_MAX_PATH_LENGTH = 1024
_HOW_TO_GET_A_KEY = "Create one under Account & security → API keys on Kalshi and pass that file."
_BASE64_BODY = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


def load_private_key(source: KeySource, password: str | bytes | None = None) -> PrivateKey:
    r"""Load an RSA or Ed25519 private key for signing Kalshi requests.

    :param source: a path (``str`` or :class:`os.PathLike`, ``~`` expanded) to a PEM file;
        PEM text as ``str`` or ``bytes`` (newlines may arrive as literal ``\\n`` escapes, as
        they do from ``.env`` files and CI secrets); base64 of a DER key without the PEM lines;
        or an already loaded ``cryptography`` RSA or Ed25519 private key.
    :param password: the password of an encrypted key.
    :raises KeyFileError: the file is missing, a directory, empty or unreadable.
    :raises EncryptedKeyError: the key is encrypted and ``password`` is missing or wrong, or a
        password was given for a key that is not encrypted.
    :raises UnsupportedKeyError: a public key, an EC, DSA or OpenSSH key, a certificate.
    :raises KeyLoadError: anything else that is not a private key.
    """
    if isinstance(source, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        return _checked(source)
    candidate: object = source  # any object may arrive here at run time
    if not isinstance(candidate, (str, bytes, os.PathLike)):
        public_key_types, other_private_key_types = _foreign_key_types()
        if isinstance(candidate, public_key_types):
            raise UnsupportedKeyError(_public_key_message())
        if isinstance(candidate, other_private_key_types):
            raise UnsupportedKeyError(_wrong_algorithm_message(candidate))
    if password is not None and not isinstance(password, (str, bytes)):
        raise KeyLoadError(f"password must be str or bytes, not {type(password).__name__}.")
    secret = password.encode("utf-8") if isinstance(password, str) else password
    if isinstance(source, os.PathLike):
        return _parse(_read_file(Path(source)), secret, origin=f"key file {os.fspath(source)!s}")
    if isinstance(source, bytes):
        return _parse(source, secret, origin="the key bytes")
    if isinstance(source, str):
        if _looks_like_path(source):
            return _parse(_read_file(Path(source)), secret, origin=f"key file {source}")
        return _parse(source.encode("utf-8"), secret, origin="the key text")
    raise KeyLoadError(
        "private_key must be a file path, PEM text (str or bytes) or a cryptography private "
        f"key object, not {type(source).__name__}."
    )


def describe_key(key: PrivateKey) -> str:
    """Name a key's type for people: ``"RSA-2048"`` or ``"Ed25519"``."""
    if isinstance(key, rsa.RSAPrivateKey):
        return f"RSA-{key.key_size}"
    return "Ed25519"


def key_fingerprint(key: PrivateKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey) -> str:
    """SHA-256 fingerprint of the public half, as ``SHA256:`` and unpadded base64 (as ssh shows).

    Safe to print and log: it identifies the key pair without revealing it.
    """
    public = key.public_key() if isinstance(key, PRIVATE_KEY_TYPES) else key
    serialization = _serialization()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = base64.b64encode(hashlib.sha256(der).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


PRIVATE_KEY_TYPES = (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)


# cryptography's key (de)serialization and its other key types take longer to import than
# the rest of this package together; only loading or describing a key needs them.
def _serialization() -> ModuleType:
    from cryptography.hazmat.primitives import serialization

    return serialization


@functools.cache
def _foreign_key_types() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(every public key type, the private key types Kalshi does not issue)."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, x448, x25519

    public = (
        rsa.RSAPublicKey,
        ed25519.Ed25519PublicKey,
        ec.EllipticCurvePublicKey,
        dsa.DSAPublicKey,
        ed448.Ed448PublicKey,
        x25519.X25519PublicKey,
        x448.X448PublicKey,
    )
    private = (
        ec.EllipticCurvePrivateKey,
        dsa.DSAPrivateKey,
        ed448.Ed448PrivateKey,
        x25519.X25519PrivateKey,
        x448.X448PrivateKey,
    )
    return public, private


def _looks_like_path(text: str) -> bool:
    """Whether a ``str`` source names a file rather than carrying the key itself.

    Key text is never treated as a path, so it can never be echoed in a "file not found".
    """
    return (
        "-----" not in text
        and "\n" not in text
        and "\\n" not in text
        and len(text) <= _MAX_PATH_LENGTH
        and not (len(text) > 100 and _BASE64_BODY.match(text.encode("ascii", "replace")))
    )


def _read_file(path: Path) -> bytes:
    path = path.expanduser()
    if not path.exists():
        raise KeyFileError(
            f"file not found: {path}. Check the path to the private key file you downloaded "
            "from Kalshi (a .txt or .key file)."
        )
    if path.is_dir():
        raise KeyFileError(
            f"{path} is a directory; pass the path of the private key file inside it."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}.") from None
    if not data.strip():
        raise KeyFileError(
            f"key file {path} is empty. Kalshi shows a private key only once, when it is "
            f"created; if it was not saved, make a new one. {_HOW_TO_GET_A_KEY}"
        )
    return data


def _normalise_pem(data: bytes) -> bytes:
    text = data.strip().strip(b"\"'").strip()
    if b"\\n" in text:
        text = text.replace(b"\\r\\n", b"\n").replace(b"\\n", b"\n")
    text = text.replace(b"\r\n", b"\n")
    return text + b"\n"


def _parse(data: bytes, password: bytes | None, *, origin: str) -> PrivateKey:
    if not data.strip():
        raise KeyLoadError(f"{origin} is empty. {_HOW_TO_GET_A_KEY}")
    if data[:1] == b"\x30":  # DER is binary: stripping "whitespace" bytes would corrupt it
        return _parse_der(data, password, origin=origin)
    if b"-----BEGIN" in data:
        return _parse_pem(_normalise_pem(data), password, origin=origin)
    stripped = data.strip()
    if stripped.startswith((b"ssh-", b"ecdsa-sha2-")):
        raise UnsupportedKeyError(_public_key_message(f"{origin} (an OpenSSH line)"))
    if _BASE64_BODY.match(stripped):
        try:
            der = base64.b64decode(b"".join(stripped.split()), validate=True)
        except binascii.Error:
            der = b""
        if der[:1] == b"\x30":
            return _parse_der(der, password, origin=origin)
    raise KeyLoadError(
        f"{origin} is not a PEM private key (it should start with '-----BEGIN RSA PRIVATE "
        f"KEY-----' or '-----BEGIN PRIVATE KEY-----'). {_HOW_TO_GET_A_KEY}"
    )


def _parse_pem(pem: bytes, password: bytes | None, *, origin: str) -> PrivateKey:
    if b"-----BEGIN OPENSSH PRIVATE KEY-----" in pem:
        raise UnsupportedKeyError(
            f"{origin} is an OpenSSH-format key; Kalshi keys are PEM files. Use the private "
            "key file you downloaded from Kalshi, or convert this one with "
            "'ssh-keygen -p -m PEM -f FILE'."
        )
    if b"PUBLIC KEY-----" in pem and b"PRIVATE KEY-----" not in pem:
        raise UnsupportedKeyError(_public_key_message(origin))
    if b"-----BEGIN CERTIFICATE" in pem and b"PRIVATE KEY-----" not in pem:
        raise UnsupportedKeyError(_public_key_message(f"{origin} (a certificate)"))
    encrypted = b"ENCRYPTED" in pem
    if encrypted and password is None:
        raise EncryptedKeyError(
            f"{origin} is encrypted: pass password=… (or set KALSHI_PRIVATE_KEY_PASSWORD)."
        )
    try:
        key = _serialization().load_pem_private_key(pem, password=password if encrypted else None)
    except ValueError:
        if encrypted:
            raise EncryptedKeyError(f"could not decrypt {origin}: the password is wrong.") from None
        raise KeyLoadError(
            f"{origin} looks like PEM but could not be read as a private key; it may be "
            f"truncated or altered. {_HOW_TO_GET_A_KEY}"
        ) from None
    except Exception:
        raise KeyLoadError(f"{origin} could not be read as a private key.") from None
    if password is not None and not encrypted:
        raise EncryptedKeyError(
            f"a password was given but {origin} is not encrypted; drop the password."
        )
    return _accept(key, origin)


def _parse_der(der: bytes, password: bytes | None, *, origin: str) -> PrivateKey:
    try:
        key = _serialization().load_der_private_key(der, password=password)
    except TypeError:
        if password is None:
            raise EncryptedKeyError(f"{origin} is encrypted: pass password=….") from None
        raise EncryptedKeyError(
            f"a password was given but {origin} is not encrypted; drop the password."
        ) from None
    except ValueError:
        if _is_der_public_key(der):
            raise UnsupportedKeyError(_public_key_message(origin)) from None
        message = (
            f"could not decrypt {origin}: the password is wrong."
            if password
            else (f"{origin} could not be read as a private key. {_HOW_TO_GET_A_KEY}")
        )
        error = EncryptedKeyError if password else KeyLoadError
        raise error(message) from None
    except Exception:
        raise KeyLoadError(f"{origin} could not be read as a private key.") from None
    return _accept(key, origin)


def _is_der_public_key(der: bytes) -> bool:
    try:
        _serialization().load_der_public_key(der)
    except (ValueError, TypeError):
        return False
    return True


def _accept(key: PrivateKeyTypes, origin: str) -> PrivateKey:
    if isinstance(key, PRIVATE_KEY_TYPES):
        return _checked(key)
    raise UnsupportedKeyError(_wrong_algorithm_message(key, origin))


def _checked(key: PrivateKey) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 1024:
        raise UnsupportedKeyError(
            f"the RSA key has {key.key_size} bits; Kalshi keys are RSA-2048 or larger."
        )
    return key


def _public_key_message(origin: str = "this") -> str:
    return (
        f"{origin} is a public key; Kalshi needs the private key file you downloaded when you "
        "created the API key (it starts with '-----BEGIN RSA PRIVATE KEY-----')."
    )


def _wrong_algorithm_message(key: object, origin: str = "the key") -> str:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, x448, x25519

    names = {
        ec.EllipticCurvePrivateKey: "an EC",
        dsa.DSAPrivateKey: "a DSA",
        ed448.Ed448PrivateKey: "an Ed448",
        x25519.X25519PrivateKey: "an X25519",
        x448.X448PrivateKey: "an X448",
    }
    kind = next((name for cls, name in names.items() if isinstance(key, cls)), "an unsupported")
    return (
        f"{origin} is {kind} key; Kalshi keys are RSA or Ed25519. Use the private key file "
        "Kalshi gave you when you created the API key."
    )
