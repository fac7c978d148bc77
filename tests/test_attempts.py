"""The core's attempt flow: its steps, and the rules every adapter now shares through it."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from requests_kalshi import KalshiAuth, RetryPolicy, UntrustedHostError
from requests_kalshi.core.attempts import (
    AttemptPolicy,
    Close,
    Hop,
    Pace,
    Read,
    Rewind,
    Send,
    SetOffset,
    Sign,
    Signed,
    Wait,
    drive,
)
from requests_kalshi.core.redirects import SignatureAction, hop_action, next_hop
from requests_kalshi.core.retrying import Failure, RetryRules
from requests_kalshi.core.signer import Target
from requests_kalshi.core.steps import Flow
from requests_kalshi.redirects import hop_headers
from requests_kalshi.retry import failure_of

from .adapters import BARE, Adapter
from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply
from .scripted import ScriptedServer
from .test_adapters import UNAVAILABLE, adapter, foreign_host, redirect  # noqa: F401
from .test_clock_skew import EXPIRED, window_check
from .test_redirect_adapters import is_signed, to_host

# --- the flow, driven by hand ----------------------------------------------------------------


Answer = tuple[int, dict[str, str]]


class FakeAnswers:
    """Responses are ``(status, headers)`` pairs; errors say their failure by their type."""

    def status(self, response: tuple[int, dict[str, str]]) -> int:
        return response[0]

    def header(self, response: tuple[int, dict[str, str]], name: str) -> str | None:
        return response[1].get(name)

    def timestamp_refused(self, response: tuple[int, dict[str, str]]) -> bool:
        return response[1].get("Error") == "header_timestamp_expired"

    def redirected(self, response: tuple[int, dict[str, str]]) -> bool:
        return response[1].get("History") == "yes"

    def failure(self, error: Exception) -> Failure:
        return Failure.NOT_SENT if isinstance(error, ConnectionRefusedError) else Failure.FATAL


def run(flow: Flow[Any], outcomes: list[object], signed: Signed | None = None) -> list[object]:
    """Drive ``flow``, answering each Send with the next outcome; the steps and the result."""
    steps: list[object] = []
    answers = iter(outcomes)

    def act(step: object) -> object:
        steps.append(step)
        if isinstance(step, Send):
            return next(answers)
        return signed if isinstance(step, Sign) else None

    steps.append(drive(flow, act))
    return steps


POLICY = AttemptPolicy(RetryRules(backoff_factor=1.0), monotonic=lambda: 0.0, jitter=lambda: 0.5)


def test_a_retry_waits_then_starts_a_fresh_attempt_paced_and_signed_again() -> None:
    policy = AttemptPolicy(POLICY.rules, pace=True, monotonic=lambda: 0.0, jitter=lambda: 0.5)
    busy: Answer = (503, {})
    ok: Answer = (200, {})
    steps = run(
        policy.attempts(Hop("GET", "/p", signed=True, trusted=True), FakeAnswers()), [busy, ok]
    )
    assert steps == [
        Pace("GET", "/p"), Sign(), Send(), Close(busy), Wait(0.5), Rewind(),
        Pace("GET", "/p"), Sign(), Send(), ok,
    ]  # fmt: skip


def test_an_error_that_is_not_retried_is_raised_as_it_was() -> None:
    error = OSError("broken")
    with pytest.raises(OSError, match="broken") as raised:
        run(POLICY.attempts(Hop("GET", "/p"), FakeAnswers()), [error])
    assert raised.value is error


def test_a_post_whose_connection_was_never_opened_is_retried() -> None:
    refused = ConnectionRefusedError()
    ok: Answer = (201, {})
    steps = run(POLICY.attempts(Hop("POST", "/p"), FakeAnswers()), [refused, ok])
    assert steps == [Send(), Wait(0.5), Rewind(), Send(), ok]


def test_the_last_hop_of_a_followed_redirect_chain_is_never_repeated() -> None:
    last = (503, {"History": "yes"})
    assert run(POLICY.attempts(Hop("GET", "/p"), FakeAnswers()), [last]) == [Send(), last]


def test_a_signed_request_to_an_untrusted_target_is_sent_once() -> None:
    hop = Hop("GET", "/p", signed=True, trusted=False)
    busy: Answer = (503, {})
    assert run(POLICY.attempts(hop, FakeAnswers()), [busy]) == [Sign(), Send(), busy]


def test_a_refused_timestamp_is_judged_with_the_offset_it_was_signed_with() -> None:
    refused = (401, {"Error": "header_timestamp_expired", "Date": "Thu, 01 Jan 1970 00:16:40 GMT"})
    signed = Signed(timestamp_ms=880_000, offset=-120.0, clock=lambda: 1000.0)
    hop = Hop("GET", "/p", signed=True, trusted=True)
    steps = run(POLICY.attempts(hop, FakeAnswers()), [refused, (200, {})], signed)
    assert steps[3:6] == [SetOffset(0.5), Close(refused), Rewind()]  # server 1000.5 - clock 1000
    assert steps[2:3] == [Read(refused)]


# --- the same rules for every adapter --------------------------------------------------------


def test_a_signed_request_redirected_to_a_foreign_host_is_not_retried_there(
    adapter: Adapter,  # noqa: F811
    ed_key: ed25519.Ed25519PrivateKey,
    foreign_host: str,  # noqa: F811
) -> None:
    """Retries are Kalshi's business: the httpx transports used to retry a foreign 503."""
    auth = KalshiAuth(KEY_ID, ed_key)
    with LoopbackServer(lambda received: UNAVAILABLE).running() as evil:
        location = evil.url.replace("127.0.0.1", foreign_host) + "/elsewhere"
        script = [redirect(302, location)]
        with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
            answer = adapter.one(
                server.url, auth, "GET", "/markets", follow_redirects=True,
                retry=RetryPolicy(backoff_factor=0.01),
            )  # fmt: skip
    assert answer.status == 503
    assert len(evil.received) == 1


def test_a_refusal_is_judged_by_the_offset_the_request_was_signed_with(
    adapter: Adapter,  # noqa: F811
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    """Another request corrects the clock while this one is in flight: this one is retried.

    The httpx transports judged the refusal with the offset in force when the answer came,
    took the stale request for a late one, and returned the 401.
    """
    behind = KalshiAuth(KEY_ID, ed_key, clock_offset=-120.0)

    def corrected_meanwhile(received: Received) -> Reply:
        clocked: Any = adapter.http_auth if adapter.http_auth is not None else behind
        clocked.clock_offset = 0.0  # as another thread's correction would
        return EXPIRED

    script = [corrected_meanwhile, window_check(ed_key.public_key())]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        answer = adapter.one(server.url, behind, "GET", "/portfolio/balance")
    assert answer.status == 200
    assert len(server.received) == 2
    assert abs(adapter.clock_offset(behind)) < 1.6


def test_a_refusal_while_the_clock_agrees_is_returned_not_retried(
    adapter: Adapter,  # noqa: F811
    ed_key: ed25519.Ed25519PrivateKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A late request is no clock error: the requests session used to retry it anyway."""
    auth = KalshiAuth(KEY_ID, ed_key)
    with (
        ScriptedServer(ed_key.public_key(), KEY_ID, [EXPIRED] * 3).running() as server,
        caplog.at_level(logging.WARNING, logger="requests_kalshi"),
    ):
        assert adapter.one(server.url, auth, "GET", "/portfolio/balance").status == 401
    assert len(server.received) == 1
    assert adapter.clock_offset(auth) == 0.0
    assert any("clock not corrected" in r.getMessage() for r in caplog.records)


# --- requests failures in the core's terms ---------------------------------------------------


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (requests.exceptions.ProxyError("refused"), Failure.FATAL),
        (requests.exceptions.SSLError("bad certificate"), Failure.FATAL),
        (requests.exceptions.ConnectTimeout("slow"), Failure.NOT_SENT),
        (requests.exceptions.ReadTimeout("slow"), Failure.AFTER_SEND),
        (requests.exceptions.ConnectionError("reset"), Failure.AFTER_SEND),
        (requests.exceptions.ChunkedEncodingError("cut"), Failure.AFTER_SEND),
        (requests.exceptions.InvalidURL("no"), Failure.FATAL),
    ],
)
def test_requests_failures(error: requests.RequestException, failure: Failure) -> None:
    assert failure_of(error) is failure


def test_a_proxy_error_is_not_retried_as_documented() -> None:
    """The table said "proxy error: not retried"; a GET through a failing proxy was retried."""
    assert not RetryPolicy().retries_error("GET", requests.exceptions.ProxyError("refused"))


# --- one signer for every client --------------------------------------------------------------


def test_the_requests_auth_signs_through_the_core_signer(ed_key: ed25519.Ed25519PrivateKey) -> None:
    auth = KalshiAuth(KEY_ID, ed_key, clock=lambda: 1000.0, allowed_hosts=["proxy.example.com"])
    first = auth.signer
    auth.clock_offset = 2.5
    assert first.offset == 0.0  # a value: the offset replaced it
    assert (auth.signer.offset, auth.signer.key_id, auth.timestamp_ms()) == (2.5, KEY_ID, 1_002_500)
    assert auth.signer.extra_hosts == frozenset({"proxy.example.com"})
    headers = auth.headers("GET", "/trade-api/v2/markets")
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1002500"
    text = b"1002500GET/trade-api/v2/markets"
    ed_key.public_key().verify(base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"]), text)


def test_the_requests_auth_refuses_a_kalshi_host_on_another_port(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    """As the httpx auth did: Kalshi serves its API on 443 only (any port was trusted)."""
    auth = KalshiAuth(KEY_ID, ed_key)
    url = "https://external-api.kalshi.com:8443/trade-api/v2/markets"
    assert not auth.signs_for(url)
    with pytest.raises(UntrustedHostError, match="port 443 only"):
        auth.headers("GET", url)
    with pytest.raises(UntrustedHostError, match="port 443 only"):
        requests.Request("GET", url, auth=auth).prepare()


@pytest.mark.parametrize("status", [302, 307])
def test_a_hop_back_to_kalshi_after_a_foreign_host_goes_unsigned(
    adapter: Adapter,  # noqa: F811
    ed_key: ed25519.Ed25519PrivateKey,
    foreign_host: str,  # noqa: F811
    status: int,
) -> None:
    """A foreign host must not bounce a request back to Kalshi, at a path it chose, signed."""
    script = [
        to_host(status, foreign_host, "/trade-api/v2/portfolio/orders"),
        to_host(status, "127.0.0.1", "/trade-api/v2/portfolio/orders"),
    ]
    auth = KalshiAuth(KEY_ID, ed_key)
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        answer = adapter.one(server.url, auth, "GET", "/markets", follow_redirects=True)
    assert answer.status == 200
    _, foreign, back = server.received
    assert server.timestamps()[0] is not None
    assert not is_signed(foreign)
    assert not is_signed(back)


@pytest.mark.parametrize("bare", ["httpx.Client", "httpx.AsyncClient"])
def test_a_bare_httpx_client_leaves_a_hop_back_after_a_foreign_host_unsigned(
    bare: str,
    ed_key: ed25519.Ed25519PrivateKey,
    foreign_host: str,  # noqa: F811
) -> None:
    """httpx follows the redirects itself: the wire guard strips the hop back (a 307 keeps
    the method and body, so a signed hop back would place an order of the foreign host's
    choosing)."""
    script = [
        to_host(307, foreign_host, "/trade-api/v2/portfolio/orders"),
        to_host(307, "127.0.0.1", "/trade-api/v2/portfolio/orders"),
    ]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        BARE[bare](KalshiAuth(KEY_ID, ed_key), server.url + "/markets", "POST")
    _, foreign, back = server.received
    assert server.timestamps()[0] is not None
    assert not is_signed(foreign)
    assert not is_signed(back)
    assert (back.method, back.path) == ("POST", "/trade-api/v2/portfolio/orders")


def test_a_hop_after_an_unsigned_one_is_never_signed(ed_key: ed25519.Ed25519PrivateKey) -> None:
    signer = KalshiAuth(KEY_ID, ed_key).signer
    kalshi = Target("https", "external-api.kalshi.com")
    assert hop_action(signer, kalshi) is SignatureAction.RESIGN
    assert hop_action(signer, kalshi, unsigned_before=True) is SignatureAction.STRIP
    assert hop_action(signer, Target("https", "evil.test")) is SignatureAction.STRIP
    assert next_hop(signer, "POST", 303, kalshi, unsigned_before=True) == (
        "GET",
        SignatureAction.STRIP,
    )


def test_a_hop_to_a_url_that_clients_read_differently_is_stripped(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    signed = {"KALSHI-ACCESS-KEY": KEY_ID, "KALSHI-ACCESS-SIGNATURE": "x", "Accept": "*/*"}
    hop = hop_headers(signed, auth, "GET", "http://evil:1\\@127.0.0.1/", unsigned_before=False)
    assert dict(hop) == {"Accept": "*/*"}
    assert hop.chain.unsigned
    trusted = hop_headers(signed, auth, "GET", "http://127.0.0.1/b", unsigned_before=False)
    assert trusted["KALSHI-ACCESS-SIGNATURE"] != "x"
    assert not trusted.chain.unsigned


@pytest.mark.parametrize("url", ["http://127.0.0.1./x", "http://localhost./x", "https://[::1.]/x"])
def test_a_loopback_name_with_a_trailing_dot_is_a_dns_name_not_loopback(
    ed_key: ed25519.Ed25519PrivateKey, url: str
) -> None:
    """The resolver answers for ``127.0.0.1.`` with any address it likes (hypothesis found
    the requests auth trusting it once it signed through the core Signer)."""
    auth = KalshiAuth(KEY_ID, ed_key)
    assert not auth.signs_for(url)
    assert not auth.signer.trusts(Target("http", url.split("/")[2].strip("[]")))
    with pytest.raises(UntrustedHostError):
        auth.headers("GET", url)


def test_the_benchmarks_stand_in_key_replaces_the_signers_key(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    """benchmarks/run.py measures our own work with a key whose signing costs nothing."""

    class FreeKey:
        def sign(self, data: bytes, *args: object) -> bytes:
            return bytes(64)

    auth = KalshiAuth(KEY_ID, ed_key, clock_offset=1.5)
    free: Any = FreeKey()
    auth._key = free
    assert auth._key is free
    assert auth.signer.offset == 1.5
    signature = auth.headers("GET", "/trade-api/v2/markets")["KALSHI-ACCESS-SIGNATURE"]
    assert base64.b64decode(signature) == bytes(64)
