"""raise_for_kalshi: every error body shape, every status class, the diagnoses, no secrets."""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    KalshiAPIError,
    KalshiAuth,
    KalshiError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimestampExpiredError,
    raise_for_kalshi,
)
from requests_kalshi.api_errors import error_for_response, parse_error_body

from .conftest import KEY_ID

DEMO = "https://external-api.demo.kalshi.co/trade-api/v2"
PROD = "https://external-api.kalshi.com/trade-api/v2"
SIGNED_AT = 1_700_000_000.0  # the auth's clock: every request is signed at this second


@pytest.fixture
def auth(ed_key: ed25519.Ed25519PrivateKey) -> KalshiAuth:
    return KalshiAuth(KEY_ID, ed_key, clock=lambda: SIGNED_AT)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def answer(
    mock: responses.RequestsMock,
    status: int,
    body: Any = None,
    *,
    auth: KalshiAuth | None = None,
    method: str = "GET",
    url: str = DEMO + "/portfolio/balance",
    headers: dict[str, str] | None = None,
    **request: Any,
) -> requests.Response:
    """Send ``method url`` (signed by ``auth``) to a mocked Kalshi answering ``status body``."""
    reply: dict[str, Any] = {"status": status, "headers": headers or {}}
    if isinstance(body, (str, bytes)):
        reply["body"] = body
    elif body is not None:
        reply["json"] = body
    mock.add(method, url.split("?", 1)[0], **reply)
    return requests.request(method, url, auth=auth, allow_redirects=False, **request)


def raised(response: requests.Response) -> KalshiAPIError:
    with pytest.raises(KalshiAPIError) as info:
        raise_for_kalshi(response)
    return info.value


# --- body shapes ------------------------------------------------------------------------------


NOT_FOUND = {
    "error": {
        "code": "authentication_error",
        "message": "authentication error",
        "details": "NOT_FOUND",
    }
}
BAD_SIGNATURE = {
    "error": {
        "code": "authentication_error",
        "message": "authentication error",
        "details": "INCORRECT_API_KEY_SIGNATURE",
    }
}
EXPIRED = {"error": {"code": "header_timestamp_expired", "message": "header timestamp expired"}}


@pytest.mark.parametrize(
    ("status", "body", "cls", "parsed"),
    [
        (
            401,
            NOT_FOUND,
            AuthenticationError,
            ("authentication_error", "authentication error", "NOT_FOUND"),
        ),
        (
            401,
            BAD_SIGNATURE,
            AuthenticationError,
            ("authentication_error", "authentication error", "INCORRECT_API_KEY_SIGNATURE"),
        ),
        (
            401,
            EXPIRED,
            TimestampExpiredError,
            ("header_timestamp_expired", "header timestamp expired", ""),
        ),
        (
            401,
            {"code": "signature_is_missing_from_headers", "message": "signature is missing"},
            AuthenticationError,
            ("signature_is_missing_from_headers", "signature is missing", ""),
        ),
        (
            409,
            {"error": {"code": "order_already_exists", "message": "order already exists"}},
            ConflictError,
            ("order_already_exists", "order already exists", ""),
        ),
        (
            409,
            {"code": "order_already_exists", "message": "order already exists"},
            ConflictError,
            ("order_already_exists", "order already exists", ""),
        ),
        (429, {"error": "too many requests"}, RateLimitError, ("", "too many requests", "")),
        (
            400,
            {"msg": "limit must be less than or equal to 1000"},
            BadRequestError,
            ("", "limit must be less than or equal to 1000", ""),
        ),
        (
            400,
            {"error": {"code": "invalid_parameters", "details": {"field": "count"}}},
            BadRequestError,
            ("invalid_parameters", "", '{"field":"count"}'),
        ),
        (
            404,
            {"code": "not_found", "message": "market not found"},
            NotFoundError,
            ("not_found", "market not found", ""),
        ),
        (
            503,
            "upstream connect error\nor disconnect",
            ServerError,
            ("", "upstream connect error or disconnect", ""),
        ),
        (
            502,
            "<html>\n<head><title>502 Bad\n Gateway</title></head>\n<body>nginx</body></html>",
            ServerError,
            ("", "502 Bad Gateway", ""),
        ),
        (502, "<html><body>no title</body></html>", ServerError, ("", "", "")),
        (500, "", ServerError, ("", "", "")),
        (500, ["a", "list"], ServerError, ("", '["a","list"]', "")),
        (403, {"error": {"message": "forbidden"}}, PermissionDeniedError, ("", "forbidden", "")),
    ],
)
def test_every_body_shape_parses(
    mock: responses.RequestsMock,
    auth: KalshiAuth,
    status: int,
    body: Any,
    cls: type[KalshiAPIError],
    parsed: tuple[str, str, str],
) -> None:
    response = answer(mock, status, body, auth=auth)
    assert parse_error_body(response) == parsed
    error = raised(response)
    assert type(error) is cls
    assert (error.status, error.code, error.message, error.details) == (status, *parsed)
    assert "\n" not in str(error)


def test_a_json_null_body_parses_as_empty(mock: responses.RequestsMock) -> None:
    response = answer(mock, 500, "null", headers={"Content-Type": "application/json"})
    assert parse_error_body(response) == ("", "", "")


# --- status classes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (405, KalshiAPIError),
        (409, ConflictError),
        (422, KalshiAPIError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_each_status_gets_its_class(
    mock: responses.RequestsMock, status: int, cls: type[KalshiAPIError]
) -> None:
    response = answer(mock, status, {"code": "x", "message": "y"})
    error = raised(response)
    assert type(error) is cls
    assert type(error_for_response(response)) is cls
    assert isinstance(error, KalshiError)
    assert isinstance(error, requests.HTTPError)
    assert isinstance(error, requests.RequestException)
    assert error.response is response
    assert error.request is response.request


@pytest.mark.parametrize("status", [200, 201, 204, 301, 302, 304, 307, 399])
def test_success_and_redirects_do_not_raise(mock: responses.RequestsMock, status: int) -> None:
    headers = {"Location": DEMO + "/elsewhere"} if 300 <= status < 400 else {}
    body = None if status in (204, 304) else {"error": "not really"}
    response = answer(mock, status, body, headers=headers)
    raise_for_kalshi(response)  # returns without raising


def test_raise_for_status_keeps_working(mock: responses.RequestsMock) -> None:
    response = answer(mock, 401, NOT_FOUND)
    with pytest.raises(requests.HTTPError) as info:
        response.raise_for_status()
    assert not isinstance(info.value, KalshiAPIError)


def test_except_request_exception_catches_it(mock: responses.RequestsMock) -> None:
    response = answer(mock, 503, "busy")
    with pytest.raises(requests.RequestException) as info:
        raise_for_kalshi(response)
    assert isinstance(info.value, ServerError)


# --- the message ------------------------------------------------------------------------------


def test_str_is_one_readable_line(mock: responses.RequestsMock, auth: KalshiAuth) -> None:
    response = answer(mock, 401, NOT_FOUND, auth=auth, url=DEMO + "/portfolio/balance?x=1")
    assert str(raised(response)) == (
        "Kalshi answered 401 Unauthorized to GET /trade-api/v2/portfolio/balance: "
        "authentication_error: authentication error (NOT_FOUND). "
        f"Kalshi does not know key id '{KEY_ID}' on external-api.demo.kalshi.co (demo). "
        "Demo and production keys are separate: use a demo key with the demo environment and "
        "a production key with production, and check that the key id was copied whole."
    )


def test_a_message_ending_in_a_period_is_not_doubled(mock: responses.RequestsMock) -> None:
    response = answer(mock, 404, {"code": "not_found", "message": "No such market."})
    assert str(raised(response)) == (
        "Kalshi answered 404 Not Found to GET /trade-api/v2/portfolio/balance: "
        "not_found: No such market"
    )


def test_long_and_multi_line_bodies_are_cut_to_one_short_line(
    mock: responses.RequestsMock,
) -> None:
    response = answer(mock, 500, "trace line\n" * 200)
    error = raised(response)
    assert "\n" not in str(error)
    assert len(error.message) == 300
    assert error.message.endswith("…")


def test_a_response_without_request_or_reason_still_reads_well() -> None:
    response = requests.Response()
    response.status_code = 418
    response._content = b'{"code": "teapot"}'
    assert str(raised(response)) == "Kalshi answered 418 I'm a Teapot: teapot"
    response.status_code = 599
    assert str(raised(response)) == "Kalshi answered 599: teapot"


def test_errors_never_contain_the_signature_or_key_material(
    mock: responses.RequestsMock, auth: KalshiAuth, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    bodies = [NOT_FOUND, BAD_SIGNATURE, EXPIRED, {"code": "signature_is_missing_from_headers"}]
    pem = ed_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    raw = ed_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    for body in bodies:
        response = answer(mock, 401, body, auth=auth, headers={"Date": formatdate(SIGNED_AT)})
        signature = response.request.headers["KALSHI-ACCESS-SIGNATURE"]
        assert len(signature) > 40
        error = raised(response)
        for text in (str(error), repr(error), repr(error.args), error.diagnosis):
            assert signature not in text
            assert signature[:24] not in text
            assert base64.b64encode(raw).decode() not in text
            assert "PRIVATE KEY" not in text
            assert all(line not in text for line in pem.splitlines()[1:-1])


# --- diagnoses --------------------------------------------------------------------------------


def test_not_found_names_the_key_and_the_environment(
    mock: responses.RequestsMock, auth: KalshiAuth
) -> None:
    error = raised(answer(mock, 401, NOT_FOUND, auth=auth, url=PROD + "/portfolio/balance"))
    assert KEY_ID in error.diagnosis
    assert "external-api.kalshi.com (production)" in error.diagnosis
    assert "Demo and production keys are separate" in error.diagnosis


def test_not_found_on_another_host_names_the_host(mock: responses.RequestsMock) -> None:
    url = "https://kalshi-proxy.example/trade-api/v2/portfolio/balance"
    error = raised(answer(mock, 401, NOT_FOUND, url=url, headers={}))
    assert "Kalshi does not know the key id on kalshi-proxy.example." in error.diagnosis


def test_incorrect_signature_names_the_key_and_the_path_explanation(
    mock: responses.RequestsMock, auth: KalshiAuth
) -> None:
    error = raised(answer(mock, 401, BAD_SIGNATURE, auth=auth))
    assert f"does not belong to key id '{KEY_ID}'" in error.diagnosis
    assert "path Kalshi saw differs from the path that was signed" in error.diagnosis


@pytest.mark.parametrize(
    ("server_ahead", "measured", "words"),
    [
        (120, 120.5, "off by 120.5 s (behind Kalshi's"),
        (-300, -299.5, "off by 299.5 s (ahead of Kalshi's"),
    ],
)
def test_expired_timestamp_measures_the_clock_from_date(
    mock: responses.RequestsMock,
    auth: KalshiAuth,
    server_ahead: int,
    measured: float,
    words: str,
) -> None:
    date = formatdate(SIGNED_AT + server_ahead, usegmt=True)
    response = answer(mock, 401, EXPIRED, auth=auth, headers={"Date": date})
    assert response.request.headers["KALSHI-ACCESS-TIMESTAMP"] == "1700000000000"
    error = raised(response)
    assert isinstance(error, TimestampExpiredError)
    assert isinstance(error, AuthenticationError)
    assert error.clock_offset == measured
    assert words in str(error)
    assert "KalshiAuth.clock_offset" in error.diagnosis


def test_expired_timestamp_without_date_says_the_clock_is_probably_off(
    mock: responses.RequestsMock, auth: KalshiAuth
) -> None:
    error = raised(answer(mock, 401, EXPIRED, auth=auth))
    assert isinstance(error, TimestampExpiredError)
    assert error.clock_offset is None
    assert "the local clock is probably off" in error.diagnosis


def test_expired_in_details_is_recognised_too(
    mock: responses.RequestsMock, auth: KalshiAuth
) -> None:
    body = {"error": {"code": "authentication_error", "details": "header_timestamp_expired"}}
    date = formatdate(SIGNED_AT + 10, usegmt=True)
    error = raised(answer(mock, 401, body, auth=auth, headers={"Date": date}))
    assert isinstance(error, TimestampExpiredError)
    assert error.clock_offset == 10.5


def test_missing_signature_says_to_give_the_session_an_auth(
    mock: responses.RequestsMock,
) -> None:
    body = {"code": "signature_is_missing_from_headers", "message": "missing"}
    error = raised(answer(mock, 401, body))
    assert "KalshiAuth" in error.diagnosis


def test_any_other_401_still_gets_advice(mock: responses.RequestsMock, auth: KalshiAuth) -> None:
    error = raised(answer(mock, 401, {"code": "authentication_error"}, auth=auth))
    assert type(error) is AuthenticationError
    assert KEY_ID in error.diagnosis
    assert "(demo)" in error.diagnosis


def test_conflict_explains_client_order_id(mock: responses.RequestsMock, auth: KalshiAuth) -> None:
    body = {"error": {"code": "order_already_exists", "message": "order already exists"}}
    error = raised(
        answer(mock, 409, body, auth=auth, method="POST", url=DEMO + "/portfolio/orders")
    )
    assert isinstance(error, ConflictError)
    assert "client_order_id exists already" in error.diagnosis


def test_limit_over_1000_says_so(mock: responses.RequestsMock) -> None:
    body = {"msg": "bad request"}
    error = raised(answer(mock, 400, body, url=DEMO + "/markets?limit=5000"))
    assert isinstance(error, BadRequestError)
    assert "at most 1000" in error.diagnosis
    other = raised(answer(mock, 400, body, url=DEMO + "/markets?limit=10"))
    assert other.diagnosis == ""


def test_rate_limit_without_retry_after(mock: responses.RequestsMock) -> None:
    error = raised(answer(mock, 429, {"error": "too many requests"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None
    assert "rate_limit=" in error.diagnosis
    assert "asks to wait" not in error.diagnosis


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [("7", 7, 7), ("0", 0, 0), (None, 3590, 3600), ("Thu, 01 Jan 1970 00:00:00 GMT", 0, 0)],
)
def test_rate_limit_reads_retry_after_seconds_and_dates(
    mock: responses.RequestsMock, value: str | None, low: float, high: float
) -> None:
    import time

    header = value if value is not None else formatdate(time.time() + 3600, usegmt=True)
    response = answer(mock, 429, {"error": "too many requests"}, headers={"Retry-After": header})
    error = raised(response)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert low <= error.retry_after <= high
    assert "Kalshi asks to wait" in error.diagnosis


def test_unreadable_retry_after_is_ignored(mock: responses.RequestsMock) -> None:
    response = answer(mock, 429, {"error": "too many requests"}, headers={"Retry-After": "soon"})
    error = raised(response)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


def test_server_error_on_post_warns_the_order_may_exist(mock: responses.RequestsMock) -> None:
    error = raised(answer(mock, 500, "oops", method="POST", url=DEMO + "/portfolio/orders"))
    assert "may or may not have acted on this POST" in error.diagnosis
    assert raised(answer(mock, 500, "oops")).diagnosis == ""


def test_an_explicit_diagnosis_wins(mock: responses.RequestsMock) -> None:
    response = answer(mock, 401, NOT_FOUND)
    error = AuthenticationError(response, "Use the other key.\nNow.")
    assert error.diagnosis == "Use the other key. Now."
    assert str(error).endswith("(NOT_FOUND). Use the other key. Now.")


def test_an_explicit_diagnosis_wins_for_an_expired_timestamp_too(
    mock: responses.RequestsMock, auth: KalshiAuth
) -> None:
    date = formatdate(SIGNED_AT + 60, usegmt=True)
    response = answer(mock, 401, EXPIRED, auth=auth, headers={"Date": date})
    error = TimestampExpiredError(response, "Fix the clock.")
    assert error.clock_offset == 60.5
    assert error.diagnosis == "Fix the clock."


@pytest.mark.parametrize("server_ahead", [0, 1, -2])
def test_an_expired_timestamp_with_a_clock_that_agrees_blames_the_delay(
    mock: responses.RequestsMock, auth: KalshiAuth, server_ahead: int
) -> None:
    date = formatdate(SIGNED_AT + server_ahead, usegmt=True)
    error = raised(answer(mock, 401, EXPIRED, auth=auth, headers={"Date": date}))
    assert isinstance(error, TimestampExpiredError)
    assert error.clock_offset == server_ahead + 0.5
    assert f"agrees with Kalshi's (within {abs(server_ahead + 0.5):.1f} s" in error.diagnosis
    assert "reached Kalshi long after it was signed" in error.diagnosis
    assert "off by" not in error.diagnosis


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (401, EXPIRED, {"Date": formatdate(SIGNED_AT + 90, usegmt=True)}),
        (429, {"error": "too many requests"}, {"Retry-After": "3"}),
        (409, {"code": "order_already_exists", "message": "order already exists"}, {}),
        (503, "<html><title>Down</title></html>", {}),
    ],
)
def test_errors_pickle_with_their_fields(
    mock: responses.RequestsMock, auth: KalshiAuth, status: int, body: Any, headers: Any
) -> None:
    error = raised(answer(mock, status, body, auth=auth, method="POST", headers=headers))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert (copy.status, copy.code, copy.message, copy.details, copy.diagnosis) == (
        error.status,
        error.code,
        error.message,
        error.details,
        error.diagnosis,
    )
    assert copy.response is None
    assert getattr(copy, "clock_offset", None) == getattr(error, "clock_offset", None)
    assert getattr(copy, "retry_after", None) == getattr(error, "retry_after", None)
    assert isinstance(copy, requests.HTTPError)
