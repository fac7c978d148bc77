"""The core: pure values and decisions, checked against the requests adapter's own rules."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import httpx
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given
from hypothesis import strategies as st

from requests_kalshi import RetryPolicy, UntrustedHostError
from requests_kalshi.clock import MAX_CLOCK_CORRECTION
from requests_kalshi.core import (
    Failure,
    RetryRules,
    SignatureAction,
    Signer,
    Target,
    TokenBucket,
    judge_clock,
    next_hop,
    redirect_method,
)
from requests_kalshi.core.clock_skew import MAX_CORRECTION
from requests_kalshi.core.http_dates import parse_http_date, retry_after_seconds
from requests_kalshi.core.redirects import signature_action
from requests_kalshi.core.urls import join_url
from requests_kalshi.environments import is_loopback_host
from requests_kalshi.errors import ConfigurationError
from requests_kalshi.sessions import KalshiSession

from .conftest import KEY_ID
from .verifier import assert_signed

PACKAGE = Path(__file__).resolve().parent.parent / "requests_kalshi"
FORBIDDEN = {"requests", "httpx", "urllib3"}


def _imports(path: Path) -> set[str]:
    """Absolute module names a file imports when it is imported (relative imports resolved).

    Module-level statements only (including ``if``/``try`` blocks): an import inside a
    function runs when that function is called, and the core calls none that import a client.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join([*base, node.module or ""]).rstrip("."))
            else:
                names.add(node.module or "")
    return names


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run on import: the body and the blocks of its ifs and trys."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If):
            found += _module_level(node.body) + _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            blocks = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
            for block in blocks:
                found += _module_level(block)
    return found


def test_the_core_imports_no_http_client() -> None:
    """Every module the core reaches, inside the package, imports no HTTP client."""
    todo = list((PACKAGE / "core").glob("*.py"))
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
            if name.startswith("requests_kalshi."):
                parts = name.split(".")[1:]
                module = PACKAGE.joinpath(*parts).with_suffix(".py")
                package = PACKAGE.joinpath(*parts, "__init__.py")
                todo.extend(p for p in (module, package) if p.exists())
    reached = {p.name for p in seen}
    assert {"signer.py", "retrying.py", "keys.py", "environments.py", "errors.py"} <= reached


# --- the signer -------------------------------------------------------------------------


@pytest.fixture
def signer(ed_key: ed25519.Ed25519PrivateKey) -> Signer:
    return Signer(KEY_ID, ed_key, frozenset({"proxy.example.com"}), clock=lambda: 1000.0)


def test_signer_headers_verify_independently(
    any_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
) -> None:
    signer = Signer(KEY_ID, any_key, clock=lambda: 1_700_000_000.25, offset=1.5)
    headers = signer.headers("post", "/trade-api/v2/portfolio/orders")
    stamp = assert_signed(
        any_key.public_key(), headers, "POST", "/trade-api/v2/portfolio/orders", KEY_ID
    )
    assert stamp == 1_700_000_001_750


@pytest.mark.parametrize(
    ("target", "trusted"),
    [
        (Target("https", "external-api.kalshi.com"), True),
        (Target("HTTPS", "External-API.Kalshi.com.", 443), True),
        (Target("wss", "external-api-ws.demo.kalshi.co", None), True),
        (Target("https", "external-api.kalshi.com", 8443), False),
        (Target("http", "external-api.kalshi.com", 80), False),
        (Target("https", "kalshi.com.evil.example"), False),
        (Target("http", "127.0.0.1", 8080), True),
        (Target("http", "127.9.9.9", 1), True),
        (Target("http", "[::1]", 9), True),
        (Target("ws", "localhost", 9), True),
        (Target("http", "evil.localhost", 80), False),
        (Target("http", "10.0.0.1", 80), False),
        (Target("https", "proxy.example.com", 8443), True),
        (Target("http", "proxy.example.com", 80), False),
        (Target("ftp", "127.0.0.1", 21), False),
        (Target("https", "", None), False),
    ],
)
def test_trust_is_decided_on_scheme_host_and_port(
    signer: Signer, target: Target, trusted: bool
) -> None:
    assert signer.trusts(target) is trusted


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (Target("https", "evil.example"), "pass allowed_hosts=['evil.example']"),
        (Target("http", "external-api.kalshi.com"), "over https only"),
        (Target("http", "proxy.example.com"), "over https only"),
        (Target("https", "external-api.kalshi.com", 444), "port 443 only"),
        (Target("ftp", "127.0.0.1"), "not an http(s) URL"),
        (Target("https", ""), "not an http(s) URL"),
    ],
)
def test_untrusted_targets_raise_a_clear_error(
    signer: Signer, target: Target, message: str
) -> None:
    with pytest.raises(UntrustedHostError) as info:
        signer.check(target, "the-url")
    assert message in str(info.value)
    signer.check(Target("http", "127.0.0.1", 1), "ok")  # a trusted one passes


def test_signer_is_a_value(signer: Signer) -> None:
    moved = signer.with_offset(-3.0)
    assert (signer.offset, moved.offset) == (0.0, -3.0)
    assert moved.timestamp_ms() == 997_000
    assert "PRIVATE" not in repr(moved)
    assert KEY_ID in repr(moved)
    with pytest.raises(AttributeError):
        signer.offset = 1.0  # type: ignore[misc]


def test_loopback_means_literals_and_localhost() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("LOCALHOST")
    assert not is_loopback_host("localhost.evil.test")
    assert not is_loopback_host("0x7f.1")


# --- retries --------------------------------------------------------------------------------

METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"]
STATUSES = [200, 301, 400, 401, 404, 409, 429, 500, 501, 502, 503, 504]


@pytest.mark.parametrize("method", METHODS)
def test_status_rules_match_the_requests_policy(method: str) -> None:
    rules, policy = RetryRules(), RetryPolicy()
    for status in STATUSES:
        assert rules.retries(method, Failure.STATUS, status) is policy.retries_response(
            method, status
        ), (method, status)


@pytest.mark.parametrize(
    ("failure", "get", "post"),
    [
        (Failure.NOT_SENT, True, True),
        (Failure.AFTER_SEND, True, False),
        (Failure.FATAL, False, False),
    ],
)
def test_failure_rules(failure: Failure, get: bool, post: bool) -> None:
    rules = RetryRules()
    assert (rules.retries("GET", failure), rules.retries("post", failure)) == (get, post)


def test_increment_returns_new_values_until_total() -> None:
    state = RetryRules(total=2, backoff_factor=1.0).start(now=0.0)
    first = state.increment("GET", Failure.STATUS, status=503, now=0.0, rand=0.5)
    assert first is not None
    assert (first.retries, first.delay) == (1, 0.5)
    second = first.increment("GET", Failure.STATUS, status=503, now=1.0, rand=0.5)
    assert second is not None
    assert (second.retries, second.delay) == (2, 1.0)
    assert second.increment("GET", Failure.STATUS, status=503, now=2.0, rand=0.5) is None
    assert (state.retries, state.delay) == (0, 0.0)  # the old values did not change


def test_increment_refuses_what_must_not_repeat() -> None:
    state = RetryRules().start(now=0.0)
    assert state.increment("POST", Failure.STATUS, status=503, now=0, rand=0) is None
    assert state.increment("POST", Failure.AFTER_SEND, now=0, rand=0) is None
    assert (
        state.increment("GET", Failure.STATUS, status=429, now=0, rand=0, replayable=False) is None
    )
    assert state.increment("POST", Failure.NOT_SENT, now=0, rand=0) is not None


def test_retry_after_and_budget() -> None:
    rules = RetryRules(budget=10.0)
    state = rules.start(now=100.0)
    waited = state.increment("GET", Failure.STATUS, status=429, now=100, rand=0.9, retry_after=4)
    assert waited is not None
    assert waited.delay == 4.0
    assert (
        state.increment("GET", Failure.STATUS, status=429, now=107, rand=0, retry_after=4) is None
    )
    ignoring = RetryRules(respect_retry_after=False, backoff_factor=1.0).start(now=0.0)
    jittered = ignoring.increment(
        "GET", Failure.STATUS, status=429, now=0, rand=0.25, retry_after=9
    )
    assert jittered is not None
    assert jittered.delay == 0.25


@given(st.integers(min_value=0, max_value=40), st.floats(min_value=0, max_value=0.999))
def test_backoff_matches_the_requests_policy(retry_number: int, rand: float) -> None:
    assert RetryRules().backoff(retry_number, rand) == RetryPolicy().backoff(retry_number, rand)


# --- clock ----------------------------------------------------------------------------------


def test_a_clock_that_is_off_is_corrected_to_the_server() -> None:
    verdict = judge_clock(signed_ms=1_000_000, sent_at=1000.0, offset=0.0, server_date=1059.0)
    assert verdict.offset == pytest.approx(59.5)
    assert verdict.clock_error == pytest.approx(59.5)
    # The same refusal seen by a thread whose offset was already corrected gives the same value.
    again = judge_clock(signed_ms=1_000_000, sent_at=1000.0, offset=59.5, server_date=1059.0)
    assert again.offset is None  # the corrected clock agrees: nothing more to correct


def test_a_late_request_does_not_move_the_clock() -> None:
    verdict = judge_clock(signed_ms=940_000, sent_at=1000.0, offset=0.0, server_date=1000.0)
    assert verdict.offset is None
    assert verdict.late_by == pytest.approx(60.0)
    assert "late" in verdict.reason


def test_corrections_up_to_an_hour_are_made_as_the_requests_session_makes_them() -> None:
    verdict = judge_clock(signed_ms=1_000_000, sent_at=1000.0, offset=0.0, server_date=2800.0)
    assert verdict.offset == pytest.approx(1800.5)
    assert MAX_CORRECTION == MAX_CLOCK_CORRECTION == 3600.0


@pytest.mark.parametrize("server_date", [None, 1000.0 + 2 * 3600])
def test_no_date_or_an_absurd_one_is_not_trusted(server_date: float | None) -> None:
    verdict = judge_clock(signed_ms=1_000_000, sent_at=1000.0, offset=0.0, server_date=server_date)
    assert verdict.offset is None


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status"), list(itertools.product(METHODS, [301, 302, 303, 307, 308]))
)
def test_redirect_method_is_what_requests_and_httpx_do(method: str, status: int) -> None:
    session = requests.Session()
    prepared = requests.Request(method, "http://127.0.0.1/a").prepare()
    response = requests.Response()
    response.status_code = status
    session.rebuild_method(prepared, response)
    request = httpx.Request(method, "http://127.0.0.1/a")
    answer = httpx.Response(status, headers={"Location": "/b"}, request=request)
    assert redirect_method(method, status) == prepared.method
    assert redirect_method(method, status) == httpx.Client()._redirect_method(request, answer)


def test_next_hop_resigns_trusted_and_strips_foreign(signer: Signer) -> None:
    home, away = Target("http", "127.0.0.1", 80), Target("https", "evil.test")
    assert next_hop(signer, "POST", 303, home) == ("GET", SignatureAction.RESIGN)
    assert next_hop(signer, "POST", 307, away) == ("POST", SignatureAction.STRIP)
    assert next_hop(None, "GET", 301, home) == ("GET", SignatureAction.STRIP)


def test_signature_action(signer: Signer) -> None:
    home = Target("http", "127.0.0.1", 80)
    assert signature_action(signer, home, "get", "/a", ("GET", "/a")) is SignatureAction.KEEP
    assert signature_action(signer, home, "GET", "/b", ("GET", "/a")) is SignatureAction.RESIGN
    assert signature_action(signer, home, "GET", "/a", None) is SignatureAction.RESIGN
    away = Target("https", "evil.test")
    assert signature_action(signer, away, "GET", "/a", ("GET", "/a")) is SignatureAction.STRIP
    after_unsigned = signature_action(signer, home, "GET", "/a", None, unsigned_before=True)
    assert after_unsigned is SignatureAction.STRIP


# --- token buckets --------------------------------------------------------------------------


def test_bucket_reserves_in_order_and_refills() -> None:
    bucket = TokenBucket.full(rate=10, capacity=20, now=0.0)
    bucket, wait = bucket.take(20, now=0.0)
    assert wait == 0.0
    bucket, first = bucket.take(10, now=0.0)
    bucket, second = bucket.take(10, now=0.0)
    assert (first, second) == (1.0, 2.0)  # the second waits behind the first
    assert bucket.refilled(3.0).tokens == 10.0
    assert bucket.refilled(100.0).tokens == 20.0  # never above capacity
    assert bucket.refilled(-1.0) is bucket


def test_bucket_clamps_a_cost_to_its_capacity() -> None:
    bucket, wait = TokenBucket.full(rate=1, capacity=5, now=0.0).take(50, now=0.0)
    assert (bucket.tokens, wait) == (0.0, 0.0)


# --- dates and URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784111777.0),
        ("Sun Nov  6 08:49:37 1994", 784111777.0),  # no zone: GMT, not local time
        ("x", None),
    ],
)
def test_http_dates_in_every_form_http_allows(value: str, seconds: float | None) -> None:
    assert parse_http_date(value) == seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 7.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("Sun, 06 Nov 1994 08:49:27 GMT", 0.0),
    ],
)
def test_retry_after_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=784_111_770.0) == seconds


@given(st.text(alphabet="/abtrde-v2?=:.%", max_size=30))
def test_join_url_matches_the_session(url: str) -> None:
    session = KalshiSession("demo")
    try:
        expected = session.url_for(url)
    except ConfigurationError:
        with pytest.raises(ConfigurationError):
            join_url(session.base_url, url)
        return
    assert join_url(session.base_url, url) == expected


def test_join_url_refuses_other_schemes() -> None:
    with pytest.raises(ConfigurationError, match="only http"):
        join_url("https://external-api.kalshi.com/trade-api/v2", "ftp://x/y")
    with pytest.raises(ConfigurationError, match="must be a str"):
        join_url("https://external-api.kalshi.com/trade-api/v2", b"/x")  # type: ignore[arg-type]
