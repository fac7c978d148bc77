"""An independent check of Kalshi signatures, written from the facts sheet, not from our code.

It shares nothing with ``requests_kalshi.signing`` so that the signer and this check cannot
agree on the same mistake.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


def is_valid(public_key: PublicKey, text: str, signature_b64: str) -> bool:
    """Whether ``signature_b64`` signs ``text`` the way Kalshi checks it."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        return False
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                signature,
                text.encode(),
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
        else:
            public_key.verify(signature, text.encode())
    except InvalidSignature:
        return False
    return True


def assert_signed(
    public_key: PublicKey, headers: Mapping[str, str], method: str, path: str, key_id: str
) -> int:
    """Assert ``headers`` carry a valid signature for ``method`` and ``path``; return the ms."""
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["kalshi-access-key"] == key_id
    timestamp = lowered["kalshi-access-timestamp"]
    assert timestamp.isdigit(), timestamp
    signature = lowered["kalshi-access-signature"]
    text = f"{timestamp}{method}{path}"
    assert is_valid(public_key, text, signature), f"signature does not verify over {text!r}"
    return int(timestamp)
