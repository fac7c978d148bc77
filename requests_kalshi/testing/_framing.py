"""Reading an HTTP/1.1 request body, and the local exchange's answers to malformed requests.

Every malformed request gets an HTTP answer with a JSON error body, then the connection is
closed (its byte stream can no longer be trusted); the exchange keeps serving others. Kalshi's
own answers to such requests are unknown; these statuses and codes are the exchange's:

======================================================  ======  ===================================
problem                                                 status  ``error.code``
======================================================  ======  ===================================
``Content-Length`` not a whole number ≥ 0, or several   400     ``invalid_content_length``
that differ
``Transfer-Encoding`` other than ``chunked``, together  400     ``invalid_transfer_encoding``
with ``Content-Length``, or a malformed chunk
a body that stops before its announced end              400     ``incomplete_body``
a body larger than :data:`MAX_BODY`                     413     ``request_too_large``
a request line over 64 KiB                              414     ``request_uri_too_long``
a header line over 64 KiB, or over 100 headers          431     ``request_header_fields_too_large``
a request line that is not HTTP                         400     ``bad_request``
an HTTP version other than 1.x                          505     ``http_version_not_supported``
a method the exchange does not know                     501     ``not_implemented``
a failure inside the exchange itself                    500     ``internal_server_error``
======================================================  ======  ===================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Protocol

__all__ = ["MAX_BODY", "Malformed", "Stream", "read_body", "status_code_name"]

MAX_BODY = 1 << 20
"""Largest request body the exchange reads, in bytes (1 MiB; a batch of orders is ~10 KiB)."""

_MAX_CHUNK_LINE = 1024
_HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")


class Malformed(Exception):
    """A request the exchange answers with an error before reading it further.

    :ivar status: the HTTP status.
    :ivar code: the ``error.code`` of the JSON body.
    :ivar message: what is wrong.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message


def status_code_name(status: int) -> str:
    """A status's phrase as an error code: 414 gives ``"request_uri_too_long"``."""
    return "_".join(HTTPStatus(status).phrase.lower().replace("-", " ").split())


class Stream(Protocol):
    """What :func:`read_body` reads from: a buffered binary stream."""

    def read(self, size: int, /) -> bytes:
        """At most ``size`` bytes; fewer only at the end of the stream."""

    def readline(self, size: int, /) -> bytes:
        """One line, of at most ``size`` bytes."""


def read_body(
    content_lengths: Iterable[str],
    transfer_encodings: Iterable[str],
    stream: Stream,
    *,
    limit: int = MAX_BODY,
) -> bytes:
    """The request body its framing headers announce, read from ``stream``.

    :param content_lengths: every ``Content-Length`` header value.
    :param transfer_encodings: every ``Transfer-Encoding`` header value.
    :param stream: the connection, positioned after the headers.
    :param limit: the largest body accepted.
    :raises Malformed: the framing is invalid, the body too large or cut short.
    :raises TimeoutError: the stream's own timeout expired while reading.
    """
    lengths = {value.strip() for value in content_lengths}
    codings = [part.strip().lower() for v in transfer_encodings for part in v.split(",")]
    if codings:
        if codings != ["chunked"]:
            raise Malformed(
                400,
                "invalid_transfer_encoding",
                f"Transfer-Encoding {', '.join(codings)[:40]!r} is not supported; use chunked",
            )
        if lengths:
            raise Malformed(
                400,
                "invalid_transfer_encoding",
                "a request may not carry both Content-Length and Transfer-Encoding",
            )
        return _read_chunked(stream, limit)
    if not lengths:
        return b""
    if len(lengths) > 1:
        raise Malformed(400, "invalid_content_length", "Content-Length is given several times")
    text = lengths.pop()
    if not (text.isascii() and text.isdigit()):
        raise Malformed(
            400,
            "invalid_content_length",
            f"Content-Length must be a whole number of bytes ≥ 0, not {text[:40]!r}",
        )
    if len(text) > 18 or int(text) > limit:
        raise Malformed(413, "request_too_large", f"the body may be at most {limit} bytes")
    return _read_exactly(stream, int(text))


def _read_exactly(stream: Stream, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if len(data) < size:
        raise Malformed(400, "incomplete_body", f"the body ended after {len(data)} of {size} bytes")
    return data


def _read_chunked(stream: Stream, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = stream.readline(_MAX_CHUNK_LINE + 1)
        if not line:
            raise Malformed(400, "incomplete_body", "the chunked body ended early")
        size_text = line.split(b";", 1)[0].strip()
        if len(line) > _MAX_CHUNK_LINE or not _HEX.fullmatch(size_text):
            raise Malformed(400, "invalid_transfer_encoding", "a chunk size is not hexadecimal")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > limit:
            raise Malformed(413, "request_too_large", f"the body may be at most {limit} bytes")
        parts.append(_read_exactly(stream, size))
        if stream.readline(3) not in (b"\r\n", b"\n"):
            raise Malformed(400, "invalid_transfer_encoding", "a chunk does not end with CRLF")
    for _ in range(100):  # trailer fields, up to the blank line
        line = stream.readline(_MAX_CHUNK_LINE + 1)
        if line in (b"\r\n", b"\n", b""):
            return b"".join(parts)
    raise Malformed(400, "invalid_transfer_encoding", "too many trailer fields")
