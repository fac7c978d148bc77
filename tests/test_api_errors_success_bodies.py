"""Error bodies Kalshi sends with a 2xx status, and its string-valued 429 body on any status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from requests_kalshi import KalshiAPIError, RateLimitError, ServerError, raise_for_kalshi, session
from requests_kalshi.api_errors import (
    DeprecatedEndpointError,
    error_for_response,
    error_in_response,
)

DEMO = "https://external-api.demo.kalshi.co/trade-api/v2"
DEPRECATED = {
    "error": {
        "code": "deprecated_v1_order_endpoint",
        "message": "Please switch to the V2 endpoints",
    }
}


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def answer(
    mock: responses.RequestsMock,
    status: int,
    body: Any,
    *,
    method: str = "POST",
    path: str = "/portfolio/orders",
    stream: bool = False,
) -> requests.Response:
    reply = {"body": body} if isinstance(body, (str, bytes)) else {"json": body}
    mock.add(method, DEMO + path, status=status, **reply)
    return requests.request(method, DEMO + path, stream=stream)


@pytest.mark.parametrize("status", [200, 201])
def test_the_v1_answer_on_a_2xx_is_a_typed_error(mock: responses.RequestsMock, status: int) -> None:
    response = answer(mock, status, DEPRECATED)
    assert response.ok
    with pytest.raises(DeprecatedEndpointError) as info:
        raise_for_kalshi(response)
    error = info.value
    assert isinstance(error, KalshiAPIError)
    assert (error.status, error.code) == (status, "deprecated_v1_order_endpoint")
    assert "POST /portfolio/events/orders" in str(error)
    assert "DELETE /portfolio/events/orders/{order_id}" in str(error)
    assert f"answered {status}" in str(error)
    assert isinstance(error_in_response(response), DeprecatedEndpointError)


def test_a_session_raising_errors_raises_it(mock: responses.RequestsMock) -> None:
    mock.add("DELETE", DEMO + "/portfolio/orders/o-1", status=200, json=DEPRECATED)
    s = session("demo", raise_errors=True, environ={})
    with pytest.raises(DeprecatedEndpointError, match="DELETE /trade-api/v2/portfolio"):
        s.delete("/portfolio/orders/o-1")
    s.close()


@pytest.mark.parametrize("status", [200, 503])
def test_the_string_valued_429_body_is_a_rate_limit_error_on_any_status(
    mock: responses.RequestsMock, status: int
) -> None:
    response = answer(mock, status, {"error": "too many requests"}, method="GET")
    error = error_in_response(response)
    assert isinstance(error, RateLimitError)
    assert "rate limit was hit" in str(error)


@pytest.mark.parametrize(
    "body",
    [
        {"orders": [{"order_id": "a", "error": {"code": "insufficient_balance"}}]},
        {"market": {"ticker": "T", "error": "not the top level"}},
        {"error": None},
        {"error": "something else"},
        [{"error": {"code": "x"}}],
        b'{"error": {"code": "x"}',  # not JSON
        b'{"a": "' + b"x" * 600 + b'", "error": {"code": "late"}}',  # not near the start
        b'{"error": {"code": "big"}, "pad": "' + b"x" * 70_000 + b'"}',  # too large for one
        b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
def test_successes_that_are_not_error_bodies_pass(mock: responses.RequestsMock, body: Any) -> None:
    response = answer(mock, 200, body, method="GET", path="/markets")
    assert error_in_response(response) is None
    raise_for_kalshi(response)


def test_an_unread_streamed_body_is_not_consumed(mock: responses.RequestsMock) -> None:
    response = answer(mock, 200, DEPRECATED, stream=True)
    assert error_in_response(response) is None
    assert response.json() == DEPRECATED  # still there for the caller


def test_error_statuses_keep_their_classes(mock: responses.RequestsMock) -> None:
    assert isinstance(error_for_response(answer(mock, 503, {"error": "boom"})), ServerError)
    assert isinstance(error_in_response(answer(mock, 404, {}, method="GET")), KalshiAPIError)
    assert error_in_response(answer(mock, 200, {"balance": 1}, method="GET", path="/b")) is None
