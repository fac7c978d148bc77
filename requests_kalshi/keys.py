"""Loading Kalshi private keys from files, PEM text, base64 DER or key objects."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, TypeAlias

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from .errors import EncryptedKeyError, KeyLoadError, UnsupportedKeyError
from .keyfiles import describe_text, display_path, read_key_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = [
    "KeySource",
    "PrivateKey",
    "describe_key",
    "key_fingerprint",
    "load_key_text",
    "load_private_key",
]

PrivateKey: TypeAlias = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
"""The two key types Kalshi issues."""

KeySource: TypeAlias = "str | bytes | os.PathLike[str] | PrivateKey"
"""What ``private_key=`` accepts: a path, PEM text, base64 DER, or a loaded key object."""

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
        path = os.fspath(source)
        if not isinstance(path, str):
            raise KeyLoadError("private_key paths must be str paths, not bytes.")
        return _parse(read_key_file(path), secret, origin=f"key file {display_path(path)}")
    if isinstance(source, bytes):
        return _parse(source, secret, origin="the key bytes")
    if isinstance(source, str):
        return _load_str(source, secret)
    raise KeyLoadError(
        "private_key must be a file path, PEM text (str or bytes) or a cryptography private "
        f"key object, not {type(source).__name__}."
    )


def load_key_text(
    text: str | bytes, password: str | bytes | None = None, *, origin: str = "the key text"
) -> PrivateKey:
    """Load a key from its text only (PEM or base64 DER), never reading it as a path.

    :param origin: how messages name the text, e.g. an environment variable's name.
    :raises KeyLoadError: as :func:`load_private_key`.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    secret = password.encode("utf-8") if isinstance(password, str) else password
    return _parse(data, secret, origin=origin)


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


def _load_str(source: str, password: bytes | None) -> PrivateKey:
    """Decide whether a ``str`` is key text or a path, without ever echoing key text."""
    text = _unquoted(source)
    if not text:
        raise KeyLoadError(f"private_key is empty. {_HOW_TO_GET_A_KEY}")
    if "-----" in text or "\n" in text or "\r" in text:
        return _parse(text.encode("utf-8"), password, origin="the key text")
    if os.path.lexists(os.path.expanduser(text)):  # False for names the system refuses
        return _parse(read_key_file(text), password, origin=f"key file {display_path(text)}")
    if "\\n" in text or _base64_der(text.encode("utf-8", "replace")) is not None:
        return _parse(text.encode("utf-8"), password, origin="the key text")
    if _BASE64_BODY.match(text.encode("utf-8", "replace")):
        raise KeyLoadError(
            f"private_key is neither a key nor the path of a file: it is {describe_text(text)} "
            "that does not decode to a private key (not shown: it could be key text, perhaps "
            "cut short or another secret). Pass the whole PEM text, or the path of the key file."
        )
    # Not key-like: a path after all (read_key_file says the file is missing).
    return _parse(read_key_file(text), password, origin=f"key file {display_path(text)}")


def _unquoted(text: str) -> str:
    """``text`` without the whitespace and quotes it was pasted with."""
    return text.strip().strip("\"'").strip()


def _base64_der(data: bytes) -> bytes | None:
    """The DER a base64 text decodes to, or ``None`` if it is not base64 of DER."""
    if not _BASE64_BODY.match(data):
        return None
    try:
        der = base64.b64decode(b"".join(data.split()), validate=True)
    except binascii.Error:
        return None
    return der if der[:1] == b"\x30" and len(der) >= 16 else None


def _normalise_pem(data: bytes) -> bytes:
    text = data
    if b"\\n" in text:
        text = text.replace(b"\\r\\n", b"\n").replace(b"\\n", b"\n")
    text = text.replace(b"\r\n", b"\n")
    return text + b"\n"


def _parse(data: bytes, password: bytes | None, *, origin: str) -> PrivateKey:
    if not data.strip():
        raise KeyLoadError(f"{origin} is empty. {_HOW_TO_GET_A_KEY}")
    if data[:1] == b"\x30":  # DER is binary: stripping "whitespace" bytes would corrupt it
        return _parse_der(data, password, origin=origin)
    stripped = data.strip().strip(b"\"'").strip()
    if b"-----BEGIN" in stripped:
        return _parse_pem(_normalise_pem(stripped), password, origin=origin)
    if stripped.startswith((b"ssh-", b"ecdsa-sha2-")):
        raise UnsupportedKeyError(_public_key_message(f"{origin} (an OpenSSH line)"))
    der = _base64_der(stripped.replace(b"\\r\\n", b"\n").replace(b"\\n", b"\n"))
    if der is not None:
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
    # Errors are raised after the handlers, so that no exception chain keeps the key's text.
    key, failure = _attempt(
        _serialization().load_pem_private_key, pem, password if encrypted else None
    )
    if failure is ValueError and encrypted:
        raise EncryptedKeyError(f"could not decrypt {origin}: the password is wrong.")
    if failure is ValueError:
        raise KeyLoadError(
            f"{origin} looks like PEM but could not be read as a private key; it may be "
            f"truncated or altered. {_HOW_TO_GET_A_KEY}"
        )
    if key is None:
        raise KeyLoadError(f"{origin} could not be read as a private key.")
    if password is not None and not encrypted:
        raise EncryptedKeyError(
            f"a password was given but {origin} is not encrypted; drop the password."
        )
    return _accept(key, origin)


def _parse_der(der: bytes, password: bytes | None, *, origin: str) -> PrivateKey:
    key, failure = _attempt(_serialization().load_der_private_key, der, password)
    if failure is TypeError and password is None:
        raise EncryptedKeyError(f"{origin} is encrypted: pass password=….")
    if failure is TypeError:
        raise EncryptedKeyError(
            f"a password was given but {origin} is not encrypted; drop the password."
        )
    if failure is ValueError and _is_der_public_key(der):
        raise UnsupportedKeyError(_public_key_message(origin))
    if failure is ValueError and password:
        raise EncryptedKeyError(f"could not decrypt {origin}: the password is wrong.")
    if key is None:
        raise KeyLoadError(f"{origin} could not be read as a private key. {_HOW_TO_GET_A_KEY}")
    return _accept(key, origin)


def _attempt(
    load: Callable[..., PrivateKeyTypes], data: bytes, password: bytes | None
) -> tuple[PrivateKeyTypes | None, type[Exception] | None]:
    """``load(data, password=…)``, or ``None`` and the kind of error it raised.

    The error itself is dropped: cryptography's messages and their chains stay out of ours.
    """
    try:
        return load(data, password=password), None
    except (TypeError, ValueError) as error:
        return None, TypeError if isinstance(error, TypeError) else ValueError
    except Exception:  # an unsupported algorithm, a malformed structure…
        return None, Exception


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
