"""Error bodies of any shape or depth give the typed errors, never anything else."""

from __future__ import annotations

import json
import sys

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from requests_kalshi import KalshiAPIError
from requests_kalshi._requests_flow import ANSWERS
from requests_kalshi.api_errors import error_for_response, parse_error_body


def response(status: int, body: bytes) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.url = "https://external-api.kalshi.com/trade-api/v2/markets"
    return r


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":' * 100_000 + b"1" + b"}" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"error": {"code": "x", "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}",
    ],
)
@pytest.mark.parametrize("status", [400, 401, 429, 500])
def test_deeply_nested_bodies_give_the_typed_error(body: bytes, status: int) -> None:
    error = error_for_response(response(status, body))
    assert isinstance(error, KalshiAPIError)
    assert len(str(error)) < 2000


def test_a_value_too_deep_to_print_is_described(monkeypatch: pytest.MonkeyPatch) -> None:
    deep: list[object] = []
    for _ in range(sys.getrecursionlimit() * 2):
        deep = [deep]
    payload = {"error": {"code": "c", "message": deep}}
    monkeypatch.setattr(json, "loads", lambda *args, **kwargs: payload)
    assert parse_error_body(response(400, b"{}")) == ("c", "(deeply nested JSON)", "")


def test_the_clock_check_survives_a_deep_body() -> None:
    r = response(401, b'{"error":' * 50_000 + b"1" + b"}" * 50_000)
    r.headers["Date"] = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert ANSWERS.timestamp_refused(r) is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        json_values.map(lambda v: json.dumps(v).encode()),
        json_values.map(lambda v: json.dumps({"error": v}).encode()),
        st.binary(max_size=200),
    ),
    st.sampled_from([400, 401, 403, 404, 409, 429, 500, 503]),
)
def test_any_body_gives_the_typed_error(body: bytes, status: int) -> None:
    assert isinstance(error_for_response(response(status, body)), KalshiAPIError)
