"""The core's error bodies and diagnoses, over plain values (no HTTP client)."""

from __future__ import annotations

import httpx
import pytest
import requests

from requests_kalshi import BadRequestError, RateLimitError, TimestampExpiredError
from requests_kalshi._httpx_errors import answer_of as httpx_answer
from requests_kalshi._httpx_errors import error_for_httpx
from requests_kalshi.api_errors import answer_of as requests_answer
from requests_kalshi.api_errors import error_for_response
from requests_kalshi.core.error_bodies import (
    DEPRECATED_V1,
    ErrorAnswer,
    describe,
    diagnose,
    error_body_on_success,
    error_fields,
    one_line,
    timestamp_diagnosis,
    too_many_requests,
)

URL = "https://demo-api.kalshi.co/trade-api/v2/markets?limit=5000"


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (b'{"error": {"code": "c", "message": "m", "details": "d"}}', ("c", "m", "d")),
        (b'{"code": "bad_request", "message": "bad"}', ("bad_request", "bad", "")),
        (b'{"msg": "flat"}', ("", "flat", "")),
        (b'{"error": "too many requests"}', ("", "too many requests", "")),
        (b'{"error": {"code": 7, "details": {"a": [1]}}}', ("7", "", '{"a":[1]}')),
        (b"<html><TITLE>502\n Bad Gateway</TITLE></html>", ("", "502 Bad Gateway", "")),
        (b"<html>no title</html>", ("", "", "")),
        (b"plain   text\n", ("", "plain text", "")),
        (b"[1, 2]", ("", "[1,2]", "")),
        (b"", ("", "", "")),
        (None, ("", "", "")),
        (b"\xff\xfe not json", ("", "\ufffd\ufffd not json", "")),
    ],
)
def test_error_fields_reads_every_shape(content: bytes | None, fields: tuple[str, ...]) -> None:
    assert error_fields(content) == fields


def test_a_body_nested_too_deep_to_parse_gives_its_start_as_text() -> None:
    code, message, details = error_fields(b'{"error":' * 100_000 + b"1" + b"}" * 100_000)
    assert (code, details) == ("", "")
    assert message.startswith('{"error":{"error":')
    assert len(message) == 300


def test_error_fields_decodes_with_the_given_encoding_or_utf8() -> None:
    assert error_fields("déjà".encode("latin-1"), "latin-1") == ("", "déjà", "")
    assert error_fields(b"caf\xc3\xa9", "no-such-codec") == ("", "café", "")


@pytest.mark.parametrize(
    ("content", "is_error", "is_rate_limit"),
    [
        (b'{"error": {"code": "deprecated_v1_order_endpoint"}}', True, False),
        (b'{"error": "too many requests"}', True, True),
        (b'{"error": "something else"}', False, False),
        (b'{"markets": [], "error": null}', False, False),
        (b'["error"]', False, False),
        (b'{"error": {"code": ', False, False),
        (b" " * 600 + b'{"error": "too many requests"}', False, False),
        (b'{"error": "too many requests", "pad": "' + b"x" * 70_000 + b'"}', False, False),
        (None, False, False),
    ],
)
def test_error_on_success_and_rate_limit_bodies(
    content: bytes | None, is_error: bool, is_rate_limit: bool
) -> None:
    assert error_body_on_success(content) is is_error
    assert too_many_requests(content) is is_rate_limit


@pytest.mark.parametrize(
    ("answer", "code", "details", "expected"),
    [
        (
            ErrorAnswer(401, b"", url=URL, key_id="k1"),
            "",
            "NOT_FOUND",
            "'k1' on demo-api.kalshi.co",
        ),
        (ErrorAnswer(401, b""), "", "INCORRECT_API_KEY_SIGNATURE", "does not belong to the key"),
        (ErrorAnswer(401, b""), "access_key_missing_from_headers", "", "KALSHI-ACCESS-*"),
        (ErrorAnswer(401, b"", url="http://127.0.0.1:9/x"), "", "", "(127.0.0.1)"),
        (ErrorAnswer(401, b"", url="/relative"), "", "", "(this host)"),
        (ErrorAnswer(409, b""), "order_already_exists", "", "client_order_id exists"),
        (ErrorAnswer(400, b"", url=URL), "", "", "at most 1000"),
        (ErrorAnswer(200, b""), DEPRECATED_V1, "", "retired the V1"),
        (ErrorAnswer(429, b"", retry_after=2.5), "", "", "wait 2.5 s"),
        (ErrorAnswer(200, b'{"error": "too many requests"}'), "", "", "rate limit"),
        (ErrorAnswer(503, b"", method="POST"), "", "", "may or may not have acted"),
    ],
)
def test_diagnose_names_the_cause(
    answer: ErrorAnswer, code: str, details: str, expected: str
) -> None:
    assert expected in diagnose(answer, code, details)


@pytest.mark.parametrize(
    "answer",
    [
        ErrorAnswer(400, b"", url="https://h/x?limit=1000&limit=%C2%B2"),
        ErrorAnswer(400, b"", url="https://h/x?limit=-5000"),
        ErrorAnswer(503, b"", method="GET"),
        ErrorAnswer(404, None),
    ],
)
def test_diagnose_says_nothing_it_does_not_know(answer: ErrorAnswer) -> None:
    assert diagnose(answer, "", "") == ""


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(None, "no Date header"), (0.4, "agrees"), (30.0, "behind"), (-30.0, "ahead of")],
)
def test_timestamp_diagnosis(offset: float | None, expected: str) -> None:
    assert expected in timestamp_diagnosis(offset)


def test_describe_composes_one_line() -> None:
    answer = ErrorAnswer(404, b"", method="GET", url="https://h/trade-api/v2/m?x=1")
    text = describe(answer, ("not_found", "no market.", "NOT_FOUND"), "Check it")
    assert text == (
        "Kalshi answered 404 Not Found to GET /trade-api/v2/m: "
        "not_found: no market (NOT_FOUND). Check it."
    )
    assert describe(ErrorAnswer(599, b"", reason="Odd\nreason"), ("", "", "d"), "") == (
        "Kalshi answered 599 Odd reason: d"
    )
    assert describe(ErrorAnswer(599, b"", method="GET"), ("", "", ""), "Done!") == (
        "Kalshi answered 599 to GET /. Done!"
    )


def test_one_line_cuts_long_text() -> None:
    assert one_line(" a\n\tb ") == "a b"
    cut = one_line("x" * 1000)
    assert len(cut) == 300
    assert cut.endswith("…")


def _pair(
    status: int, body: bytes, headers: dict[str, str]
) -> tuple[requests.Response, httpx.Response]:
    request = httpx.Request("POST", URL, headers={"KALSHI-ACCESS-KEY": "k1"})
    with_httpx = httpx.Response(status, content=body, headers=headers, request=request)
    with_requests = requests.Response()
    with_requests.status_code = status
    with_requests._content = body
    with_requests.headers.update(headers)
    with_requests.reason = with_httpx.reason_phrase
    with_requests.url = URL
    prepared = requests.Request("POST", URL, headers={"KALSHI-ACCESS-KEY": "k1"}).prepare()
    with_requests.request = prepared
    return with_requests, with_httpx


@pytest.mark.parametrize(
    ("status", "body", "headers", "cls"),
    [
        (400, b'{"code": "bad_request", "message": "no"}', {}, BadRequestError),
        (429, b'{"error": "too many requests"}', {"Retry-After": "3"}, RateLimitError),
        (
            401,
            b'{"error": {"code": "header_timestamp_expired"}}',
            {"Date": "Sun, 06 Nov 1994 08:49:37 GMT"},
            TimestampExpiredError,
        ),
    ],
)
def test_both_adapters_give_the_same_answer_and_error(
    status: int, body: bytes, headers: dict[str, str], cls: type[Exception]
) -> None:
    with_requests, with_httpx = _pair(status, body, headers)
    from_requests, from_httpx = requests_answer(with_requests), httpx_answer(with_httpx)
    if from_requests.clock_offset is not None:  # measured from the local clock, read twice
        assert from_httpx.clock_offset == pytest.approx(from_requests.clock_offset, abs=5)
        from_httpx = ErrorAnswer(**{**vars(from_httpx), "clock_offset": from_requests.clock_offset})
    assert from_httpx == ErrorAnswer(**{**vars(from_requests), "encoding": from_httpx.encoding})
    error_r, error_h = error_for_response(with_requests), error_for_httpx(with_httpx)
    assert type(error_r) is type(error_h) is cls
    assert str(error_r) == str(error_h)
    assert error_h.response is with_httpx
    assert error_h.request is with_httpx.request
