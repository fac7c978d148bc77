"""Key files: only regular files of a key's size are read; shared files get one warning."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import KeyLoadError
from requests_kalshi.errors import EncryptedKeyError, KeyFileError
from requests_kalshi.keyfiles import MAX_KEY_FILE_BYTES
from requests_kalshi.keys import load_private_key

from .conftest import pem

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX devices, FIFOs and modes")


@posix_only
def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(KeyFileError, match="not a regular file"):
        load_private_key("/dev/zero")


@posix_only
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    with pytest.raises(KeyFileError, match="not a regular file"):
        load_private_key(fifo)


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"A" * (MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(KeyFileError, match="larger than 64 KB"):
        load_private_key(path)


def test_a_file_that_grows_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.txt"
    path.write_bytes(b"A" * 10)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real_read(fd, n) + b"A" * n)
    with pytest.raises(KeyFileError, match="larger than"):
        load_private_key(path)


def test_a_name_the_system_refuses_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="NUL"):
        load_private_key(tmp_path / "a\x00b.txt")


@posix_only
def test_a_shared_key_file_is_warned_about_once(
    tmp_path: Path, ed_key: ed25519.Ed25519PrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "shared-key.txt"
    path.write_bytes(pem(ed_key))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="requests_kalshi"):
        load_private_key(path)
        load_private_key(str(path))
    warnings = [r for r in caplog.records if "can be read by other users" in r.getMessage()]
    assert len(warnings) == 1
    assert "644" in warnings[0].getMessage()
    assert "chmod 600" in warnings[0].getMessage()


@posix_only
def test_a_private_key_file_is_not_warned_about(
    tmp_path: Path, ed_key: ed25519.Ed25519PrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "private-key.txt"
    path.write_bytes(pem(ed_key))
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="requests_kalshi"):
        load_private_key(path)
    assert not caplog.records


@pytest.mark.skipif(sys.platform == "win32", reason="directories open differently")
def test_a_directory_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="is a directory"):
        load_private_key(tmp_path)


def test_a_directory_that_cannot_be_opened_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: str, flags: int) -> int:
        raise IsADirectoryError(21, "Is a directory", path)

    monkeypatch.setattr(os, "open", refuse)  # as Windows answers for a directory
    with pytest.raises(KeyFileError, match="is a directory"):
        load_private_key(tmp_path / "key.txt")


def test_a_bytes_path_is_refused() -> None:
    class BytesPath:
        def __fspath__(self) -> bytes:
            return b"/keys/key.txt"

    with pytest.raises(KeyLoadError, match="str paths"):
        load_private_key(BytesPath())  # type: ignore[arg-type]


@pytest.mark.parametrize("source", ["", "  \n", ' "" ', b"", b"  \n"])
def test_empty_key_text_is_named_empty(source: str | bytes) -> None:
    with pytest.raises(KeyLoadError, match="is empty"):
        load_private_key(source)


def test_a_password_for_a_plain_der_key_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    der = ed_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(EncryptedKeyError, match="not encrypted; drop the password"):
        load_private_key(der, password="pw")


def test_an_unexpected_parser_failure_is_a_typed_error(
    ed_key: ed25519.Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(data: bytes, password: bytes | None) -> None:
        raise UnsupportedAlgorithm("secret-bearing message " + data.decode())

    monkeypatch.setattr(serialization, "load_pem_private_key", explode)
    with pytest.raises(KeyLoadError, match="could not be read") as caught:
        load_private_key(pem(ed_key))
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
