"""Malformed requests get an HTTP answer with a JSON error body, and the exchange keeps serving.

Sent over raw sockets, since no well-behaved client can send most of them.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from requests_kalshi.testing import LocalExchange
from requests_kalshi.testing._bodycheck import MAX_DEPTH, body_problem
from requests_kalshi.testing._framing import MAX_BODY, Malformed, read_body

ORDERS = "/trade-api/v2/portfolio/events/orders"


@pytest.fixture(scope="module")
def ex() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


def exchange_raw(
    ex: LocalExchange, data: bytes, *, shut: bool = False
) -> tuple[int, dict[str, str], Any]:
    """Send ``data`` on a new connection; the answer's status, headers and JSON body."""
    with socket.create_connection(("127.0.0.1", ex.port), timeout=10) as sock:
        sock.sendall(data)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        reader = sock.makefile("rb")
        status_line = reader.readline()
        assert status_line, "the exchange closed the connection without answering"
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers["content-length"]))
    return status, headers, json.loads(body)


def still_serving(ex: LocalExchange) -> None:
    with ex.session(retries=0) as s:
        assert s.get("/portfolio/balance", timeout=5).status_code == 200


def signed(ex: LocalExchange, method: str, path: str) -> bytes:
    lines = "".join(f"{k}: {v}\r\n" for k, v in ex.auth.headers(method, path).items())
    return lines.encode()


def post(ex: LocalExchange, body: bytes, *, framing: bytes | None = None) -> bytes:
    framing = framing if framing is not None else b"Content-Length: %d\r\n" % len(body)
    return (
        b"POST "
        + ORDERS.encode()
        + b" HTTP/1.1\r\nHost: x\r\n"
        + signed(ex, "POST", "http://127.0.0.1" + ORDERS)
        + framing
        + b"\r\n"
        + body
    )


@pytest.mark.parametrize(
    ("framing", "status", "code"),
    [
        (b"Content-Length: abc\r\n", 400, "invalid_content_length"),
        (b"Content-Length: -5\r\n", 400, "invalid_content_length"),
        (b"Content-Length: 1e3\r\n", 400, "invalid_content_length"),
        (b"Content-Length: 2\r\nContent-Length: 3\r\n", 400, "invalid_content_length"),
        (b"Content-Length: 99999999999999999999999999\r\n", 413, "request_too_large"),
        (b"Content-Length: %d\r\n" % (MAX_BODY + 1), 413, "request_too_large"),
        (b"Transfer-Encoding: gzip\r\n", 400, "invalid_transfer_encoding"),
        (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", 400, "invalid_transfer_encoding"),
    ],
)
def test_bad_framing_is_answered(ex: LocalExchange, framing: bytes, status: int, code: str) -> None:
    got, headers, body = exchange_raw(ex, post(ex, b"{}", framing=framing))
    assert (got, body["error"]["code"]) == (status, code)
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert "date" in headers
    assert ex.requests[-1].status == status
    still_serving(ex)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object, not an array"),
        (b'"text"', "not a string"),
        (b"null", "not null"),
        (b"true", "not a boolean"),
        (b"12", "not a number"),
        (b'{"count": 1e999}', "out of range"),
        (b'{"count": -1e999}', "out of range"),
        (b'{"count": NaN}', "NaN is not a JSON number"),
        (b'{"count": Infinity}', "Infinity is not a JSON number"),
        (b'{"count": ' + b"1" * 5000 + b"}", "5000 digits is out of range"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", f"deeper than {MAX_DEPTH}"),
        (b'{"a": ' + b"{" * 50_000 + b"}", f"deeper than {MAX_DEPTH}"),
        (b'{"ticker": "\xff\xfe"}', "not UTF-8"),
    ],
)
def test_bad_json_bodies_are_answered_400(ex: LocalExchange, body: bytes, message: str) -> None:
    status, _, answer = exchange_raw(ex, post(ex, body))
    assert status == 400
    assert (answer["code"], answer["message"]) == ("bad_request", "bad request")
    assert message in answer["details"]
    assert ex.requests[-1].status == 400
    still_serving(ex)


def test_good_bodies_pass() -> None:
    assert body_problem(b'{"note": "' + b"[" * 1000 + b'"}') is None  # not nesting
    assert body_problem(b'{"price": 0.56, "count": [[1, {"a": -2}]]}') is None


def test_chunked_bodies_are_read(ex: LocalExchange) -> None:
    body = json.dumps({"any": "object", "n": list(range(50))}).encode()
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (
        10,
        body[:10],
        len(body) - 10,
        body[10:],
    )
    path = "/trade-api/v2/nowhere"
    data = (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        + signed(ex, "POST", "http://127.0.0.1" + path)
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + chunked
    )  # fmt: skip
    status, _, answer = exchange_raw(ex, data)
    assert (status, answer["error"]["code"]) == (404, "not_found")
    assert ex.requests[-1].body == body  # read whole, in two chunks


@pytest.mark.parametrize(
    ("chunked", "code"),
    [
        (b"zz\r\n{}\r\n0\r\n\r\n", "invalid_transfer_encoding"),
        (b"0x2\r\n{}\r\n0\r\n\r\n", "invalid_transfer_encoding"),
        (b"2\r\n{}XX0\r\n\r\n", "invalid_transfer_encoding"),
        (b"%x\r\n" % (MAX_BODY + 1), "request_too_large"),
        (b"2\r\n{}\r\n", "incomplete_body"),
        (b"5\r\n{}", "incomplete_body"),
        (b"2\r\n{}\r\n0\r\n" + b"X: y\r\n" * 101, "invalid_transfer_encoding"),
    ],
)
def test_bad_chunks_are_answered(ex: LocalExchange, chunked: bytes, code: str) -> None:
    data = post(ex, chunked, framing=b"Transfer-Encoding: chunked\r\n")
    _, _, answer = exchange_raw(ex, data, shut=True)
    assert answer["error"]["code"] == code
    still_serving(ex)


def test_a_body_cut_short_is_answered_after_the_body_timeout(ex: LocalExchange) -> None:
    ex.body_timeout = 0.2
    try:
        status, _, answer = exchange_raw(ex, post(ex, b"{}", framing=b"Content-Length: 10\r\n"))
    finally:
        del ex.body_timeout
    assert (status, answer["error"]["code"]) == (400, "incomplete_body")
    assert "within 0.2 s" in answer["error"]["message"]
    status, _, answer = exchange_raw(
        ex, post(ex, b"{}", framing=b"Content-Length: 10\r\n"), shut=True
    )
    assert "ended after 2 of 10 bytes" in answer["error"]["message"]
    still_serving(ex)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "request_uri_too_long"),
        (
            b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (
            b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (b"GET / HTTP/2.0\r\n\r\n", 505, "http_version_not_supported"),
        (b"BREW /trade-api/v2/markets HTTP/1.1\r\n\r\n", 501, "not_implemented"),
    ],
)
def test_what_the_http_parser_refuses_is_answered_in_json(
    ex: LocalExchange, data: bytes, status: int, code: str
) -> None:
    got, headers, body = exchange_raw(ex, data)
    assert (got, body["error"]["code"]) == (status, code)
    assert headers["content-type"] == "application/json"
    still_serving(ex)


def test_non_utf8_path_and_headers_are_answered(ex: LocalExchange) -> None:
    status, _, body = exchange_raw(ex, b"GET /trade-api/v2/markets/\xff\xfe HTTP/1.1\r\n\r\n")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, _, body = exchange_raw(
        ex,
        b"GET /trade-api/v2/portfolio/balance HTTP/1.1\r\nKALSHI-ACCESS-KEY: \xff\r\n"
        b"KALSHI-ACCESS-TIMESTAMP: 1\r\nKALSHI-ACCESS-SIGNATURE: \xfe\r\n\r\n",
    )
    assert (status, body["error"]["details"]) == (401, "NOT_FOUND")
    still_serving(ex)


def test_options_is_routed_like_any_method(ex: LocalExchange) -> None:
    url = "http://127.0.0.1/trade-api/v2/markets"
    data = b"OPTIONS /trade-api/v2/markets HTTP/1.1\r\n" + signed(ex, "OPTIONS", url) + b"\r\n"
    status, _, body = exchange_raw(ex, data)
    assert (status, body["error"]["code"]) == (405, "method_not_allowed")


def test_a_failure_inside_the_exchange_is_a_500_and_logged(
    ex: LocalExchange, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(ex.core, "_check", broken)
    with caplog.at_level(logging.ERROR, logger="requests_kalshi"):
        status, headers, body = exchange_raw(ex, b"GET /trade-api/v2/markets HTTP/1.1\r\n\r\n")
    assert (status, body["error"]["code"]) == (500, "internal_server_error")
    assert headers["connection"] == "close"
    assert "failed on GET /trade-api/v2/markets" in caplog.text
    monkeypatch.undo()
    still_serving(ex)


def test_read_body_without_framing_is_empty() -> None:
    class Empty:
        def read(self, size: int, /) -> bytes:
            raise AssertionError("nothing to read")

        def readline(self, size: int, /) -> bytes:
            raise AssertionError("nothing to read")

    assert read_body([], [], Empty()) == b""
    assert read_body(["0"], [], Empty()) == b""
    with pytest.raises(Malformed):
        read_body(["1"], ["chunked"], Empty())


def test_a_recorded_deep_body_reads_as_no_json(ex: LocalExchange) -> None:
    exchange_raw(ex, post(ex, b"[" * 100_000 + b"]" * 100_000))
    assert ex.requests[-1].status == 400
    assert ex.requests[-1].json is None
