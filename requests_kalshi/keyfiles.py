"""Reading private key files safely, and naming them in messages without leaking key text.

A key file must be a regular file of at most :data:`MAX_KEY_FILE_BYTES` (so ``/dev/zero`` or a
FIFO is refused instead of filling memory or hanging). A file readable by group or others gets
one warning, as ssh gives.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading

from .errors import KeyFileError

__all__ = ["MAX_KEY_FILE_BYTES", "describe_text", "display_path", "read_key_file"]

log = logging.getLogger("requests_kalshi")

MAX_KEY_FILE_BYTES = 64 * 1024
"""The largest key file read: an RSA-8192 PEM is under 7 KB."""

_HOW_TO_GET_A_KEY = "Create one under Account & security → API keys on Kalshi and pass that file."
# Characters key text can hold (PEM bodies, base64, hex, quotes and whitespace around them):
# a string made only of these may be key text and is never shown.
_KEY_TEXT_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-\s\"']*$")
_BASE64_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-\s]+$")
# A name with a long run of base64 characters may have key text glued to it.
_KEY_TEXT_RUN = re.compile(r"[A-Za-z0-9+=]{24,}")
_MAX_SHOWN = 300
_warned: set[tuple[int, int]] = set()
_warned_lock = threading.Lock()


def describe_text(text: str) -> str:
    """Describe a string that may be key text, without any of its characters.

    >>> describe_text("MC4CAQAwBQYDK2VwBCIEIA")
    'a 22-character text of base64 characters'
    """
    kind = "base64 characters" if _BASE64_CHARS.match(text) else "assorted characters"
    return f"a {len(text)}-character text of {kind}"


def display_path(path: str) -> str:
    """``path`` for a message, or a description of it when it could be key text.

    A path is shown only when it holds a character that key text never does (such as the
    ``.`` of ``key.txt`` or a ``~``).

    >>> display_path("~/kalshi/demo-key.txt")
    '~/kalshi/demo-key.txt'
    >>> display_path("/keys/kalshidemokey")
    'the path given (19 characters, not shown: it could be key text)'
    """
    if (
        _KEY_TEXT_CHARS.match(path)
        or _KEY_TEXT_RUN.search(path)
        or not path.isprintable()
        or len(path) > _MAX_SHOWN
    ):
        return f"the path given ({len(path)} characters, not shown: it could be key text)"
    return path


def read_key_file(path: str) -> bytes:
    """The bytes of the key file at ``path`` (``~`` expanded).

    :raises KeyFileError: no such file, a directory or other non-regular file, a file too
        large to be a key, an empty or unreadable file. The message names the path only when
        it cannot be key text (see :func:`display_path`).
    """
    shown = display_path(path)
    failure = None
    try:
        data = _read_regular_file(os.path.expanduser(path), shown)
    except KeyFileError:
        raise
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        failure = _describe_os_error(error)
    if failure is not None:  # raised outside the handler: no exception chain holds the name
        raise KeyFileError(failure.format(path=shown))
    if not data.strip():
        raise KeyFileError(
            f"key file {shown} is empty. Kalshi shows a private key only once, when it is "
            f"created; if it was not saved, make a new one. {_HOW_TO_GET_A_KEY}"
        )
    return data


def _read_regular_file(path: str, shown: str) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise KeyFileError(
                f"{shown} is a directory; pass the path of the private key file inside it."
            )
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(
                f"{shown} is not a regular file (a device, FIFO or socket); pass the path of "
                "the private key file you downloaded from Kalshi."
            )
        if info.st_size > MAX_KEY_FILE_BYTES:
            raise KeyFileError(_too_large(shown))
        _warn_if_shared(info, shown)
        data = os.read(fd, MAX_KEY_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_KEY_FILE_BYTES:  # the file grew after fstat
        raise KeyFileError(_too_large(shown))
    return data


def _too_large(shown: str) -> str:
    return (
        f"{shown} is larger than {MAX_KEY_FILE_BYTES // 1024} KB, far larger than a private "
        "key; pass the private key file you downloaded from Kalshi."
    )


def _describe_os_error(error: OSError | ValueError) -> str:
    """A message template (``{path}``) for an error, without the error's own text."""
    if isinstance(error, ValueError):
        return "{path} is not a usable file name (it holds a NUL character)."
    if isinstance(error, FileNotFoundError):
        return (
            "file not found: {path}. Check the path to the private key file you downloaded "
            "from Kalshi (a .txt or .key file)."
        )
    if isinstance(error, IsADirectoryError):  # Windows cannot open a directory
        return "{path} is a directory; pass the path of the private key file inside it."
    reason = error.strerror or type(error).__name__
    return "cannot read key file {path}: " + reason + "."


def _warn_if_shared(info: os.stat_result, shown: str) -> None:
    if os.name != "posix" or not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return
    with _warned_lock:
        if (info.st_dev, info.st_ino) in _warned:
            return
        _warned.add((info.st_dev, info.st_ino))
    log.warning(
        "key file %s can be read by other users (mode %o); restrict it with: chmod 600 FILE",
        shown,
        stat.S_IMODE(info.st_mode),
    )
